package webhook_test

// Tests of how the Dispatcher keeps pace: a window of deliveries in flight
// per lane, retries that step aside, hosts that cannot take every worker, a
// bounded buffer read from the outbox as it drains, the backstop scan, and
// outcomes recorded in groups.

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/webhook"
)

// gauge counts requests in flight and remembers the most at once.
type gauge struct {
	mu             sync.Mutex
	inflight, peak int
}

func (g *gauge) enter() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight++
	g.peak = max(g.peak, g.inflight)
	return g.inflight
}

func (g *gauge) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
}

func (g *gauge) Peak() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}

func TestWindowBoundsALane(t *testing.T) {
	const window, n = 4, 24
	var g gauge
	var mu sync.Mutex
	answered := map[int]bool{} // deliveries whose request was answered
	var early []string         // requests sent while more than window-1 before them were unanswered
	full := make(chan struct{})
	var fill sync.Once
	rc := newReceiver(t, func(h hit, _ http.ResponseWriter, r *http.Request) int {
		mu.Lock()
		done := 0
		for seq := range h.Seq {
			if answered[seq] {
				done++
			}
		}
		if done < h.Seq-(window-1) {
			early = append(early, fmt.Sprintf("delivery %d with %d of those before it answered", h.Seq, done))
		}
		mu.Unlock()
		if g.enter() >= window {
			fill.Do(func() { close(full) })
		}
		// Hold the first requests until the window is full, so that a
		// Dispatcher that ignored the bound would have more in flight. One
		// that never fills it is let go after a while, and fails below.
		select {
		case <-full:
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			fill.Do(func() { close(full) })
		}
		time.Sleep(time.Millisecond) // widen the overlap; asserts nothing
		g.leave()
		mu.Lock()
		answered[h.Seq] = true
		mu.Unlock()
		return http.StatusOK
	})
	db := openStore(t)
	var dls []*model.Delivery
	for seq := range n {
		dls = append(dls, newDelivery(rc.URL+"/slow", channel(1), seq, 0))
	}
	enqueue(t, db, dls...)
	startDispatcher(t, db, webhook.Options{Window: window, Timeout: time.Minute})
	for _, dl := range dls {
		if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
			t.Errorf("delivery %d: %s", dl.ID, got.Status)
		}
	}
	if got := g.Peak(); got != window {
		t.Errorf("at most %d requests of the lane in flight at once, want the window of %d", got, window)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range early {
		t.Errorf("sent out of the window: %s", e)
	}
	if hs := rc.Hits(); len(hs) != n {
		t.Errorf("receiver got %d requests, want %d", len(hs), n)
	}
}

func TestRetryStepsAside(t *testing.T) {
	for _, c := range []struct {
		name   string
		window int
		want   []string // the requests, as Seq/RetryCount, in order
	}{
		{"the events behind a retry go on", 0, []string{"0/0", "1/0", "2/0", "3/0", "4/0", "0/1"}},
		{"with a window of 1 a retry holds them back", 1, []string{"0/0", "0/1", "1/0", "2/0", "3/0", "4/0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The clock stands still until the test moves it to the retry
			// time: nothing else lets the retry go.
			clock := &fakeClock{now: testTime.Add(time.Hour)}
			rc := newReceiver(t, func(h hit, _ http.ResponseWriter, _ *http.Request) int {
				if h.Seq == 0 && h.RetryCount == 0 {
					return http.StatusServiceUnavailable
				}
				return http.StatusOK
			})
			db := openStore(t)
			// One request at a time, so that the receiver sees them in the
			// order they are sent.
			d := startDispatcher(t, db, webhook.Options{Now: clock.Now, Window: c.window, Workers: 1, HostWorkers: 1, Backoff: time.Minute})
			var dls []*model.Delivery
			for seq := range 5 {
				dls = append(dls, newDelivery(rc.URL+"/hook", channel(1), seq, 3))
			}
			send(t, db, d, dls...)

			var first *model.Delivery
			waitFor(t, "the first attempt to be recorded", func() bool {
				first = mustDelivery(t, db, dls[0].ID)
				return first.Attempts == 1
			})
			if first.Status != model.DeliveryPending || first.NextAttempt.Sub(first.DateUpdated) != time.Minute {
				t.Errorf("after the 503: %s, next attempt %v after the attempt; want pending, a minute after", first.Status, first.NextAttempt.Sub(first.DateUpdated))
			}
			if c.window != 1 {
				for _, dl := range dls[1:] {
					if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
						t.Errorf("delivery %d behind the retry: %s", dl.ID, got.Status)
					}
				}
				if got := mustDelivery(t, db, dls[0].ID); got.Attempts != 1 {
					t.Errorf("the retry was sent before its time: %d attempts", got.Attempts)
				}
			}
			clock.set(first.NextAttempt)
			d.Wake()
			for _, dl := range dls {
				if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
					t.Errorf("delivery %d: %s", dl.ID, got.Status)
				}
			}
			var got []string
			for _, h := range rc.Hits() {
				got = append(got, fmt.Sprintf("%d/%d", h.Seq, h.RetryCount))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("requests %v, want %v", got, c.want)
			}
		})
	}
}

