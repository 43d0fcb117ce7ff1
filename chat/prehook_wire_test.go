package chat

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/server"
	"github.com/chatd/chatd/webhook"
)

// The pre-event calls of first-person actions, through the wire: chatd's
// own sender calls a local receiver, and the deliveries log is read over
// chatd's HTTP API. Until a first-person front door calls preEvent, this
// test calls it as one would.

const wireToken = "wireauthtoken0123456789"

// appServer is an app's server receiving pre-events: each path answers in
// its own way, and every request is kept.
type appServer struct {
	srv     *httptest.Server
	release chan struct{}
	mu      sync.Mutex
	seen    []*http.Request
	forms   []url.Values
}

func newAppServer(t *testing.T) *appServer {
	a := &appServer{release: make(chan struct{})}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(func() {
		close(a.release)
		a.srv.Close()
	})
	return a
}

func (a *appServer) serve(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	form := r.PostForm
	if r.Method == http.MethodGet {
		form = r.URL.Query()
	}
	a.mu.Lock()
	a.seen = append(a.seen, r)
	a.forms = append(a.forms, form)
	n := 0
	for _, s := range a.seen {
		if s.URL.Path == r.URL.Path {
			n++
		}
	}
	a.mu.Unlock()
	switch r.URL.Path {
	case "/refuse":
		http.Error(w, "no swearing", http.StatusForbidden)
	case "/edit":
		io.WriteString(w, `{"body":"[edited]","attributes":{"moderated":true}}`)
	case "/hang":
		select {
		case <-r.Context().Done():
		case <-a.release:
		}
	case "/busy": // twice busy, then fine
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}
}

// requests are the requests received, with the URL as the app's server
// sees it and the parameters it was sent.
func (a *appServer) requests() ([]*http.Request, []url.Values) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*http.Request(nil), a.seen...), append([]url.Values(nil), a.forms...)
}

// wireDelivery is a delivery as GET /_chatd/deliveries shows it.
type wireDelivery struct {
	Event        string            `json:"event"`
	URL          string            `json:"url"`
	Method       string            `json:"method"`
	Status       string            `json:"status"`
	Attempts     int               `json:"attempts"`
	MaxRetries   int               `json:"max_retries"`
	ResponseCode *int              `json:"response_code"`
	Error        *string           `json:"error"`
	ErrorCode    *int              `json:"error_code"`
	Params       map[string]string `json:"params"`
}

