package bench

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/chatdtest"
)

func TestScenarioOps(t *testing.T) {
	for _, c := range []struct {
		scenario Scenario
		want     [numOps]int // operations among 20 consecutive requests
	}{
		{Send, [numOps]int{opSend: 20}},
		{Read, [numOps]int{opPage: 10, opChannel: 10}},
		{Mixed, [numOps]int{opSend: 2, opPage: 10, opChannel: 8}},
	} {
		for first := range 10 { // wherever a client starts in the cycle
			var got [numOps]int
			for i := first; i < first+20; i++ {
				got[c.scenario.op(i)]++
			}
			if got != c.want {
				t.Errorf("%s from %d: %v, want %v", c.scenario, first, got, c.want)
			}
		}
		if s, err := ParseScenario(string(c.scenario)); err != nil || s != c.scenario {
			t.Errorf("ParseScenario(%q) = %q, %v", c.scenario, s, err)
		}
	}
	if _, err := ParseScenario("write"); err == nil {
		t.Error("ParseScenario accepts an unknown scenario")
	}
}

func validConfig() Config {
	return Config{URL: "http://127.0.0.1:8080", AccountSid: "AC1", AuthToken: "t", Scenario: Mixed,
		Clients: 1, Duration: time.Second, Channels: 1, BodySize: 1}
}

func TestConfigValidate(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("a valid config: %v", err)
	}
	for name, change := range map[string]func(*Config){
		"ErrURLScheme":    func(c *Config) { c.URL = "ftp://127.0.0.1" },
		"ErrURLNoHost":    func(c *Config) { c.URL = "http://" },
		"ErrNoToken":      func(c *Config) { c.AuthToken = "" },
		"ErrScenario":     func(c *Config) { c.Scenario = "" },
		"ErrNoClients":    func(c *Config) { c.Clients = 0 },
		"ErrManyClients":  func(c *Config) { c.Clients = MaxClients + 1 },
		"ErrDuration":     func(c *Config) { c.Duration = 0 },
		"ErrWarmup":       func(c *Config) { c.Warmup = -time.Second },
		"ErrNoChannels":   func(c *Config) { c.Channels = 0 },
		"ErrBodyEmpty":    func(c *Config) { c.BodySize = 0 },
		"ErrBodyTooLarge": func(c *Config) { c.BodySize = MaxBodySize + 1 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := validConfig()
			change(&cfg)
			if err := cfg.Validate(); err == nil {
				t.Errorf("%+v: no error", cfg)
			}
		})
	}
}

// config is a short run against srv: 2 clients, no warm-up.
func config(srv *chatdtest.Server, base string, s Scenario) Config {
	return Config{URL: base, AccountSid: srv.AccountSid, AuthToken: srv.AuthToken, Scenario: s,
		Clients: 2, Duration: 300 * time.Millisecond, Channels: 3, BodySize: 20}
}

