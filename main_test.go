package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFlags(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	t.Run("Defaults", func(t *testing.T) {
		cfg, err := parseServe(nil, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.addr != "127.0.0.1:8080" || cfg.db != "chatd.db" || cfg.logFormat != "text" || cfg.accountSid != "" {
			t.Errorf("defaults = %+v", cfg)
		}
	})
	t.Run("EnvThenFlags", func(t *testing.T) {
		e := env(map[string]string{
			"CHATD_ADDR": ":9000", "CHATD_DB": "/tmp/env.db", "CHATD_LOG_FORMAT": "json",
			"CHATD_ACCOUNT_SID": "AC" + strings.Repeat("a", 32), "CHATD_AUTH_TOKEN": "envtoken",
			"CHATD_PUBLIC_URL": "https://chat.example.com",
		})
		cfg, err := parseServe([]string{"--db", "flag.db"}, e, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		want := serveConfig{addr: ":9000", db: "flag.db", logFormat: "json", logLevel: "info", accountSid: "AC" + strings.Repeat("a", 32),
			authToken: "envtoken", publicURL: "https://chat.example.com"}
		want.webhooks = defaultWebhookFlags
		if cfg != want {
			t.Errorf("got %+v\nwant %+v", cfg, want)
		}
	})
	for _, c := range []struct {
		name string
		args []string
	}{
		{"ErrLogFormat", []string{"--log-format", "xml"}},
		{"ErrSidWithoutToken", []string{"--account-sid", "AC" + strings.Repeat("0", 32)}},
		{"ErrTokenWithoutSid", []string{"--auth-token", "abc"}},
		{"ErrBadSid", []string{"--account-sid", "ACnope", "--auth-token", "abc"}},
		{"ErrTokenChars", []string{"--account-sid", "AC" + strings.Repeat("0", 32), "--auth-token", "a-b"}},
		{"ErrPublicURL", []string{"--public-url", "chat.example.com"}},
		{"ErrKeyWithoutSecret", []string{"--api-key-sid", "SK" + strings.Repeat("0", 32)}},
		{"ErrBadKeySid", []string{"--api-key-sid", "AC" + strings.Repeat("0", 32), "--api-key-secret", "s"}},
		{"ErrKeySecretChars", []string{"--api-key-sid", "SK" + strings.Repeat("0", 32), "--api-key-secret", "s/s"}},
		{"ErrUnknownFlag", []string{"--nope"}},
		{"ErrExtraArgument", []string{"extra"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := parseServe(c.args, env(nil), io.Discard); err == nil {
				t.Errorf("%v: no error", c.args)
			}
		})
	}
}

func TestRunUnknownCommand(t *testing.T) {
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Error("no error for an unknown command")
	}
}

// startRun runs chatd on a free port until the returned stop is called, and
// returns what its ready line says.
func startRun(t *testing.T, args ...string) (ready readyLine, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("chatd did not start: %v, %v", err, <-done)
	}
	if err := json.Unmarshal([]byte(line), &ready); err != nil || !ready.Ready {
		t.Fatalf("ready line %q: %v", line, err)
	}
	go io.Copy(io.Discard, pr)
	return ready, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
}

func TestRunServesAndKeepsDevCredentials(t *testing.T) {
	db := filepath.Join(t.TempDir(), "chatd.db")
	ready, stop := startRun(t, "--db", db)
	base, sid, token := ready.URL, ready.AccountSid, ready.AuthToken
	if sid == "" || token == "" || ready.DB != db {
		t.Fatalf("ready line %+v", ready)
	}

	resp, err := http.Get(base + "/_chatd/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()

	req, _ := http.NewRequest("POST", base+"/v2/Services", strings.NewReader(url.Values{"FriendlyName": {"kept"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(sid, token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create service: %v %v", resp, err)
	}
	var sv struct{ Sid string }
	json.NewDecoder(resp.Body).Decode(&sv)
	resp.Body.Close()
	stop()

	ready2, stop := startRun(t, "--db", db)
	defer stop()
	base, sid2, token2 := ready2.URL, ready2.AccountSid, ready2.AuthToken
	if sid2 != sid || token2 != token {
		t.Errorf("credentials changed across restarts: %s/%s then %s/%s", sid, token, sid2, token2)
	}
	req, _ = http.NewRequest("GET", base+"/v2/Services/"+sv.Sid, nil)
	req.SetBasicAuth(sid, token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("service after restart: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestRunWithConfiguredCredentials(t *testing.T) {
	sid, token := "AC"+strings.Repeat("1", 32), "configured"
	ready, stop := startRun(t, "--db", filepath.Join(t.TempDir(), "c.db"), "--account-sid", sid, "--auth-token", token)
	defer stop()
	base := ready.URL
	if ready.AccountSid != sid || ready.AuthToken != token {
		t.Errorf("ready line credentials %s/%s, want the configured ones", ready.AccountSid, ready.AuthToken)
	}
	req, _ := http.NewRequest("GET", base+"/v2/Services", nil)
	req.SetBasicAuth(sid, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("list with configured credentials: %v %v", resp, err)
	}
	resp.Body.Close()
}
