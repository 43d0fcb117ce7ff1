package twilsock_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/accesstoken"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/twilsock"
	"github.com/chatd/chatd/twilsock/twilsocktest"
)

const (
	account      = "AC0123456789abcdef0123456789abcdef"
	keySid       = "SK0123456789abcdef0123456789abcdef"
	secret       = "0123456789abcdef0123456789abcdef"
	service      = "IS0123456789abcdef0123456789abcdef"
	otherService = "ISfedcba9876543210fedcba9876543210"
)

// tokenAuth verifies real access tokens signed with the test key, as chat
// does (without creating Users, which are not the socket's business).
type tokenAuth struct{ v accesstoken.Verifier }

func newTokenAuth() tokenAuth {
	return tokenAuth{accesstoken.Verifier{AccountSid: account, Secret: func(_ context.Context, sid string) (string, error) {
		if sid != keySid {
			return "", model.ErrNotFound
		}
		return secret, nil
	}}}
}

func (a tokenAuth) Authenticate(ctx context.Context, token string) (*model.Principal, error) {
	t, err := a.v.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	return &model.Principal{Identity: t.Identity, ServiceSid: t.Chat.ServiceSid, KeySid: t.KeySid, Expires: t.Expires}, nil
}

// mint makes a token for identity in service, issued at from and valid for
// ttl after it, signed with the test key.
func mint(t testing.TB, identity, svc string, from time.Time, ttl time.Duration) string {
	t.Helper()
	s, err := accesstoken.Mint(accesstoken.Token{
		KeySid: keySid, AccountSid: account, Identity: identity,
		Chat:     accesstoken.ChatGrant{ServiceSid: svc},
		IssuedAt: from, NotBefore: from, Expires: from.Add(ttl),
	}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// token is a token good for an hour.
func token(t testing.TB, identity string) string {
	return mint(t, identity, service, time.Now(), time.Hour)
}

// fixture is a twilsock Server behind an httptest server, with the
// presence callbacks recorded in order.
type fixture struct {
	srv      *twilsock.Server
	url      string
	presence chan string // "online alice", "offline alice"
}

// start serves opts, with the echo handler unless opts sets one.
func start(t testing.TB, opts twilsock.Options) *fixture {
	t.Helper()
	if opts.Handler == nil {
		opts.Handler = http.HandlerFunc(echo)
	}
	return serve(t, opts)
}

// serve serves opts, with the test Authenticator and the presence recorder
// unless opts sets them.
func serve(t testing.TB, opts twilsock.Options) *fixture {
	t.Helper()
	f := &fixture{presence: make(chan string, 100)}
	if opts.Auth == nil {
		opts.Auth = newTokenAuth()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.OnConnect == nil {
		opts.OnConnect = func(svc, identity string) { f.presence <- "online " + identity }
		opts.OnDisconnect = func(svc, identity string) { f.presence <- "offline " + identity }
	}
	f.srv = twilsock.New(opts)
	hs := httptest.NewServer(f.srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		f.srv.Close(ctx)
		hs.Close()
	})
	f.url = "ws" + strings.TrimPrefix(hs.URL, "http") + "/v3/wsconnect"
	return f
}

// dial connects with token and fails the test if the init is refused.
func (f *fixture) dial(t testing.TB, token string) *twilsocktest.Client {
	t.Helper()
	return f.dialOptions(t, token, twilsocktest.Options{})
}

func (f *fixture) dialOptions(t testing.TB, token string, opts twilsocktest.Options) *twilsocktest.Client {
	t.Helper()
	c, err := twilsocktest.DialOptions(context.Background(), f.url, token, opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// nextPresence is the next presence callback.
func (f *fixture) nextPresence(t testing.TB) string {
	t.Helper()
	select {
	case p := <-f.presence:
		return p
	case <-time.After(30 * time.Second):
		t.Fatal("no presence callback")
		return ""
	}
}

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// nextEvent is the next frame the server pushed to c.
func nextEvent(t testing.TB, c *twilsocktest.Client) *twilsock.Frame {
	t.Helper()
	select {
	case f, ok := <-c.Events():
		if !ok {
			t.Fatalf("connection ended: %v", c.Err())
		}
		return f
	case <-time.After(30 * time.Second):
		t.Fatal("nothing pushed")
		return nil
	}
}

// ended waits for c's connection to end.
func ended(t testing.TB, c *twilsocktest.Client) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("connection still open")
	}
}

// echoed is what echo saw of a tunnelled request.
type echoed struct {
	Method, Path, EscapedPath, Host, Body, Identity string
	Query                                           map[string][]string
	Header                                          http.Header
	TLS                                             bool
}

// echo answers a tunnelled request with what it saw of it, status 201 and a
// header of its own; a few paths answer otherwise.
func echo(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/panic":
		panic("handler bug")
	case "/text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "plain")
		return
	case "/empty":
		w.WriteHeader(http.StatusNoContent)
		return
	case "/huge-header":
		w.Header().Set("X-Huge", strings.Repeat("x", twilsock.MaxHeaderSize))
		return
	case "/big":
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(strings.Repeat(" ", twilsock.MaxFrameSize)))
		return
	}
	body, _ := io.ReadAll(r.Body)
	e := echoed{
		Method: r.Method, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(), Host: r.Host,
		Body: string(body), Query: r.URL.Query(), Header: r.Header, TLS: r.TLS != nil,
	}
	if c := twilsock.ConnFromContext(r.Context()); c != nil {
		e.Identity = c.Principal().Identity
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Echo", "yes")
	w.Header().Add("X-Multi", "a")
	w.Header().Add("X-Multi", "b")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(e)
}
