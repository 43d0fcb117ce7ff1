package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// Leases of the claims tests: one that lasts longer than any test, and one
// that has run out already, measured by whichever clock the store keeps.
const (
	live   = time.Hour
	lapsed = -time.Minute
)

// claim is node's ClaimDeliveries.
func claim(t *testing.T, st model.Store, node string, after uint64, limit int, lease time.Duration) []*model.Delivery {
	t.Helper()
	ds, err := st.ClaimDeliveries(context.Background(), node, after, limit, lease)
	if err != nil {
		t.Fatalf("ClaimDeliveries(%s, %d, %d): %v", node, after, limit, err)
	}
	return ds
}

// wantClaim checks the IDs node's claim returns.
func wantClaim(t *testing.T, st model.Store, node string, after uint64, limit int, lease time.Duration, want []uint64) {
	t.Helper()
	if got := idsOf(claim(t, st, node, after, limit, lease)); !reflect.DeepEqual(got, want) {
		t.Errorf("%s's ClaimDeliveries(after %d, up to %d) = %v, want %v", node, after, limit, got, want)
	}
}

func renew(t *testing.T, st model.Store, node string, lease time.Duration) {
	t.Helper()
	if err := st.RenewDeliveryClaims(context.Background(), node, lease); err != nil {
		t.Fatalf("RenewDeliveryClaims(%s): %v", node, err)
	}
}

func release(t *testing.T, st model.Store, node string, ids ...uint64) {
	t.Helper()
	if err := st.ReleaseDeliveryClaims(context.Background(), node, ids); err != nil {
		t.Fatalf("ReleaseDeliveryClaims(%s, %v): %v", node, ids, err)
	}
}

// laneDelivery is a pending delivery of service 1 in lane name: one
// receiver's deliveries of one Channel.
func laneDelivery(name string, n int) *model.Delivery {
	d := newDelivery(1, n)
	d.URL = "https://hooks.example.com/" + name
	d.ChannelSid = sid("CH", 1)
	return d
}

