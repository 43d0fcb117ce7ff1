// Package chatdtest runs chatd inside a Go test, as net/http/httptest runs
// an HTTP server: New starts chatd on 127.0.0.1 with a fresh temporary
// database, gives the test its URL and credentials, and stops it when the
// test ends.
//
// The fixture's Client and Transport send requests for Twilio's Chat, IP
// Messaging and media hosts (chat.twilio.com, ip-messaging.twilio.com,
// mcs.us1.twilio.com and their regional and edge forms) to the fixture, so
// that the official helper libraries work against it unchanged. With
// twilio-go:
//
//	srv := chatdtest.New(t)
//	c := &client.Client{
//		Credentials: client.NewCredentials(srv.AccountSid, srv.AuthToken),
//		HTTPClient:  srv.Client(),
//	}
//	c.SetAccountSid(srv.AccountSid)
//	api := chatv2.NewApiServiceWithClient(c)
//
// The package imports only the standard library and chatd's own packages:
// a test that uses it pays for no Twilio SDK it does not import itself.
// Fixtures share no state, so parallel tests may each start their own.
package chatdtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/internal/app"
)

// closeTimeout bounds how long Close waits for requests in flight.
const closeTimeout = 10 * time.Second

// Server is a chatd started by New for one test.
//
// Its fields describe the running fixture; changing them changes nothing
// in it.
type Server struct {
	// URL is the fixture's base URL, http://127.0.0.1:PORT, with no
	// trailing slash. Paging URLs (next_page_url, …) that chatd returns
	// point here.
	URL string
	// AccountSid and AuthToken are the credentials the fixture accepts with
	// HTTP Basic auth: those given by WithCredentials, or a development
	// pair generated for this fixture. AuthToken also signs the webhooks
	// (X-Twilio-Signature).
	AccountSid, AuthToken string
	// DBPath is the fixture's bbolt file, in a temporary directory that
	// Close removes.
	DBPath string

	tb        testing.TB
	app       *app.App
	target    *url.URL
	transport *http.Transport
	closeOnce sync.Once
}

// Option configures a fixture started by New.
type Option func(*options)

// options is what the Options build: chatd's configuration, and the first
// error an Option met, which New reports.
type options struct {
	cfg app.Config
	err error
}

func (o *options) fail(format string, args ...any) {
	if o.err == nil {
		o.err = fmt.Errorf(format, args...)
	}
}

// WithSeed loads seed into the fixture's new database before it serves,
// and makes it what Reset and ResetService restore. A nil seed means none:
// the fixture starts, and resets, empty. See chat.Seed for the format.
func WithSeed(seed *chat.Seed) Option {
	return func(o *options) { o.cfg.Seed = seed }
}

// WithSeedFile is WithSeed with the seed read from a JSON file (the format
// of chatd --seed, see chat.ReadSeed). New fails the test if the file
// cannot be read or is not a valid seed.
func WithSeedFile(path string) Option {
	return func(o *options) {
		seed, err := chat.ReadSeed(path)
		if err != nil {
			o.fail("WithSeedFile(%q): %w", path, err)
			return
		}
		o.cfg.Seed = seed
	}
}

// WithCredentials sets the Account SID (AC and 32 hex digits) and auth
// token (letters and digits) the fixture accepts, instead of a generated
// pair. New fails the test if either is malformed.
func WithCredentials(accountSid, authToken string) Option {
	return func(o *options) {
		if accountSid == "" || authToken == "" {
			o.fail("WithCredentials: both the Account SID and the auth token are needed")
			return
		}
		o.cfg.AccountSid, o.cfg.AuthToken = accountSid, authToken
	}
}

// WithAPIKey makes the fixture also accept an API key (SK and 32 hex
// digits) with its secret (letters and digits) in place of the Account SID
// and auth token, as Twilio does. New fails the test if either is
// malformed.
func WithAPIKey(sid, secret string) Option {
	return func(o *options) {
		if sid == "" || secret == "" {
			o.fail("WithAPIKey: both the key SID and the secret are needed")
			return
		}
		o.cfg.APIKeySid, o.cfg.APIKeySecret = sid, secret
	}
}

// WithLogger sends chatd's logs (one line per request, webhook attempts)
// to logger. By default they are discarded, so that tests stay quiet.
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) {
		if logger != nil {
			o.cfg.Logger = logger
		}
	}
}

// WithWebhookBackoff makes every webhook retry wait d after the failed
// attempt, instead of chatd's default of 1 second doubling up to 10 seconds,
// so that a test of retries runs fast. New fails the test unless d > 0.
func WithWebhookBackoff(d time.Duration) Option {
	return func(o *options) {
		if d <= 0 {
			o.fail("WithWebhookBackoff: the back-off must be positive, not %v", d)
			return
		}
		o.cfg.Webhooks.Backoff, o.cfg.Webhooks.MaxBackoff = d, d
	}
}