func TestPreEventOverTheWire(t *testing.T) {
	ctx := context.Background()
	c := newChat(t)
	c.preEvents = webhook.NewPreSender(webhook.Options{AuthToken: wireToken, Timeout: 200 * time.Millisecond})
	api := httptest.NewServer(server.New(c, server.Config{
		AccountSid: testAccount, AuthToken: wireToken, Logger: slog.New(slog.DiscardHandler),
	}).Handler())
	t.Cleanup(api.Close)
	app := newAppServer(t)
	s := mustService(t, c)

	// lastDelivery reads the newest delivery of the Service over HTTP.
	lastDelivery := func(t *testing.T) wireDelivery {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, api.URL+"/_chatd/deliveries?PageSize=1&ServiceSid="+s.Sid, nil)
		req.SetBasicAuth(testAccount, wireToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct{ Deliveries []wireDelivery }
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || len(page.Deliveries) != 1 {
			t.Fatalf("deliveries: %v, %+v", err, page)
		}
		return page.Deliveries[0]
	}
	// fire points the Service's pre-event URL at path and fires
	// onMessageSend.
	fire := func(t *testing.T, path, method string, retries int) (preResult, error) {
		t.Helper()
		target := app.srv.URL + path
		svc, err := c.UpdateService(ctx, s.Sid, model.ServiceUpdate{
			PreWebhookURL: &target, WebhookMethod: &method, PreWebhookRetryCount: &retries,
		})
		if err != nil {
			t.Fatal(err)
		}
		return c.preEvent(ctx, svc, alice(svc), "onMessageSend", sendParams())
	}

	t.Run("signed so that twilio-go's validator accepts it", func(t *testing.T) {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			before, _ := app.requests()
			if _, err := fire(t, "/edit", method, 0); err != nil {
				t.Fatal(err)
			}
			reqs, forms := app.requests()
			if len(reqs) != len(before)+1 {
				t.Fatalf("%s: %d requests, want 1", method, len(reqs)-len(before))
			}
			r, form := reqs[len(reqs)-1], forms[len(forms)-1]
			params := map[string]string{}
			if method == http.MethodPost {
				for k, vs := range form {
					params[k] = vs[0]
				}
			}
			full := app.srv.URL + r.URL.RequestURI()
			v := client.NewRequestValidator(wireToken)
			if !v.Validate(full, params, r.Header.Get("X-Twilio-Signature")) {
				t.Errorf("%s: the signature does not validate for %s", method, full)
			}
			if form.Get("Source") != "SDK" || form.Get("ClientIdentity") != "alice" || form.Get("EventType") != "onMessageSend" ||
				form.Get("InstanceSid") != s.Sid || form.Get("AccountSid") != testAccount || form.Get("RetryCount") != "0" ||
				form.Get("Body") != "hello" || form.Has("MessageSid") {
				t.Errorf("%s: parameters %v", method, form)
			}
		}
	})

	t.Run("a 403 refuses with 50056", func(t *testing.T) {
		_, err := fire(t, "/refuse", http.MethodPost, 3)
		wantCode(t, "preEvent", err, 50056)
		if e, ok := err.(*model.Error); ok && e.Status() != http.StatusForbidden {
			t.Errorf("50056 answers %d, want 403", e.Status())
		}
		d := lastDelivery(t)
		if d.Event != "onMessageSend" || d.Status != model.DeliveryFailed || d.Attempts != 1 || d.ResponseCode == nil ||
			*d.ResponseCode != 403 || d.ErrorCode == nil || *d.ErrorCode != 50056 {
			t.Errorf("delivery = %+v, want one failed attempt answered 403, code 50056", d)
		}
	})

	t.Run("an answer with a body changes the message", func(t *testing.T) {
		res, err := fire(t, "/edit", http.MethodPost, 0)
		if err != nil || res.Body == nil || *res.Body != "[edited]" || res.Attributes == nil || *res.Attributes != `{"moderated":true}` {
			t.Fatalf("preEvent = %s, %v; want the body and attributes of the answer", show(res), err)
		}
		if d := lastDelivery(t); d.Status != model.DeliveryDelivered || d.ErrorCode != nil || d.Error != nil {
			t.Errorf("delivery = %+v, want delivered", d)
		}
	})

	t.Run("a receiver that hangs lets the action through, logged as 50076", func(t *testing.T) {
		res, err := fire(t, "/hang", http.MethodPost, 1)
		if err != nil || res != (preResult{}) {
			t.Fatalf("preEvent = %s, %v; want no change", show(res), err)
		}
		d := lastDelivery(t)
		if d.Status != model.DeliveryFailed || d.Attempts != 2 || d.MaxRetries != 1 || d.ResponseCode != nil ||
			d.ErrorCode == nil || *d.ErrorCode != 50076 || d.Params["RetryCount"] != "1" {
			t.Errorf("delivery = %+v, want two attempts that timed out, code 50076", d)
		}
	})

	t.Run("busy answers are retried, RetryCount counting", func(t *testing.T) {
		before, _ := app.requests()
		res, err := fire(t, "/busy", http.MethodPost, 3)
		if err != nil || res != (preResult{}) {
			t.Fatalf("preEvent = %s, %v", show(res), err)
		}
		_, forms := app.requests()
		var counts []string
		for _, f := range forms[len(before):] {
			counts = append(counts, f.Get("RetryCount"))
		}
		if len(counts) != 3 || counts[0] != "0" || counts[1] != "1" || counts[2] != "2" {
			t.Errorf("RetryCount of the attempts = %v, want 0, 1, 2", counts)
		}
		if d := lastDelivery(t); d.Status != model.DeliveryDelivered || d.Attempts != 3 || *d.ResponseCode != 200 {
			t.Errorf("delivery = %+v, want delivered at the third attempt", d)
		}
	})
}
