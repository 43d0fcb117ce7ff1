package chatdtest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/chatdtest"
	"github.com/chatd/chatd/webhook"
)

// Fixed credentials and SIDs of the tests.
const (
	testAccount   = "AC0123456789abcdef0123456789abcdef"
	testToken     = "secrettoken42"
	testKey       = "SKfedcba9876543210fedcba9876543210"
	testKeySecret = "keysecret7"

	// The Services of testdata/seed.json.
	seedSupport = "IS00000000000000000000000000000001"
	seedSandbox = "IS00000000000000000000000000000002"
	seedGeneral = "CH00000000000000000000000000000001"
)

const seedFile = "../testdata/seed.json"

// call is one request to a fixture, made with the fixture's own client.
type call struct {
	method, path string
	form         url.Values
	user, pass   string
	header       http.Header
}

// do sends c to base through client and returns the status and body.
func do(t testing.TB, client *http.Client, base string, c call) (int, []byte) {
	t.Helper()
	var body io.Reader
	if c.form != nil {
		body = strings.NewReader(c.form.Encode())
	}
	req, err := http.NewRequest(c.method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", c.method, c.path, err)
	}
	return resp.StatusCode, b
}

// api makes an authenticated request to srv's API and decodes its JSON
// answer into out (when not nil), failing the test unless the status is
// want.
func api(t testing.TB, srv *chatdtest.Server, method, path string, form url.Values, want int, out any) {
	t.Helper()
	code, body := do(t, srv.Client(), srv.URL, call{method: method, path: path, form: form, user: srv.AccountSid, pass: srv.AuthToken})
	if code != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, body, err)
		}
	}
}

// serviceNames lists srv's Services as SID → friendly name.
func serviceNames(t testing.TB, srv *chatdtest.Server) map[string]string {
	t.Helper()
	var page struct {
		Services []struct {
			Sid          string `json:"sid"`
			FriendlyName string `json:"friendly_name"`
		} `json:"services"`
	}
	api(t, srv, http.MethodGet, "/v2/Services?PageSize=100", nil, http.StatusOK, &page)
	out := map[string]string{}
	for _, s := range page.Services {
		out[s.Sid] = s.FriendlyName
	}
	return out
}

// messageBodies lists the bodies of a Channel's Messages in index order.
func messageBodies(t testing.TB, srv *chatdtest.Server, service, channel string) []string {
	t.Helper()
	var page struct {
		Messages []struct {
			Body string `json:"body"`
		} `json:"messages"`
	}
	api(t, srv, http.MethodGet, "/v2/Services/"+service+"/Channels/"+channel+"/Messages?PageSize=100", nil, http.StatusOK, &page)
	out := []string{}
	for _, m := range page.Messages {
		out = append(out, m.Body)
	}
	return out
}

// wantEqual fails the test unless got equals want (as fmt prints them).
func wantEqual[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if g, w := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); g != w {
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	srv := chatdtest.New(t)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %q, want http://127.0.0.1:PORT", srv.URL)
	}
	code, body := do(t, http.DefaultClient, srv.URL, call{method: http.MethodGet, path: "/_chatd/health"})
	var health struct{ Status string }
	if err := json.Unmarshal(body, &health); err != nil || code != http.StatusOK || health.Status != "ok" {
		t.Fatalf("GET /_chatd/health: %d %s (%v), want 200 status ok", code, body, err)
	}
}

