package clientapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	twjwt "github.com/twilio/twilio-go/client/jwt"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/chatd/chatd/internal/app"
	"github.com/chatd/chatd/webhook"
)

// The test credentials: an Account and the API key chatd is configured
// with, which signs the clients' access tokens.
const (
	testAccount   = "AC00000000000000000000000000000001"
	testToken     = "secrettoken0123456789"
	testAPIKey    = "SK00000000000000000000000000000001"
	testAPISecret = "apikeysecret0123456789"
)

// env is one running chatd (through internal/app, as the command runs it)
// with one Service, driven over REST with twilio-go and over the Client API
// with tokens minted by twilio-go's AccessToken.
type env struct {
	t       *testing.T
	url     string
	service string
	rest    *chatv2.ApiService
}

func newEnv(t *testing.T) *env {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Start(context.Background(), app.Config{
		Addr: "127.0.0.1:0", Ephemeral: true,
		AccountSid: testAccount, AuthToken: testToken,
		APIKeySid: testAPIKey, APIKeySecret: testAPISecret,
		Logger:   quiet,
		Webhooks: webhook.Options{Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Timeout: 2 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	base, err := url.Parse(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := &client.Client{
		Credentials: client.NewCredentials(testAccount, testToken),
		HTTPClient:  &http.Client{Transport: toChatd{base}},
	}
	c.SetAccountSid(testAccount)
	e := &env{t: t, url: a.URL, rest: chatv2.NewApiServiceWithClient(c)}
	svc, err := e.rest.CreateService((&chatv2.CreateServiceParams{}).SetFriendlyName("client api"))
	if err != nil {
		t.Fatal(err)
	}
	e.service = *svc.Sid
	return e
}

// toChatd sends twilio-go's requests for Twilio's Chat host to chatd.
type toChatd struct{ base *url.URL }

func (t toChatd) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "chat.twilio.com" {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, t.base.Host
	}
	return http.DefaultTransport.RoundTrip(r)
}

// upload stores a file in the media service over REST, as an SDK does
// before it sends a media message, and returns its ME SID.
func (e *env) upload(content, contentType, filename string) string {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+"/v1/Services/"+e.service+"/Media?Filename="+url.QueryEscape(filename), strings.NewReader(content))
	if err != nil {
		e.t.Fatal(err)
	}
	req.SetBasicAuth(testAccount, testToken)
	req.Header.Set("Content-Type", contentType)
	return send(e.t, req).want(e.t, http.StatusCreated).str("sid")
}

// token mints an access token for identity in the env's Service, as an
// app's server does with the helper library.
func (e *env) token(identity string) string {
	t := twjwt.CreateAccessToken(twjwt.AccessTokenParams{
		AccountSid:    testAccount,
		SigningKeySid: testAPIKey,
		Secret:        testAPISecret,
		Identity:      identity,
	})
	t.AddGrant(&twjwt.ChatGrant{ServiceSid: e.service})
	s, err := t.ToJwt()
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// user is a first-person client: an identity and its token.
type user struct {
	e        *env
	identity string
	token    string
}

func (e *env) as(identity string) *user {
	return &user{e: e, identity: identity, token: e.token(identity)}
}

// reply is a decoded Client API answer.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a Client API request: path is relative to the server's base, or
// an absolute URL taken from links; body, when not nil, is sent as JSON.
// headers come in name, value pairs.
func (u *user) do(method, path string, body any, headers ...string) reply {
	u.e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			u.e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = u.e.url + path
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		u.e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if u.token != "" {
		req.Header.Set("X-Twilio-Token", u.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(u.e.t, req)
}

func send(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &r.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v\n%s", req.Method, req.URL, err, b)
		}
	}
	return r
}

// want fails unless r has the given status.
func (r reply) want(t *testing.T, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// wantError fails unless r is Twilio's error body with status and code.
func (r reply) wantError(t *testing.T, status, code int) {
	t.Helper()
	if r.status != status || r.body["code"] != float64(code) || r.body["status"] != float64(status) {
		t.Fatalf("got %d %s, want %d with code %d", r.status, r.raw, status, code)
	}
}

// str is the string field key of r's body ("" when absent or not a string).
func (r reply) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// path is the Client API path of rest, under /Client/v1.
func path(rest string) string { return "/Client/v1" + rest }

// receiver is an app's webhook endpoint: it answers 200 and hands over the
// parameters of each request whose X-Twilio-Signature verifies.
type receiver struct {
	url  string
	got  chan url.Values
	errs chan error
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{got: make(chan url.Values, 100), errs: make(chan error, 100)}
	validator := client.NewRequestValidator(testToken)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			rc.errs <- err
			return
		}
		params := map[string]string{}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
		if !validator.Validate(rc.url, params, r.Header.Get("X-Twilio-Signature")) {
			rc.errs <- fmt.Errorf("%s: the signature does not verify", r.PostForm.Get("EventType"))
		}
		rc.got <- r.PostForm
	}))
	t.Cleanup(srv.Close)
	rc.url = srv.URL + "/hooks"
	return rc
}

// next waits for the next request.
func (rc *receiver) next(t *testing.T) url.Values {
	t.Helper()
	select {
	case v := <-rc.got:
		select {
		case err := <-rc.errs:
			t.Error(err)
		default:
		}
		return v
	case err := <-rc.errs:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook arrived")
	}
	return nil
}
