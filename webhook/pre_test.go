package webhook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/webhook"
)

const preToken = "preauthtoken0123456789"

// preRequest is what a pre-event receiver saw of one request.
type preRequest struct {
	URL    string // the full URL, as a validator is given it
	Method string
	Header http.Header
	Form   url.Values // of a POST body, or of the query of a GET
}

// preReceiver answers each request with answer (given the number of the
// request, from 0) and records what it saw.
type preReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	seen   []preRequest
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func newPreReceiver(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *preReceiver {
	t.Helper()
	rc := &preReceiver{answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("receiver: %v", err)
		}
		form := r.PostForm
		if r.Method == http.MethodGet {
			form = r.URL.Query()
		}
		rc.mu.Lock()
		n := len(rc.seen)
		rc.seen = append(rc.seen, preRequest{URL: rc.srv.URL + r.URL.RequestURI(), Method: r.Method, Header: r.Header.Clone(), Form: form})
		rc.mu.Unlock()
		rc.answer(n, w, r)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *preReceiver) requests() []preRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]preRequest(nil), rc.seen...)
}

func status(code int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func newPreSender(timeout time.Duration) *webhook.PreSender {
	return webhook.NewPreSender(webhook.Options{AuthToken: preToken, Timeout: timeout})
}

func preCall(target, method string, retries int) model.PreEventCall {
	return model.PreEventCall{URL: target, Method: method, Retries: retries, Params: map[string][]string{
		"EventType": {"onMessageSend"}, "Body": {"a=b&c ✓"}, "ChannelSid": {"CH00000000000000000000000000000001"}, "Source": {"SDK"},
	}}
}

// checkSigned checks that twilio-go's validator accepts the request, and
// that it carries the other headers of a Twilio webhook.
func checkSigned(t *testing.T, r preRequest) {
	t.Helper()
	params := map[string]string{}
	if r.Method == http.MethodPost {
		for k, vs := range r.Form {
			params[k] = vs[0]
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type %q", ct)
		}
	}
	sig := r.Header.Get("X-Twilio-Signature")
	valid, other := client.NewRequestValidator(preToken), client.NewRequestValidator("othertoken0123456789")
	if !valid.Validate(r.URL, params, sig) {
		t.Errorf("X-Twilio-Signature %q does not validate for %s %s", sig, r.Method, r.URL)
	}
	if other.Validate(r.URL, params, sig) {
		t.Error("the signature validates with another auth token")
	}
	if r.Header.Get("User-Agent") != "TwilioProxy/1.1" || len(r.Header.Get("I-Twilio-Idempotency-Token")) != 32 {
		t.Errorf("headers %v", r.Header)
	}
}

func TestPreSenderSigns(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run(method, func(t *testing.T) {
			rc := newPreReceiver(t, status(200, `{"body":"[edited]"}`))
			ans := newPreSender(5*time.Second).Send(context.Background(), preCall(rc.srv.URL+"/pre?app=1", method, 0))
			if ans.Status != 200 || string(ans.Body) != `{"body":"[edited]"}` || ans.Attempts != 1 || ans.Err != nil || ans.TimedOut {
				t.Fatalf("answer = %+v", ans)
			}
			reqs := rc.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != method || r.Form.Get("Body") != "a=b&c ✓" || r.Form.Get("RetryCount") != "0" || r.Form.Get("EventType") != "onMessageSend" {
				t.Errorf("%s with form %v", r.Method, r.Form)
			}
			if method == http.MethodGet && !strings.Contains(r.URL, "/pre?app=1&") {
				t.Errorf("GET URL %s does not keep the configured query", r.URL)
			}
			checkSigned(t, r)
		})
	}
}

func TestPreSenderRetries(t *testing.T) {
	for _, c := range []struct {
		name     string
		answers  []int // by attempt; the last repeats
		retries  int
		attempts int
		status   int
	}{
		{"503, 429 and 504 are retried", []int{503, 429, 504, 200}, 3, 4, 200},
		{"until the retries run out", []int{503}, 2, 3, 503},
		{"none without retries", []int{503}, 0, 1, 503},
		{"403 is final", []int{403, 200}, 3, 1, 403},
		{"500 is final", []int{500, 200}, 3, 1, 500},
		{"200 is final", []int{200, 500}, 3, 1, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			rc := newPreReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(c.answers[min(n, len(c.answers)-1)])
			})
			ans := newPreSender(5*time.Second).Send(context.Background(), preCall(rc.srv.URL+"/pre", http.MethodPost, c.retries))
			if ans.Attempts != c.attempts || ans.Status != c.status || ans.Err != nil {
				t.Errorf("answer = %+v, want %d attempts ending in %d", ans, c.attempts, c.status)
			}
			reqs := rc.requests()
			if len(reqs) != c.attempts {
				t.Fatalf("%d requests, want %d", len(reqs), c.attempts)
			}
			for i, r := range reqs {
				if got := r.Form.Get("RetryCount"); got != string(rune('0'+i)) {
					t.Errorf("attempt %d: RetryCount %q", i, got)
				}
				if r.Header.Get("I-Twilio-Idempotency-Token") != reqs[0].Header.Get("I-Twilio-Idempotency-Token") {
					t.Errorf("attempt %d has another idempotency token", i)
				}
				checkSigned(t, r)
			}
		})
	}
}

func TestPreSenderTimeout(t *testing.T) {
	release := make(chan struct{})
	rc := newPreReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	ans := newPreSender(100*time.Millisecond).Send(context.Background(), preCall(rc.srv.URL, http.MethodPost, 1))
	if !ans.TimedOut || ans.Status != 0 || ans.Attempts != 2 || ans.Err == nil || !strings.Contains(ans.Err.Error(), "timed out after 100ms") {
		t.Errorf("answer = %+v, want 2 attempts that timed out", ans)
	}
	if n := len(rc.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestPreSenderNoConnection(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	target := srv.URL
	srv.Close()
	ans := newPreSender(5*time.Second).Send(context.Background(), preCall(target, http.MethodPost, 2))
	if ans.TimedOut || ans.Status != 0 || ans.Attempts != 3 || ans.Err == nil {
		t.Errorf("answer = %+v, want 3 attempts without an answer, not timed out", ans)
	}
}

func TestPreSenderCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	rc := newPreReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	})
	ans := newPreSender(5*time.Second).Send(ctx, preCall(rc.srv.URL, http.MethodPost, 3))
	if !errors.Is(ans.Err, context.Canceled) || ans.TimedOut || ans.Attempts != 1 {
		t.Errorf("answer = %+v, want one attempt ended by the context", ans)
	}
}

func TestPreSenderBoundsTheAnswer(t *testing.T) {
	rc := newPreReceiver(t, status(200, strings.Repeat("x", 1<<20)))
	ans := newPreSender(5*time.Second).Send(context.Background(), preCall(rc.srv.URL, http.MethodPost, 0))
	if ans.Status != 200 || len(ans.Body) == 0 || len(ans.Body) >= 1<<20 {
		t.Errorf("answer of %d bytes read whole or not at all: %d bytes, status %d", 1<<20, len(ans.Body), ans.Status)
	}
}
