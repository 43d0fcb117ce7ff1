package webhook_test

// Tests of Dispatchers as several chatd nodes sharing one outbox: on a
// bbolt file (two Dispatchers of one process) and on PostgreSQL, each
// delivery is sent by one node, a lane's deliveries in order; the claims
// of a node that closes are handed back, those of a node that stops
// without a word run out and another node sends its deliveries; and a
// node whose own claim ran out does not send a delivery twice.

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/postgres"
	"github.com/chatd/chatd/webhook"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// engines open the stores the tests of nodes run on.
var engines = []struct {
	name string
	open func(t *testing.T) model.Store
}{
	{"bolt", func(t *testing.T) model.Store { return openStore(t) }},
	{"postgres", func(t *testing.T) model.Store {
		db, err := postgres.Open(context.Background(), pgtest.New(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
}

// eachEngine runs test on a store of each engine.
func eachEngine(t *testing.T, test func(t *testing.T, db model.Store)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, e.open(t)) })
	}
}

// claimStore is a store as one node sees it: the claims it returned, and,
// to stand for a node that hangs or stops without a word, its claims after
// the first few, its hand-backs and its renewals may be dropped.
type claimStore struct {
	model.Store
	dropReleases, dropRenewals bool
	// hangAfter, when above 0, is how many claims that return deliveries
	// the node makes; it claims nothing after them.
	hangAfter int

	mu      sync.Mutex
	claims  int            // the claims that returned deliveries
	claimed map[uint64]int // how many claims returned each delivery
}

func (s *claimStore) ClaimDeliveries(ctx context.Context, node string, after uint64, limit int, lease time.Duration) ([]*model.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hangAfter > 0 && s.claims == s.hangAfter {
		return nil, nil
	}
	ds, err := s.Store.ClaimDeliveries(ctx, node, after, limit, lease)
	if len(ds) > 0 {
		s.claims++
	}
	if s.claimed == nil {
		s.claimed = map[uint64]int{}
	}
	for _, d := range ds {
		s.claimed[d.ID]++
	}
	return ds, err
}

// claimedTwice reports whether a claim returned a delivery another claim
// had returned.
func (s *claimStore) claimedTwice() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.claimed {
		if n > 1 {
			return true
		}
	}
	return false
}

func (s *claimStore) RenewDeliveryClaims(ctx context.Context, node string, lease time.Duration) error {
	if s.dropRenewals {
		return nil
	}
	return s.Store.RenewDeliveryClaims(ctx, node, lease)
}

func (s *claimStore) ReleaseDeliveryClaims(ctx context.Context, node string, ids []uint64) error {
	if s.dropReleases {
		return nil
	}
	return s.Store.ReleaseDeliveryClaims(ctx, node, ids)
}

// wantSent checks that each of dls, whose Seq is its index, finished
// delivered and that the receiver got it times times.
func wantSent(t *testing.T, db model.Store, rc *receiver, dls []*model.Delivery, times int) {
	t.Helper()
	for _, dl := range dls {
		if got := waitFinished(t, db, dl.ID); got.Status != model.DeliveryDelivered {
			t.Errorf("delivery %d: %s", dl.ID, got.Status)
		}
	}
	hs := rc.Hits()
	for seq := range dls {
		if n := len(hitsOf(hs, seq)); n != times {
			t.Errorf("delivery with Seq %d sent %d times, want %d", seq, n, times)
		}
	}
}

// blockingReceiver holds every request until release is closed, and
// counts those in flight.
func blockingReceiver(t *testing.T, release <-chan struct{}, inflight *gauge) *receiver {
	var rc *receiver
	rc = newReceiver(t, func(_ hit, _ http.ResponseWriter, r *http.Request) int {
		inflight.enter()
		defer inflight.leave()
		rc.block(r, release)
		return http.StatusOK
	})
	return rc
}

func (g *gauge) Inflight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inflight
}

func TestNodesShareTheOutbox(t *testing.T) {
	eachEngine(t, func(t *testing.T, db model.Store) {
		// Two nodes in strict order: each delivery is sent once, and each
		// Channel's in commit order, whichever node sends it. A commit
		// wakes the node that made it; the other finds it by its scan.
		rc := newReceiver(t, nil)
		opts := webhook.Options{Window: 1, Scan: 20 * time.Millisecond}
		nodes := []*webhook.Dispatcher{startDispatcher(t, db, opts), startDispatcher(t, db, opts)}
		const n, batch, channels = 240, 8, 6
		var dls []*model.Delivery
		for i := 0; i < n; i += batch {
			var ds []*model.Delivery
			for seq := i; seq < i+batch; seq++ {
				ds = append(ds, newDelivery(rc.URL+"/hook", channel(seq%channels), seq, 0))
			}
			send(t, db, nodes[i/batch%2], ds...)
			dls = append(dls, ds...)
		}
		wantSent(t, db, rc, dls, 1)
		last := map[int]int{} // by Channel, the Seq last sent
		for _, h := range rc.Hits() {
			ch := h.Seq % channels
			if prev, ok := last[ch]; ok && h.Seq < prev {
				t.Errorf("Channel %d: delivery %d after delivery %d", ch, h.Seq, prev)
			}
			last[ch] = h.Seq
		}
	})
}

