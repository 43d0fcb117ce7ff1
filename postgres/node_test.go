package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

func TestHintPayloads(t *testing.T) {
	// A hint set goes out in payloads PostgreSQL takes, and comes back
	// whole.
	var h hintSet
	h.outbox = true
	h.addReset("")
	for i := range 1000 { // more SIDs than one payload holds
		h.addSync(sid("IS", i))
	}
	h.addReset(sid("IS", 7))
	payloads := h.payloads("node1")
	if len(payloads) < 2 {
		t.Fatalf("%d payloads for 1000 Services, want them split", len(payloads))
	}
	var got hintSet
	for _, p := range payloads {
		if len(p) >= 8000 {
			t.Errorf("a payload of %d bytes, want under 8000", len(p))
		}
		node, h := parseHints(p)
		if node != "node1" {
			t.Errorf("payload from %q, want node1", node)
		}
		got.merge(&h)
	}
	if !got.outbox || !maps.Equal(got.sync, h.sync) || !maps.Equal(got.reset, h.reset) {
		t.Errorf("parsed back %d Syncs, resets %v, outbox %v; want %d, %v, true", len(got.sync), got.reset, got.outbox, len(h.sync), h.reset)
	}
	if long := hintChannel(strings.Repeat("s", 63)); len(long) > 63 || long == hintChannel(strings.Repeat("s", 62)) {
		t.Errorf("the channel of a long schema is %q", long)
	}
}

func TestNotifierCoalesces(t *testing.T) {
	// Hints left while a send is under way go out together in the next;
	// the writers never wait for a send.
	sends := make(chan []string)
	release := make(chan struct{})
	n := newNotifier("me", func(ctx context.Context, payloads []string) error {
		sends <- payloads
		<-release
		return nil
	}, slog.New(slog.DiscardHandler))
	defer n.close()
	one := hintSet{}
	one.addSync("IS1")
	n.add(&one)
	if got := <-sends; !slices.Equal(got, []string{"me s:IS1"}) {
		t.Errorf("first send %q", got)
	}
	// The first send is under way: these wait, merged.
	for i := range 100 {
		var h hintSet
		h.addSync(fmt.Sprintf("IS%d", i%3))
		h.outbox = i == 50
		n.add(&h)
	}
	n.add(&hintSet{}) // nothing to tell
	release <- struct{}{}
	if got := <-sends; !slices.Equal(got, []string{"me o s:IS0 s:IS1 s:IS2"}) {
		t.Errorf("second send %q, want the 100 hints in one", got)
	}
	release <- struct{}{}
}

// recorder is a node's hints, as heard.
type recorder struct {
	mu     sync.Mutex
	sync   []string
	reset  []string
	outbox int
	missed int
}

func (r *recorder) hints() model.Hints {
	record := func(f func()) { r.mu.Lock(); defer r.mu.Unlock(); f() }
	return model.Hints{
		Sync:      func(s string) { record(func() { r.sync = append(r.sync, s) }) },
		SyncReset: func(s string) { record(func() { r.reset = append(r.reset, s) }) },
		Outbox:    func() { record(func() { r.outbox++ }) },
		Missed:    func() { record(func() { r.missed++ }) },
	}
}

