package clientapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/internal/testenv"
)

// TestMain starts PostgreSQL for the Envs when CHATD_TEST_STORE is postgres
// (see testenv.StoreVar).
func TestMain(m *testing.M) { pgtest.Main(m) }

// env is one chatd (testenv) with one Service, driven over REST with
// twilio-go and over the Client API by first-person clients whose tokens
// are minted with twilio-go's AccessToken, as an app's server mints them.
type env struct {
	*testenv.Env
	service string
	rest    *chatv2.ApiService
}

func newEnv(t *testing.T, opts ...testenv.Option) *env {
	t.Helper()
	e := &env{Env: testenv.New(t, opts...)}
	e.rest = chatv2.NewApiServiceWithClient(e.SDK(t))
	svc, err := e.rest.CreateService((&chatv2.CreateServiceParams{}).SetFriendlyName("client api"))
	if err != nil {
		t.Fatal(err)
	}
	e.service = *svc.Sid
	return e
}

// as is the first-person client of identity in the env's Service.
func (e *env) as(t *testing.T, identity string) *testenv.FirstPerson {
	t.Helper()
	return e.As(t, identity, e.service)
}

// path is the Client API path of rest, under /Client/v1.
func path(rest string) string { return "/Client/v1" + rest }

// upload stores a file in the media service over REST, as an app's server
// may before a client sends it, and returns its ME SID.
func (e *env) upload(t *testing.T, content, contentType, filename string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/v1/Services/"+e.service+"/Media?Filename="+url.QueryEscape(filename), strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(e.AccountSid, e.AuthToken)
	req.Header.Set("Content-Type", contentType)
	r := e.Send(t, req)
	if r.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Status, r.Raw)
	}
	return r.Str("sid")
}

// wantError fails unless r is Twilio's error body with status and code.
func wantError(t *testing.T, r *testenv.Response, status, code int) {
	t.Helper()
	testenv.WantError(t, r, status, code)
}

// hook is one webhook request an app's server received.
type hook struct {
	path   string // /pre or /post
	form   url.Values
	signed bool // X-Twilio-Signature verifies with twilio-go's validator
}

// appServer is an app's server receiving the Service's webhooks: the
// pre-events at /pre, answered by the pre function, and the post-events at
// /post, answered 200. It checks every signature with twilio-go's
// RequestValidator.
type appServer struct {
	srv     *httptest.Server
	release chan struct{} // closed at the end of the test: hanging answers return
	posts   chan hook

	mu   sync.Mutex
	pres []hook
	pre  func(w http.ResponseWriter, r *http.Request, event string)
}

// newAppServer starts an app's server and points the Service's pre-event
// and post-event URLs at it.
func (e *env) newAppServer(t *testing.T) *appServer {
	t.Helper()
	a := &appServer{release: make(chan struct{}), posts: make(chan hook, 100)}
	validator := client.NewRequestValidator(e.AuthToken)
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("app server: %v", err)
			return
		}
		params := map[string]string{}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
		h := hook{
			path:   r.URL.Path,
			form:   r.PostForm,
			signed: validator.Validate(a.srv.URL+r.URL.RequestURI(), params, r.Header.Get("X-Twilio-Signature")),
		}
		if r.URL.Path == "/post" {
			a.posts <- h
			return
		}
		a.mu.Lock()
		a.pres = append(a.pres, h)
		answer := a.pre
		a.mu.Unlock()
		if answer != nil {
			answer(w, r, r.PostForm.Get("EventType"))
		}
	}))
	t.Cleanup(func() {
		close(a.release)
		a.srv.Close()
	})
	_, err := e.rest.UpdateService(e.service, (&chatv2.UpdateServiceParams{}).
		SetPreWebhookUrl(a.srv.URL+"/pre").SetPostWebhookUrl(a.srv.URL+"/post"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// answer sets how the app's server answers pre-events from now on.
func (a *appServer) answer(f func(w http.ResponseWriter, r *http.Request, event string)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pre = f
}

// preEvents are the pre-events received so far, oldest first.
func (a *appServer) preEvents() []hook {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]hook(nil), a.pres...)
}

// lastPre is the newest pre-event, failing the test unless there is one
// and its signature verifies.
func (a *appServer) lastPre(t *testing.T) hook {
	t.Helper()
	pres := a.preEvents()
	if len(pres) == 0 {
		t.Fatal("no pre-event arrived")
	}
	h := pres[len(pres)-1]
	if !h.signed {
		t.Errorf("%s: X-Twilio-Signature does not verify", h.form.Get("EventType"))
	}
	return h
}

// nextPost waits for the next post-event, failing the test unless its
// signature verifies.
func (a *appServer) nextPost(t *testing.T) hook {
	t.Helper()
	select {
	case h := <-a.posts:
		if !h.signed {
			t.Errorf("%s: X-Twilio-Signature does not verify", h.form.Get("EventType"))
		}
		return h
	case <-time.After(time.Minute): // a guard against a hang, not a timing assertion
		t.Fatal("no post-event arrived")
	}
	return hook{}
}

// deliveries reads the Service's deliveries log over HTTP, newest first.
func (e *env) deliveries(t *testing.T) []map[string]any {
	t.Helper()
	return testenv.ItemsOf(t, e.Get(t, "/_chatd/deliveries?ServiceSid="+e.service), "deliveries")
}

// newestDelivery is the newest delivery of event in the deliveries log,
// failing the test when there is none.
func (e *env) newestDelivery(t *testing.T, event string) map[string]any {
	t.Helper()
	for _, d := range e.deliveries(t) {
		if d["event"] == event {
			return d
		}
	}
	t.Fatalf("no %s in the deliveries log", event)
	return nil
}

// raw sends a request with no credentials of chatd's API, for the media
// service and CORS: headers come in name, value pairs.
func (e *env) raw(t *testing.T, method, target string, body []byte, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.Target(target), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// readAll reads what is left of resp's body.
func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sidsOf(r *testenv.Response, key string) []string {
	var out []string
	for _, it := range items(r, key) {
		out = append(out, strOf(it["sid"]))
	}
	return out
}

func identitiesOf(r *testenv.Response) []string {
	var out []string
	for _, it := range items(r, "users") {
		out = append(out, strOf(it["identity"]))
	}
	return out
}

func items(r *testenv.Response, key string) []map[string]any {
	list, _ := r.Body[key].([]any)
	var out []map[string]any
	for _, it := range list {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

func strOf(v any) string {
	s, _ := v.(string)
	return s
}
