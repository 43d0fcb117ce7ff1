package console_test

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/model"
)

func TestConsoleTakesTheAccountCredentialsOnly(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name       string
		user, pass string
		want       int
	}{
		{"none", "", "", http.StatusUnauthorized},
		{"a wrong token", f.env.AccountSid, "wrong", http.StatusUnauthorized},
		{"an API key", f.env.APIKeySid, f.env.APIKeySecret, http.StatusForbidden},
		{"the Account's", f.env.AccountSid, f.env.AuthToken, http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/_chatd/console/", f.consolePath(), "/_chatd/console/static/console.css"} {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.env.URL+path, nil)
				if c.user != "" {
					req.SetBasicAuth(c.user, c.pass)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != c.want {
					t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, c.want)
				}
				if c.want == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
					t.Errorf("GET %s: WWW-Authenticate %q, want a Basic challenge", path, resp.Header.Get("WWW-Authenticate"))
				}
			}
		})
	}
}

func TestPagesShowTheData(t *testing.T) {
	f := newFixture(t)
	f.sendHooked(t, "alice", "Thanks, <b>great</b>!")
	s := "/_chatd/console/services/" + f.service
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/_chatd/console/", []string{"Acme support", ">1</a>", ">3</a>", ">3</td>"}}, // 1 channel, 3 users, 3 messages
		{s, []string{"Acme support", "/chat-events", "onMessageSent", "Channels (1)", "Users (3)"}},
		{s + "/channels", []string{"General", "<code>general</code>", "public", "Thanks, &lt;b&gt;great&lt;/b&gt;!"}},
		{f.consolePath(), []string{"Hi Bob, is the order shipped?", "It left the warehouse", "Thanks, &lt;b&gt;great&lt;/b&gt;!",
			"alice", "bob", "channel user", "dave", "/triggers", "“urgent”", `>1</td>`, `data-live="` + f.consolePath() + `/live"`, `data-after="2"`}},
		{s + "/users", []string{"alice", "bob", "service user"}},
		{s + "/roles", []string{"channel admin", "sendMessage", "service admin", "createChannel"}},
		{"/_chatd/console/deliveries", []string{"onMessageSent", "/chat-events", "delivered", ">200<"}},
		{"/_chatd/console/deliveries/1", []string{"onMessageSent", "delivered", "HTTP 200", html.EscapeString(receiverAnswer),
			"X-Twilio-Signature", "Thanks, &lt;b&gt;great&lt;/b&gt;!", "Send again"}},
	} {
		t.Run(c.path, func(t *testing.T) {
			p := f.get(t, c.path)
			if p.status != http.StatusOK {
				t.Fatalf("status %d\n%s", p.status, p.body)
			}
			for _, w := range c.want {
				if !strings.Contains(p.body, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			if ct := p.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy %q, want everything from the console itself", csp)
			}
		})
	}
	t.Run("the signature shown is the one sent", func(t *testing.T) {
		p := f.get(t, "/_chatd/console/deliveries/1")
		d := delivery(t, f, 1)
		if len(d.Log) != 1 || !strings.Contains(html.UnescapeString(p.body), d.Log[0].Signature) {
			t.Errorf("the page does not show the signature of the attempt %+v", d.Log)
		}
	})
	t.Run("an unknown page is a 404 page", func(t *testing.T) {
		for _, path := range []string{"/_chatd/console/nope", s + "/channels/CH0123456789abcdef0123456789abcdef", "/_chatd/console/deliveries/99", "/_chatd/console/deliveries/x"} {
			if p := f.get(t, path); p.status != http.StatusNotFound || !strings.Contains(p.body, "no such page") {
				t.Errorf("GET %s: %d %s", path, p.status, p.body)
			}
		}
	})
}

// delivery reads a delivery as chatd stored it, through chatd's own
// inspection route.
func delivery(t *testing.T, f *fixture, id uint64) *model.Delivery {
	t.Helper()
	var found *model.Delivery
	err := f.env.Store.View(t.Context(), func(tx model.Tx) error {
		ds, err := tx.Deliveries("", model.Window{After: fmt.Sprint(id - 1), Limit: 1})
		if len(ds) == 1 {
			found = ds[0]
		}
		return err
	})
	if err != nil || found == nil || found.ID != id {
		t.Fatalf("delivery %d: %v %+v", id, err, found)
	}
	return found
}

func TestDeliveriesFilter(t *testing.T) {
	f := newFixture(t)
	f.sendHooked(t, "alice", "first")
	f.sendHooked(t, "bob", "second")
	row := regexp.MustCompile(`<a href="/_chatd/console/deliveries/(\d+)">\d+</a>`)
	ids := func(query string) []string {
		p := f.get(t, "/_chatd/console/deliveries?"+query)
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, p.status, p.body)
		}
		var out []string
		for _, m := range row.FindAllStringSubmatch(p.body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	for query, want := range map[string][]string{
		"":                       {"2", "1"},
		"status=delivered":       {"2", "1"},
		"status=failed":          nil,
		"event=onMessageSent":    {"2", "1"},
		"event=onMemberAdded":    nil,
		"service=" + f.service:   {"2", "1"},
		"service=IS" + zeros(32): nil,
		"service=" + f.service + "&status=pending": nil,
	} {
		if got := ids(query); !slices.Equal(got, want) {
			t.Errorf("deliveries?%s = %v, want %v", query, got, want)
		}
	}
	if p := f.get(t, "/_chatd/console/deliveries?status=lost"); p.status != http.StatusBadRequest {
		t.Errorf("an unknown status: %d", p.status)
	}
}

