package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/postgres"
)

func TestParseMigrate(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	const pg = "postgres://chatd@db/chatd"
	cfg, err := parseMigrate(nil, env("CHATD_MIGRATE_FROM", "a.db", "CHATD_MIGRATE_TO", pg, "CHATD_DB", "served.db"), io.Discard)
	if want := (migrateConfig{from: "a.db", to: pg}); err != nil || cfg != want {
		t.Errorf("from the environment: %+v, %v; want %+v", cfg, err, want)
	}
	cfg, err = parseMigrate([]string{"--from", "b.db"}, env("CHATD_MIGRATE_FROM", "a.db", "CHATD_MIGRATE_TO", pg), io.Discard)
	if want := (migrateConfig{from: "b.db", to: pg}); err != nil || cfg != want {
		t.Errorf("flags over the environment: %+v, %v; want %+v", cfg, err, want)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--to", pg}, "--from is required"},
		{[]string{"--from", "a.db"}, "--to is required"},
		{[]string{"--from", "a.db", "--to", "b.db"}, "not a PostgreSQL URL"},
		{[]string{"--from", "postgres://chatd:hush@db/chatd", "--to", pg}, "is a database URL"},
		{[]string{"--from", "a.db", "--to", pg, "extra"}, "unexpected arguments: extra"},
		{[]string{"--nope"}, "not defined"},
	} {
		_, err := parseMigrate(c.args, env("CHATD_DB", "served.db"), io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "hush") {
			t.Errorf("%v: %v, want an error saying %q (and no password)", c.args, err, c.want)
		}
	}
}

func TestMigrateProgress(t *testing.T) {
	copied := postgres.ImportProgress{Bytes: 3_400_000, Tables: []postgres.TableCount{
		{Table: "services", Rows: 2}, {Table: "roles", Rows: 0}, {Table: "messages", Rows: 1998},
	}}
	line := regexp.MustCompile(`^chatd migrate: 2000 records \(services 2, messages 1998\), 3\.4 MB, [0-9]+ records/s, [0-9]+s$`)
	for _, live := range []bool{false, true} {
		var out strings.Builder
		p := newProgressLine(&out, live)
		report := migrateReport(p)
		report(copied) // within the first second: quiet
		if out.Len() != 0 {
			t.Errorf("live=%v: a report in the first second printed %q", live, out.String())
		}
		p.last = p.last.Add(-time.Second)
		p.start = p.start.Add(-2 * time.Second)
		report(copied)
		p.end()
		s := out.String()
		if !line.MatchString(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(s, "\n"), "\r"), "\x1b[K")) || strings.Count(s, "\n") != 1 {
			t.Errorf("live=%v: progress %q, want one line of records by table, bytes and rate", live, s)
		}
		if live != strings.HasPrefix(s, "\r") {
			t.Errorf("live=%v: progress %q; a live line is rewritten in place, another is not", live, s)
		}
	}
}

