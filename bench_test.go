package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/chatdtest"
	"github.com/chatd/chatd/internal/bench"
)

func TestParseBench(t *testing.T) {
	sid := "AC" + strings.Repeat("0", 32)
	env := func(kv ...string) func(string) string {
		m := map[string]string{"CHATD_ACCOUNT_SID": sid, "CHATD_AUTH_TOKEN": "token"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	t.Run("Defaults", func(t *testing.T) {
		cfg, asJSON, err := parseBench(nil, env(), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		want := bench.Config{URL: "http://127.0.0.1:8080", AccountSid: sid, AuthToken: "token", Scenario: bench.Mixed,
			Clients: 16, Duration: 10 * time.Second, Warmup: time.Second, Channels: 16, BodySize: 100}
		if cfg != want || asJSON {
			t.Errorf("got %+v, json %v\nwant %+v", cfg, asJSON, want)
		}
	})
	t.Run("URLFromServeEnv", func(t *testing.T) {
		cfg, _, err := parseBench(nil, env("CHATD_ADDR", ":9000", "CHATD_TLS_SELF_SIGNED", "true"), io.Discard)
		if err != nil || cfg.URL != "https://127.0.0.1:9000" {
			t.Errorf("URL %q, %v", cfg.URL, err)
		}
	})
	t.Run("EnvThenFlags", func(t *testing.T) {
		e := env("CHATD_URL", "http://chatd:8080", "CHATD_BENCH_SCENARIO", "read", "CHATD_BENCH_CLIENTS", "4",
			"CHATD_BENCH_DURATION", "1m", "CHATD_BENCH_WARMUP", "0s", "CHATD_BENCH_CHANNELS", "2",
			"CHATD_BENCH_BODY_SIZE", "10", "CHATD_BENCH_JSON", "true", "CHATD_BENCH_KEEP", "1", "CHATD_INSECURE", "true",
			"CHATD_BENCH_SIGN_IN", "true")
		cfg, asJSON, err := parseBench([]string{"--scenario", "send", "--clients", "8", "--duration", "3s", "--auth-token", "flag"}, e, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.TLS == nil || !cfg.TLS.InsecureSkipVerify {
			t.Errorf("TLS %+v, want no verification", cfg.TLS)
		}
		cfg.TLS = nil
		want := bench.Config{URL: "http://chatd:8080", AccountSid: sid, AuthToken: "flag", Scenario: bench.Send,
			Clients: 8, Duration: 3 * time.Second, Channels: 2, BodySize: 10, Keep: true, SignIn: true}
		if cfg != want || !asJSON {
			t.Errorf("got %+v, json %v\nwant %+v", cfg, asJSON, want)
		}
	})
	t.Run("CACert", func(t *testing.T) {
		ready, stop := startRun(t, "--ephemeral", "--tls-self-signed")
		defer stop()
		path := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(path, []byte(ready.CACert), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := parseBench([]string{"--ca-cert", path}, env(), io.Discard)
		if err != nil || cfg.TLS == nil || cfg.TLS.RootCAs == nil || cfg.TLS.InsecureSkipVerify {
			t.Errorf("TLS %+v, %v", cfg.TLS, err)
		}
	})
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	for _, c := range []struct {
		name string
		args []string
		env  []string
	}{
		{"ErrNoCredentials", nil, []string{"CHATD_ACCOUNT_SID", ""}},
		{"ErrURL", []string{"--url", "127.0.0.1:8080"}, nil},
		{"ErrScenario", []string{"--scenario", "write"}, nil},
		{"ErrClients", []string{"--clients", "0"}, nil},
		{"ErrClientsNotANumber", []string{"--clients", "many"}, nil},
		{"ErrDuration", []string{"--duration", "0s"}, nil},
		{"ErrNegativeWarmup", []string{"--warmup", "-1s"}, nil},
		{"ErrChannels", []string{"--channels", "0"}, nil},
		{"ErrBodySize", []string{"--body-size", "0"}, nil},
		{"ErrEnvInteger", nil, []string{"CHATD_BENCH_CLIENTS", "lots"}},
		{"ErrEnvDuration", nil, []string{"CHATD_BENCH_DURATION", "10"}},
		{"ErrEnvBoolean", nil, []string{"CHATD_BENCH_JSON", "yes please"}},
		{"ErrCACertAndInsecure", []string{"--ca-cert", notPEM, "--insecure"}, nil},
		{"ErrCACertMissing", []string{"--ca-cert", filepath.Join(t.TempDir(), "none.pem")}, nil},
		{"ErrCACertNotPEM", []string{"--ca-cert", notPEM}, nil},
		{"ErrExtraArgument", []string{"extra"}, nil},
		{"ErrUnknownFlag", []string{"--nope"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := parseBench(c.args, env(c.env...), io.Discard); err == nil {
				t.Errorf("%v %v: no error", c.args, c.env)
			}
		})
	}
}

// runBench runs chatd bench with a short load and returns its outputs.
func runBench(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"bench", "--clients", "2", "--duration", "300ms", "--warmup", "0s", "--channels", "2"}, args...)
	err = run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func credentials(srv *chatdtest.Server) []string {
	return []string{"--url", srv.URL, "--account-sid", srv.AccountSid, "--auth-token", srv.AuthToken}
}

// services counts the Services of srv.
func services(t *testing.T, srv *chatdtest.Server) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/Services", nil)
	req.SetBasicAuth(srv.AccountSid, srv.AuthToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Services []any }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return len(list.Services)
}

func TestBenchJSON(t *testing.T) {
	srv := chatdtest.New(t)
	for _, c := range []struct {
		scenario string
		ops      []string
	}{
		{"send", []string{"send"}},
		{"read", []string{"page", "channel"}},
		{"mixed", []string{"send", "page", "channel"}},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			stdout, stderr, err := runBench(t, append(credentials(srv), "--scenario", c.scenario, "--json")...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			var res bench.Result
			if err := json.Unmarshal([]byte(stdout), &res); err != nil || strings.Count(stdout, "\n") != 1 {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
			}
			if string(res.Scenario) != c.scenario || res.Clients != 2 || res.Total.Requests == 0 || res.Total.Errors != 0 ||
				res.Total.Throughput <= 0 || res.Total.Latency.P50 <= 0 || res.Total.Latency.Max < res.Total.Latency.P99 {
				t.Errorf("result %+v", res)
			}
			var ops []string
			for _, s := range res.Operations {
				ops = append(ops, s.Operation)
			}
			if strings.Join(ops, ",") != strings.Join(c.ops, ",") {
				t.Errorf("operations %v, want %v", ops, c.ops)
			}
			if !strings.Contains(stderr, "deleted Service "+res.ServiceSid) || services(t, srv) != 0 {
				t.Errorf("the Service is left (%d Services):\n%s", services(t, srv), stderr)
			}
		})
	}
}

func TestBenchTable(t *testing.T) {
	srv := chatdtest.New(t)
	stdout, stderr, err := runBench(t, credentials(srv)...) // mixed, the default
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 7 || !strings.Contains(lines[0], "1 send : 9 reads") ||
		strings.Join(strings.Fields(lines[2]), " ") != "scenario operation clients requests errors req/s p50 ms p90 ms p99 ms max ms" {
		t.Fatalf("table:\n%s", stdout)
	}
	for i, op := range []string{"send", "page", "channel", "total"} {
		f := strings.Fields(lines[3+i])
		if len(f) != 10 || f[0] != "mixed" || f[1] != op || f[2] != "2" || f[3] == "0" || f[4] != "0" {
			t.Errorf("row %q", lines[3+i])
		}
	}
	if strings.Contains(stderr, "\r") || !strings.Contains(stderr, "measure") {
		t.Errorf("progress on a non-terminal:\n%q", stderr)
	}
	if services(t, srv) != 0 {
		t.Error("the Service is left")
	}
}

func TestBenchFailsWhenNothingSucceeds(t *testing.T) {
	srv := chatdtest.New(t)
	target, _ := url.Parse(srv.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Messages") {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"code":20503,"message":"Service unavailable","status":503}`)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer front.Close()
	stdout, _, err := runBench(t, "--url", front.URL, "--account-sid", srv.AccountSid, "--auth-token", srv.AuthToken,
		"--scenario", "send", "--json")
	if err == nil || !strings.Contains(err.Error(), "none of the") {
		t.Fatalf("err = %v", err)
	}
	var res bench.Result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Total.Requests == 0 || res.Total.Errors != res.Total.Requests || res.Errors["503 20503"] != res.Total.Errors {
		t.Errorf("result %+v", res)
	}
}

func TestBenchTrust(t *testing.T) {
	ready, stop := startRun(t, "--ephemeral", "--tls-self-signed")
	defer stop()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte(ready.CACert), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := []string{"--url", ready.URL, "--account-sid", ready.AccountSid, "--auth-token", ready.AuthToken, "--scenario", "send", "--json"}
	if _, _, err := runBench(t, creds...); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an unknown certificate: %v", err)
	}
	for _, trust := range [][]string{{"--ca-cert", ca}, {"--insecure"}} {
		if _, stderr, err := runBench(t, append(creds, trust...)...); err != nil {
			t.Errorf("%v: %v\n%s", trust, err, stderr)
		}
	}
}
