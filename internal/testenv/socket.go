package testenv

import (
	"context"
	"strings"
	"testing"

	"github.com/chatd/chatd/twilsock/twilsocktest"
)

// SocketURL is the URL of chatd's socket for the client SDKs
// (ws://…/v3/wsconnect).
func (e *Env) SocketURL() string {
	return "ws" + strings.TrimPrefix(e.URL, "http") + "/v3/wsconnect"
}

// Socket connects to chatd's socket as identity in the Service service (an
// IS SID), as a client SDK does, with a token from Token(t, identity,
// service, opts...). It fails the test if the init is refused; the socket
// is dropped when the test ends.
func (e *Env) Socket(t testing.TB, identity, service string, opts ...TokenOption) *twilsocktest.Client {
	t.Helper()
	if e.CertPEM != nil {
		t.Fatal("testenv: Socket does not speak TLS")
	}
	c, err := twilsocktest.Dial(context.Background(), e.SocketURL(), e.Token(t, identity, service, opts...))
	if err != nil {
		t.Fatalf("testenv: socket of %s: %v", identity, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// Connections is how many sockets identity holds open in the Service
// service, as chatd counts them.
func (e *Env) Connections(service, identity string) int {
	return e.app.Connections(service, identity)
}