// get GETs path from srv and decodes the JSON answer into out, returning
// the status.
func get(t *testing.T, srv *chatdtest.Server, path string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.SetBasicAuth(srv.AccountSid, srv.AuthToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

func wantServiceGone(t *testing.T, srv *chatdtest.Server, sid string) {
	t.Helper()
	if sid == "" {
		t.Fatal("no Service SID in the result")
	}
	if st := get(t, srv, servicePath(sid), nil); st != http.StatusNotFound {
		t.Errorf("GET Service %s after the run: %d, want 404", sid, st)
	}
}

func TestRunMixed(t *testing.T) {
	srv := chatdtest.New(t)
	var progress strings.Builder
	cfg := config(srv, srv.URL, Mixed)
	cfg.Progress = &progress
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total.Requests == 0 || res.Total.Errors != 0 || res.Total.Throughput <= 0 || len(res.Errors) != 0 {
		t.Errorf("total %+v, errors %v", res.Total, res.Errors)
	}
	var sum int64
	for _, s := range res.Operations {
		sum += s.Requests
		if s.Requests == 0 || s.Latency.P50 <= 0 || s.Latency.P50 > s.Latency.P90 || s.Latency.P90 > s.Latency.P99 || s.Latency.P99 > s.Latency.Max {
			t.Errorf("%s: %+v", s.Operation, s)
		}
	}
	if sum != res.Total.Requests {
		t.Errorf("operations add up to %d requests, total %d", sum, res.Total.Requests)
	}
	// Each client starts its cycle elsewhere: client 0 with a send, client
	// 1 with a page, then a Channel fetch.
	if len(res.Operations) != 3 || res.Operations[0].Operation != "send" || res.Operations[2].Operation != "channel" {
		t.Errorf("operations %+v", res.Operations)
	}
	if res.Interrupted || res.Kept || res.Duration < cfg.Duration.Seconds() {
		t.Errorf("result %+v", res)
	}
	wantServiceGone(t, srv, res.ServiceSid)
	for _, want := range []string{"created Service " + res.ServiceSid, "created 3 Channels", "sent 50 messages", "measure", "deleted Service"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
}

func TestRunKeepsFilledChannels(t *testing.T) {
	srv := chatdtest.New(t)
	cfg := config(srv, srv.URL, Read)
	cfg.Keep = true
	cfg.Warmup = 50 * time.Millisecond
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Kept || res.Total.Errors != 0 || len(res.Operations) != 2 {
		t.Errorf("result %+v", res)
	}
	var list struct {
		Channels []struct {
			FriendlyName  string `json:"friendly_name"`
			MessagesCount int    `json:"messages_count"`
		} `json:"channels"`
	}
	if st := get(t, srv, servicePath(res.ServiceSid)+"/Channels", &list); st != http.StatusOK || len(list.Channels) != 3 {
		t.Fatalf("Channels of the kept Service: %d %+v", st, list)
	}
	for _, ch := range list.Channels {
		if ch.MessagesCount != PageSize || !strings.HasPrefix(ch.FriendlyName, "bench ") {
			t.Errorf("Channel %+v, want %d messages", ch, PageSize)
		}
	}
}

// TestRunSignIn: with SignIn, a client signs in to the Service before the
// load, which creates its User (and starts the Service's Sync log, which
// chat's tests check); without, no client does.
func TestRunSignIn(t *testing.T) {
	srv := chatdtest.New(t)
	for _, signIn := range []bool{true, false} {
		cfg := config(srv, srv.URL, Send)
		cfg.Keep, cfg.SignIn = true, signIn
		var progress strings.Builder
		cfg.Progress = &progress
		res, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total.Requests == 0 || res.Total.Errors != 0 {
			t.Fatalf("sign-in %v: result %+v", signIn, res.Total)
		}
		if got := strings.Contains(progress.String(), "signed "+benchIdentity+" in"); got != signIn {
			t.Errorf("sign-in %v: the progress tells of a sign-in: %v\n%s", signIn, got, progress.String())
		}
		want := map[bool]int{true: http.StatusOK, false: http.StatusNotFound}[signIn]
		if st := get(t, srv, servicePath(res.ServiceSid)+"/Users/"+benchIdentity, nil); st != want {
			t.Errorf("sign-in %v: GET the User %s: %d, want %d", signIn, benchIdentity, st, want)
		}
	}
}

// proxy serves srv's API through a handler that may answer a request
// itself: intercept returns true when it did. It returns its URL and the
// number of connections clients opened to it.
func proxy(t *testing.T, srv *chatdtest.Server, intercept func(w http.ResponseWriter, r *http.Request) bool) (string, *atomic.Int64) {
	target, _ := url.Parse(srv.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !intercept(w, r) {
			rp.ServeHTTP(w, r)
		}
	}))
	conns := new(atomic.Int64)
	front.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	front.Start()
	t.Cleanup(front.Close)
	return front.URL, conns
}

// isChannelFetch matches GET /v2/Services/IS…/Channels/CH….
func isChannelFetch(r *http.Request) bool {
	parts := strings.Split(r.URL.Path, "/")
	return r.Method == http.MethodGet && len(parts) == 6 && parts[4] == "Channels"
}

func TestRunCountsErrorsByStatus(t *testing.T) {
	srv := chatdtest.New(t)
	base, conns := proxy(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
		if !isChannelFetch(r) {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"code":20429,"message":"Too many requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}`)
		return true
	})
	cfg := config(srv, base, Read)
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Every client kept its connection, through errors too.
	if n := conns.Load(); n > int64(cfg.Clients) {
		t.Errorf("%d connections for %d clients", n, cfg.Clients)
	}
	var page, channel Stats
	for _, s := range res.Operations {
		switch s.Operation {
		case "page":
			page = s
		case "channel":
			channel = s
		}
	}
	if page.Requests == 0 || page.Errors != 0 || channel.Requests == 0 || channel.Errors != channel.Requests || channel.Throughput != 0 {
		t.Errorf("page %+v, channel %+v", page, channel)
	}
	if len(res.Errors) != 1 || res.Errors["429 20429"] != channel.Errors || res.Total.Errors != channel.Errors {
		t.Errorf("errors by status %v, total %+v", res.Errors, res.Total)
	}
	if len(res.ErrorSamples) == 0 || len(res.ErrorSamples) > maxSamples || !strings.Contains(res.ErrorSamples[0], "GET /v2/Services/") ||
		!strings.Contains(res.ErrorSamples[0], "429") {
		t.Errorf("samples %q", res.ErrorSamples)
	}
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "errors by status: 429 20429 ×") || !strings.Contains(table.String(), "Too many requests") {
		t.Errorf("table:\n%s", table.String())
	}
	wantServiceGone(t, srv, res.ServiceSid)
}

