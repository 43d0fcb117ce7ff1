package main

// HTTPS, with a self-signed certificate or a given one.

import (
	"bytes"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
)

// wantTLS checks that chatd serves HTTPS that verifies with the client's
// roots, and nothing in plain HTTP or to a client that does not trust it.
func wantTLS(t *testing.T, c *chatd) {
	t.Helper()
	if !strings.HasPrefix(c.ready.URL, "https://127.0.0.1:") {
		t.Fatalf("url = %q, want https", c.ready.URL)
	}
	t.Run("HTTPS verifies with the certificate as the only root", func(t *testing.T) {
		if tr := c.api.HTTP.Transport.(*http.Transport); tr.TLSClientConfig.InsecureSkipVerify {
			t.Fatal("the client skips verification")
		}
		r := c.api.DoAuth(t, http.MethodGet, "/_chatd/health", nil, "", "")
		if r.Status != http.StatusOK || r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			t.Errorf("health over verified HTTPS = %d %s (TLS %v)", r.Status, r.Raw, r.TLS)
		}
		c.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil)
	})
	t.Run("a client that does not trust the certificate is refused", func(t *testing.T) {
		resp, err := (&http.Client{Transport: &http.Transport{}}).Get(c.ready.URL + "/_chatd/health")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET with the system roots = %s, want a certificate error", resp.Status)
		}
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("GET with the system roots: %v, want an unknown authority", err)
		}
	})
	t.Run("plain HTTP gets no health answer", func(t *testing.T) {
		resp, err := http.Get("http://" + strings.TrimPrefix(c.ready.URL, "https://") + "/_chatd/health")
		if err != nil {
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || bytes.Contains(body, []byte(`"ok"`)) {
			t.Errorf("plain HTTP = %s %s, want a refusal", resp.Status, body)
		}
	})
	t.Run("healthcheck accepts it", func(t *testing.T) {
		if r := runChatd(t, []string{"healthcheck", "--url", c.ready.URL}); r.code != 0 {
			t.Errorf("healthcheck over HTTPS exited %d: %s", r.code, r.stderr)
		}
	})
}

func TestE2ETLSSelfSigned(t *testing.T) {
	t.Parallel()
	c := start(t, args(listen, []string{"--ephemeral", "--tls-self-signed"}))
	if !strings.HasPrefix(c.ready.CACert, "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("ca_cert = %q, want a PEM certificate", c.ready.CACert)
	}
	wantTLS(t, c)
	c.stop(t)
}

func TestE2ETLSCertAndKey(t *testing.T) {
	t.Parallel()
	certPath, keyPath := testenv.WriteCert(t, t.TempDir())
	c := start(t, args(listen, []string{"--ephemeral", "--tls-cert", certPath, "--tls-key", keyPath}))
	if c.ready.CACert != "" {
		t.Errorf("ca_cert = %q with a given certificate, want none", c.ready.CACert)
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	c.api.HTTP.Transport = testenv.TLSTransport(t, certPEM)
	wantTLS(t, c)
	c.stop(t)
}