func TestFixturesAreIndependent(t *testing.T) {
	t.Parallel()
	t.Run("parallel tests", func(t *testing.T) {
		for i := range 4 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				srv := chatdtest.New(t)
				name := fmt.Sprintf("service %d", i)
				api(t, srv, http.MethodPost, "/v2/Services", url.Values{"FriendlyName": {name}}, http.StatusCreated, nil)
				wantEqual(t, "services", slices.Collect(maps.Values(serviceNames(t, srv))), []string{name})
			})
		}
	})
	t.Run("side by side", func(t *testing.T) {
		t.Parallel()
		a, b := chatdtest.New(t), chatdtest.New(t)
		for _, c := range []struct{ what, a, b string }{
			{"URL", a.URL, b.URL},
			{"DBPath", a.DBPath, b.DBPath},
			{"AccountSid", a.AccountSid, b.AccountSid},
			{"AuthToken", a.AuthToken, b.AuthToken},
		} {
			if c.a == c.b {
				t.Errorf("both fixtures have %s %q", c.what, c.a)
			}
		}
		api(t, a, http.MethodPost, "/v2/Services", url.Values{"FriendlyName": {"only in a"}}, http.StatusCreated, nil)
		wantEqual(t, "services of b", len(serviceNames(t, b)), 0)
		code, _ := do(t, b.Client(), b.URL, call{method: http.MethodGet, path: "/v2/Services", user: a.AccountSid, pass: a.AuthToken})
		wantEqual(t, "status of b with a's credentials", code, http.StatusUnauthorized)

		a.Close()
		wantEqual(t, "services of b after a closed", len(serviceNames(t, b)), 0)
	})
}

func TestClose(t *testing.T) {
	t.Parallel()
	srv := chatdtest.New(t)
	if _, err := os.Stat(srv.DBPath); err != nil {
		t.Fatalf("database file while serving: %v", err)
	}
	srv.Close()
	for _, p := range []string{srv.DBPath, filepath.Dir(srv.DBPath)} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s after Close: %v, want it removed", p, err)
		}
	}
	if resp, err := http.Get(srv.URL + "/_chatd/health"); err == nil {
		resp.Body.Close()
		t.Errorf("GET /_chatd/health after Close: %s, want a connection error", resp.Status)
	}
	srv.Close() // a second Close does nothing, nor does the cleanup's
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	type pair struct {
		user, pass string
		want       int
	}
	for _, c := range []struct {
		name        string
		opts        []chatdtest.Option
		wantAccount string // "" for a generated one
		pairs       func(srv *chatdtest.Server) []pair
	}{{
		name: "generated",
		pairs: func(srv *chatdtest.Server) []pair {
			return []pair{
				{srv.AccountSid, srv.AuthToken, http.StatusOK},
				{srv.AccountSid, srv.AuthToken + "x", http.StatusUnauthorized},
				{testAccount, testToken, http.StatusUnauthorized},
			}
		},
	}, {
		name:        "WithCredentials",
		opts:        []chatdtest.Option{chatdtest.WithCredentials(testAccount, testToken)},
		wantAccount: testAccount,
		pairs: func(srv *chatdtest.Server) []pair {
			return []pair{
				{testAccount, testToken, http.StatusOK},
				{testAccount, "wrong", http.StatusUnauthorized},
				{"", "", http.StatusUnauthorized},
			}
		},
	}, {
		name: "WithAPIKey",
		opts: []chatdtest.Option{chatdtest.WithAPIKey(testKey, testKeySecret)},
		pairs: func(srv *chatdtest.Server) []pair {
			return []pair{
				{testKey, testKeySecret, http.StatusOK},
				{testKey, srv.AuthToken, http.StatusUnauthorized},
				{srv.AccountSid, srv.AuthToken, http.StatusOK},
			}
		},
	}, {
		name:        "WithCredentials and WithAPIKey",
		opts:        []chatdtest.Option{chatdtest.WithCredentials(testAccount, testToken), chatdtest.WithAPIKey(testKey, testKeySecret)},
		wantAccount: testAccount,
		pairs: func(srv *chatdtest.Server) []pair {
			return []pair{
				{testKey, testKeySecret, http.StatusOK},
				{testAccount, testToken, http.StatusOK},
				{testAccount, testKeySecret, http.StatusUnauthorized},
			}
		},
	}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := chatdtest.New(t, c.opts...)
			if c.wantAccount != "" {
				wantEqual(t, "AccountSid", srv.AccountSid, c.wantAccount)
				wantEqual(t, "AuthToken", srv.AuthToken, testToken)
			} else {
				if !regexp.MustCompile(`^AC[0-9a-f]{32}$`).MatchString(srv.AccountSid) {
					t.Errorf("generated AccountSid = %q, want AC and 32 hex digits", srv.AccountSid)
				}
				if !regexp.MustCompile(`^[0-9A-Za-z]+$`).MatchString(srv.AuthToken) {
					t.Errorf("generated AuthToken = %q, want letters and digits", srv.AuthToken)
				}
			}
			for _, p := range c.pairs(srv) {
				code, body := do(t, srv.Client(), srv.URL, call{method: http.MethodGet, path: "/v2/Services", user: p.user, pass: p.pass})
				if code != p.want {
					t.Errorf("GET /v2/Services as %q/%q: %d %s, want %d", p.user, p.pass, code, body, p.want)
				}
			}
		})
	}
}