func TestDeadHostLeavesWorkersToOthers(t *testing.T) {
	const workers = 4 // half of them, by default, for one host
	var deadGauge gauge
	var dead *receiver
	dead = newReceiver(t, func(_ hit, _ http.ResponseWriter, r *http.Request) int {
		deadGauge.enter()
		defer deadGauge.leave()
		dead.block(r, nil) // never answers while the test runs
		return http.StatusOK
	})
	alive := newReceiver(t, nil)
	db := openStore(t)
	var stuck, healthy []*model.Delivery
	for i := range 10 {
		stuck = append(stuck, newDelivery(dead.URL+"/dead", channel(i), i, 0))
	}
	for i := range 10 {
		healthy = append(healthy, newDelivery(alive.URL+"/alive", channel(i), 100+i, 0))
	}
	// The dead receiver's deliveries come first.
	enqueue(t, db, stuck...)
	enqueue(t, db, healthy...)
	startDispatcher(t, db, webhook.Options{Workers: workers, Timeout: time.Hour})
	for _, dl := range healthy {
		if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
			t.Errorf("delivery %d to the healthy receiver: %s", dl.ID, got.Status)
		}
	}
	waitFor(t, "the dead receiver's requests", func() bool { return deadGauge.Peak() >= workers/2 })
	if got := deadGauge.Peak(); got != workers/2 {
		t.Errorf("%d requests in flight to the dead receiver at most, want %d", got, workers/2)
	}
	for _, dl := range stuck {
		if got := mustDelivery(t, db, dl.ID); got.Status != model.DeliveryPending || got.Attempts != 0 {
			t.Errorf("delivery %d to the dead receiver: %s after %d attempts, want still pending", dl.ID, got.Status, got.Attempts)
		}
	}
}

func TestBufferBoundsWhatIsHeld(t *testing.T) {
	const buffer = 4
	release := make(chan struct{})
	var blockedGauge gauge
	var blocked *receiver
	blocked = newReceiver(t, func(_ hit, _ http.ResponseWriter, r *http.Request) int {
		blockedGauge.enter()
		defer blockedGauge.leave()
		blocked.block(r, release)
		return http.StatusOK
	})
	other := newReceiver(t, nil)
	db := openStore(t)
	// 30 deliveries to the blocked receiver's host, in 3 lanes, with
	// another host's between them: the buffer holds 4 of the first host's,
	// so the others stay in the outbox and are read back as it drains.
	var held, passed []*model.Delivery
	for i := range 30 {
		dl := newDelivery(blocked.URL+"/blocked", channel(i%3), i, 0)
		held = append(held, dl)
		enqueue(t, db, dl)
		if i%3 == 0 {
			dl := newDelivery(other.URL+"/other", channel(i%3), 100+i, 0)
			passed = append(passed, dl)
			enqueue(t, db, dl)
		}
	}
	startDispatcher(t, db, webhook.Options{Buffer: buffer, Window: 100, Workers: 200, HostWorkers: 100, Timeout: time.Hour})
	for _, dl := range passed {
		if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
			t.Errorf("delivery %d to the other host: %s", dl.ID, got.Status)
		}
	}
	waitFor(t, "the buffer's requests", func() bool { return len(blocked.Hits()) >= buffer })
	if n := len(blocked.Hits()); n != buffer {
		t.Errorf("%d requests to the blocked host, want the %d its buffer holds", n, buffer)
	}

	close(release)
	for _, dl := range held {
		if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
			t.Errorf("delivery %d: %s", dl.ID, got.Status)
		}
	}
	if got := blockedGauge.Peak(); got > buffer {
		t.Errorf("%d requests to one host in flight at once, more than its buffer of %d", got, buffer)
	}
	seen := map[int]int{}
	for _, h := range blocked.Hits() {
		seen[h.Seq]++
	}
	for seq := range held {
		if seen[seq] != 1 {
			t.Errorf("delivery with Seq %d sent %d times, want once", seq, seen[seq])
		}
	}
}

