package webhook_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/webhook"
)

const testToken = "secrettoken0123456789"

// testTime is the creation date of the test's deliveries; every clock of the
// tests reads later, so they are due at once.
var testTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

var testService = "IS" + fmt.Sprintf("%032x", 1)

func channel(n int) string { return "CH" + fmt.Sprintf("%032x", n) }

// openStore opens a bolt store on a fresh file; it closes at the end of the
// test, after the Dispatchers started later (cleanups run last first).
func openStore(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "chatd.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing the store: %v", err)
		}
	})
	return db
}

// newDispatcher returns a Dispatcher of db with opts, quiet and signing with
// testToken unless opts say otherwise, closed at the end of the test. It is
// not started.
func newDispatcher(t *testing.T, db model.Store, opts webhook.Options) *webhook.Dispatcher {
	t.Helper()
	if opts.AuthToken == "" {
		opts.AuthToken = testToken
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	d := webhook.New(db, opts)
	t.Cleanup(d.Close)
	return d
}

// startDispatcher is newDispatcher, started.
func startDispatcher(t *testing.T, db model.Store, opts webhook.Options) *webhook.Dispatcher {
	t.Helper()
	d := newDispatcher(t, db, opts)
	d.Start()
	return d
}

// newDelivery is a pending POST of onMessageSent to target for a Channel,
// its parameter Seq naming it so that a receiver can tell deliveries apart.
func newDelivery(target, channel string, seq, maxRetries int) *model.Delivery {
	return &model.Delivery{
		ServiceSid: testService,
		ChannelSid: channel,
		Event:      "onMessageSent",
		URL:        target,
		Method:     http.MethodPost,
		Params: map[string][]string{
			"EventType":  {"onMessageSent"},
			"Seq":        {strconv.Itoa(seq)},
			"Body":       {"hello world & = ü"},
			"RetryCount": {"0"},
		},
		MaxRetries:  maxRetries,
		Status:      model.DeliveryPending,
		DateCreated: testTime,
		DateUpdated: testTime,
		NextAttempt: testTime,
	}
}

// enqueue commits ds to the outbox in one transaction, setting their IDs.
func enqueue(t *testing.T, db model.Store, ds ...*model.Delivery) {
	t.Helper()
	err := db.Update(context.Background(), func(tx model.Tx) error {
		for _, d := range ds {
			if err := tx.EnqueueDelivery(d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("enqueueing: %v", err)
	}
}

// send enqueues ds and wakes d, as the rules layer does after a commit.
func send(t *testing.T, db model.Store, d *webhook.Dispatcher, ds ...*model.Delivery) {
	t.Helper()
	enqueue(t, db, ds...)
	d.Wake()
}

// readDeliveries is every delivery of the outbox, by ID.
func readDeliveries(t *testing.T, db model.Store) []*model.Delivery {
	t.Helper()
	var ds []*model.Delivery
	err := db.View(context.Background(), func(tx model.Tx) (err error) {
		ds, err = tx.Deliveries("", model.Window{})
		return err
	})
	if err != nil {
		t.Fatalf("reading deliveries: %v", err)
	}
	return ds
}

// readDelivery reads delivery id; it returns nil when there is none. It
// reports failures by its error, so that receivers may call it.
func readDelivery(db model.Store, id uint64) (*model.Delivery, error) {
	var ds []*model.Delivery
	err := db.View(context.Background(), func(tx model.Tx) (err error) {
		ds, err = tx.Deliveries("", model.Window{After: strconv.FormatUint(id-1, 10), Limit: 1})
		return err
	})
	if err != nil || len(ds) == 0 || ds[0].ID != id {
		return nil, err
	}
	return ds[0], nil
}

func mustDelivery(t *testing.T, db model.Store, id uint64) *model.Delivery {
	t.Helper()
	d, err := readDelivery(db, id)
	if err != nil {
		t.Fatalf("reading delivery %d: %v", id, err)
	}
	if d == nil {
		t.Fatalf("delivery %d is gone", id)
	}
	return d
}

// pendingIDs lists the outbox's pending set.
func pendingIDs(t *testing.T, db model.Store) []uint64 {
	t.Helper()
	var ds []*model.Delivery
	err := db.View(context.Background(), func(tx model.Tx) (err error) {
		ds, err = tx.PendingDeliveries(0, 0)
		return err
	})
	if err != nil {
		t.Fatalf("reading pending deliveries: %v", err)
	}
	return ids(ds)
}

func ids(ds []*model.Delivery) []uint64 {
	out := []uint64{}
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

// waitFor polls cond until it holds. It only waits for the Dispatcher, it
// measures nothing: the deadline is there so that a broken Dispatcher fails
// the test instead of hanging it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFinished waits until delivery id is finished and returns it.
func waitFinished(t *testing.T, db model.Store, id uint64) *model.Delivery {
	t.Helper()
	var d *model.Delivery
	waitFor(t, fmt.Sprintf("delivery %d to finish", id), func() bool {
		d = mustDelivery(t, db, id)
		return d.Finished()
	})
	return d
}

// recv waits for a value on ch.
func recv[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("gave up waiting for %s", what)
		panic("unreachable")
	}
}

// signal sends on ch, a channel with a buffer, unless a signal is waiting
// there already; a receiver never blocks on it.
func signal(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// hangUp is the answer of a receiver that closes the connection without
// answering.
const hangUp = -1

// hit is one request a receiver got.
type hit struct {
	Method string
	URL    string // as the receiver sees it: http://, the host, the request URI
	Body   string
	Header http.Header
	Params url.Values // the form of a POST, the query of a GET
	Query  url.Values // of the URL
	// ContentLength is the request's, -1 when unknown.
	ContentLength int64
	// Seq and RetryCount are the parameters of those names.
	Seq, RetryCount int
}

func (h hit) token() string { return h.Header.Get("I-Twilio-Idempotency-Token") }

// receiver is a webhook receiver: it records every request, then answers
// with the status code its answer function returns (200 without one). An
// answer function may block, but must give up when the request's context
// or stop is done.
type receiver struct {
	*httptest.Server
	stop   chan struct{} // closed at the end of the test
	answer func(h hit, w http.ResponseWriter, r *http.Request) int

	mu   sync.Mutex
	hits []hit
}

func newReceiver(t *testing.T, answer func(h hit, w http.ResponseWriter, r *http.Request) int) *receiver {
	t.Helper()
	rc := &receiver{stop: make(chan struct{}), answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(func() {
		close(rc.stop)
		rc.Server.Close()
	})
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h := hit{Method: r.Method, URL: "http://" + r.Host + r.RequestURI, Body: string(body), Header: r.Header.Clone(), Query: r.URL.Query(),
		ContentLength: r.ContentLength}
	if r.Method == http.MethodGet {
		h.Params = r.URL.Query()
	} else {
		h.Params, _ = url.ParseQuery(string(body))
	}
	h.Seq, _ = strconv.Atoi(h.Params.Get("Seq"))
	h.RetryCount, _ = strconv.Atoi(h.Params.Get("RetryCount"))
	rc.mu.Lock()
	rc.hits = append(rc.hits, h)
	rc.mu.Unlock()
	code := http.StatusOK
	if rc.answer != nil {
		code = rc.answer(h, w, r)
	}
	if code == hangUp {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	w.WriteHeader(code)
}

// block waits until release is closed, the request is abandoned or the test
// ends.
func (rc *receiver) block(r *http.Request, release <-chan struct{}) {
	select {
	case <-release:
	case <-r.Context().Done():
	case <-rc.stop:
	}
}

// Hits is every request so far, in arrival order.
func (rc *receiver) Hits() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.hits)
}

// hitsOf is the requests of delivery seq.
func hitsOf(hs []hit, seq int) []hit {
	var out []hit
	for _, h := range hs {
		if h.Seq == seq {
			out = append(out, h)
		}
	}
	return out
}

func retryCounts(hs []hit) []int {
	out := []int{}
	for _, h := range hs {
		out = append(out, h.RetryCount)
	}
	return out
}

// fakeClock is a Dispatcher clock under the test's control: each reading
// moves it on by step (zero freezes it), and set moves it forward.
type fakeClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

func TestDeliveredOn2xx(t *testing.T) {
	for _, code := range []int{200, 201, 204, 299} {
		t.Run(fmt.Sprint(code, " is delivered after one attempt"), func(t *testing.T) {
			rc := newReceiver(t, func(hit, http.ResponseWriter, *http.Request) int { return code })
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

func TestLaneOrder(t *testing.T) {
	// One receiver and one Channel: one lane, whose deliveries must arrive
	// one at a time in ID order even when some attempts fail.
	var mu sync.Mutex
	inflight, maxInflight := 0, 0
	rc := newReceiver(t, func(h hit, _ http.ResponseWriter, _ *http.Request) int {
		mu.Lock()
		inflight++
		maxInflight = max(maxInflight, inflight)
		mu.Unlock()
		defer func() {
			mu.Lock()
			inflight--
			mu.Unlock()
		}()
		return laneAnswer(h)
	})
	db := openStore(t)
	d := startDispatcher(t, db, webhook.Options{Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	const n = 20
	var dls []*model.Delivery
	for seq := range n {
		dl := newDelivery(rc.URL+"/lane", channel(1), seq, 2)
		// Some alone, some committed together: the order is the IDs'.
		if seq%5 == 4 {
			enqueue(t, db, dl)
		} else {
			send(t, db, d, dl)
		}
		dls = append(dls, dl)
	}
	d.Wake()
	for _, dl := range dls {
		if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
			t.Errorf("delivery %d: %s after %d attempts (%s)", dl.ID, got.Status, got.Attempts, got.Error)
		}
	}

	hs := rc.Hits()
	var delivered []int
	for i, h := range hs {
		if i > 0 && h.Seq < hs[i-1].Seq {
			t.Errorf("request %d is of delivery %d, after a request of delivery %d", i, h.Seq, hs[i-1].Seq)
		}
		if laneAnswer(h) == http.StatusOK {
			delivered = append(delivered, h.Seq)
		}
	}
	if want := upTo(n); !reflect.DeepEqual(delivered, want) {
		t.Errorf("answered 2xx for deliveries %v, want each once in order %v", delivered, want)
	}
	for seq := range n {
		rs := retryCounts(hitsOf(hs, seq))
		if wantRs := upTo(len(rs)); !reflect.DeepEqual(rs, wantRs) {
			t.Errorf("delivery %d: RetryCounts %v, want %v", seq, rs, wantRs)
		}
	}
	if maxInflight != 1 {
		t.Errorf("up to %d requests of the lane in flight at once, want 1", maxInflight)
	}
}

// laneAnswer fails some attempts of TestLaneOrder's deliveries, in every
// retryable way, up to twice.
func laneAnswer(h hit) int {
	switch {
	case h.Seq%3 == 0 && h.RetryCount == 0:
		return http.StatusServiceUnavailable
	case h.Seq%4 == 1 && h.RetryCount < 2:
		return hangUp
	case h.Seq%7 == 2 && h.RetryCount == 0:
		return http.StatusTooManyRequests
	}
	return http.StatusOK
}

func TestLanesAreIndependent(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	var rc *receiver
	rc = newReceiver(t, func(h hit, _ http.ResponseWriter, r *http.Request) int {
		if h.Seq == 0 {
			signal(entered)
			rc.block(r, release)
		}
		return http.StatusOK
	})
	db := openStore(t)
	d := startDispatcher(t, db, webhook.Options{Timeout: time.Minute})
	// Lane A (/a, Channel 1) gets stuck on its first delivery; lane B has
	// the same URL and another Channel, lane C the same Channel and another
	// URL.
	stuck, behind := newDelivery(rc.URL+"/a", channel(1), 0, 0), newDelivery(rc.URL+"/a", channel(1), 1, 0)
	send(t, db, d, stuck, behind)
	recv(t, "the stuck request", entered)
	var others []*model.Delivery
	for seq := 2; seq < 8; seq++ {
		if seq < 5 {
			others = append(others, newDelivery(rc.URL+"/a", channel(2), seq, 0))
		} else {
			others = append(others, newDelivery(rc.URL+"/c", channel(1), seq, 0))
		}
	}
	send(t, db, d, others...)
	for _, dl := range others {
		if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
			t.Errorf("delivery %d: %s", dl.ID, got.Status)
		}
	}

	if got := mustDelivery(t, db, stuck.ID); got.Status != model.DeliveryPending || got.Attempts != 0 {
		t.Errorf("the stuck delivery is %s after %d attempts, want pending with its attempt in flight", got.Status, got.Attempts)
	}
	if hs := hitsOf(rc.Hits(), 1); len(hs) != 0 {
		t.Errorf("the delivery behind the stuck one was sent while it was in flight")
	}

	close(release)
	waitFinished(t, db, stuck.ID)
	if got := waitFinished(t, db, behind.ID); got.Status != model.DeliveryDelivered {
		t.Errorf("the delivery behind the stuck one: %s", got.Status)
	}
	var laneA []int
	for _, h := range rc.Hits() {
		if h.Seq < 2 {
			laneA = append(laneA, h.Seq)
		}
	}
	if !reflect.DeepEqual(laneA, []int{0, 1}) {
		t.Errorf("lane A's requests were of deliveries %v, want [0 1]", laneA)
	}
}

func TestWorkersBoundConcurrency(t *testing.T) {
	const workers = 2
	var mu sync.Mutex
	inflight, maxInflight := 0, 0
	full := make(chan struct{}) // closed when workers requests are in flight
	rc := newReceiver(t, func(_ hit, _ http.ResponseWriter, r *http.Request) int {
		mu.Lock()
		inflight++
		maxInflight = max(maxInflight, inflight)
		if inflight >= workers {
			closeOnce(full)
		}
		mu.Unlock()
		// Hold the first requests until the workers are all busy, so that a
		// Dispatcher that ignored the bound would have more in flight. One
		// that never uses them all is let go after a while, and fails below.
		select {
		case <-full:
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			mu.Lock()
			closeOnce(full)
			mu.Unlock()
		}
		time.Sleep(time.Millisecond) // widen the overlap; asserts nothing
		mu.Lock()
		inflight--
		mu.Unlock()
		return http.StatusOK
	})
	db := openStore(t)
	var dls []*model.Delivery
	for lane := range 12 {
		for i := range 2 {
			dls = append(dls, newDelivery(rc.URL+"/hook", channel(lane), lane*2+i, 0))
		}
	}
	enqueue(t, db, dls...)
	startDispatcher(t, db, webhook.Options{Workers: workers, Timeout: time.Minute})
	for _, dl := range dls {
		if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
			t.Errorf("delivery %d: %s", dl.ID, got.Status)
		}
	}
	if n := len(rc.Hits()); n != len(dls) {
		t.Errorf("receiver got %d requests, want %d", n, len(dls))
	}
	mu.Lock()
	defer mu.Unlock()
	if maxInflight > workers {
		t.Errorf("%d requests in flight at once, Workers is %d", maxInflight, workers)
	}
	if maxInflight < workers {
		t.Errorf("at most %d requests in flight at once, want the %d workers used", maxInflight, workers)
	}
}

// closeOnce closes ch unless it is closed; callers serialize.
func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}

func TestCloseAbandonsInFlightAttempt(t *testing.T) {
	for _, blockAt := range []int{0, 1} {
		t.Run(fmt.Sprintf("attempt %d in flight stays pending and is sent by the next Dispatcher", blockAt+1), func(t *testing.T) {
			entered := make(chan struct{}, 1)
			closing := make(chan struct{}) // closed once the first Dispatcher is closed
			var rc *receiver
			rc = newReceiver(t, func(h hit, _ http.ResponseWriter, r *http.Request) int {
				select {
				case <-closing:
					return http.StatusOK
				default:
				}
				if h.RetryCount < blockAt {
					return http.StatusServiceUnavailable
				}
				signal(entered)
				rc.block(r, nil)
				return http.StatusOK
			})
			db := openStore(t)
			first := newDispatcher(t, db, webhook.Options{Backoff: time.Millisecond, Timeout: time.Minute})
			first.Start()
			dl := newDelivery(rc.URL+"/hook", channel(1), 0, 3)
			send(t, db, first, dl)
			recv(t, "the request in flight", entered)
			first.Close()
			close(closing)

			got := mustDelivery(t, db, dl.ID)
			if got.Status != model.DeliveryPending || got.Attempts != blockAt {
				t.Errorf("after Close: %s after %d attempts, want pending after %d", got.Status, got.Attempts, blockAt)
			}
			if p := pendingIDs(t, db); !reflect.DeepEqual(p, []uint64{dl.ID}) {
				t.Errorf("pending after Close = %v, want [%d]", p, dl.ID)
			}

			startDispatcher(t, db, webhook.Options{Backoff: time.Millisecond})
			got = waitFinished(t, db, dl.ID)
			if got.Status != model.DeliveryDelivered || got.Attempts != blockAt+1 {
				t.Errorf("after the restart: %s after %d attempts, want delivered after %d", got.Status, got.Attempts, blockAt+1)
			}
			hs := rc.Hits()
			if rs, want := retryCounts(hs), append(retryCounts(hs[:blockAt]), blockAt, blockAt); !reflect.DeepEqual(rs, want) {
				t.Errorf("RetryCount of the requests = %v, want %v (the abandoned attempt sent again)", rs, want)
			}
			for _, h := range hs {
				if h.token() != hs[0].token() {
					t.Errorf("the resent attempt has idempotency token %q, the first had %q", h.token(), hs[0].token())
				}
			}
		})
	}
}

func TestPendingBeforeStartAreSent(t *testing.T) {
	rc := newReceiver(t, nil)
	db := openStore(t)
	// Left by an earlier run: two fresh deliveries in two lanes and one
	// that was tried twice already.
	fresh1, fresh2 := newDelivery(rc.URL+"/a", channel(1), 0, 0), newDelivery(rc.URL+"/b", channel(1), 1, 0)
	tried := newDelivery(rc.URL+"/a", channel(2), 2, 3)
	tried.Attempts, tried.ResponseCode, tried.Error = 2, 503, "receiver answered 503"
	enqueue(t, db, fresh1, fresh2)
	enqueue(t, db, tried)

	startDispatcher(t, db, webhook.Options{}) // no Wake: Start loads them
	for _, dl := range []*model.Delivery{fresh1, fresh2, tried} {
		if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered || got.Attempts != dl.Attempts+1 {
			t.Errorf("delivery %d: %s after %d attempts, want delivered after %d", dl.ID, got.Status, got.Attempts, dl.Attempts+1)
		}
	}
	if rs := retryCounts(hitsOf(rc.Hits(), 2)); !reflect.DeepEqual(rs, []int{2}) {
		t.Errorf("the delivery tried twice before was sent with RetryCount %v, want [2]", rs)
	}
}

func TestUndeliverableIsNeverSent(t *testing.T) {
	rc := newReceiver(t, nil)
	db := openStore(t)
	undeliverable := func(seq int) *model.Delivery {
		dl := newDelivery(rc.URL+"/hook", channel(1), seq, 3)
		dl.Status, dl.Error = model.DeliveryUndeliverable, "studio is not supported"
		return dl
	}
	before, beforeNext := undeliverable(0), newDelivery(rc.URL+"/hook", channel(1), 1, 0)
	enqueue(t, db, before, beforeNext)
	d := startDispatcher(t, db, webhook.Options{})
	after, afterNext := undeliverable(2), newDelivery(rc.URL+"/hook", channel(1), 3, 0)
	send(t, db, d, after, afterNext)
	waitFinished(t, db, beforeNext.ID)
	waitFinished(t, db, afterNext.ID)

	if seqs := hitSeqs(rc.Hits()); !reflect.DeepEqual(seqs, []int{1, 3}) {
		t.Errorf("receiver got deliveries %v, want [1 3] only", seqs)
	}
	for _, dl := range []*model.Delivery{before, after} {
		if got := mustDelivery(t, db, dl.ID); !reflect.DeepEqual(got, dl) {
			t.Errorf("undeliverable delivery changed:\n %+v\nwant\n %+v", got, dl)
		}
	}
}

func hitSeqs(hs []hit) []int {
	out := []int{}
	for _, h := range hs {
		out = append(out, h.Seq)
	}
	return out
}

func TestTrimKeepsNewestFinishedAndEveryPending(t *testing.T) {
	var rc *receiver
	rc = newReceiver(t, func(_ hit, _ http.ResponseWriter, r *http.Request) int {
		switch r.URL.Path {
		case "/hang":
			rc.block(r, nil)
		case "/retry":
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	db := openStore(t)
	const keep = 5
	d := startDispatcher(t, db, webhook.Options{Keep: keep, Timeout: time.Minute, Backoff: time.Hour})
	hanging := newDelivery(rc.URL+"/hang", channel(1), 0, 0)   // pending: in flight
	retrying := newDelivery(rc.URL+"/retry", channel(1), 1, 1) // pending: waiting an hour
	send(t, db, d, hanging, retrying)
	// 100 finished deliveries make the Dispatcher trim.
	var done []*model.Delivery
	for i := range 100 {
		done = append(done, newDelivery(rc.URL+"/ok", channel(i%10), 2+i, 0))
	}
	send(t, db, d, done...)

	last := done[len(done)-1].ID
	waitFor(t, "the trim", func() bool {
		d, err := readDelivery(db, done[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		return d == nil
	})
	want := []uint64{hanging.ID, retrying.ID}
	for id := last - keep + 1; id <= last; id++ {
		want = append(want, id)
	}
	if got := ids(readDeliveries(t, db)); !reflect.DeepEqual(got, want) {
		t.Errorf("after the trim, deliveries %v, want %v (the pending ones and the newest %d)", got, want, keep)
	}
	if got := pendingIDs(t, db); !reflect.DeepEqual(got, []uint64{hanging.ID, retrying.ID}) {
		t.Errorf("pending after the trim = %v, want [%d %d]", got, hanging.ID, retrying.ID)
	}
}