// testDeliveryClaims checks the claims that share the outbox between
// nodes: a claim leases pending deliveries in ID order that no live lease
// holds, a node's own included; leases run out, are renewed and released;
// finished deliveries leave; and a lane's deliveries are not split while a
// node holds an earlier one.
func testDeliveryClaims(t *testing.T, e Engine) {
	// setup stores deliveries 1 to 6 with a lane each; 3 is undeliverable,
	// the rest pending.
	setup := func(t *testing.T) (model.Store, []*model.Delivery) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2))
		var ds []*model.Delivery
		for n := 1; n <= 6; n++ {
			d := newDelivery(2-n%2, n)
			if n == 3 {
				d = finished(d, model.DeliveryUndeliverable)
			}
			ds = append(ds, d)
		}
		enqueueAll(t, st, ds...)
		return st, ds
	}
	// lanes stores deliveries 1 to n in the lanes given, in order.
	lanes := func(t *testing.T, names ...string) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		for n, name := range names {
			enqueueAll(t, st, laneDelivery(name, n+1))
		}
		return st
	}

	t.Run("a claim leases pending deliveries after an ID in ID order, up to a limit", func(t *testing.T) {
		st, ds := setup(t)
		outbox := deliveryState(t, st)
		if got, want := claim(t, st, "a", 0, 2, live), ds[:2]; !reflect.DeepEqual(got, want) {
			t.Errorf("ClaimDeliveries(0, 2) =\n %+v\nwant\n %+v", got, want)
		}
		wantClaim(t, st, "a", 4, 10, live, idList(5, 6))
		// The node's own live leases are not returned again.
		wantClaim(t, st, "a", 0, 10, live, idList(4))
		wantClaim(t, st, "a", 0, 10, live, idList())
		if after := deliveryState(t, st); !reflect.DeepEqual(after, outbox) {
			t.Errorf("claims changed what the outbox reads:\n got %+v\nwant %+v", after, outbox)
		}
	})
	t.Run("a claim of an empty outbox is empty", func(t *testing.T) {
		st := e.open(t)
		wantClaim(t, st, "a", 0, 10, live, idList())
		renew(t, st, "a", live)
		release(t, st, "a", 1, 2)
	})
	t.Run("two nodes' claims are disjoint", func(t *testing.T) {
		st, _ := setup(t)
		wantClaim(t, st, "a", 0, 2, live, idList(1, 2))
		wantClaim(t, st, "b", 0, 10, live, idList(4, 5, 6))
		wantClaim(t, st, "a", 0, 10, live, idList())
		wantClaim(t, st, "b", 0, 10, live, idList())
	})
	t.Run("concurrent claims of many nodes take each delivery once", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		const n, nodes = 60, 6
		var ds []*model.Delivery
		for i := range n {
			ds = append(ds, newDelivery(1, i))
		}
		enqueueAll(t, st, ds...)
		got := make([][]uint64, nodes)
		errs := make([]error, nodes)
		var wg sync.WaitGroup
		for i := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					claimed, err := st.ClaimDeliveries(context.Background(), fmt.Sprint("node ", i), 0, 3, live)
					if err != nil || len(claimed) == 0 {
						errs[i] = err
						return
					}
					got[i] = append(got[i], idsOf(claimed)...)
				}
			}()
		}
		wg.Wait()
		var all []uint64
		for i := range nodes {
			if errs[i] != nil {
				t.Fatalf("node %d: %v", i, errs[i])
			}
			all = append(all, got[i]...)
		}
		slices.Sort(all)
		if !reflect.DeepEqual(all, idsOf(ds)) {
			t.Errorf("the nodes claimed %v, want each of 1 to %d once", all, n)
		}
	})
	t.Run("a lease that ran out lets any node claim the delivery", func(t *testing.T) {
		st, _ := setup(t)
		wantClaim(t, st, "a", 0, 10, lapsed, idList(1, 2, 4, 5, 6))
		wantClaim(t, st, "b", 0, 2, live, idList(1, 2))
		wantClaim(t, st, "a", 0, 10, live, idList(4, 5, 6))
		wantClaim(t, st, "b", 0, 10, live, idList())
	})
	t.Run("renewing extends every lease of the node and no other", func(t *testing.T) {
		st, _ := setup(t)
		wantClaim(t, st, "a", 0, 2, lapsed, idList(1, 2))
		wantClaim(t, st, "b", 2, 10, live, idList(4, 5, 6))
		renew(t, st, "a", live)
		wantClaim(t, st, "c", 0, 10, live, idList())
		renew(t, st, "b", lapsed)
		wantClaim(t, st, "c", 0, 10, live, idList(4, 5, 6))
	})
	t.Run("releasing hands a node's deliveries back at once", func(t *testing.T) {
		st, _ := setup(t)
		wantClaim(t, st, "a", 0, 10, live, idList(1, 2, 4, 5, 6))
		release(t, st, "a", 2, 5)
		wantClaim(t, st, "b", 0, 10, live, idList(2, 5))
		// Only the node holding a lease releases it.
		release(t, st, "b", 1, 4)
		release(t, st, "a", 2)
		wantClaim(t, st, "c", 0, 10, live, idList())
		// A released delivery is claimed by its node again, too.
		release(t, st, "a", 6)
		wantClaim(t, st, "a", 0, 10, live, idList(6))
	})
	t.Run("finished deliveries are never claimed", func(t *testing.T) {
		st, ds := setup(t)
		wantClaim(t, st, "a", 0, 10, lapsed, idList(1, 2, 4, 5, 6))
		for i, status := range []string{model.DeliveryDelivered, model.DeliveryFailed} {
			if err := putDelivery(t, st, finished(ds[i], status)); err != nil {
				t.Fatalf("PutDelivery: %v", err)
			}
		}
		renew(t, st, "a", lapsed)
		wantClaim(t, st, "b", 0, 10, live, idList(4, 5, 6))
		release(t, st, "b", 4, 5, 6)
		wantClaim(t, st, "a", 0, 10, live, idList(4, 5, 6))
	})
	t.Run("a lane's later deliveries are passed over while another node holds an earlier one", func(t *testing.T) {
		st := lanes(t, "x", "y", "x", "x", "y")
		wantClaim(t, st, "a", 0, 1, live, idList(1))
		wantClaim(t, st, "b", 0, 10, live, idList(2, 5))
		// The node's own earlier lease does not hold it back.
		wantClaim(t, st, "a", 0, 10, live, idList(3, 4))
	})
	t.Run("a lane's later deliveries are passed over after an earlier one up to the ID claimed after that the node does not hold", func(t *testing.T) {
		st := lanes(t, "x", "x", "y", "x")
		// 1 is unclaimed: this claim does not take it, so not 2 nor 4.
		wantClaim(t, st, "a", 1, 10, live, idList(3))
		wantClaim(t, st, "a", 0, 1, lapsed, idList(1))
		// 1 is another node's, its lease run out.
		wantClaim(t, st, "b", 1, 10, live, idList())
		// 1 is the node's own, its lease run out: it holds it.
		wantClaim(t, st, "a", 1, 10, live, idList(2, 4))
	})
	t.Run("a lane is free again when its held delivery is finished, released or its lease runs out", func(t *testing.T) {
		st := lanes(t, "x", "x", "x", "x")
		wantClaim(t, st, "a", 0, 1, live, idList(1))
		wantClaim(t, st, "b", 0, 10, live, idList())
		done := laneDelivery("x", 1)
		done.ID = 1
		if err := putDelivery(t, st, finished(done, model.DeliveryDelivered)); err != nil {
			t.Fatalf("PutDelivery: %v", err)
		}
		wantClaim(t, st, "b", 0, 1, live, idList(2))
		wantClaim(t, st, "a", 0, 10, live, idList())
		release(t, st, "b", 2)
		wantClaim(t, st, "a", 0, 1, lapsed, idList(2))
		wantClaim(t, st, "b", 0, 10, live, idList(2, 3, 4))
	})
}