// fakeTB is a testing.TB whose failures are recorded rather than failing
// the real test, to test what fails a test. Like the testing package, it
// ends the goroutine at a Fatal; run provides that goroutine.
type fakeTB struct {
	testing.TB // the real test, for the methods not overridden

	mu       sync.Mutex
	failures []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) Fatal(args ...any) {
	f.Fatalf("%s", fmt.Sprint(args...))
}

func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// runFake runs body as a test with a fakeTB, runs its cleanups, and
// returns its failures.
func runFake(t *testing.T, body func(tb testing.TB)) []string {
	t.Helper()
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(f)
	}()
	<-done
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	return f.failures
}

func TestFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badJSON := filepath.Join(dir, "bad.json")
	unknownField := filepath.Join(dir, "unknown.json")
	badSid := filepath.Join(dir, "badsid.json")
	for path, content := range map[string]string{
		badJSON:      `{"services": [`,
		unknownField: `{"services": [{"friendly_name": "x", "frendly": 1}]}`,
		badSid:       `{"services": [{"sid": "IS123", "friendly_name": "x"}]}`,
	} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		body func(tb testing.TB)
		want string // in the first failure
	}{
		{"missing seed file", func(tb testing.TB) { chatdtest.New(tb, chatdtest.WithSeedFile(filepath.Join(dir, "none.json"))) }, "no such file"},
		{"seed file not JSON", func(tb testing.TB) { chatdtest.New(tb, chatdtest.WithSeedFile(badJSON)) }, "WithSeedFile"},
		{"seed file with an unknown field", func(tb testing.TB) { chatdtest.New(tb, chatdtest.WithSeedFile(unknownField)) }, "unknown field"},
		{"seed with a bad SID", func(tb testing.TB) { chatdtest.New(tb, chatdtest.WithSeedFile(badSid)) }, "start chatd"},
		{"malformed Account SID", func(tb testing.TB) { chatdtest.New(tb, chatdtest.WithCredentials("AC123", testToken)) }, "Account SID"},
		{"empty auth token", func(tb testing.TB) { chatdtest.New(tb, chatdtest.WithCredentials(testAccount, "")) }, "auth token"},
		{"auth token with punctuation", func(tb testing.TB) { chatdtest.New(tb, chatdtest.WithCredentials(testAccount, "a-b")) }, "--auth-token"},
		{"malformed API key SID", func(tb testing.TB) { chatdtest.New(tb, chatdtest.WithAPIKey(testAccount, testKeySecret)) }, "API key SID"},
		{"empty API key secret", func(tb testing.TB) { chatdtest.New(tb, chatdtest.WithAPIKey(testKey, "")) }, "secret"},
		{"zero webhook back-off", func(tb testing.TB) { chatdtest.New(tb, chatdtest.WithWebhookBackoff(0)) }, "back-off"},
		{"reset of an unknown Service", func(tb testing.TB) {
			chatdtest.New(tb).ResetService(tb, "IS0000000000000000000000000000dead")
		}, "404"},
		{"reset of a malformed Service SID", func(tb testing.TB) { chatdtest.New(tb).ResetService(tb, "general") }, "400"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			failures := runFake(t, c.body)
			if len(failures) != 1 || !strings.Contains(failures[0], c.want) {
				t.Fatalf("failures = %q, want one containing %q", failures, c.want)
			}
		})
	}
}

// recorder is a RoundTripper that answers every request itself, with 204,
// and records the URLs and Host headers it was asked for.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.seen = append(r.seen, req.URL.String()+" Host="+req.Host)
	r.mu.Unlock()
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: req, Header: http.Header{}}, nil
}

