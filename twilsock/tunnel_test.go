package twilsock_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chatd/chatd/twilsock"
	"github.com/chatd/chatd/twilsock/twilsocktest"
)

func TestMessage(t *testing.T) {
	f := start(t, twilsock.Options{})
	alice := token(t, "alice")
	c := f.dial(t, alice)
	body := `{"body":"héllo","attributes":"{\"a\":1}"}`
	resp, err := c.Do(ctx, http.MethodPost,
		"https://aim.us1.twilio.com/Client/v1/Services/IS1/Conversations/a%2Fb/Messages?Key=a%2Fb&Order=desc&Index=1&Index=2&Plus=a+b&Space=a%20b&Empty=",
		map[string]string{
			"Content-Type":         "application/json",
			"X-Twilio-Mutation-Id": "5c2e",
			"If-Match":             "7",
			"X-Twilio-Token":       "someone else's",
		}, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || resp.Reply.HTTPStatus.Status != "Created" || resp.Reply.Status.Code != 200 {
		t.Errorf("status = %d %+v, twilsock %+v; want http 201 Created in a 200 reply", resp.StatusCode, resp.Reply.HTTPStatus, resp.Reply.Status)
	}
	if resp.Reply.PayloadType != "application/json" {
		t.Errorf("payload_type = %q", resp.Reply.PayloadType)
	}
	if resp.Header["X-Echo"] != "yes" || resp.Header["X-Multi"] != "a, b" || resp.Header["Content-Type"] != "application/json" {
		t.Errorf("http_headers = %q", resp.Header)
	}
	var e echoed
	if err := json.Unmarshal(resp.Body, &e); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	if e.Method != "POST" || e.Path != "/Client/v1/Services/IS1/Conversations/a/b/Messages" ||
		e.EscapedPath != "/Client/v1/Services/IS1/Conversations/a%2Fb/Messages" {
		t.Errorf("request line = %s %s (escaped %s)", e.Method, e.Path, e.EscapedPath)
	}
	wantQuery := map[string][]string{
		"Key": {"a/b"}, "Order": {"desc"}, "Index": {"1", "2"}, "Plus": {"a b"}, "Space": {"a b"}, "Empty": {""},
	}
	if !reflect.DeepEqual(e.Query, wantQuery) {
		t.Errorf("query = %q, want %q", e.Query, wantQuery)
	}
	if e.Body != body {
		t.Errorf("body = %q, want %q", e.Body, body)
	}
	if e.Header.Get("X-Twilio-Mutation-Id") != "5c2e" || e.Header.Get("If-Match") != "7" || e.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %q", e.Header)
	}
	if got := e.Header.Get("X-Twilio-Token"); got != alice {
		t.Errorf("X-Twilio-Token = %q, want the connection's token", got)
	}
	if e.Host == "aim.us1.twilio.com" || !strings.HasPrefix(e.Host, "127.0.0.1:") || e.TLS {
		t.Errorf("host = %q (TLS %v), want chatd's own, as the upgrade reached it", e.Host, e.TLS)
	}
	if e.Identity != "alice" {
		t.Errorf("ConnFromContext identity = %q, want alice", e.Identity)
	}
}