// New starts chatd on 127.0.0.1 with a new database in a temporary
// directory, configured by opts, and returns it once it serves. A
// t.Cleanup closes it. New fails the test (t.Fatalf) if an option is
// invalid or chatd cannot start; like t.Fatalf, call it from the test's
// goroutine.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := options{cfg: app.Config{
		Addr:      "127.0.0.1:0",
		Ephemeral: true,
		Logger:    slog.New(slog.DiscardHandler),
		Version:   "chatdtest",
	}}
	for _, opt := range opts {
		opt(&o)
	}
	if o.err != nil {
		t.Fatalf("chatdtest: %v", o.err)
	}
	a, err := app.Start(context.Background(), o.cfg)
	if err != nil {
		t.Fatalf("chatdtest: start chatd: %v", err)
	}
	target, err := url.Parse(a.URL)
	if err != nil {
		a.Close(context.Background())
		t.Fatalf("chatdtest: chatd URL %q: %v", a.URL, err)
	}
	s := &Server{
		URL:        a.URL,
		AccountSid: a.AccountSid,
		AuthToken:  a.AuthToken,
		DBPath:     a.DBPath,
		tb:         t,
		app:        a,
		target:     target,
		transport:  newTransport(),
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops the fixture: it stops accepting requests, waits (up to 10
// seconds) for those in flight, stops the webhook dispatcher, and removes
// the database file and its directory. It reports a failure to the test
// that started the fixture with t.Errorf. Close may be called more than
// once; calls after the first do nothing. The test's cleanup calls it.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.transport.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		if err := s.app.Close(ctx); err != nil {
			s.tb.Errorf("chatdtest: close chatd: %v", err)
		}
	})
}

// Client returns a new HTTP client whose Transport is s.Transport(): give
// it to a Twilio helper library and the library's requests reach the
// fixture. It has no timeout and follows redirects as http.Client does.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: s.Transport()}
}

// Reset puts the fixture's data back to its seed (empty without one) in
// one transaction, as POST /_chatd/reset does: every Service, Credential
// and webhook delivery is removed and the seed loaded again. It fails the
// test (t.Fatalf) if chatd refuses. Reset may be called from a t.Cleanup.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	s.reset(t, url.Values{})
}

// ResetService puts one Service back to its seed, as POST /_chatd/reset
// with ServiceSid does: the Service is removed, with everything in it, and
// the seed's Service of that SID, if any, loaded again; the other Services
// are untouched. It fails the test (t.Fatalf) if chatd refuses, for
// instance with a 404 when neither the fixture nor the seed has the
// Service.
func (s *Server) ResetService(t testing.TB, serviceSid string) {
	t.Helper()
	s.reset(t, url.Values{"ServiceSid": {serviceSid}})
}

// Token returns an access token for a first-person client acting as
// identity in the Service service (an IS SID), valid for an hour: what an
// app's server mints with the helper libraries' AccessToken, made here as
// POST /_chatd/tokens makes it, signed with the fixture's API key
// (WithAPIKey) or its development key. It fails the test that started the
// fixture (t.Fatalf) if chatd refuses, for instance for a Service that
// does not exist; like t.Fatalf, call it from that test's goroutine.
func (s *Server) Token(identity, service string) string {
	s.tb.Helper()
	var out struct{ Token string }
	s.post(s.tb, "/_chatd/tokens", url.Values{"Identity": {identity}, "ServiceSid": {service}}, http.StatusCreated, &out)
	return out.Token
}

func (s *Server) reset(t testing.TB, form url.Values) {
	t.Helper()
	s.post(t, "/_chatd/reset", form, http.StatusNoContent, nil)
}

// post sends form to one of chatd's own routes with the fixture's
// credentials and decodes the answer into out (when not nil); anything but
// the status want fails t.
func (s *Server) post(t testing.TB, path string, form url.Values, want int, out any) {
	t.Helper()
	// Not t.Context(): that is done before the cleanups run, and a reset
	// in a cleanup is a fair use.
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("chatdtest: %s: %v", path, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.app.AccountSid, s.app.AuthToken)
	resp, err := s.transport.RoundTrip(req)
	if err != nil {
		t.Fatalf("chatdtest: %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != want {
		t.Fatalf("chatdtest: %s %s: %s: %s", path, form.Encode(), resp.Status, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("chatdtest: %s: %v: %s", path, err, body)
		}
	}
}
