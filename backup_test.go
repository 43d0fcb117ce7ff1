package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseBackup(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	t.Run("EnvDefaults", func(t *testing.T) {
		cfg, err := parseBackup(nil, env("CHATD_BACKUP_OUT", "o.db", "CHATD_URL", "https://chat.example.com",
			"CHATD_ACCOUNT_SID", "AC1", "CHATD_AUTH_TOKEN", "tok", "CHATD_CA_CERT", "ca.pem"), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		want := backupConfig{out: "o.db", url: "https://chat.example.com", sid: "AC1", token: "tok", caCert: "ca.pem"}
		if cfg != want {
			t.Errorf("got %+v\nwant %+v", cfg, want)
		}
		cfg, err = parseBackup([]string{"--out", "o.db", "--url", "https://x"}, env("CHATD_INSECURE", "true"), io.Discard)
		if err != nil || !cfg.insecure {
			t.Errorf("CHATD_INSECURE=true: %+v, %v; want insecure", cfg, err)
		}
	})
	for _, c := range []struct {
		name   string
		args   []string
		getenv func(string) string
		want   string
	}{
		{"ErrNoOut", []string{"--url", "https://x"}, env(), "--out is required"},
		{"ErrURLAndDB", []string{"--out", "o", "--url", "https://x", "--db", "d"}, env(), "one of them"},
		{"ErrNeither", []string{"--out", "o"}, env(), "one of them"},
		{"ErrCACertAndInsecure", []string{"--out", "o", "--url", "https://x", "--ca-cert", "ca.pem", "--insecure"}, env(), "not both"},
		{"ErrInsecureEnv", []string{"--out", "o", "--url", "https://x"}, env("CHATD_INSECURE", "maybe"), "CHATD_INSECURE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := parseBackup(c.args, c.getenv, io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v: err = %v, want one saying %q", c.args, err, c.want)
			}
		})
	}
}

// snapshotServer is an HTTPS server with its own certificate that answers
// every request with a fake snapshot and records the credentials it got.
type snapshotServer struct {
	*httptest.Server
	mu    sync.Mutex
	auths []string
}

const fakeSnapshot = "a chatd snapshot"

func newSnapshotServer(t *testing.T) *snapshotServer {
	t.Helper()
	s := &snapshotServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auths = append(s.auths, r.Header.Get("Authorization"))
		s.mu.Unlock()
		io.WriteString(w, fakeSnapshot)
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// requests returns the Authorization headers of the requests so far.
func (s *snapshotServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auths...)
}

// certFile writes the server's certificate as a PEM file and returns its
// path.
func (s *snapshotServer) certFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// otherCertFile writes a new self-signed certificate, one that signs no
// server of the test, as a PEM file and returns its path.
func otherCertFile(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "another"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runBackup runs chatd backup with args and the environment env, and
// returns what it wrote to stderr and its error.
func runBackup(t *testing.T, args []string, env ...string) (string, error) {
	t.Helper()
	getenv := func(k string) string {
		for _, kv := range env {
			if name, v, _ := strings.Cut(kv, "="); name == k {
				return v
			}
		}
		return ""
	}
	var stderr bytes.Buffer
	err := run(context.Background(), append([]string{"backup"}, args...), getenv, io.Discard, &stderr)
	return stderr.String(), err
}

func TestBackupVerifiesTheServer(t *testing.T) {
	srv := newSnapshotServer(t)
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := []string{"--account-sid", "AC" + strings.Repeat("0", 32), "--auth-token", "secret"}

	for _, c := range []struct {
		name string
		args []string
		env  []string
		want string // "" when the backup succeeds, else part of its error
	}{
		{"an unverified server is refused without --insecure", nil, nil, "--insecure"},
		{"a server signed by another certificate is refused", []string{"--ca-cert", otherCertFile(t)}, nil, "does not verify"},
		{"a --ca-cert file without a certificate fails", []string{"--ca-cert", notPEM}, nil, "no PEM certificate"},
		{"a missing --ca-cert file fails", []string{"--ca-cert", filepath.Join(t.TempDir(), "none.pem")}, nil, "--ca-cert"},
		{"--ca-cert with the server's certificate verifies it", []string{"--ca-cert", srv.certFile(t)}, nil, ""},
		{"CHATD_CA_CERT with the server's certificate verifies it", nil, []string{"CHATD_CA_CERT=" + srv.certFile(t)}, ""},
		{"--insecure sends the credentials anyway", []string{"--insecure"}, nil, ""},
		{"CHATD_INSECURE=true sends the credentials anyway", nil, []string{"CHATD_INSECURE=true"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "copy.db")
			before := len(srv.requests())
			args := append([]string{"--url", srv.URL, "--out", out}, creds...)
			_, err := runBackup(t, append(args, c.args...), c.env...)
			got := srv.requests()[before:]
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("err = %v, want one saying %q", err, c.want)
				}
				if len(got) != 0 {
					t.Errorf("the server got %d requests (credentials %q), want none", len(got), got)
				}
				if left, _ := os.ReadDir(dir); len(left) != 0 {
					t.Errorf("the refused backup left %v", left)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], "Basic ") {
				t.Errorf("the server got %q, want one request with the credentials", got)
			}
			if data, err := os.ReadFile(out); err != nil || string(data) != fakeSnapshot {
				t.Errorf("copy = %q, %v; want the snapshot", data, err)
			}
		})
	}
}

// TestBackupOverSelfSignedTLS backs up a chatd serving a generated
// certificate, trusting the ca_cert of its ready line.
func TestBackupOverSelfSignedTLS(t *testing.T) {
	ready, stop := startRun(t, "--db", filepath.Join(t.TempDir(), "live.db"), "--tls-self-signed")
	defer stop()
	caCert := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caCert, []byte(ready.CACert), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := []string{"--url", ready.URL, "--account-sid", ready.AccountSid, "--auth-token", ready.AuthToken}

	refused := filepath.Join(t.TempDir(), "refused.db")
	if _, err := runBackup(t, append(creds, "--out", refused)); err == nil || !strings.Contains(err.Error(), "ca_cert") {
		t.Errorf("backup without --ca-cert: %v, want a refusal naming the ready line's ca_cert", err)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	if stderr, err := runBackup(t, append(creds, "--out", out, "--ca-cert", caCert)); err != nil {
		t.Fatalf("backup --ca-cert: %v %s", err, stderr)
	}
	copied, stopCopy := startRun(t, "--db", out)
	defer stopCopy()
	if copied.AccountSid != ready.AccountSid || copied.AuthToken != ready.AuthToken {
		t.Errorf("the copy serves with %s/%s, want the original's %s/%s", copied.AccountSid, copied.AuthToken, ready.AccountSid, ready.AuthToken)
	}
}