// runMigrate runs chatd migrate with args.
func runMigrate(args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"migrate"}, args...), func(string) string { return "" }, &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestMigrate fills a chatd file through a running chatd, copies it into
// PostgreSQL with chatd migrate, and serves the copy: every read answers
// as it did on the file, and what continues from the copy (the next
// Message index, delivery ID and Sync event ID, repeated mutation ids, API
// keys, the generated credentials) continues where the file left off.
func TestMigrate(t *testing.T) {
	dsn := pgtest.New(t)
	path := filepath.Join(t.TempDir(), "chatd.db")
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer receiver.Close()

	// Generated credentials: they are settings, which the copy must carry.
	file := testenv.New(t, testenv.WithStore(testenv.BoltStore(path)), testenv.WithCredentials("", ""))
	f := fill(t, file, receiver.URL)
	before := readEverything(t, &file.API, f)
	syncBefore := syncLogs(t, file.Store, f.services)
	file.Close()

	stdout, stderr, err := runMigrate("--from", path, "--to", dsn)
	if err != nil {
		t.Fatalf("migrate: %v; stderr: %s", err, stderr)
	}
	checkSummary(t, stdout, path, before)

	pg := testenv.New(t, testenv.WithStore(testenv.PostgresStore(dsn)), testenv.WithCredentials("", ""), testenv.WithoutDispatcher())
	if pg.AccountSid != file.AccountSid || pg.AuthToken != file.AuthToken {
		t.Fatalf("on PostgreSQL the generated credentials are %s/%s, want the file's %s/%s", pg.AccountSid, pg.AuthToken, file.AccountSid, file.AuthToken)
	}
	after := readEverything(t, &pg.API, f)
	diffLists(t, "on PostgreSQL", after, before)
	if got := syncLogs(t, pg.Store, f.services); !equalJSON(got, syncBefore) {
		t.Errorf("the Sync logs on PostgreSQL:\n %s\nwant\n %s", mustJSON(t, got), mustJSON(t, syncBefore))
	}

	t.Run("continues where the file left off", func(t *testing.T) {
		alice := pg.As(t, "alice", strings.TrimPrefix(f.service, "/v2/Services/"))
		sent := alice.Must(t, http.StatusCreated, http.MethodPost, "/Client/v1/Conversations/general/Messages", map[string]any{"body": "on PostgreSQL"}).Body
		if sent["index"] != float64(f.nextIndex) {
			t.Errorf("the next Message has index %v, want %d (the file's newest Messages were deleted)", sent["index"], f.nextIndex)
		}
		ds := testenv.ItemsOf(t, pg.Get(t, "/_chatd/deliveries?PageSize=1"), "deliveries")
		if len(ds) != 1 || ds[0]["id"] != float64(f.lastDelivery+1) {
			t.Errorf("the newest delivery is %v, want ID %d", ds, f.lastDelivery+1)
		}
		var events []*model.SyncEvent
		err := pg.Store.View(context.Background(), func(tx model.Tx) (err error) {
			events, err = tx.SyncFeed(strings.TrimPrefix(f.service, "/v2/Services/"), f.lastSyncEvent, 0)
			return err
		})
		if err != nil || len(events) == 0 || events[0].ID <= f.lastSyncEvent {
			t.Errorf("Sync events after the send: %d, %v; want new ones above %d, the last ID the file gave", len(events), err, f.lastSyncEvent)
		}
	})
	t.Run("API keys still verify", func(t *testing.T) {
		if r := pg.DoAuth(t, http.MethodGet, "/v2/Services", nil, f.keySid, f.keySecret); r.Status != http.StatusOK {
			t.Errorf("Basic auth with the stored API key: %d %s", r.Status, r.Raw)
		}
		client := pg.As(t, "alice", strings.TrimPrefix(f.service, "/v2/Services/"), testenv.SignedWith(f.keySid, f.keySecret))
		client.Must(t, http.StatusOK, http.MethodGet, "/Client/v1/Configuration", nil)
	})
	t.Run("mutation ids are remembered", func(t *testing.T) {
		alice := pg.As(t, "alice", strings.TrimPrefix(f.service, "/v2/Services/"))
		r := alice.Must(t, http.StatusAccepted, http.MethodPost, "/Client/v1/Conversations/general/Messages",
			map[string]any{"body": "once"}, "X-Twilio-Mutation-Id", f.mutationID)
		if !strings.HasSuffix(r.Str("resource_url"), "/Messages/"+f.mutationMessage) {
			t.Errorf("a repeated mutation id leads to %q, want the Message %s", r.Str("resource_url"), f.mutationMessage)
		}
	})
	t.Run("a database that is not empty is refused", func(t *testing.T) {
		_, _, err := runMigrate("--from", path, "--to", dsn)
		if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "Services") {
			t.Errorf("migrate into the copy: %v, want a refusal saying the database is not empty", err)
		}
	})
}

// filled is what fill made.
type filled struct {
	service, general string
	services         []string // IS SIDs
	media            []string // Media paths (/v1/Services/IS…/Media/ME…)
	nextIndex        int
	lastDelivery     uint64
	lastSyncEvent    uint64
	keySid           string
	keySecret        string
	mutationID       string
	mutationMessage  string
}

