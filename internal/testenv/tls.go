package testenv

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/app"
)

// newTransport returns a transport configured as http.DefaultTransport,
// but the Env's own, so that Envs share no connections.
func newTransport() *http.Transport {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// trusting is a TLS configuration whose only roots are the certificates in
// pemCerts; it verifies as any client does.
func trusting(t testing.TB, pemCerts []byte) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemCerts) {
		t.Fatalf("testenv: no certificate in %q", pemCerts)
	}
	return &tls.Config{RootCAs: pool}
}

// TLSTransport returns a new transport that trusts only the certificates
// in pemCerts (such as Env.CertPEM, or the ca_cert of chatd's ready line).
func TLSTransport(t testing.TB, pemCerts []byte) *http.Transport {
	t.Helper()
	tr := newTransport()
	tr.TLSClientConfig = trusting(t, pemCerts)
	return tr
}

// WriteCert writes a new self-signed certificate for localhost and the
// loopback addresses, and its key, as PEM files in dir (chatd's own
// generator, internal/app.SelfSigned), for chatd's --tls-cert and
// --tls-key.
func WriteCert(t testing.TB, dir string) (certPath, keyPath string) {
	t.Helper()
	certPEM, keyPEM, err := app.SelfSigned("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}
