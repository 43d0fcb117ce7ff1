package webhook_test

// Tests of one delivery's attempts: what is delivered, retried or failed,
// the back-off, the timeout, the request's shape, signature and
// idempotency token.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/webhook"
	"github.com/twilio/twilio-go/client"
)

func TestDeliveredOn2xx(t *testing.T) {
	for _, code := range []int{200, 201, 204, 299} {
		t.Run(fmt.Sprint(code, " is delivered after one attempt"), func(t *testing.T) {
			rc := newReceiver(t, func(_ hit, w http.ResponseWriter, _ *http.Request) int {
				w.WriteHeader(code)
				w.Write([]byte("thanks")) // not sent with a 204
				return answered
			})
			db := openStore(t)
			// A clock that moves at every reading gives every attempt a
			// duration, whatever the machine's speed.
			clock := &fakeClock{now: testTime.Add(time.Hour), step: time.Millisecond}
			d := startDispatcher(t, db, webhook.Options{Now: clock.Now})
			dl := newDelivery(rc.URL+"/hook", channel(1), 0, 3)
			send(t, db, d, dl)

			got := waitFinished(t, db, dl.ID)
			want := *dl
			want.Status, want.Attempts, want.ResponseCode = model.DeliveryDelivered, 1, code
			want.Duration, want.DateUpdated = got.Duration, got.DateUpdated
			hs := rc.Hits()
			if len(hs) == 0 || len(got.Log) != 1 {
				t.Fatalf("receiver got %d requests, log holds %+v; want one each", len(hs), got.Log)
			}
			response := []byte("thanks")
			if code == http.StatusNoContent {
				response = []byte{}
			}
			want.Log = []model.DeliveryAttempt{{
				Start: got.Log[0].Start, Duration: got.Duration, Status: code,
				Signature: hs[0].Header.Get("X-Twilio-Signature"), Response: response,
			}}
			if got.Log[0].Signature == "" || got.Log[0].Start.Before(testTime.Add(time.Hour)) {
				t.Errorf("attempt logged %+v, want its signature and the time it started", got.Log[0])
			}
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("recorded\n %+v\nwant\n %+v", got, &want)
			}
			if got.Duration <= 0 {
				t.Errorf("Duration = %v, want it set", got.Duration)
			}
			if !got.DateUpdated.After(testTime.Add(time.Hour)) {
				t.Errorf("DateUpdated = %v, want the time of the attempt", got.DateUpdated)
			}
			if p := pendingIDs(t, db); len(p) != 0 {
				t.Errorf("pending = %v, want none", p)
			}
			if hs := rc.Hits(); len(hs) != 1 {
				t.Errorf("receiver got %d requests, want 1", len(hs))
			}
		})
	}
}