// fill makes one of everything a chatd file holds, through e's REST API
// and Client API: Roles, Users, Channels with Members (one with a
// consumption horizon), Messages (the newest and one in between deleted),
// Invites, a webhook, Media (attached and not, of several chunks),
// Credentials, Bindings, an API key, first-person mutations, a finished
// and a pending webhook delivery; and a second Service, deleted, whose
// Sync events and deliveries were the newest.
func fill(t *testing.T, e *testenv.Env, receiver string) *filled {
	t.Helper()
	f := &filled{}
	f.service = e.NewService(t)
	sid := strings.TrimPrefix(f.service, "/v2/Services/")
	f.services = []string{sid}
	e.SignIn(t, "dave", sid) // its writes from now on are in its Sync log
	f.general = f.service + "/Channels/" + e.Create(t, f.service+"/Channels", testenv.Form("UniqueName", "general", "FriendlyName", "General"))["sid"].(string)
	private := f.service + "/Channels/" + e.Create(t, f.service+"/Channels", testenv.Form("Type", "private", "UniqueName", "secret"))["sid"].(string)
	e.Create(t, f.service+"/Roles", testenv.Form("FriendlyName", "poster", "Type", "channel", "Permission", "sendMessage"))
	for _, id := range []string{"alice", "bob", "carol"} {
		e.Create(t, f.service+"/Users", testenv.Form("Identity", id, "FriendlyName", strings.ToUpper(id)))
	}
	e.Create(t, f.general+"/Members", testenv.Form("Identity", "alice"))
	bob := e.Create(t, f.general+"/Members", testenv.Form("Identity", "bob"))["sid"].(string)
	e.Create(t, private+"/Members", testenv.Form("Identity", "alice"))
	e.Create(t, private+"/Invites", testenv.Form("Identity", "carol"))
	e.Create(t, f.general+"/Webhooks", testenv.Form("Type", "webhook", "Configuration.Url", receiver,
		"Configuration.Method", "POST", "Configuration.Filters", "onMessageSent"))

	var messages []string
	for i := range 5 {
		messages = append(messages, e.Create(t, f.general+"/Messages", testenv.Form("Body", fmt.Sprint("message ", i), "From", "alice"))["sid"].(string))
	}
	for _, m := range []string{messages[4], messages[3], messages[1]} {
		e.Delete(t, f.general+"/Messages/"+m)
	}
	f.nextIndex = 5
	e.Update(t, f.general+"/Members/"+bob, testenv.Form("LastConsumedMessageIndex", "2"))

	// Media: one of three chunks sent in a Message, one empty and unsent.
	content := make([]byte, 2*model.MediaChunkSize+1000)
	for i := range content {
		content[i] = byte(rand.N(256))
	}
	attached := upload(t, e, sid, content)
	e.Create(t, private+"/Messages", testenv.Form("MediaSid", attached, "From", "alice"))
	f.media = []string{"/v1/Services/" + sid + "/Media/" + attached, "/v1/Services/" + sid + "/Media/" + upload(t, e, sid, nil)}

	credential := e.Create(t, "/v2/Credentials", testenv.Form("Type", "fcm", "FriendlyName", "push", "Secret", "fcm-secret"))["sid"].(string)
	e.Create(t, "/_chatd/Services/"+sid+"/Bindings", testenv.Form("Identity", "alice", "BindingType", "fcm", "Endpoint", "device-1", "CredentialSid", credential))
	key := e.Create(t, "/_chatd/keys", testenv.Form("FriendlyName", "migrated"))
	f.keySid, f.keySecret = key["sid"].(string), key["secret"].(string)

	alice := e.As(t, "alice", sid)
	f.mutationID = "5f4dcc3b-5aa7-4b2c-9c1d-7e2f0a6b8e11"
	f.mutationMessage = alice.Must(t, http.StatusCreated, http.MethodPost, "/Client/v1/Conversations/general/Messages",
		map[string]any{"body": "once"}, "X-Twilio-Mutation-Id", f.mutationID).Str("sid")
	f.nextIndex++

	// The deliveries so far are sent; the next waits, pending.
	for deadline := time.Now().Add(time.Minute); ; {
		ds := testenv.ItemsOf(t, e.Get(t, "/_chatd/deliveries?PageSize=100"), "deliveries")
		if len(ds) > 0 && !slices.ContainsFunc(ds, func(d map[string]any) bool { return d["status"] == model.DeliveryPending }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deliveries were not sent: %v", ds)
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.Restart(t, testenv.WithoutDispatcher())
	e.As(t, "bob", sid).Must(t, http.StatusCreated, http.MethodPost, "/Client/v1/Conversations/general/Messages", map[string]any{"body": "pending"})
	f.nextIndex++

	// A Service deleted last: the newest Sync event IDs were its.
	gone := e.NewService(t)
	e.SignIn(t, "dave", strings.TrimPrefix(gone, "/v2/Services/"))
	e.Create(t, gone+"/Channels", testenv.Form("UniqueName", "gone"))
	e.Create(t, gone+"/Channels/gone/Messages", testenv.Form("Body", "soon gone"))
	err := e.Store.View(context.Background(), func(tx model.Tx) (err error) {
		f.lastSyncEvent, err = tx.SyncHead(strings.TrimPrefix(gone, "/v2/Services/"))
		return err
	})
	if err != nil || f.lastSyncEvent == 0 {
		t.Fatalf("the deleted Service's Sync head: %d, %v", f.lastSyncEvent, err)
	}
	e.Delete(t, gone)

	ds := testenv.ItemsOf(t, e.Get(t, "/_chatd/deliveries?PageSize=1"), "deliveries")
	if len(ds) != 1 || ds[0]["status"] != model.DeliveryPending {
		t.Fatalf("the newest delivery is %v, want a pending one", ds)
	}
	f.lastDelivery = uint64(ds[0]["id"].(float64))
	return f
}

// upload stores content as a Media of service over REST and returns its
// SID.
func upload(t *testing.T, e *testenv.Env, service string, content []byte) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/v1/Services/"+service+"/Media", bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "image/png")
	req.SetBasicAuth(e.AccountSid, e.AuthToken)
	r := e.Send(t, req)
	if r.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Status, r.Raw)
	}
	return r.Str("sid")
}

