package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/app"
)

// loginAs checks that each token logs in to the file at db (which no chatd
// serves any more) as the identity it is mapped to, in service.
func loginAs(t *testing.T, db, service string, tokens map[string]string) {
	t.Helper()
	f, err := app.OpenFile(context.Background(), db, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for tok, identity := range tokens {
		p, err := f.Authenticate(context.Background(), tok)
		if err != nil || p.Identity != identity || p.ServiceSid != service {
			t.Errorf("token for %s logs in as %+v, %v", identity, p, err)
		}
	}
}

func TestTokenCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "chatd.db")
	ready, stop := startRun(t, "--db", db, "--tls-self-signed")
	caCert := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caCert, []byte(ready.CACert), 0o600); err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(ready.CACert))
	service := createService(t, ready, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}})
	env := map[string]string{"CHATD_URL": ready.URL, "CHATD_ACCOUNT_SID": ready.AccountSid, "CHATD_AUTH_TOKEN": ready.AuthToken}

	tokens := map[string]string{}
	mint := func(identity string, args ...string) {
		t.Helper()
		out := mustRun(t, env, append([]string{"token", "--identity", identity, "--service", service}, args...)...)
		tok := strings.TrimSuffix(out, "\n")
		if strings.Count(tok, ".") != 2 || strings.ContainsAny(tok, " \n") {
			t.Fatalf("chatd token printed %q, want one JWT line", out)
		}
		tokens[tok] = identity
	}
	mint("alice", "--ca-cert", caCert)
	mint("bob", "--insecure", "--ttl", "10m")
	env["CHATD_CA_CERT"] = caCert
	env["CHATD_TOKEN_TTL"] = "2h"
	mint("carol")
	if _, err := runCmd(t, map[string]string{"CHATD_URL": ready.URL, "CHATD_ACCOUNT_SID": ready.AccountSid, "CHATD_AUTH_TOKEN": ready.AuthToken},
		"token", "--identity", "dan", "--service", service); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an https chatd whose certificate is not trusted: %v, want a certificate error", err)
	}
	if _, err := runCmd(t, env, "token", "--identity", "dan", "--service", "IS00000000000000000000000000000fff"); err == nil || !strings.Contains(err.Error(), "50050") {
		t.Errorf("an unknown Service: %v, want chatd's 50050", err)
	}
	stop()

	// On the file itself, with the Service in the environment.
	out := mustRun(t, map[string]string{"CHATD_TOKEN_DB": db, "CHATD_TOKEN_SERVICE": service}, "token", "--identity", "erin", "--ttl", "30m")
	tokens[strings.TrimSpace(out)] = "erin"
	loginAs(t, db, service, tokens)

	t.Run("mistakes", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"token", "--service", service, "--db", db}, "--identity is required"},
			{[]string{"token", "--identity", "a", "--db", db}, "--service is required"},
			{[]string{"token", "--identity", "a", "--service", service, "--ttl", "25h", "--db", db}, "--ttl must be between 1s and 24h0m0s"},
			{[]string{"token", "--identity", "a", "--service", service, "--ttl", "soon", "--db", db}, "invalid value"},
			{[]string{"token", "--identity", "a", "--service", service, "--db", db, "extra"}, "unexpected arguments: extra"},
			{[]string{"token", "--identity", "a", "--service", service, "--db", db, "--url", "http://127.0.0.1:1"}, "not both"},
			{[]string{"token", "--identity", "a", "--service", "IS00000000000000000000000000000fff", "--db", db}, "50050"},
			{[]string{"token", "--identity", "a", "--service", service, "--db", db, "--account-sid", "ACnope"}, "not an Account SID"},
		} {
			if _, err := runCmd(t, nil, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("chatd %v: %v, want an error with %q", c.args, err, c.want)
			}
		}
		if _, err := runCmd(t, map[string]string{"CHATD_TOKEN_TTL": "a while"}, "token"); err == nil || !strings.Contains(err.Error(), `CHATD_TOKEN_TTL="a while" is not a duration`) {
			t.Errorf("a bad CHATD_TOKEN_TTL: %v", err)
		}
	})

	t.Run("for the configured account", func(t *testing.T) {
		sid := "AC" + strings.Repeat("2", 32)
		out := mustRun(t, nil, "token", "--db", db, "--identity", "frank", "--service", service, "--account-sid", sid, "--ttl", time.Minute.String())
		f, err := app.OpenFile(context.Background(), db, sid, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if p, err := f.Authenticate(context.Background(), strings.TrimSpace(out)); err != nil || p.Identity != "frank" {
			t.Errorf("a token minted for %s logs in to a chatd of that account as %+v, %v", sid, p, err)
		}
	})
}