func TestMessageForms(t *testing.T) {
	f := start(t, twilsock.Options{})
	c := f.dial(t, token(t, "alice"))

	t.Run("FormBodyTypedByPayloadType", func(t *testing.T) {
		// The typing indicator: a form body, its type only in payload_type.
		r, err := c.Send(ctx, &twilsock.Frame{
			Header: twilsock.Header{Method: "message", PayloadType: "application/x-www-form-urlencoded", HTTPRequest: &twilsock.HTTPRequest{
				Host: "aim.us1.twilio.com", Path: "/Client/v1/Services/IS1/Typing", Method: "POST", Headers: twilsock.Headers{},
			}},
			Payload: []byte("ChannelSid=CH1"),
		})
		if err != nil {
			t.Fatal(err)
		}
		var e echoed
		json.Unmarshal(r.Payload, &e)
		if e.Body != "ChannelSid=CH1" || e.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("typing request = %+v", e)
		}
	})
	t.Run("TextResponse", func(t *testing.T) {
		resp, err := c.Get(ctx, "https://aim.us1.twilio.com/text")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Reply.PayloadType != "text/plain; charset=utf-8" || string(resp.Body) != "plain" {
			t.Errorf("text = %d %q %q", resp.StatusCode, resp.Reply.PayloadType, resp.Body)
		}
	})
	t.Run("NoContent", func(t *testing.T) {
		resp, err := c.Do(ctx, http.MethodDelete, "https://aim.us1.twilio.com/empty", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 204 || resp.Body != nil || resp.Reply.PayloadType != "application/json" {
			t.Errorf("204 = %d %q %q", resp.StatusCode, resp.Reply.PayloadType, resp.Body)
		}
	})
	t.Run("MalformedEscape", func(t *testing.T) {
		resp, err := c.Get(ctx, "https://aim.us1.twilio.com/x?Key=%zz")
		if err != nil {
			t.Fatal(err)
		}
		assertTwilioError(t, resp, 400, 20001)
	})
	t.Run("HandlerPanics", func(t *testing.T) {
		resp, err := c.Get(ctx, "https://aim.us1.twilio.com/panic")
		if err != nil {
			t.Fatal(err)
		}
		assertTwilioError(t, resp, 500, 20500)
	})
	t.Run("HeadersTooLarge", func(t *testing.T) {
		_, err := c.Get(ctx, "https://aim.us1.twilio.com/huge-header")
		var se *twilsocktest.StatusError
		if !errors.As(err, &se) || se.Status.Code != 500 {
			t.Errorf("over-large response headers: %v, want status 500", err)
		}
		if _, err := c.Get(ctx, "https://aim.us1.twilio.com/ok"); err != nil {
			t.Errorf("the next request: %v", err)
		}
	})
	t.Run("BodyTooLarge", func(t *testing.T) {
		_, err := c.Get(ctx, "https://aim.us1.twilio.com/big")
		var se *twilsocktest.StatusError
		if !errors.As(err, &se) || se.Status.Code != 413 {
			t.Errorf("over-large response: %v, want status 413", err)
		}
	})
	for _, tt := range []struct {
		name string
		req  *twilsock.HTTPRequest
	}{
		{"NoRequest", nil},
		{"RelativePath", &twilsock.HTTPRequest{Path: "Client/v1", Method: "GET"}},
		{"BadMethod", &twilsock.HTTPRequest{Path: "/x", Method: "G E T"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Send(ctx, &twilsock.Frame{Header: twilsock.Header{Method: "message", HTTPRequest: tt.req}})
			var se *twilsocktest.StatusError
			if !errors.As(err, &se) || se.Status.Code != 400 {
				t.Errorf("%+v: %v, want status 400", tt.req, err)
			}
		})
	}
}

func TestMessageWithoutHandler(t *testing.T) {
	f := serve(t, twilsock.Options{})
	c := f.dial(t, token(t, "alice"))
	resp, err := c.Get(ctx, "https://aim.us1.twilio.com/Client/v1/Configuration")
	if err != nil {
		t.Fatal(err)
	}
	assertTwilioError(t, resp, 404, 20404)
}

func TestConcurrentRequests(t *testing.T) {
	const n = 50
	release := make(chan struct{})
	running := make(chan struct{}, n)
	f := start(t, twilsock.Options{MaxInflight: 4, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		running <- struct{}{}
		<-release
		w.Write([]byte(`{"path":"` + r.URL.Path + `"}`))
	})})
	c := f.dial(t, token(t, "alice"))
	type result struct {
		path string
		resp *twilsocktest.Response
		err  error
	}
	results := make(chan result, n)
	for i := range n {
		path := "/r/" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		go func() {
			resp, err := c.Get(ctx, "https://aim.us1.twilio.com"+path)
			results <- result{path, resp, err}
		}()
	}
	// Four run at once; they wait until the test lets them finish.
	for range 4 {
		<-running
	}
	close(release)
	for range n {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if want := `{"path":"` + r.path + `"}`; string(r.resp.Body) != want {
			t.Errorf("reply to %s = %s: replies must match their requests by id", r.path, r.resp.Body)
		}
	}
}

func assertTwilioError(t *testing.T, resp *twilsocktest.Response, status, code int) {
	t.Helper()
	var e struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
		Status   int    `json:"status"`
	}
	if err := json.Unmarshal(resp.Body, &e); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	if resp.StatusCode != status || resp.Reply.Status.Code != 200 || e.Status != status || e.Code != code || e.Message == "" || e.MoreInfo == "" {
		t.Errorf("answer = %d %s, want http %d with Twilio's body for %d", resp.StatusCode, resp.Body, status, code)
	}
}