func (r *recorder) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[len(r.seen)-1]
}

func TestTransport(t *testing.T) {
	t.Parallel()
	srv := chatdtest.New(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "other %s %s", r.Host, r.URL.RequestURI())
	}))
	t.Cleanup(other.Close)
	fixture, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}

	routed := []string{
		"chat.twilio.com",
		"ip-messaging.twilio.com",
		"mcs.us1.twilio.com",
		"chat.us1.twilio.com",
		"chat.au1.twilio.com",
		"ip-messaging.ie1.twilio.com",
		"mcs.twilio.com",
		"chat.sydney.au1.twilio.com",
		"ip-messaging.dublin.ie1.twilio.com",
		"mcs.ashburn.us1.twilio.com",
		"Chat.Twilio.COM",
		"chat.twilio.com:443",
		"chat.twilio.com.",
	}
	t.Run("Twilio hosts reach the fixture", func(t *testing.T) {
		for _, host := range routed {
			t.Run(host, func(t *testing.T) {
				for _, scheme := range []string{"https", "http"} {
					var page struct {
						Services []any `json:"services"`
						Meta     struct {
							URL string `json:"url"`
						} `json:"meta"`
					}
					code, body := do(t, srv.Client(), scheme+"://"+host, call{method: http.MethodGet, path: "/v2/Services?PageSize=7", user: srv.AccountSid, pass: srv.AuthToken})
					if err := json.Unmarshal(body, &page); err != nil || code != http.StatusOK {
						t.Fatalf("%s: %d %s (%v), want 200 and a page", scheme, code, body, err)
					}
					// chatd writes its URLs with the request's host: the
					// fixture's, once the request is rewritten.
					wantEqual(t, scheme+" meta.url", page.Meta.URL, srv.URL+"/v2/Services?PageSize=7&Page=0")
				}
			})
		}
	})

	t.Run("other hosts pass through", func(t *testing.T) {
		for _, u := range []string{other.URL, srv.URL} {
			code, body := do(t, srv.Client(), u, call{method: http.MethodGet, path: "/_chatd/health?x=1"})
			want := "other " + strings.TrimPrefix(u, "http://") + " /_chatd/health?x=1"
			if u == srv.URL {
				want = `{"status":"ok"`
			}
			if code != http.StatusOK || !strings.HasPrefix(string(body), want) {
				t.Errorf("GET %s/_chatd/health: %d %s, want 200 %s", u, code, body, want)
			}
		}
	})

	t.Run("Route sends through next", func(t *testing.T) {
		rec := &recorder{}
		client := &http.Client{Transport: srv.Route(rec)}
		notRouted := []string{
			"api.twilio.com",
			"conversations.twilio.com",
			"chat.twilio.com.example.org",
			"chat.example.com",
			"mychat.twilio.com",
			"chat.a.b.c.twilio.com",
			"chat..twilio.com",
			"twilio.com",
			"chat.twilio.co",
			"127.0.0.1:9",
		}
		cases := map[string]string{}
		for _, h := range routed {
			cases[h] = "http://" + fixture.Host + "/v1/x?y=z Host=" + fixture.Host
		}
		for _, h := range notRouted {
			cases[h] = "https://" + h + "/v1/x?y=z Host=" + h
		}
		for host, want := range cases {
			code, _ := do(t, client, "https://"+host, call{method: http.MethodGet, path: "/v1/x?y=z"})
			wantEqual(t, host+" status", code, http.StatusNoContent)
			wantEqual(t, host+" sent as", rec.last(), want)
		}
	})

	t.Run("RouteTo sends Twilio hosts to the chatd given", func(t *testing.T) {
		target, err := url.Parse(other.URL)
		if err != nil {
			t.Fatal(err)
		}
		client := &http.Client{Transport: chatdtest.RouteTo(target, nil)}
		for base, want := range map[string]string{
			"https://chat.twilio.com":   "other " + target.Host + " /v2/Services?x=1",
			"http://mcs.us1.twilio.com": "other " + target.Host + " /v2/Services?x=1",
			srv.URL:                     `{"code":20003`,
		} {
			code, body := do(t, client, base, call{method: http.MethodGet, path: "/v2/Services?x=1"})
			if !strings.HasPrefix(string(body), want) {
				t.Errorf("GET %s/v2/Services: %d %s, want %s", base, code, body, want)
			}
		}
	})

	t.Run("the caller's request is not modified", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, "https://chat.twilio.com/_chatd/health", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Transport().RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		wantEqual(t, "status", resp.StatusCode, http.StatusOK)
		wantEqual(t, "request URL", req.URL.String(), "https://chat.twilio.com/_chatd/health")
		wantEqual(t, "request Host", req.Host, "chat.twilio.com")
	})
}