func TestBufferRefillsInOrder(t *testing.T) {
	// More deliveries than pages of the outbox and than the buffer holds,
	// to two hosts: the first host's, in strict order, arrive in commit
	// order across every refill of its buffer.
	const buffer, n = 10, 300
	var g gauge
	first := newReceiver(t, func(hit, http.ResponseWriter, *http.Request) int {
		g.enter()
		defer g.leave()
		return http.StatusOK
	})
	second := newReceiver(t, nil)
	db := openStore(t)
	var dls []*model.Delivery
	for i := range n {
		target := first.URL + "/first"
		if i%7 == 0 {
			target = second.URL + "/second"
		}
		dls = append(dls, newDelivery(target, channel(1), i, 0))
	}
	enqueue(t, db, dls...)
	startDispatcher(t, db, webhook.Options{Buffer: buffer, Window: 1})
	for _, dl := range dls {
		if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
			t.Errorf("delivery %d: %s", dl.ID, got.Status)
		}
	}
	for _, rc := range []*receiver{first, second} {
		hs := rc.Hits()
		for i := 1; i < len(hs); i++ {
			if hs[i].Seq <= hs[i-1].Seq {
				t.Fatalf("%s: delivery %d after delivery %d", rc.URL, hs[i].Seq, hs[i-1].Seq)
			}
		}
	}
	if got := len(first.Hits()) + len(second.Hits()); got != n {
		t.Errorf("%d requests, want %d", got, n)
	}
	if p := pendingIDs(t, db); len(p) != 0 {
		t.Errorf("pending after all: %v", p)
	}
}

func TestScanSendsWithoutWake(t *testing.T) {
	rc := newReceiver(t, nil)
	db := openStore(t)
	d := startDispatcher(t, db, webhook.Options{Scan: 10 * time.Millisecond})
	// The first is sent on a Wake, which also ends the start's reading.
	woken := newDelivery(rc.URL+"/hook", channel(1), 0, 0)
	send(t, db, d, woken)
	waitFinished(t, db, woken.ID)

	quiet := newDelivery(rc.URL+"/hook", channel(1), 1, 0)
	enqueue(t, db, quiet) // committed without a Wake
	if got := waitFinished(t, db, quiet.ID); got.Status != model.DeliveryDelivered {
		t.Errorf("the delivery committed without a wake: %s", got.Status)
	}
}

// countingStore counts the transactions that write; each waits for gate
// to be open.
type countingStore struct {
	model.Store
	gate    chan struct{}
	updates atomic.Int64
}

func (s *countingStore) Update(ctx context.Context, fn func(model.Tx) error) error {
	s.updates.Add(1)
	<-s.gate
	return s.Store.Update(ctx, fn)
}

func TestOutcomesGroupCommitted(t *testing.T) {
	const n = 40
	rc := newReceiver(t, nil)
	db := openStore(t)
	store := &countingStore{Store: db, gate: make(chan struct{})}
	var dls []*model.Delivery
	for i := range n {
		dls = append(dls, newDelivery(rc.URL+"/hook", channel(i), i, 0))
	}
	enqueue(t, db, dls...)
	startDispatcher(t, store, webhook.Options{})
	// The first outcome's transaction waits until every request has been
	// answered: the other outcomes go in the next one.
	waitFor(t, "every request", func() bool { return len(rc.Hits()) == n })
	close(store.gate)
	for _, dl := range dls {
		if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
			t.Errorf("delivery %d: %s", dl.ID, got.Status)
		}
	}
	if got := store.updates.Load(); got > n/4 {
		t.Errorf("%d transactions recorded %d outcomes, want them grouped", got, n)
	}
}
