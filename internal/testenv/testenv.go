// Package testenv runs one chatd for a test of chatd itself: through
// internal/app, as the chatd command runs it, on the store the test
// chooses (a new bbolt file by default, or a new PostgreSQL schema with
// CHATD_TEST_STORE=postgres: see StoreVar), on 127.0.0.1. It gives the test
// the ways in: plain HTTP with the credentials (API, which an Env embeds)
// and one twilio-go client (Env.SDK). Every answer either receives is
// checked against Twilio's OpenAPI spec (internal/speccheck).
//
// Only chatd's tests import it: it pulls in twilio-go, which chatd itself
// does not use.
package testenv

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/internal/app"
	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/internal/speccheck"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/webhook"
)

// The credentials an Env accepts unless told otherwise: letters and digits
// only, as the helper libraries demand.
const (
	AccountSid   = "AC00000000000000000000000000000001"
	AuthToken    = "secrettoken0123456789"
	APIKeySid    = "SK00000000000000000000000000000001"
	APIKeySecret = "apikeysecret0123456789"
)

// closeTimeout bounds how long stopping chatd waits for requests in flight.
const closeTimeout = 10 * time.Second

// Env is one chatd started by New for a test. Its embedded API sends
// requests to it with its credentials (URL, AccountSid and AuthToken are
// the API's fields) and checks every answer against the spec.
type Env struct {
	API
	// APIKeySid and APIKeySecret are the API key chatd also accepts; empty
	// with WithAPIKey("", "").
	APIKeySid, APIKeySecret string
	// CertPEM is the self-signed certificate chatd serves with WithTLS,
	// which Client trusts; nil without.
	CertPEM []byte
	// Store is the store chatd runs on. Restart replaces it.
	Store model.Store
	// DBPath is the bbolt file of the default store; empty with WithStore
	// and on PostgreSQL.
	DBPath string

	tb        testing.TB
	cfg       app.Config
	open      func(testing.TB) model.Store
	app       *app.App
	transport *http.Transport
}

// Option configures an Env.
type Option func(*Env)

// WithStore makes chatd run on the stores open returns instead of a new
// bbolt file: open is called by New and again by every Restart (to keep
// data across a restart, it must open the same data again). The Env
// closes each store when chatd stops.
func WithStore(open func(t testing.TB) model.Store) Option {
	return func(e *Env) { e.open, e.DBPath = open, "" }
}

// QuickWebhooks are the webhook dispatcher's options of an Env unless
// WithWebhooks replaces them: retries after 20ms doubling up to 200ms, and
// a 2s timeout per attempt that leaves a slow machine room to answer.
func QuickWebhooks() webhook.Options {
	return webhook.Options{
		Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Timeout: 2 * time.Second,
		Logger: slog.New(slog.DiscardHandler),
	}
}

// WithWebhooks sets the webhook dispatcher's options (AuthToken is the
// Env's auth token whatever opts says).
func WithWebhooks(opts webhook.Options) Option {
	return func(e *Env) { e.cfg.Webhooks = opts }
}

// WithoutDispatcher leaves the webhook dispatcher stopped: webhooks are
// recorded in the outbox but not sent, as if chatd had stopped between a
// commit and the send, until a Restart without this option.
func WithoutDispatcher() Option {
	return func(e *Env) { e.cfg.HoldWebhooks = true }
}

// WithDispatcher undoes WithoutDispatcher, for a Restart that sends what
// waits in the outbox.
func WithDispatcher() Option {
	return func(e *Env) { e.cfg.HoldWebhooks = false }
}

// WithSeed loads seed into an empty store at the start, and makes it what
// POST /_chatd/reset restores.
func WithSeed(seed *chat.Seed) Option {
	return func(e *Env) { e.cfg.Seed = seed }
}

// WithSyncRetention makes each Sync object keep only its newest n events
// for the clients that resubscribe.
func WithSyncRetention(n int) Option {
	return func(e *Env) { e.cfg.SyncRetention = n }
}

// WithSyncPoll sets how often each Sync tailer reads its feed without a
// hint of another node's commit, on a store that several chatd share.
func WithSyncPoll(d time.Duration) Option {
	return func(e *Env) { e.cfg.SyncPoll = d }
}

// WithPublicURL makes chatd start every url, links and meta URL with u, as
// behind a proxy.
func WithPublicURL(u string) Option {
	return func(e *Env) { e.cfg.PublicURL = u }
}