func TestSeed(t *testing.T) {
	t.Parallel()
	seedServices := map[string]string{seedSupport: "Support", seedSandbox: "Sandbox"}
	seedMessages := []string{"Welcome!", "Hi Alice"}
	seedPath := seedFile
	seed, err := chat.ReadSeed(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opt  chatdtest.Option
	}{
		{"WithSeedFile", chatdtest.WithSeedFile(seedPath)},
		{"WithSeed", chatdtest.WithSeed(seed)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := chatdtest.New(t, c.opt)
			wantEqual(t, "services", serviceNames(t, srv), seedServices)
			wantEqual(t, "messages of general", messageBodies(t, srv, seedSupport, "general"), seedMessages)

			// change both Services, and add one
			change := func() {
				t.Helper()
				api(t, srv, http.MethodPost, "/v2/Services/"+seedSupport+"/Channels/general/Messages", url.Values{"Body": {"more"}, "From": {"alice"}}, http.StatusCreated, nil)
				api(t, srv, http.MethodPost, "/v2/Services/"+seedSupport, url.Values{"FriendlyName": {"Support 2"}}, http.StatusOK, nil)
				api(t, srv, http.MethodPost, "/v2/Services/"+seedSandbox, url.Values{"FriendlyName": {"Sandbox 2"}}, http.StatusOK, nil)
				api(t, srv, http.MethodPost, "/v2/Services", url.Values{"FriendlyName": {"extra"}}, http.StatusCreated, nil)
			}

			change()
			srv.ResetService(t, seedSupport)
			got := serviceNames(t, srv)
			wantEqual(t, "Support after ResetService", got[seedSupport], "Support")
			wantEqual(t, "Sandbox after ResetService of Support", got[seedSandbox], "Sandbox 2")
			wantEqual(t, "services after ResetService", len(got), 3)
			wantEqual(t, "messages of general after ResetService", messageBodies(t, srv, seedSupport, "general"), seedMessages)

			change()
			srv.Reset(t)
			wantEqual(t, "services after Reset", serviceNames(t, srv), seedServices)
			wantEqual(t, "messages of general after Reset", messageBodies(t, srv, seedSupport, "general"), seedMessages)
		})
	}
	t.Run("no seed", func(t *testing.T) {
		t.Parallel()
		srv := chatdtest.New(t)
		api(t, srv, http.MethodPost, "/v2/Services", url.Values{"FriendlyName": {"x"}}, http.StatusCreated, nil)
		srv.Reset(t)
		wantEqual(t, "services after Reset", len(serviceNames(t, srv)), 0)
	})
}

// hook is one webhook request as the receiver got it.
type hook struct {
	form      url.Values
	signature string
}

// delivery is the part of a GET /_chatd/deliveries item the tests read.
type delivery struct {
	Event       string  `json:"event"`
	Status      string  `json:"status"`
	Attempts    int     `json:"attempts"`
	DateUpdated string  `json:"date_updated"`
	NextAttempt *string `json:"next_attempt"`
}