// readEverything is every read that shows chatd's data, keyed by path:
// the lists and fetches of every Service's records, the Credentials, the
// webhook deliveries, the API keys, and f's Media and their content. Each
// body is re-encoded with the base URL replaced and without the signed
// download links of Media, which carry their own expiry.
func readEverything(t *testing.T, api *testenv.API, f *filled) map[string]string {
	t.Helper()
	out := map[string]string{}
	get := func(path string) map[string]any {
		t.Helper()
		r := api.Do(t, http.MethodGet, path, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Raw)
		}
		if meta, _ := r.Body["meta"].(map[string]any); meta["next_page_url"] != nil {
			t.Fatalf("GET %s has more than one page", path)
		}
		out[path] = strings.ReplaceAll(string(mustJSON(t, unsigned(r.Body))), api.URL, "<base>")
		return r.Body
	}
	list := func(path, key string, query ...string) []string {
		t.Helper()
		var paths []string
		for _, item := range testenv.ItemsOf(t, get(path+"?PageSize=50"+strings.Join(query, "")), key) {
			p := path + "/" + item["sid"].(string)
			get(p)
			paths = append(paths, p)
		}
		return paths
	}
	for _, s := range list("/v2/Services", "services") {
		list(s+"/Roles", "roles")
		list(s+"/Bindings", "bindings")
		for _, u := range list(s+"/Users", "users") {
			get(u + "/Channels?PageSize=50")
			get(u + "/Bindings?PageSize=50")
		}
		for _, ch := range list(s+"/Channels", "channels", "&Type=public&Type=private") {
			list(ch+"/Members", "members")
			list(ch+"/Messages", "messages")
			list(ch+"/Invites", "invites")
			list(ch+"/Webhooks", "webhooks")
		}
	}
	list("/v2/Credentials", "credentials")
	get("/_chatd/deliveries?PageSize=100")
	list("/_chatd/keys", "keys")
	for _, me := range f.media {
		get(me)
		content := getBytes(t, api, me+"/Content")
		out[me+"/Content"] = fmt.Sprintf("%d bytes, sha256 %x", len(content), sha256.Sum256(content))
	}
	return out
}

