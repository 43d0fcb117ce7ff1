package webhook_test

// Helpers of the Dispatcher tests: a store, deliveries, a recording
// receiver and a clock under the test's control.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

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

// answered is the answer of a receiver that wrote its answer itself.
const answered = -2

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
	switch code {
	case hangUp:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	case answered:
	default:
		w.WriteHeader(code)
	}
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