func TestRunInterrupted(t *testing.T) {
	srv := chatdtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sends atomic.Int64
	base, _ := proxy(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Messages") && sends.Add(1) == 20 {
			cancel() // as SIGINT would, halfway through an hour's run
		}
		return false
	})
	cfg := config(srv, base, Send)
	cfg.Duration = time.Hour
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Total.Requests == 0 || res.Total.Errors != 0 {
		t.Errorf("result %+v", res)
	}
	wantServiceGone(t, srv, res.ServiceSid)
}

func TestRunSetupFails(t *testing.T) {
	srv := chatdtest.New(t)
	cfg := config(srv, srv.URL, Mixed)
	cfg.AuthToken = "wrong"
	res, err := Run(context.Background(), cfg)
	var se *statusError
	if res != nil || !errors.As(err, &se) || se.status != http.StatusUnauthorized || se.code != 20003 {
		t.Fatalf("Run with a wrong token: %+v, %v", res, err)
	}

	// A failure after the Service exists still deletes it.
	base, _ := proxy(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Messages") {
			http.Error(w, "the proxy is full", http.StatusBadGateway)
			return true
		}
		return false
	})
	cfg = config(srv, base, Read)
	if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "fill the Channels: 502") {
		t.Fatalf("Run with failing sends: %v", err)
	}
	var list struct {
		Services []any `json:"services"`
	}
	if get(t, srv, "/v2/Services", &list); len(list.Services) != 0 {
		t.Errorf("%d Services left", len(list.Services))
	}
}

func TestFailureKinds(t *testing.T) {
	timeout := &url.Error{Op: "Get", URL: "http://x", Err: os.ErrDeadlineExceeded}
	reset := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp",
		Addr: &net.TCPAddr{Port: 54321}, Err: os.NewSyscallError("read", errors.New("connection reset by peer"))}}
	for _, c := range []struct {
		status     int
		body, want string
		err        error
	}{
		{429, `{"code":20429,"message":"Too many requests","status":429}`, "429 20429", nil},
		{502, "Bad Gateway", "502", nil},
		{500, `{"status":500}`, "500", nil},
		{0, "", "transport: timeout", timeout},
		{0, "", "transport: read: connection reset by peer", reset},
	} {
		kind, line := failure("GET /v2/Services", c.status, []byte(c.body), c.err)
		if kind != c.want || !strings.HasPrefix(line, "GET /v2/Services: ") {
			t.Errorf("failure(%d, %q, %v) = %q, %q; want %q", c.status, c.body, c.err, kind, line, c.want)
		}
	}
	var tl tally
	for i := range maxErrorKeys + 5 {
		tl.fail(opPage, "GET /", 400+i, nil, nil)
	}
	if len(tl.errors) != maxErrorKeys+1 || tl.errors["other"] != 5 || len(tl.samples) != maxSamples || tl.failed[opPage] != maxErrorKeys+5 {
		t.Errorf("%d kinds, other %d, %d samples", len(tl.errors), tl.errors["other"], len(tl.samples))
	}
}

func TestProgressLine(t *testing.T) {
	var done, failed atomic.Int64
	for _, live := range []bool{true, false} {
		var out strings.Builder
		p := &progress{w: &out, live: live}
		stop := p.follow("measure", time.Now(), time.Second, &done, &failed)
		done.Store(42)
		failed.Store(2)
		stop()
		s := out.String()
		if !strings.HasSuffix(s, "\n") || !strings.Contains(s, "done") || !strings.Contains(s, "42 requests") || !strings.Contains(s, "2 errors") {
			t.Errorf("live %v: %q", live, s)
		}
		// On a terminal the line is rewritten in place and ended once.
		if live && (!strings.HasPrefix(s, "\r") || strings.Count(s, "\n") != 1) {
			t.Errorf("live: %q", s)
		}
		if !live && strings.Contains(s, "\r") {
			t.Errorf("not live: %q", s)
		}
	}
}
