package testenv

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/speccheck"
)

// API is chatd's REST API as a test calls it over plain HTTP: form
// requests with Basic credentials, JSON answers decoded. An Env embeds one
// for the chatd it runs; a test of a chatd started otherwise (the binary,
// say) fills one in itself.
//
// Every method takes the test to fail as its first argument, so that a
// subtest reports on itself; like t.Fatal, call them from that test's
// goroutine.
type API struct {
	// URL is the base URL, such as http://127.0.0.1:41234, with no
	// trailing slash.
	URL string
	// AccountSid and AuthToken are the credentials Do sends.
	AccountSid, AuthToken string
	// HTTP sends the requests; http.DefaultClient when nil.
	HTTP *http.Client
	// Spec, when set, checks every answer against Twilio's OpenAPI spec
	// and reports each mismatch on the test.
	Spec *speccheck.Spec
}

// Response is an answer read whole.
type Response struct {
	Status int
	Header http.Header
	// TLS is the connection's state over HTTPS; nil over HTTP.
	TLS *tls.ConnectionState
	// Raw is the body; Body is it decoded, nil when it is empty.
	Raw  []byte
	Body map[string]any
}

// Do sends a request with a's credentials. form is the body of a POST
// (application/x-www-form-urlencoded) and the query string of any other
// method. path is relative to a.URL, or an absolute URL (a next_page_url).
// The test fails if the request cannot be sent or a non-empty body is not
// a JSON object.
func (a *API) Do(t testing.TB, method, path string, form url.Values) *Response {
	t.Helper()
	return a.DoHeader(t, method, path, form, a.AccountSid, a.AuthToken, nil)
}

// DoAuth is Do with the credentials user and pass; an empty user sends
// none.
func (a *API) DoAuth(t testing.TB, method, path string, form url.Values, user, pass string) *Response {
	t.Helper()
	return a.DoHeader(t, method, path, form, user, pass, nil)
}

// DoHeader is DoAuth with extra request headers.
func (a *API) DoHeader(t testing.TB, method, path string, form url.Values, user, pass string, header http.Header) *Response {
	t.Helper()
	target := a.Target(path)
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if len(form) > 0 {
		target += "?" + form.Encode()
	}
	req, err := http.NewRequestWithContext(context.Background(), method, target, body)
	if err != nil {
		t.Fatal(err)
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
	return a.Send(t, req)
}

// Send sends req as it is (no credentials added) with a.HTTP, checks the
// answer against the spec, and reads it whole. The test fails if req
// cannot be sent or a non-empty body is not a JSON object.
func (a *API) Send(t testing.TB, req *http.Request) *Response {
	t.Helper()
	client := a.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	if a.Spec != nil {
		a.Spec.Report(t, req.Method, req.URL.String(), resp.StatusCode, raw)
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, TLS: resp.TLS, Raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v\n%s", req.Method, req.URL, err, raw)
		}
	}
	return r
}

// Target is path made absolute: relative to a.URL unless it is a URL
// already.
func (a *API) Target(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return a.URL + path
}

// Must sends a request with Do and fails the test unless the status is
// want. It returns the decoded body.
func (a *API) Must(t testing.TB, want int, method, path string, form url.Values) map[string]any {
	t.Helper()
	r := a.Do(t, method, path, form)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.Status, want, r.Raw)
	}
	return r.Body
}

// Create posts form to path, which must answer 201.
func (a *API) Create(t testing.TB, path string, form url.Values) map[string]any {
	t.Helper()
	return a.Must(t, http.StatusCreated, http.MethodPost, path, form)
}

// Get fetches path, which must answer 200.
func (a *API) Get(t testing.TB, path string) map[string]any {
	t.Helper()
	return a.Must(t, http.StatusOK, http.MethodGet, path, nil)
}

// Update posts form to path, which must answer 200.
func (a *API) Update(t testing.TB, path string, form url.Values) map[string]any {
	t.Helper()
	return a.Must(t, http.StatusOK, http.MethodPost, path, form)
}

// Delete deletes path, which must answer 204.
func (a *API) Delete(t testing.TB, path string) {
	t.Helper()
	a.Must(t, http.StatusNoContent, http.MethodDelete, path, nil)
}

// NewService creates a Service and returns its path, /v2/Services/IS….
func (a *API) NewService(t testing.TB) string {
	t.Helper()
	sid, _ := a.Create(t, "/v2/Services", Form("FriendlyName", "test service"))["sid"].(string)
	return "/v2/Services/" + sid
}

// Walk follows next_page_url from path and returns every item, failing
// the test unless each page's meta.page counts up from 0.
func (a *API) Walk(t testing.TB, path string) []map[string]any {
	t.Helper()
	var all []map[string]any
	next := path
	for page := 0; next != ""; page++ {
		body := a.Get(t, next)
		meta, _ := body["meta"].(map[string]any)
		if n, _ := meta["page"].(float64); int(n) != page {
			t.Fatalf("meta.page = %v on page %d", meta["page"], page)
		}
		all = append(all, Items(body)...)
		next, _ = meta["next_page_url"].(string)
		if page > 10000 {
			t.Fatal("runaway paging")
		}
	}
	return all
}

// WantError fails the test unless r is Twilio's error body with status
// and code: exactly code, message (not empty), more_info (the code's page)
// and status.
func WantError(t testing.TB, r *Response, status, code int) {
	t.Helper()
	gotCode, _ := r.Body["code"].(float64)
	gotStatus, _ := r.Body["status"].(float64)
	if r.Status != status || int(gotCode) != code || int(gotStatus) != status {
		t.Fatalf("got status %d, body %s; want status %d, code %d", r.Status, r.Raw, status, code)
	}
	if got := r.Body["more_info"]; got != "https://www.twilio.com/docs/errors/"+strconv.Itoa(code) {
		t.Errorf("more_info = %v", got)
	}
	if msg, _ := r.Body["message"].(string); msg == "" {
		t.Errorf("empty message in %s", r.Raw)
	}
	if len(r.Body) != 4 {
		keys := make([]string, 0, len(r.Body))
		for k := range r.Body {
			keys = append(keys, k)
		}
		t.Errorf("error body has keys %v, want exactly code, message, more_info, status", keys)
	}
}

// Form builds url.Values from key, value pairs; a key may repeat.
func Form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// Items returns the records of a list answer: the array under its
// meta.key.
func Items(body map[string]any) []map[string]any {
	meta, _ := body["meta"].(map[string]any)
	key, _ := meta["key"].(string)
	list, _ := body[key].([]any)
	var out []map[string]any
	for _, it := range list {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

// ItemsOf returns the records of a list answer under key, failing the test
// unless there is an array of objects there.
func ItemsOf(t testing.TB, body map[string]any, key string) []map[string]any {
	t.Helper()
	list, ok := body[key].([]any)
	if !ok {
		t.Fatalf("list has no %q: %v", key, body)
	}
	out := make([]map[string]any, len(list))
	for i, it := range list {
		if out[i], ok = it.(map[string]any); !ok {
			t.Fatalf("%s[%d] = %v, not an object", key, i, it)
		}
	}
	return out
}