func zeros(n int) string { return strings.Repeat("0", n) }

func TestPostMessage(t *testing.T) {
	f := newFixture(t)
	post := func(t *testing.T, form url.Values, header http.Header) answer {
		t.Helper()
		return f.do(t, http.MethodPost, f.consolePath()+"/messages", form, header)
	}
	t.Run("a message is posted as the identity named, and the page shown again", func(t *testing.T) {
		p := post(t, url.Values{"From": {"carol"}, "Body": {"Posted from the console"}, "Attributes": {`{"via":"console"}`}}, sameSite)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != f.consolePath() {
			t.Fatalf("%d to %q, want 303 to the channel page", p.status, p.header.Get("Location"))
		}
		msgs := f.env.Walk(t, f.channelPath()+"/Messages")
		last := msgs[len(msgs)-1]
		if last["from"] != "carol" || last["body"] != "Posted from the console" || last["attributes"] != `{"via":"console"}` {
			t.Errorf("the message is %v", last)
		}
	})
	t.Run("the webhooks fire when asked", func(t *testing.T) {
		before := f.received.Load()
		p := post(t, url.Values{"From": {"alice"}, "Body": {"hooked"}, "Webhooks": {"true"}}, sameSite)
		if p.status != http.StatusSeeOther {
			t.Fatalf("%d %s", p.status, p.body)
		}
		f.settle(t)
		if f.received.Load() == before {
			t.Error("no webhook was sent")
		}
		if d := delivery(t, f, 1); d.Params["Body"][0] != "hooked" || d.Params["Source"][0] != "API" {
			t.Errorf("the delivery is %+v", d)
		}
	})
	t.Run("the API's rules refuse a bad message, and the page says why", func(t *testing.T) {
		before := len(f.messages(t))
		p := post(t, url.Values{"From": {"alice"}, "Body": {"kept in the form"}, "Attributes": {"{not json"}}, sameSite)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `role="alert"`) || !strings.Contains(p.body, "kept in the form") {
			t.Errorf("%d\n%s", p.status, p.body)
		}
		if len(f.messages(t)) != before {
			t.Error("a refused message was stored")
		}
	})
	t.Run("a form from another site is refused", func(t *testing.T) {
		before := len(f.messages(t))
		for _, h := range []http.Header{
			{"Sec-Fetch-Site": {"cross-site"}},
			{"Sec-Fetch-Site": {"same-site"}},
			{"Origin": {"http://evil.example"}},
		} {
			if p := post(t, url.Values{"Body": {"forged"}}, h); p.status != http.StatusForbidden {
				t.Errorf("with %v: %d, want 403", h, p.status)
			}
		}
		if len(f.messages(t)) != before {
			t.Error("a forged message was stored")
		}
		// The browser of an older kind says only Origin, which is the
		// console's own.
		origin := http.Header{"Origin": {f.env.URL}}
		if p := post(t, url.Values{"Body": {"from an older browser"}}, origin); p.status != http.StatusSeeOther {
			t.Errorf("with the console's Origin: %d", p.status)
		}
	})
}

func TestResendAndReset(t *testing.T) {
	f := newFixture(t)
	f.sendHooked(t, "alice", "resend me")
	t.Run("send again", func(t *testing.T) {
		before := f.received.Load()
		p := f.do(t, http.MethodPost, "/_chatd/console/deliveries/1/resend", url.Values{}, sameSite)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/_chatd/console/deliveries/2" {
			t.Fatalf("%d to %q", p.status, p.header.Get("Location"))
		}
		f.settle(t)
		if d := delivery(t, f, 2); d.Params["Body"][0] != "resend me" || f.received.Load() != before+1 {
			t.Errorf("the copy %+v; the receiver got %d more", d, f.received.Load()-before)
		}
		if p := f.do(t, http.MethodPost, "/_chatd/console/deliveries/1/resend", url.Values{}, http.Header{"Sec-Fetch-Site": {"cross-site"}}); p.status != http.StatusForbidden {
			t.Errorf("a forged resend: %d", p.status)
		}
	})
	t.Run("reset one Service, after a confirmation", func(t *testing.T) {
		if p := f.get(t, "/_chatd/console/reset?service="+f.service); p.status != http.StatusOK || !strings.Contains(p.body, `value="`+f.service+`" selected`) {
			t.Fatalf("the confirmation: %d\n%s", p.status, p.body)
		}
		p := f.do(t, http.MethodPost, "/_chatd/console/reset", url.Values{"service": {f.service}}, sameSite)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/_chatd/console/" {
			t.Fatalf("%d to %q", p.status, p.header.Get("Location"))
		}
		if r := f.env.Do(t, http.MethodGet, "/v2/Services/"+f.service, nil); r.Status != http.StatusNotFound {
			t.Errorf("the Service, not in the seed, is still there: %d", r.Status)
		}
	})
}

