package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/server"
	"github.com/chatd/chatd/webhook"
)

// Test credentials: letters and digits only, as the helper libraries demand.
const (
	testAccount   = "AC00000000000000000000000000000001"
	testToken     = "secrettoken0123456789"
	testAPIKey    = "SK00000000000000000000000000000001"
	testAPISecret = "apikeysecret0123456789"
)

// harness is chatd as a client sees it: the real handler on a real bbolt
// file in a temp dir, behind an httptest server.
type harness struct {
	t     testing.TB
	path  string
	db    *bolt.DB
	hooks *webhook.Dispatcher
	srv   *httptest.Server

	// hookOptions are the webhook dispatcher's options; noHooks leaves the
	// dispatcher stopped, as if chatd died between a commit and the send.
	hookOptions webhook.Options
	noHooks     bool
}

// newHarness starts chatd on a fresh file and stops it at the end of the test.
func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessWith(t, nil)
}

// newHarnessWith is newHarness with the webhook dispatcher's options (and
// noHooks) set by configure before the start.
func newHarnessWith(t testing.TB, configure func(*harness)) *harness {
	t.Helper()
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "chatd.db")}
	// Webhook retries are quick in tests; the timeout still leaves a slow
	// CI machine room to answer.
	h.hookOptions = webhook.Options{
		AuthToken: testToken, Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Timeout: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if configure != nil {
		configure(h)
	}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start() {
	h.t.Helper()
	db, err := bolt.Open(h.path, bolt.Options{})
	if err != nil {
		h.t.Fatal(err)
	}
	h.db = db
	h.hooks = webhook.New(db, h.hookOptions)
	if !h.noHooks {
		h.hooks.Start()
	}
	srv := server.New(chat.New(db, chat.Options{AccountSid: testAccount, Wake: h.hooks.Wake}), server.Config{
		AccountSid:   testAccount,
		AuthToken:    testToken,
		APIKeySid:    testAPIKey,
		APIKeySecret: testAPISecret,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	h.srv = httptest.NewServer(srv.Handler())
}

func (h *harness) stop() {
	if h.srv != nil {
		h.srv.Close()
		h.srv = nil
	}
	if h.hooks != nil {
		h.hooks.Close()
		h.hooks = nil
	}
	if h.db != nil {
		if err := h.db.Close(); err != nil {
			h.t.Error(err)
		}
		h.db = nil
	}
}

// restart closes the server and the file and opens them again: what a
// client sees across a chatd restart (the base URL changes).
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.start()
}

// URL is the base URL of the running server.
func (h *harness) URL() string { return h.srv.URL }

// response is a decoded reply.
type response struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

// do sends a request with the test credentials. form goes in the body of a
// POST and in the query string otherwise.
func (h *harness) do(method, path string, form url.Values) *response {
	h.t.Helper()
	return h.doAuth(method, path, form, testAccount, testToken)
}

func (h *harness) doAuth(method, path string, form url.Values, user, pass string) *response {
	h.t.Helper()
	return h.doHeader(method, path, form, user, pass, nil)
}

// doHeader is doAuth with extra request headers.
func (h *harness) doHeader(method, path string, form url.Values, user, pass string, header http.Header) *response {
	h.t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = h.srv.URL + path
	}
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if len(form) > 0 {
		target += "?" + form.Encode()
	}
	req, err := http.NewRequestWithContext(context.Background(), method, target, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	checkSpec(h.t, method, target, resp.StatusCode, raw)
	r := &response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			h.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return r
}

// must sends a request and fails the test unless the status is want.
func (h *harness) must(want int, method, path string, form url.Values) map[string]any {
	h.t.Helper()
	r := h.do(method, path, form)
	if r.Status != want {
		h.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.Status, want, r.Raw)
	}
	return r.Body
}

func (h *harness) create(path string, form url.Values) map[string]any {
	h.t.Helper()
	return h.must(http.StatusCreated, http.MethodPost, path, form)
}

func (h *harness) get(path string) map[string]any {
	h.t.Helper()
	return h.must(http.StatusOK, http.MethodGet, path, nil)
}

func (h *harness) update(path string, form url.Values) map[string]any {
	h.t.Helper()
	return h.must(http.StatusOK, http.MethodPost, path, form)
}

func (h *harness) delete(path string) {
	h.t.Helper()
	h.must(http.StatusNoContent, http.MethodDelete, path, nil)
}

// wantError checks that r is Twilio's error body with status and code.
func (h *harness) wantError(r *response, status, code int) {
	h.t.Helper()
	if r.Status != status || num(r.Body["code"]) != code || num(r.Body["status"]) != status {
		h.t.Fatalf("got status %d, body %s; want status %d, code %d", r.Status, r.Raw, status, code)
	}
	if got := r.Body["more_info"]; got != "https://www.twilio.com/docs/errors/"+itoa(code) {
		h.t.Errorf("more_info = %v", got)
	}
	if msg, _ := r.Body["message"].(string); msg == "" {
		h.t.Errorf("empty message in %s", r.Raw)
	}
	if len(r.Body) != 4 {
		h.t.Errorf("error body has keys %v, want exactly code, message, more_info, status", keys(r.Body))
	}
}

// newService creates a Service and returns its path, /v2/Services/IS….
func (h *harness) newService() string {
	h.t.Helper()
	return "/v2/Services/" + str(h.create("/v2/Services", form("FriendlyName", "test service"))["sid"])
}

// form builds url.Values from key, value pairs; a key may repeat.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

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

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// items returns the list of a list response under its meta.key.
func items(body map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range arr(body[str(obj(body["meta"])["key"])]) {
		out = append(out, obj(it))
	}
	return out
}

// walk follows next_page_url from path and returns every item, checking
// that each page's meta is consistent.
func (h *harness) walk(path string) []map[string]any {
	h.t.Helper()
	var all []map[string]any
	next := path
	for page := 0; next != ""; page++ {
		body := h.get(next)
		meta := obj(body["meta"])
		if num(meta["page"]) != page {
			h.t.Fatalf("meta.page = %v on page %d", meta["page"], page)
		}
		all = append(all, items(body)...)
		next = str(meta["next_page_url"])
		if page > 10000 {
			h.t.Fatal("runaway paging")
		}
	}
	return all
}
