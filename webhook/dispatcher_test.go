package webhook_test

// Tests of the Dispatcher as a whole: strict order with a Window of 1, lanes
// and the Workers bound, Close and restarts, and the outbox's trim. The
// window, retries stepping aside, fairness between hosts, the memory bound,
// the backstop scan and group commits are in schedule_test.go.

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/webhook"
)

func TestWindowOfOneIsStrictOrder(t *testing.T) {
	// One receiver and one Channel: one lane, whose deliveries must arrive
	// one at a time in ID order even when some attempts fail, retries
	// included.
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
	d := startDispatcher(t, db, webhook.Options{Window: 1, Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
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

// laneAnswer fails some attempts of TestWindowOfOneIsStrictOrder's deliveries, in every
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
	d := startDispatcher(t, db, webhook.Options{Window: 1, Timeout: time.Minute})
	// Lane A (/a, Channel 1) gets stuck on its first delivery, which holds
	// back the next in strict order; lane B has the same URL and another
	// Channel, lane C the same Channel and another URL.
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
	startDispatcher(t, db, webhook.Options{Workers: workers, HostWorkers: workers, Timeout: time.Minute})
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

	if seqs := hitSeqs(rc.Hits()); !reflect.DeepEqual(slices.Sorted(slices.Values(seqs)), []int{1, 3}) {
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