func TestSnapshotDownload(t *testing.T) {
	f := newFixture(t)
	if testenv.DefaultStore(t) != "bolt" {
		// Only a bbolt file copies itself (the README's "What only the
		// bbolt store has"): the pages say so.
		if p := f.get(t, "/_chatd/console/snapshot"); p.status != http.StatusNotImplemented || !strings.Contains(p.body, "cannot write a snapshot") {
			t.Errorf("the confirmation on %s: %d\n%s", testenv.DefaultStore(t), p.status, p.body)
		}
		if p := f.get(t, "/_chatd/console/snapshot/chatd.db"); p.status != http.StatusNotImplemented {
			t.Errorf("the download on %s: %d", testenv.DefaultStore(t), p.status)
		}
		if p := f.get(t, "/_chatd/console/"); strings.Contains(p.body, `href="/_chatd/console/snapshot"`) {
			t.Errorf("the menu on %s offers the snapshot", testenv.DefaultStore(t))
		}
		return
	}
	if p := f.get(t, "/_chatd/console/snapshot"); p.status != http.StatusOK || !strings.Contains(p.body, "snapshot/chatd.db") {
		t.Fatalf("the confirmation: %d", p.status)
	}
	if p := f.get(t, "/_chatd/console/"); !strings.Contains(p.body, `href="/_chatd/console/snapshot"`) {
		t.Errorf("the menu does not offer the snapshot:\n%s", p.body)
	}
	p := f.get(t, "/_chatd/console/snapshot/chatd.db")
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Disposition"), `attachment; filename="chatd-`) {
		t.Fatalf("%d %v", p.status, p.header)
	}
	// The copy is a chatd file holding the data.
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, []byte(p.body), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(context.Background(), func(tx model.Tx) error {
		_, err := tx.Channel(f.service, f.channel)
		return err
	})
	if err != nil {
		t.Errorf("the snapshot lacks the Channel: %v", err)
	}
}

// liveEvent is one event of a live stream.
type liveEvent struct{ name, id, data string }

// readEvents reads the events of a stream, as an EventSource does.
func readEvents(t *testing.T, body *bufio.Reader, events chan<- liveEvent) {
	var e liveEvent
	var data []string
	for {
		line, err := body.ReadString('\n')
		if err != nil {
			close(events)
			return
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if e.name != "" || len(data) > 0 {
				e.data = strings.Join(data, "\n")
				events <- e
			}
			e, data = liveEvent{}, nil
		case strings.HasPrefix(line, "event: "):
			e.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			e.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		}
	}
}

// openLive opens a Channel's live stream with the given header.
func openLive(t *testing.T, f *fixture, query string, header http.Header) <-chan liveEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.env.URL+f.consolePath()+"/live"+query, nil)
	req.SetBasicAuth(f.env.AccountSid, f.env.AuthToken)
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := make(chan liveEvent, 16)
	go readEvents(t, bufio.NewReader(resp.Body), events)
	return events
}

func next(t *testing.T, events <-chan liveEvent) liveEvent {
	t.Helper()
	select {
	case e, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	return liveEvent{}
}

func TestLiveMessages(t *testing.T) {
	f := newFixture(t)
	t.Run("new messages come in order, each once", func(t *testing.T) {
		events := openLive(t, f, "?after=1", nil)
		for i, body := range []string{"third", "fourth", "fifth"} {
			f.env.Create(t, f.channelPath()+"/Messages", testenv.Form("From", "bob", "Body", body))
			e := next(t, events)
			if e.name != "message" || e.id != fmt.Sprint(i+2) || !strings.Contains(e.data, ">"+body+"<") {
				t.Errorf("event %+v, want message %d %q", e, i+2, body)
			}
		}
	})
	t.Run("a reconnecting page gets what it missed", func(t *testing.T) {
		events := openLive(t, f, "?after=0", http.Header{"Last-Event-ID": {"3"}})
		e := next(t, events)
		if e.id != "4" || !strings.Contains(e.data, "fifth") {
			t.Errorf("event %+v, want message 4", e)
		}
	})
	t.Run("a deleted channel tells the page to reload", func(t *testing.T) {
		events := openLive(t, f, "?after=4", nil)
		f.env.Delete(t, f.channelPath())
		if e := next(t, events); e.name != "reload" {
			t.Errorf("event %+v, want reload", e)
		}
	})
	t.Run("a bad position is refused", func(t *testing.T) {
		g := newFixture(t)
		if p := g.get(t, g.consolePath()+"/live?after=x"); p.status != http.StatusBadRequest {
			t.Errorf("%d", p.status)
		}
	})
}