// getBytes is the body of a GET of path, which is not JSON.
func getBytes(t *testing.T, api *testenv.API, path string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, api.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(api.AccountSid, api.AuthToken)
	resp, err := api.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", path, resp.StatusCode, err)
	}
	return b
}

// unsigned drops the signed download links from a decoded body.
func unsigned(v any) any {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "content_direct_temporary")
		for _, x := range v {
			unsigned(x)
		}
	case []any:
		for _, x := range v {
			unsigned(x)
		}
	}
	return v
}

// syncLog is what a store's Sync log holds of one Service: its events and
// its objects' records. Dates are to the microsecond, PostgreSQL's.
type syncLog struct {
	Started bool
	Events  []*model.SyncEvent
	Objects []*model.SyncObjectLog
}

func syncLogs(t *testing.T, st model.Store, services []string) map[string]syncLog {
	t.Helper()
	out := map[string]syncLog{}
	err := st.View(context.Background(), func(tx model.Tx) error {
		for _, s := range services {
			var l syncLog
			var err error
			if l.Started, err = tx.SyncLogStarted(s); err != nil {
				return err
			}
			if l.Events, err = tx.SyncFeed(s, 0, 0); err != nil {
				return err
			}
			seen := map[string]bool{}
			for _, e := range l.Events {
				e.Date = e.Date.Truncate(time.Microsecond)
				if seen[e.ObjectSid] {
					continue
				}
				seen[e.ObjectSid] = true
				o, err := tx.SyncObjectLog(s, e.ObjectSid)
				if err != nil {
					return err
				}
				o.DateUpdated = o.DateUpdated.Truncate(time.Microsecond)
				l.Objects = append(l.Objects, o)
			}
			if len(l.Events) == 0 || !l.Started {
				return fmt.Errorf("the Sync log of %s is empty, or not started", s)
			}
			out[s] = l
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkSummary checks what chatd migrate printed: a line of the records
// and bytes copied, then one line per table, with as many Messages as the
// file had (every page of messages in before).
func checkSummary(t *testing.T, stdout, path string, before map[string]string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	first := regexp.MustCompile(`^migrated (.+) into postgres://[^ ]+: ([0-9]+) records, [0-9.]+ [kMG]?B in [0-9.]+m?s$`)
	if m := first.FindStringSubmatch(lines[0]); m == nil || m[1] != path {
		t.Fatalf("migrate printed %q, want a summary line first", stdout)
	}
	tables := map[string]int{}
	row := regexp.MustCompile(`^  ([a-z_]+) +([0-9]+)$`)
	for _, l := range lines[1:] {
		m := row.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("migrate printed %q, want one line per table", l)
		}
		var n int
		fmt.Sscan(m[2], &n)
		tables[m[1]] = n
	}
	messages := 0
	for p, body := range before {
		if strings.HasSuffix(p, "/Messages?PageSize=50") {
			var page struct{ Messages []any }
			json.Unmarshal([]byte(body), &page)
			messages += len(page.Messages)
		}
	}
	for table, want := range map[string]int{"services": 1, "messages": messages, "media": 2, "media_chunks": 4, "api_keys": 1, "mutations": 1} {
		if tables[table] != want {
			t.Errorf("migrate copied %d rows of %s, want %d; it printed:\n%s", tables[table], table, want, stdout)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestServeRefusesUnfinishedCopy: chatd does not serve a database that a
// copy into it did not finish, which holds only part of the data.
func TestServeRefusesUnfinishedCopy(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.New(t)
	db, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	broken := errors.New("the source is broken")
	_, err = db.Import(ctx, func(l model.Loader) error {
		if err := l.Setting("dev_auth_token", "token"); err != nil {
			return err
		}
		return broken
	}, postgres.ImportOptions{Source: "chatd.db", TxBytes: 1})
	db.Close()
	if !errors.Is(err, broken) {
		t.Fatalf("Import: %v", err)
	}
	err = run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "unfinished copy (from chatd.db") {
		t.Errorf("serve on the unfinished copy: %v, want a refusal", err)
	}
}
