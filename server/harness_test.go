package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/webhook"
)

// Test credentials, those every testenv.Env accepts.
const (
	testAccount   = testenv.AccountSid
	testToken     = testenv.AuthToken
	testAPIKey    = testenv.APIKeySid
	testAPISecret = testenv.APIKeySecret
)

// TestMain starts PostgreSQL for the harnesses when CHATD_TEST_STORE is
// postgres (see testenv.StoreVar).
func TestMain(m *testing.M) { pgtest.Main(m) }

// harness is this package's short hand for a testenv.Env: chatd as a
// client sees it, with requests that fail the harness's test.
type harness struct {
	t    testing.TB
	srv  *testenv.Env
	db   model.Store // srv.Store, the running chatd's store
	path string      // srv.DBPath, its bbolt file

	// hookOptions are the webhook dispatcher's options; noHooks leaves the
	// dispatcher stopped, as if chatd died between a commit and the send.
	// Both are read at every start, so a restart takes a change.
	hookOptions webhook.Options
	noHooks     bool
	// options are further options of the Env.
	options []testenv.Option
}

// newHarness starts chatd on a fresh file and stops it at the end of the test.
func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessWith(t, nil)
}

// newHarnessWith is newHarness with the webhook dispatcher's options (and
// noHooks, and the Env's options) set by configure before the start.
func newHarnessWith(t testing.TB, configure func(*harness)) *harness {
	t.Helper()
	h := &harness{t: t, hookOptions: testenv.QuickWebhooks()}
	if configure != nil {
		configure(h)
	}
	h.srv = testenv.New(t, h.envOptions()...)
	h.sync()
	return h
}

// envOptions are the Env's options as the harness's fields say.
func (h *harness) envOptions() []testenv.Option {
	dispatch := testenv.WithDispatcher()
	if h.noHooks {
		dispatch = testenv.WithoutDispatcher()
	}
	return append([]testenv.Option{testenv.WithWebhooks(h.hookOptions), dispatch}, h.options...)
}

func (h *harness) sync() { h.db, h.path = h.srv.Store, h.srv.DBPath }

// restart stops chatd and starts it again on the same file: what a client
// sees across a chatd restart (the base URL changes).
func (h *harness) restart() {
	h.t.Helper()
	h.srv.Restart(h.t, h.envOptions()...)
	h.sync()
}

// URL is the base URL of the running server.
func (h *harness) URL() string { return h.srv.URL }

// response is a decoded reply.
type response = testenv.Response

// do sends a request with the test credentials. form goes in the body of a
// POST and in the query string otherwise.
func (h *harness) do(method, path string, form url.Values) *response {
	h.t.Helper()
	return h.srv.Do(h.t, method, path, form)
}

func (h *harness) doAuth(method, path string, form url.Values, user, pass string) *response {
	h.t.Helper()
	return h.srv.DoAuth(h.t, method, path, form, user, pass)
}

// doHeader is doAuth with extra request headers.
func (h *harness) doHeader(method, path string, form url.Values, user, pass string, header http.Header) *response {
	h.t.Helper()
	return h.srv.DoHeader(h.t, method, path, form, user, pass, header)
}

// must sends a request and fails the test unless the status is want.
func (h *harness) must(want int, method, path string, form url.Values) map[string]any {
	h.t.Helper()
	return h.srv.Must(h.t, want, method, path, form)
}

func (h *harness) create(path string, form url.Values) map[string]any {
	h.t.Helper()
	return h.srv.Create(h.t, path, form)
}

func (h *harness) get(path string) map[string]any {
	h.t.Helper()
	return h.srv.Get(h.t, path)
}

func (h *harness) update(path string, form url.Values) map[string]any {
	h.t.Helper()
	return h.srv.Update(h.t, path, form)
}

func (h *harness) delete(path string) {
	h.t.Helper()
	h.srv.Delete(h.t, path)
}

// wantError checks that r is Twilio's error body with status and code.
func (h *harness) wantError(r *response, status, code int) {
	h.t.Helper()
	testenv.WantError(h.t, r, status, code)
}

// newService creates a Service and returns its path, /v2/Services/IS….
func (h *harness) newService() string {
	h.t.Helper()
	return h.srv.NewService(h.t)
}

// walk follows next_page_url from path and returns every item, checking
// that each page's meta is consistent.
func (h *harness) walk(path string) []map[string]any {
	h.t.Helper()
	return h.srv.Walk(h.t, path)
}

// form builds url.Values from key, value pairs; a key may repeat.
func form(kv ...string) url.Values { return testenv.Form(kv...) }

// items returns the list of a list response under its meta.key.
func items(body map[string]any) []map[string]any { return testenv.Items(body) }

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func arr(v any) []any {
	a, _ := v.([]any)
	return a
}

func itoa(n int) string { return strconv.Itoa(n) }

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