// WithCredentials sets the Account SID and auth token chatd accepts
// instead of AccountSid and AuthToken; empty ones make chatd generate a
// development pair, which the Env then uses.
func WithCredentials(accountSid, authToken string) Option {
	return func(e *Env) { e.cfg.AccountSid, e.cfg.AuthToken = accountSid, authToken }
}

// WithAPIKey sets the API key chatd also accepts instead of APIKeySid and
// APIKeySecret; empty ones accept none.
func WithAPIKey(sid, secret string) Option {
	return func(e *Env) { e.cfg.APIKeySid, e.cfg.APIKeySecret = sid, secret }
}

// WithTLS makes chatd serve HTTPS with a self-signed certificate (CertPEM),
// which the Env's clients trust.
func WithTLS() Option {
	return func(e *Env) { e.cfg.TLSSelfSigned = true }
}

// WithLogger sends chatd's logs to logger; they are discarded by default.
func WithLogger(logger *slog.Logger) Option {
	return func(e *Env) { e.cfg.Logger = logger }
}

// New starts chatd for t, configured by opts, and stops it when the test
// ends. It fails the test if chatd cannot start, or if the spec to check
// answers against cannot be loaded (with CI set, that includes a missing
// spec). Call it from the test's goroutine.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	e := &Env{
		tb:     t,
		DBPath: filepath.Join(t.TempDir(), "chatd.db"),
		cfg: app.Config{
			Addr:       "127.0.0.1:0",
			AccountSid: AccountSid, AuthToken: AuthToken,
			APIKeySid: APIKeySid, APIKeySecret: APIKeySecret,
			Logger:   slog.New(slog.DiscardHandler),
			Webhooks: QuickWebhooks(),
			Version:  "testenv",
		},
	}
	e.open = BoltStore(e.DBPath)
	if DefaultStore(t) == "postgres" {
		// The schema is made now, so that it is dropped after the Env
		// (whose Close is a later cleanup) stops using it.
		e.open, e.DBPath = PostgresStore(pgtest.New(t)), ""
	}
	for _, opt := range opts {
		opt(e)
	}
	e.Spec = speccheck.For(t)
	t.Cleanup(e.Close)
	e.start(t)
	return e
}

// start opens the store and starts chatd on it.
func (e *Env) start(t testing.TB) {
	t.Helper()
	e.Store = e.open(t)
	cfg := e.cfg
	cfg.Store = e.Store
	a, err := app.Start(context.Background(), cfg)
	if err != nil {
		e.closeStore()
		t.Fatalf("testenv: start chatd: %v", err)
	}
	e.app = a
	e.URL, e.AccountSid, e.AuthToken = a.URL, a.AccountSid, a.AuthToken
	e.APIKeySid, e.APIKeySecret = cfg.APIKeySid, cfg.APIKeySecret
	e.CertPEM = a.CertPEM
	e.transport = newTransport()
	if e.CertPEM != nil {
		e.transport.TLSClientConfig = trusting(t, e.CertPEM)
	}
	e.HTTP = &http.Client{Transport: e.transport}
}

// stop stops chatd and closes its store, reporting failures on the test
// that started the Env.
func (e *Env) stop() {
	if e.app == nil {
		return
	}
	e.transport.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if err := e.app.Close(ctx); err != nil {
		e.tb.Errorf("testenv: stop chatd: %v", err)
	}
	e.app = nil
	e.closeStore()
}

func (e *Env) closeStore() {
	if err := e.Store.Close(); err != nil {
		e.tb.Errorf("testenv: close the store: %v", err)
	}
}

// Restart stops chatd and starts it again on the same data, with opts
// applied on top of the Env's options (WithDispatcher, say): what a client
// sees across a restart of chatd. The URL changes (a new port); SDK
// clients follow it.
func (e *Env) Restart(t testing.TB, opts ...Option) {
	t.Helper()
	e.stop()
	for _, opt := range opts {
		opt(e)
	}
	e.start(t)
}

// Close stops chatd and closes its store; the test's cleanup calls it.
// Calls after the first do nothing.
func (e *Env) Close() { e.stop() }

// Client returns the HTTP client of the Env (e.HTTP), which trusts its
// certificate with WithTLS, as httptest.Server.Client does.
func (e *Env) Client() *http.Client { return e.HTTP }

// Addr is chatd's listening address, host:port, for a test that speaks
// HTTP on a raw connection.
func (e *Env) Addr() string {
	u, _ := url.Parse(e.URL)
	return u.Host
}