func TestRetries(t *testing.T) {
	for _, c := range []struct {
		name         string
		answer       func(retry int) int
		maxRetries   int
		wantAttempts int
		wantStatus   string
		wantCode     int
		wantError    string // a part of the recorded error; "" for no error
	}{
		{"429 is retried until out of retries", func(int) int { return 429 }, 3, 4, model.DeliveryFailed, 429, "receiver answered 429"},
		{"503 is retried until out of retries", func(int) int { return 503 }, 3, 4, model.DeliveryFailed, 503, "receiver answered 503"},
		{"504 is retried until out of retries", func(int) int { return 504 }, 2, 3, model.DeliveryFailed, 504, "receiver answered 504"},
		{"a connection closed without an answer is retried", func(int) int { return hangUp }, 2, 3, model.DeliveryFailed, 0, `Post "`},
		{"no retries allowed is one attempt", func(int) int { return 503 }, 0, 1, model.DeliveryFailed, 503, "receiver answered 503"},
		{
			"a retried delivery is delivered once answered",
			func(retry int) int { return []int{503, hangUp, 429, 504, 200, 200}[retry] }, 5, 5,
			model.DeliveryDelivered, 200, "",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			rc := newReceiver(t, func(h hit, _ http.ResponseWriter, _ *http.Request) int { return c.answer(h.RetryCount) })
			db := openStore(t)
			d := startDispatcher(t, db, webhook.Options{Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
			dl := newDelivery(rc.URL+"/hook", channel(1), 0, c.maxRetries)
			send(t, db, d, dl)

			got := waitFinished(t, db, dl.ID)
			if rs, want := retryCounts(rc.Hits()), upTo(c.wantAttempts); !reflect.DeepEqual(rs, want) {
				t.Errorf("RetryCount of the requests = %v, want %v", rs, want)
			}
			if got.Status != c.wantStatus || got.Attempts != c.wantAttempts || got.ResponseCode != c.wantCode {
				t.Errorf("recorded status %s, %d attempts, code %d; want %s, %d, %d",
					got.Status, got.Attempts, got.ResponseCode, c.wantStatus, c.wantAttempts, c.wantCode)
			}
			if (c.wantError == "" && got.Error != "") || !strings.Contains(got.Error, c.wantError) {
				t.Errorf("recorded error %q, want %q", got.Error, c.wantError)
			}
			// The log keeps the last attempts, each with its answer's
			// status, or why there was none.
			hs := rc.Hits()
			if want := min(c.wantAttempts, model.MaxLoggedAttempts); len(got.Log) != want {
				t.Fatalf("log holds %d attempts, want %d", len(got.Log), want)
			}
			for i, a := range got.Log {
				h := hs[len(hs)-len(got.Log)+i]
				code := c.answer(h.RetryCount)
				if code == hangUp {
					code = 0
				}
				if a.Status != code || (code == 0) != (a.Error != "") || a.Signature != h.Header.Get("X-Twilio-Signature") {
					t.Errorf("attempt %d logged %+v, want status %d, an error only without an answer, the signature sent", i, a, code)
				}
			}
			if p := pendingIDs(t, db); len(p) != 0 {
				t.Errorf("pending = %v, want none", p)
			}
		})
	}
}

// upTo is 0, 1, ..., n-1.
func upTo(n int) []int {
	out := []int{}
	for i := range n {
		out = append(out, i)
	}
	return out
}

func TestConnectionRefusedIsRetried(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	target := gone.URL + "/hook"
	gone.Close()
	db := openStore(t)
	d := startDispatcher(t, db, webhook.Options{Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	dl := newDelivery(target, channel(1), 0, 2)
	send(t, db, d, dl)

	got := waitFinished(t, db, dl.ID)
	if got.Status != model.DeliveryFailed || got.Attempts != 3 || got.ResponseCode != 0 || got.Error == "" {
		t.Errorf("recorded status %s, %d attempts, code %d, error %q; want failed after 3 attempts with no answer and an error",
			got.Status, got.Attempts, got.ResponseCode, got.Error)
	}
}

func TestBackoff(t *testing.T) {
	// The clock stands still unless the test moves it, so a retry sent
	// before its time would see the clock short of the NextAttempt that the
	// attempt before recorded.
	clock := &fakeClock{now: testTime.Add(time.Hour)}
	type seen struct {
		retry int
		now   time.Time
		prev  *model.Delivery // the record of the attempt before
		err   error
	}
	seenCh := make(chan seen, 16)
	db := openStore(t)
	rc := newReceiver(t, func(h hit, _ http.ResponseWriter, r *http.Request) int {
		s := seen{retry: h.RetryCount, now: clock.Now()}
		s.prev, s.err = readDelivery(db, 1)
		select {
		case seenCh <- s:
		case <-r.Context().Done():
		}
		return http.StatusServiceUnavailable
	})
	const maxRetries = 4
	d := startDispatcher(t, db, webhook.Options{Now: clock.Now, Backoff: time.Second, MaxBackoff: 3 * time.Second})
	dl := newDelivery(rc.URL+"/hook", channel(1), 0, maxRetries)
	send(t, db, d, dl)

	// The wait doubles from Backoff and stops at MaxBackoff.
	wantWaits := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}
	for retry := 0; retry <= maxRetries; retry++ {
		s := recv(t, fmt.Sprint("request ", retry), seenCh)
		if s.err != nil {
			t.Fatal(s.err)
		}
		if s.retry != retry {
			t.Fatalf("request %d has RetryCount %d", retry, s.retry)
		}
		if retry > 0 {
			prev := s.prev
			if prev.Attempts != retry || prev.Status != model.DeliveryPending || prev.ResponseCode != 503 {
				t.Errorf("before retry %d: recorded %d attempts, status %s, code %d; want %d, pending, 503",
					retry, prev.Attempts, prev.Status, prev.ResponseCode, retry)
			}
			if wait := prev.NextAttempt.Sub(prev.DateUpdated); wait != wantWaits[retry-1] {
				t.Errorf("after attempt %d: NextAttempt is %v after the attempt, want %v", retry, wait, wantWaits[retry-1])
			}
			if s.now.Before(prev.NextAttempt) {
				t.Errorf("retry %d sent at %v, before its NextAttempt %v", retry, s.now, prev.NextAttempt)
			}
		}
		if retry == maxRetries {
			break
		}
		// Let the attempt be recorded, then move the clock to its retry.
		var rec *model.Delivery
		waitFor(t, fmt.Sprint("attempt ", retry+1, " to be recorded"), func() bool {
			rec = mustDelivery(t, db, dl.ID)
			return rec.Attempts >= retry+1
		})
		clock.set(rec.NextAttempt)
		d.Wake()
	}
	got := waitFinished(t, db, dl.ID)
	if got.Status != model.DeliveryFailed || got.Attempts != maxRetries+1 {
		t.Errorf("recorded status %s after %d attempts, want failed after %d", got.Status, got.Attempts, maxRetries+1)
	}
}

func TestNotRetried(t *testing.T) {
	for _, code := range []int{400, 404, 500, 302} {
		t.Run(fmt.Sprint(code, " fails without a retry"), func(t *testing.T) {
			rc := newReceiver(t, func(_ hit, w http.ResponseWriter, _ *http.Request) int {
				w.Header().Set("Location", "/elsewhere") // not followed
				return code
			})
			db := openStore(t)
			d := startDispatcher(t, db, webhook.Options{Backoff: time.Millisecond})
			dl := newDelivery(rc.URL+"/hook", channel(1), 0, 3)
			send(t, db, d, dl)

			got := waitFinished(t, db, dl.ID)
			if got.Status != model.DeliveryFailed || got.Attempts != 1 || got.ResponseCode != code ||
				got.Error != fmt.Sprint("receiver answered ", code) {
				t.Errorf("recorded status %s, %d attempts, code %d, error %q; want failed, 1, %d, %q",
					got.Status, got.Attempts, got.ResponseCode, got.Error, code, fmt.Sprint("receiver answered ", code))
			}
			hs := rc.Hits()
			if len(hs) != 1 || hs[0].URL != rc.URL+"/hook" {
				t.Errorf("receiver got %d requests (%v), want one to /hook", len(hs), hs)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	t.Run("a timed-out attempt is retried and its error says it timed out", func(t *testing.T) {
		db := openStore(t)
		prevCh := make(chan *model.Delivery, 8)
		var rc *receiver
		rc = newReceiver(t, func(h hit, _ http.ResponseWriter, r *http.Request) int {
			if h.RetryCount == 0 {
				rc.block(r, nil)
				return http.StatusOK
			}
			prev, _ := readDelivery(db, 1)
			select {
			case prevCh <- prev:
			case <-r.Context().Done():
			}
			return http.StatusOK
		})
		d := startDispatcher(t, db, webhook.Options{Timeout: timeout, Backoff: time.Millisecond})
		// Retries to spare, so that a slow machine timing out a second
		// attempt too does not fail the test.
		dl := newDelivery(rc.URL+"/hook", channel(1), 0, 3)
		send(t, db, d, dl)

		prev := recv(t, "the retry", prevCh)
		if prev == nil || prev.Status != model.DeliveryPending || prev.Attempts != 1 || prev.ResponseCode != 0 ||
			!strings.Contains(prev.Error, "timed out") {
			t.Errorf("record of the timed-out attempt: %+v; want pending after 1 attempt, no code, an error saying it timed out", prev)
		}
		got := waitFinished(t, db, dl.ID)
		if got.Status != model.DeliveryDelivered || got.Attempts != len(rc.Hits()) || got.Error != "" {
			t.Errorf("recorded status %s, %d attempts, error %q; want delivered after %d attempts, no error",
				got.Status, got.Attempts, got.Error, len(rc.Hits()))
		}
	})
	t.Run("a receiver that never answers runs out of retries", func(t *testing.T) {
		var rc *receiver
		rc = newReceiver(t, func(_ hit, _ http.ResponseWriter, r *http.Request) int {
			rc.block(r, nil)
			return http.StatusOK
		})
		db := openStore(t)
		d := startDispatcher(t, db, webhook.Options{Timeout: timeout / 4, Backoff: time.Millisecond})
		dl := newDelivery(rc.URL+"/hook", channel(1), 0, 1)
		send(t, db, d, dl)

		got := waitFinished(t, db, dl.ID)
		if got.Status != model.DeliveryFailed || got.Attempts != 2 || got.ResponseCode != 0 ||
			!strings.Contains(got.Error, "timed out") {
			t.Errorf("recorded status %s, %d attempts, code %d, error %q; want failed after 2, no code, timed out",
				got.Status, got.Attempts, got.ResponseCode, got.Error)
		}
		if rs := retryCounts(rc.Hits()); !reflect.DeepEqual(rs, []int{0, 1}) {
			t.Errorf("RetryCount of the requests = %v, want [0 1]", rs)
		}
	})
}

func TestRequestShape(t *testing.T) {
	validator := client.NewRequestValidator(testToken)
	wantParams := url.Values{
		"EventType":  {"onMessageSent"},
		"Seq":        {"0"},
		"Body":       {"hello world & = ü"},
		"RetryCount": {"0"},
	}
	for _, c := range []struct {
		name, method, path string
		wantQuery          url.Values // of the URL itself, for a POST
	}{
		{"POST sends a form-encoded body", http.MethodPost, "/hook", url.Values{}},
		{"POST to a URL with a query keeps the query", http.MethodPost, "/hook?key=a+b", url.Values{"key": {"a b"}}},
		{"GET sends the parameters in the query and no body", http.MethodGet, "/hook", nil},
		{"GET to a URL with a query adds the parameters to it", http.MethodGet, "/hook?key=a+b", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			rc := newReceiver(t, nil)
			db := openStore(t)
			d := startDispatcher(t, db, webhook.Options{})
			dl := newDelivery(rc.URL+c.path, channel(1), 0, 0)
			dl.Method = c.method
			send(t, db, d, dl)
			if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
				t.Fatalf("status %s, want delivered", got.Status)
			}
			hs := rc.Hits()
			if len(hs) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(hs))
			}
			h := hs[0]
			if h.Method != c.method {
				t.Errorf("method %s, want %s", h.Method, c.method)
			}
			sig := h.Header.Get("X-Twilio-Signature")
			switch c.method {
			case http.MethodPost:
				if ct := h.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
					t.Errorf("Content-Type %q, want application/x-www-form-urlencoded", ct)
				}
				if !reflect.DeepEqual(h.Params, wantParams) {
					t.Errorf("body parameters %v, want %v", h.Params, wantParams)
				}
				if !reflect.DeepEqual(h.Query, c.wantQuery) {
					t.Errorf("query %v, want %v", h.Query, c.wantQuery)
				}
				if h.URL != rc.URL+c.path {
					t.Errorf("URL %s, want %s", h.URL, rc.URL+c.path)
				}
				if !validator.ValidateBody(h.URL, []byte(h.Body), sig) {
					t.Errorf("twilio-go rejects the signature %q of POST %s with body %s", sig, h.URL, h.Body)
				}
			case http.MethodGet:
				if h.Body != "" || h.ContentLength != 0 || h.Header.Get("Content-Type") != "" {
					t.Errorf("GET has body %q, length %d, Content-Type %q; want none",
						h.Body, h.ContentLength, h.Header.Get("Content-Type"))
				}
				want := cloneValues(wantParams)
				if base, err := url.Parse(rc.URL + c.path); err == nil {
					for k, vs := range base.Query() {
						want[k] = vs
					}
				}
				if !reflect.DeepEqual(h.Query, want) {
					t.Errorf("query %v, want %v", h.Query, want)
				}
				if !strings.HasPrefix(h.URL, rc.URL+c.path) {
					t.Errorf("URL %s does not extend the webhook URL %s", h.URL, rc.URL+c.path)
				}
				if !validator.Validate(h.URL, nil, sig) {
					t.Errorf("twilio-go rejects the signature %q of GET %s", sig, h.URL)
				}
			}
			if ua := h.Header.Get("User-Agent"); ua != "TwilioProxy/1.1" {
				t.Errorf("User-Agent %q, want TwilioProxy/1.1", ua)
			}
			if h.token() == "" {
				t.Error("no I-Twilio-Idempotency-Token")
			}
		})
	}
}

// TestSignsTheURLAsConfigured documents a URL with no path: like Twilio,
// which signs the webhook URL exactly as configured, the Dispatcher signs it
// without the "/" that the receiver sees in the request line, so a receiver
// must validate against its configured URL, not one rebuilt from the request.
func TestSignsTheURLAsConfigured(t *testing.T) {
	validator := client.NewRequestValidator(testToken)
	rc := newReceiver(t, nil)
	db := openStore(t)
	d := startDispatcher(t, db, webhook.Options{})
	dl := newDelivery(rc.URL, channel(1), 0, 0)
	send(t, db, d, dl)
	waitFinished(t, db, dl.ID)
	h := rc.Hits()[0]
	if h.URL != rc.URL+"/" {
		t.Fatalf("request URL %s, want %s/", h.URL, rc.URL)
	}
	if !validator.ValidateBody(rc.URL, []byte(h.Body), h.Header.Get("X-Twilio-Signature")) {
		t.Errorf("twilio-go rejects the signature for the configured URL %s", rc.URL)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func TestIdempotencyToken(t *testing.T) {
	validator := client.NewRequestValidator(testToken)
	rc := newReceiver(t, func(h hit, _ http.ResponseWriter, _ *http.Request) int {
		if h.Seq == 0 && h.RetryCount < 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	db := openStore(t)
	d := startDispatcher(t, db, webhook.Options{Backoff: time.Millisecond})
	first, second := newDelivery(rc.URL+"/hook", channel(1), 0, 3), newDelivery(rc.URL+"/hook", channel(2), 1, 3)
	send(t, db, d, first, second)
	waitFinished(t, db, first.ID)
	waitFinished(t, db, second.ID)

	hs := rc.Hits()
	retried, other := hitsOf(hs, 0), hitsOf(hs, 1)
	if len(retried) != 3 || len(other) != 1 {
		t.Fatalf("receiver got %d and %d requests, want 3 and 1", len(retried), len(other))
	}
	t.Run("the same on every attempt of a delivery", func(t *testing.T) {
		for _, h := range retried {
			if h.token() == "" || h.token() != retried[0].token() {
				t.Errorf("attempt %d has token %q, the first had %q", h.RetryCount, h.token(), retried[0].token())
			}
		}
	})
	t.Run("different between deliveries", func(t *testing.T) {
		if other[0].token() == retried[0].token() {
			t.Errorf("both deliveries have token %q", other[0].token())
		}
	})
	t.Run("every attempt is signed with its own RetryCount", func(t *testing.T) {
		for _, h := range hs {
			if !validator.ValidateBody(h.URL, []byte(h.Body), h.Header.Get("X-Twilio-Signature")) {
				t.Errorf("twilio-go rejects the signature of attempt %d of delivery %d", h.RetryCount, h.Seq)
			}
		}
	})
}