func TestCloseHandsBackClaims(t *testing.T) {
	eachEngine(t, func(t *testing.T, db model.Store) {
		// A node holding every delivery closes; another, whose claims
		// would not run out before the test ends, sends them all at once.
		release := make(chan struct{})
		var inflight gauge
		rc := blockingReceiver(t, release, &inflight)
		var dls []*model.Delivery
		for seq := range 20 {
			dls = append(dls, newDelivery(rc.URL+"/hook", channel(seq), seq, 0))
		}
		enqueue(t, db, dls...)
		first := startDispatcher(t, db, webhook.Options{Lease: time.Hour})
		waitFor(t, "the first node's requests", func() bool { return inflight.Inflight() == len(dls) })
		first.Close()
		close(release)
		startDispatcher(t, db, webhook.Options{Lease: time.Hour})
		wantSent(t, db, rc, dls, 2)
	})
}

func TestLostNodesDeliveriesAreSentByAnother(t *testing.T) {
	eachEngine(t, func(t *testing.T, db model.Store) {
		// A node holding 20 deliveries hangs, then stops without handing
		// back its claims, while another, which has read the outbox past
		// them, runs on: once the claims run out, it finds the deliveries
		// and sends them.
		release := make(chan struct{})
		var inflight gauge
		rc := blockingReceiver(t, release, &inflight)
		var dls []*model.Delivery
		for seq := range 20 {
			dls = append(dls, newDelivery(rc.URL+"/hook", channel(seq), seq, 0))
		}
		enqueue(t, db, dls...)
		// The lost node's claims run out soon; the other's last long
		// enough to be renewed on a busy machine, and it reads the outbox
		// from its start every second.
		hung := &claimStore{Store: db, hangAfter: 1, dropReleases: true}
		lost := startDispatcher(t, hung, webhook.Options{Lease: 300 * time.Millisecond})
		waitFor(t, "the lost node's requests", func() bool { return inflight.Inflight() == len(dls) })
		other := startDispatcher(t, db, webhook.Options{Lease: 3 * time.Second})
		later := newDelivery(rc.URL+"/hook", channel(20), 20, 0)
		send(t, db, other, later)
		waitFor(t, "the other node's request", func() bool { return inflight.Inflight() == len(dls)+1 })
		lost.Close()
		close(release)
		wantSent(t, db, rc, dls, 2)
		if got := waitFinished(t, db, later.ID); got.Status != model.DeliveryDelivered || len(hitsOf(rc.Hits(), 20)) != 1 {
			t.Errorf("the later delivery: %s, sent %d times; want delivered once", got.Status, len(hitsOf(rc.Hits(), 20)))
		}
	})
}

func TestFullBufferIsHandedBack(t *testing.T) {
	eachEngine(t, func(t *testing.T, db model.Store) {
		// A node whose buffer holds 2 of one host's 10 deliveries hands
		// the others back, and another node sends them.
		release := make(chan struct{})
		var inflight gauge
		rc := blockingReceiver(t, release, &inflight)
		var dls []*model.Delivery
		for seq := range 10 {
			dls = append(dls, newDelivery(rc.URL+"/hook", channel(seq), seq, 0))
		}
		enqueue(t, db, dls...)
		startDispatcher(t, db, webhook.Options{Buffer: 2, Lease: time.Hour})
		waitFor(t, "the first node's requests", func() bool { return inflight.Inflight() == 2 })
		startDispatcher(t, db, webhook.Options{Lease: time.Hour})
		waitFor(t, "the other node's requests", func() bool { return inflight.Inflight() == len(dls) })
		close(release)
		wantSent(t, db, rc, dls, 1)
	})
}

func TestOwnClaimRunOutIsNotSentTwice(t *testing.T) {
	eachEngine(t, func(t *testing.T, db model.Store) {
		// A node whose renewals fail claims what it holds again once its
		// claims run out, and sends each delivery once all the same.
		release := make(chan struct{})
		var inflight gauge
		rc := blockingReceiver(t, release, &inflight)
		var dls []*model.Delivery
		for seq := range 5 {
			dls = append(dls, newDelivery(rc.URL+"/hook", channel(seq), seq, 0))
		}
		enqueue(t, db, dls...)
		st := &claimStore{Store: db, dropRenewals: true}
		startDispatcher(t, st, webhook.Options{Lease: 300 * time.Millisecond})
		waitFor(t, "the requests", func() bool { return inflight.Inflight() == len(dls) })
		waitFor(t, "a delivery claimed again", st.claimedTwice)
		close(release)
		wantSent(t, db, rc, dls, 1)
	})
}