// await waits until cond holds of what r heard.
func (r *recorder) await(t *testing.T, what string, cond func(r *recorder) bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		r.mu.Lock()
		ok := cond(r)
		r.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// join makes d a node that records its hints, until t ends.
func join(t *testing.T, d *DB) *recorder {
	t.Helper()
	r := &recorder{}
	leave, err := d.Join(context.Background(), r.hints(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(leave)
	return r
}

// commitSync commits, through d, a Sync event of service, created first
// when it is new.
func commitSync(t *testing.T, d *DB, n int) {
	t.Helper()
	seed(t, d, func(tx model.Tx) error {
		if _, err := tx.Service(sid("IS", n)); err != nil {
			if err := tx.InsertService(newService(n)); err != nil {
				return err
			}
		}
		id, err := tx.ReserveSyncEventIDs(sid("IS", n), 1)
		if err != nil {
			return err
		}
		return tx.AppendSyncEvents([]*model.SyncEvent{{ServiceSid: sid("IS", n), ObjectSid: "ES1", ID: id, Date: testNow, Payload: []byte("{}")}}, 0)
	})
}

func TestNodesHearEachOther(t *testing.T) {
	// A commit that appended Sync events, enqueued a delivery or removed a
	// Service is heard of by the other nodes, and not by its own.
	dbs := openNodes(t, 3)
	a, b, c := dbs[0], dbs[1], dbs[2]
	heardA, heardB, heardC := join(t, a), join(t, b), join(t, c)

	commitSync(t, a, 1)
	heardC.await(t, "C to hear of A's Sync events", func(r *recorder) bool { return slices.Contains(r.sync, sid("IS", 1)) })
	commitSync(t, b, 2)
	heardA.await(t, "A to hear of B's Sync events", func(r *recorder) bool { return slices.Contains(r.sync, sid("IS", 2)) })
	// A's hint went out before B's (C heard it first), and a node hears
	// hints in the order they were sent: had A heard its own, it would
	// have by now.
	heardA.mu.Lock()
	if slices.Contains(heardA.sync, sid("IS", 1)) {
		t.Errorf("A heard of its own commit: %v", heardA.sync)
	}
	heardA.mu.Unlock()
	heardB.await(t, "B to hear of A's Sync events", func(r *recorder) bool { return slices.Contains(r.sync, sid("IS", 1)) })

	seed(t, a, func(tx model.Tx) error {
		return tx.EnqueueDelivery(&model.Delivery{ServiceSid: sid("IS", 1), Event: "onMessageSent", Status: model.DeliveryPending, DateCreated: testNow})
	})
	heardB.await(t, "B to hear of A's delivery", func(r *recorder) bool { return r.outbox > 0 })
	seed(t, a, func(tx model.Tx) error { return tx.DeleteServiceTree(sid("IS", 1)) })
	heardB.await(t, "B to hear of the Service A deleted", func(r *recorder) bool { return slices.Contains(r.reset, sid("IS", 1)) })
	seed(t, c, func(tx model.Tx) error { return tx.Wipe() })
	heardB.await(t, "B to hear of C's wipe", func(r *recorder) bool { return slices.Contains(r.reset, "") })
}

func TestNodeReconnects(t *testing.T) {
	// A node whose connection is cut connects again, says that hints may
	// have been missed, and hears the next ones.
	dbs := openNodes(t, 2)
	a, b := dbs[0], dbs[1]
	heard := join(t, b)
	var cut int
	if err := a.pool.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`,
		"chatd node "+b.node).Scan(&cut); err != nil || cut != 1 {
		t.Fatalf("cut %d connections of node B: %v", cut, err)
	}
	heard.await(t, "B to be connected again", func(r *recorder) bool { return r.missed == 1 })
	commitSync(t, a, 1)
	heard.await(t, "B to hear of A's commit after it connected again", func(r *recorder) bool { return slices.Contains(r.sync, sid("IS", 1)) })
}

func TestJoinAlone(t *testing.T) {
	// The first node runs alone while the next ones wait; a node that
	// joins while another is a node does not; once every node has left,
	// the next is alone again.
	dbs := openNodes(t, 3)
	ctx := context.Background()
	joined := make(chan error, 1)
	var leaveB func()
	var aloneB bool
	leaveA, err := dbs[0].Join(ctx, model.Hints{}, func(context.Context) error {
		go func() {
			var err error
			leaveB, err = dbs[1].Join(ctx, model.Hints{}, func(context.Context) error { aloneB = true; return nil })
			joined <- err
		}()
		// B waits on the nodes' lock while A is alone.
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			var waiting bool
			if err := dbs[0].pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
				WHERE l.locktype = 'advisory' AND NOT l.granted AND a.application_name = $1)`, "chatd node "+dbs[1].node).Scan(&waiting); err != nil {
				return err
			}
			if waiting {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("B does not wait for A")
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-joined; err != nil {
		t.Fatal(err)
	}
	if aloneB {
		t.Error("B ran alone after A joined")
	}
	leaveA()
	leaveB()
	aloneC := false
	leaveC, err := dbs[2].Join(ctx, model.Hints{}, func(context.Context) error { aloneC = true; return nil })
	if err != nil {
		t.Fatal(err)
	}
	leaveC()
	if !aloneC {
		t.Error("C, joining after every node left, did not run alone")
	}
}