// waitDelivery polls srv's deliveries until there is one and done says it
// is in the state wanted, and returns it; it fails the test after 10
// seconds.
func waitDelivery(t testing.TB, srv *chatdtest.Server, done func(delivery) bool) delivery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var page struct {
			Deliveries []delivery `json:"deliveries"`
		}
		api(t, srv, http.MethodGet, "/_chatd/deliveries", nil, http.StatusOK, &page)
		if len(page.Deliveries) == 1 && done(page.Deliveries[0]) {
			return page.Deliveries[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries = %+v: not in the state wanted after 10s", page.Deliveries)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		backoff time.Duration
		hooks   int                   // requests expected
		final   func(d delivery) bool // the delivery once they are in
		check   func(t *testing.T, d delivery)
	}{{
		name:    "retried after the back-off",
		backoff: time.Millisecond,
		hooks:   2,
		final:   func(d delivery) bool { return d.Status == "delivered" },
		check: func(t *testing.T, d delivery) {
			wantEqual(t, "attempts", d.Attempts, 2)
		},
	}, {
		name:    "retry scheduled after the back-off",
		backoff: time.Hour,
		hooks:   1,
		final:   func(d delivery) bool { return d.Attempts == 1 },
		check: func(t *testing.T, d delivery) {
			wantEqual(t, "status", d.Status, "pending")
			if d.NextAttempt == nil {
				t.Fatal("next_attempt is null")
			}
			updated, err1 := time.Parse(time.RFC3339, d.DateUpdated)
			next, err2 := time.Parse(time.RFC3339, *d.NextAttempt)
			if err := errors.Join(err1, err2); err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "next_attempt - date_updated", next.Sub(updated).String(), time.Hour.String())
		},
	}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			hooks := make(chan hook, 10)
			var mu sync.Mutex
			n := 0
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := r.ParseForm(); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				hooks <- hook{r.PostForm, r.Header.Get("X-Twilio-Signature")}
				mu.Lock()
				n++
				first := n == 1
				mu.Unlock()
				if first {
					w.WriteHeader(http.StatusServiceUnavailable) // retried, as by Twilio
				}
			}))
			t.Cleanup(receiver.Close)
			hookURL := receiver.URL + "/chat-events"
			retries := 1
			srv := chatdtest.New(t,
				chatdtest.WithWebhookBackoff(c.backoff),
				chatdtest.WithSeed(&chat.Seed{Services: []chat.SeedService{{
					Sid:                   seedSupport,
					FriendlyName:          "hooked",
					PostWebhookURL:        &hookURL,
					WebhookFilters:        []string{"onMessageSent"},
					PostWebhookRetryCount: &retries,
					Channels:              []chat.SeedChannel{{UniqueName: ptr("general")}},
				}}}))

			code, body := do(t, srv.Client(), "https://chat.twilio.com", call{
				method: http.MethodPost, path: "/v2/Services/" + seedSupport + "/Channels/general/Messages",
				form: url.Values{"Body": {"hello"}, "From": {"alice"}}, user: srv.AccountSid, pass: srv.AuthToken,
				header: http.Header{"X-Twilio-Webhook-Enabled": {"true"}},
			})
			if code != http.StatusCreated {
				t.Fatalf("create message: %d %s", code, body)
			}
			for i := range c.hooks {
				var h hook
				select {
				case h = <-hooks:
				case <-time.After(10 * time.Second):
					t.Fatalf("webhook %d not received after 10s", i)
				}
				wantEqual(t, "EventType", h.form.Get("EventType"), "onMessageSent")
				wantEqual(t, "Body", h.form.Get("Body"), "hello")
				wantEqual(t, "AccountSid", h.form.Get("AccountSid"), srv.AccountSid)
				wantEqual(t, "RetryCount", h.form.Get("RetryCount"), fmt.Sprint(i))
				wantEqual(t, "X-Twilio-Signature", h.signature, webhook.Sign(srv.AuthToken, hookURL, h.form))
			}
			c.check(t, waitDelivery(t, srv, c.final))
		})
	}
}

func ptr[T any](v T) *T { return &v }

// lockedBuffer is a bytes.Buffer safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogger(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	srv := chatdtest.New(t, chatdtest.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	api(t, srv, http.MethodGet, "/v2/Services", nil, http.StatusOK, nil)
	srv.Close() // the request's line is written by then
	if !strings.Contains(logs.String(), "/v2/Services") {
		t.Errorf("logs = %q, want a line for GET /v2/Services", logs.String())
	}
}
