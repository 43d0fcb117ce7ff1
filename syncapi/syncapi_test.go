package syncapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/syncapi"
)

const testAccount = "AC00000000000000000000000000000001"

// env is the Sync API over a Chat on a fresh bbolt file: one Service with
// alice, bob and carol; a public Channel "general" with alice and bob as
// Members and seven Messages from alice; a private Channel "staff" with
// alice alone.
type env struct {
	t       *testing.T
	chat    *chat.Chat
	url     string
	service string
	users   map[string]*model.User
	general *model.Channel
	staff   *model.Channel
	members map[string]*model.Member // of general, by identity
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "chatd.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := chat.New(st, chat.Options{AccountSid: testAccount})
	srv := httptest.NewServer(syncapi.New(c, syncapi.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	e := &env{t: t, chat: c, url: srv.URL, users: map[string]*model.User{}, members: map[string]*model.Member{}}
	ctx := context.Background()
	s, err := c.CreateService(ctx, model.ServiceCreate{FriendlyName: "sync"})
	e.must(err)
	e.service = s.Sid
	// As after a client's sign-in: the writes below append Sync events.
	e.must(st.Update(ctx, func(tx model.Tx) error { return tx.StartSyncLog(s.Sid) }))
	for _, id := range []string{"alice", "bob", "carol"} {
		e.users[id], err = c.CreateUser(ctx, s.Sid, model.UserCreate{Identity: id})
		e.must(err)
	}
	general, private := "general", model.ChannelPrivate
	e.general, err = c.CreateChannel(ctx, s.Sid, model.ChannelCreate{UniqueName: &general})
	e.must(err)
	e.staff, err = c.CreateChannel(ctx, s.Sid, model.ChannelCreate{Type: &private})
	e.must(err)
	for _, id := range []string{"alice", "bob"} {
		e.members[id], err = c.CreateMember(ctx, s.Sid, e.general.Sid, model.MemberCreate{Identity: id})
		e.must(err)
	}
	_, err = c.CreateMember(ctx, s.Sid, e.staff.Sid, model.MemberCreate{Identity: "alice"})
	e.must(err)
	from := "alice"
	for i := range 7 {
		body := fmt.Sprint("message ", i)
		_, err := c.CreateMessage(ctx, s.Sid, e.general.Sid, model.MessageCreate{From: &from, Body: &body})
		e.must(err)
	}
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// token is an access token of identity in the env's Service.
func (e *env) token(identity string) string {
	e.t.Helper()
	tok, err := e.chat.MintToken(context.Background(), model.TokenMint{Identity: identity, ServiceSid: e.service})
	e.must(err)
	return tok.Token
}

// reply is a decoded answer.
type reply struct {
	status int
	body   map[string]any
	raw    string
}

// get fetches path (under the API's URL, or an absolute URL) with token.
func (e *env) get(token, path string) reply {
	e.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = e.url + path
	}
	req, err := http.NewRequest(http.MethodGet, path, nil)
	e.must(err)
	if token != "" {
		req.Header.Set("X-Twilio-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	e.must(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	e.must(err)
	r := reply{status: resp.StatusCode, raw: string(b)}
	if err := json.Unmarshal(b, &r.body); err != nil {
		e.t.Fatalf("GET %s: %d %q is not a JSON object", path, resp.StatusCode, b)
	}
	return r
}

func (r reply) want(t *testing.T, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

func (r reply) wantError(t *testing.T, status, code int) {
	t.Helper()
	if r.status != status || r.body["code"] != float64(code) || r.body["status"] != float64(status) || r.body["message"] == "" {
		t.Errorf("got %d %s, want %d with code %d", r.status, r.raw, status, code)
	}
}

// keys lists the items' keys (maps) or indexes (lists) of a page.
func (r reply) keys() []string {
	var out []string
	items, _ := r.body["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		if k, ok := m["key"]; ok {
			out = append(out, k.(string))
		} else {
			out = append(out, fmt.Sprint(m["index"]))
		}
	}
	return out
}

// meta returns a page's meta field.
func (r reply) meta(field string) string {
	m, _ := r.body["meta"].(map[string]any)
	s, _ := m[field].(string)
	return s
}

func (r reply) str(field string) string {
	s, _ := r.body[field].(string)
	return s
}

func TestRoots(t *testing.T) {
	e := newEnv(t)
	alice := e.token("alice")
	doc := model.ChannelRef(e.general.Sid)
	byName := e.get(alice, "/v3/Documents/"+doc.Name()).want(t, http.StatusOK)
	bySid := e.get(alice, "/v3/Documents/"+doc.Sid()).want(t, http.StatusOK)
	if byName.raw != bySid.raw {
		t.Errorf("by name %s\nby SID %s", byName.raw, bySid.raw)
	}
	last := byName.body["last_event_id"].(float64)
	if byName.str("sid") != doc.Sid() || byName.str("unique_name") != doc.Name() ||
		byName.str("url") != e.url+"/v3/Documents/"+doc.Sid() || byName.str("revision") != fmt.Sprint(last) ||
		last < 1 || byName.body["date_expires"] != nil || byName.body["links"] != nil {
		t.Errorf("document descriptor = %s", byName.raw)
	}
	data, _ := byName.body["data"].(map[string]any)
	if data["uniqueName"] != "general" || data["type"] != "public" || data["messages"] != e.general.Sid+".messages" ||
		data["roster"] != e.general.Sid+".roster" || data["lastMessage"].(map[string]any)["index"] != 6.0 {
		t.Errorf("document data = %v", data)
	}

	list := e.get(alice, "/v3/Lists/"+model.SyncMessages(e.general.Sid)).want(t, http.StatusOK)
	links, _ := list.body["links"].(map[string]any)
	if list.str("sid") != model.MessagesRef(e.general.Sid).Sid() || links["items"] != e.url+"/v3/Lists/"+model.MessagesRef(e.general.Sid).Sid()+"/Items" ||
		list.body["data"] != nil || list.body["items"] != nil {
		t.Errorf("list descriptor = %s", list.raw)
	}

	info := e.get(alice, "/v3/Maps/"+model.SyncUserInfo(e.users["bob"].Sid)+"?Include=items").want(t, http.StatusOK)
	if got := info.keys(); !slices.Equal(got, []string{"attributes", "friendlyName", "reachability"}) {
		t.Errorf("info map with its items: keys %v in %s", got, info.raw)
	}
	item := info.body["items"].([]any)[1].(map[string]any)
	if v, _ := item["data"].(map[string]any); v == nil || v["value"] != nil || item["url"] != info.str("url")+"/Items/friendlyName" {
		t.Errorf("friendlyName item = %v", item)
	}
	if plain := e.get(alice, "/v3/Maps/"+model.SyncUserInfo(e.users["bob"].Sid)).want(t, http.StatusOK); plain.body["items"] != nil {
		t.Errorf("a map without Include=items = %s", plain.raw)
	}
}

func TestListPaging(t *testing.T) {
	e := newEnv(t)
	alice := e.token("alice")
	items := "/v3/Lists/" + model.SyncMessages(e.general.Sid) + "/Items"
	page := func(query string) reply { return e.get(alice, items+query).want(t, http.StatusOK) }
	follow := func(r reply, dir string) reply {
		t.Helper()
		u := r.meta(dir + "_page_url")
		if u == "" {
			t.Fatalf("no %s page: %s", dir, r.raw)
		}
		if tok := r.meta(dir + "_token"); !strings.HasSuffix(u, "?PageToken="+tok) {
			t.Errorf("%s_page_url %s does not carry the token %s", dir, u, tok)
		}
		return e.get(alice, u).want(t, http.StatusOK)
	}
	check := func(what string, r reply, keys []string, prev, next bool) {
		t.Helper()
		if got := r.keys(); !slices.Equal(got, keys) || (r.meta("previous_token") != "") != prev || (r.meta("next_token") != "") != next {
			t.Errorf("%s: keys %v, previous %q, next %q; want %v, previous %v, next %v",
				what, got, r.meta("previous_token"), r.meta("next_token"), keys, prev, next)
		}
	}

	first := page("?PageSize=3&HideExpired=true")
	check("asc page 1", first, []string{"0", "1", "2"}, false, true)
	second := follow(first, "next")
	check("asc page 2", second, []string{"3", "4", "5"}, true, true)
	check("back from asc page 2", follow(second, "previous"), []string{"0", "1", "2"}, false, true)
	check("asc page 3", follow(second, "next"), []string{"6"}, true, false)

	down := page("?Order=desc&PageSize=3")
	check("desc page 1", down, []string{"6", "5", "4"}, false, true)
	down2 := follow(down, "next")
	check("desc page 2", down2, []string{"3", "2", "1"}, true, true)
	down3 := follow(down2, "next")
	check("desc page 3", down3, []string{"0"}, true, false)
	check("back from desc page 3", follow(down3, "previous"), []string{"3", "2", "1"}, true, true)

	check("From 4", page("?From=4&PageSize=2"), []string{"4", "5"}, true, true)
	check("From 4 desc", page("?From=4&PageSize=2&Order=desc"), []string{"4", "3"}, true, true)
	check("From past the end", page("?From=40"), nil, false, false)
	check("default page", page(""), []string{"0", "1", "2", "3", "4", "5", "6"}, false, false)

	one := page("?Index=3")
	check("Index 3", one, []string{"3"}, false, false)
	it := one.body["items"].([]any)[0].(map[string]any)
	data := it["data"].(map[string]any)
	if data["text"] != "message 3" || data["author"] != "alice" || data["memberSid"] != e.members["alice"].Sid ||
		it["url"] != e.url+"/v3/Lists/"+model.MessagesRef(e.general.Sid).Sid()+"/Items/3" || it["last_event_id"] != e.get(alice, "/v3/Lists/"+model.SyncMessages(e.general.Sid)).body["last_event_id"] {
		t.Errorf("item 3 = %v", it)
	}
	check("Index 99", page("?Index=99"), nil, false, false)
	e.get(alice, items+"/3").want(t, http.StatusOK)
	e.get(alice, items+"/99").wantError(t, http.StatusNotFound, 54151)

	for _, q := range []string{"?Index=x", "?From=-1", "?Order=up", "?PageSize=0x", "?PageSize=1001", "?PageToken=bogus", "?PageToken=Na3_x"} {
		e.get(alice, items+q).wantError(t, http.StatusBadRequest, 20001)
	}
}

func TestMapItems(t *testing.T) {
	e := newEnv(t)
	alice := e.token("alice")
	roster := "/v3/Maps/" + model.SyncRoster(e.general.Sid) + "/Items"
	want := []string{e.members["alice"].Sid, e.members["bob"].Sid}
	slices.Sort(want)
	all := e.get(alice, roster).want(t, http.StatusOK)
	if got := all.keys(); !slices.Equal(got, want) {
		t.Errorf("roster keys %v, want %v", got, want)
	}
	first := e.get(alice, roster+"?PageSize=1&Order=desc").want(t, http.StatusOK)
	if got := first.keys(); !slices.Equal(got, want[1:]) || first.meta("next_token") == "" {
		t.Errorf("desc page of one = %s", first.raw)
	}
	if got := e.get(alice, first.meta("next_page_url")).want(t, http.StatusOK).keys(); !slices.Equal(got, want[:1]) {
		t.Errorf("next desc page = %v", got)
	}
	bob := e.get(alice, roster+"?Key="+e.members["bob"].Sid).want(t, http.StatusOK)
	if got := bob.keys(); !slices.Equal(got, []string{e.members["bob"].Sid}) {
		t.Errorf("Key lookup = %s", bob.raw)
	} else if d := bob.body["items"].([]any)[0].(map[string]any)["data"].(map[string]any); d["identity"] != "bob" {
		t.Errorf("bob's roster item = %v", d)
	}
	if got := e.get(alice, roster+"?Key=nobody").want(t, http.StatusOK).keys(); len(got) != 0 {
		t.Errorf("Key lookup of no item = %v", got)
	}
	e.get(alice, roster+"/"+e.members["alice"].Sid).want(t, http.StatusOK)
	e.get(alice, roster+"/nobody").wantError(t, http.StatusNotFound, 54201)

	mine := e.get(alice, "/v3/Maps/"+model.SyncUserChannels(e.users["alice"].Sid)+"/Items").want(t, http.StatusOK)
	chans := []string{e.general.Sid, e.staff.Sid}
	slices.Sort(chans)
	if got := mine.keys(); !slices.Equal(got, chans) {
		t.Errorf("alice's channels = %v, want %v", got, chans)
	}
	info := e.get(alice, "/v3/Maps/"+model.UserInfoRef(e.users["alice"].Sid).Sid()+"/Items/friendlyName").want(t, http.StatusOK)
	if info.str("key") != "friendlyName" {
		t.Errorf("friendlyName item = %s", info.raw)
	}
}

func TestPermissions(t *testing.T) {
	e := newEnv(t)
	bob, carol := e.token("bob"), e.token("carol")
	aliceChannels := "/v3/Maps/" + model.SyncUserChannels(e.users["alice"].Sid)
	e.get(bob, aliceChannels).wantError(t, http.StatusForbidden, 54007)
	e.get(bob, aliceChannels+"/Items").wantError(t, http.StatusForbidden, 54007)
	e.get(bob, "/v3/Maps/"+model.SyncUserInfo(e.users["alice"].Sid)).want(t, http.StatusOK)
	e.get(carol, "/v3/Documents/"+model.SyncChannel(e.general.Sid)).want(t, http.StatusOK)
	e.get(bob, "/v3/Documents/"+model.SyncChannel(e.staff.Sid)).wantError(t, http.StatusNotFound, 54100)
	e.get(bob, "/v3/Lists/"+model.SyncMessages(e.staff.Sid)+"/Items").wantError(t, http.StatusNotFound, 54150)
	e.get(bob, "/v3/Maps/"+model.SyncRoster(e.staff.Sid)+"/Items").wantError(t, http.StatusNotFound, 54200)
	e.get(bob, "/v3/Lists/"+model.SyncChannel(e.general.Sid)).wantError(t, http.StatusNotFound, 54150)

	e.get("", "/v3/Documents/"+model.SyncChannel(e.general.Sid)).wantError(t, http.StatusUnauthorized, 20101)
	e.get("not.a.token", "/v3/Documents/"+model.SyncChannel(e.general.Sid)).wantError(t, http.StatusUnauthorized, 20101)
	e.get(bob, "/v3/Streams/x").wantError(t, http.StatusNotFound, 20404)
	e.get(bob, "/v3/Documents/"+model.SyncChannel(e.general.Sid)+"/Items").wantError(t, http.StatusNotFound, 20404)
}
