package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// newDelivery builds a pending delivery of service svc to a Channel webhook
// with every field set, the attempt fields included, and parameters that
// need care to store: a repeated name whose values are out of order, an
// empty value, unicode and form-special characters. n makes it unique.
func newDelivery(svc, n int) *model.Delivery {
	return &model.Delivery{
		ServiceSid: sid("IS", svc),
		ChannelSid: sid("CH", n%3+1),
		Event:      "onMessageSent",
		URL:        fmt.Sprintf("https://hooks.example.com/in/%d?key=a&b=c", n),
		Method:     "POST",
		Params: map[string][]string{
			"EventType": {"onMessageSent"},
			"Body":      {fmt.Sprintf("message %d: héllo & = wörld", n)},
			"Filters":   {"onMessageSent", "onMemberAdded", "onMessageSent"},
			"Empty":     {""},
		},
		WebhookSid:   sid("WH", n),
		WebhookType:  model.WebhookTypeWebhook,
		MaxRetries:   3,
		Status:       model.DeliveryPending,
		Attempts:     1,
		ResponseCode: 503,
		Error:        "receiver answered 503",
		Duration:     1500 * time.Millisecond,
		DateCreated:  testNow,
		DateUpdated:  testNow.Add(time.Second),
		NextAttempt:  testNow.Add(time.Minute),
		Log: []model.DeliveryAttempt{{
			Start: testNow, Duration: 1500 * time.Millisecond, Status: 503,
			Signature: "bm90IGEgcmVhbCBzaWduYXR1cmU=", Response: []byte("busy\x00\xff"),
		}},
	}
}

// finished returns d with a final status.
func finished(d *model.Delivery, status string) *model.Delivery {
	d.Status = status
	return d
}

// enqueueAll enqueues ds in order in one Update. The fn may run more than
// once; each run sets the IDs afresh.
func enqueueAll(t *testing.T, st model.Store, ds ...*model.Delivery) {
	t.Helper()
	mustUpdate(t, st, func(tx model.Tx) error {
		for _, d := range ds {
			if err := tx.EnqueueDelivery(d); err != nil {
				return err
			}
		}
		return nil
	})
}

// readDeliveries is the deliveries of service ("" for all) in window w.
func readDeliveries(t *testing.T, st model.Store, service string, w model.Window) []*model.Delivery {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) ([]*model.Delivery, error) { return tx.Deliveries(service, w) })
}

// deliveryIDs is the IDs of the deliveries of service in window w.
func deliveryIDs(t *testing.T, st model.Store, service string, w model.Window) []uint64 {
	t.Helper()
	return idsOf(readDeliveries(t, st, service, w))
}

// pendingIDs is the IDs PendingDeliveries(after, limit) lists.
func pendingIDs(t *testing.T, st model.Store, after uint64, limit int) []uint64 {
	t.Helper()
	return idsOf(mustRead(t, st, func(tx model.Tx) ([]*model.Delivery, error) { return tx.PendingDeliveries(after, limit) }))
}

// allPending is every pending delivery (the suite never has 1000).
func allPending(t *testing.T, st model.Store) []*model.Delivery {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) ([]*model.Delivery, error) { return tx.PendingDeliveries(0, 1000) })
}

func idsOf(ds []*model.Delivery) []uint64 {
	out := []uint64{}
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

// idList is its arguments as delivery IDs.
func idList(ns ...uint64) []uint64 {
	if ns == nil {
		return []uint64{}
	}
	return ns
}

// putDelivery records d in an Update of its own, returning its error.
func putDelivery(t *testing.T, st model.Store, d *model.Delivery) error {
	t.Helper()
	return tryOp(t, st, func(tx model.Tx) error {
		rec := *d
		return tx.PutDelivery(&rec)
	})
}

// deliveryState is every delivery, whole, with the pending set and the
// per-Service listings of services 1 and 2: what the outbox holds, as the
// Tx reads it, for comparing before and after a write.
func deliveryState(t *testing.T, st model.Store) map[string][]*model.Delivery {
	t.Helper()
	return map[string][]*model.Delivery{
		"all":       readDeliveries(t, st, "", model.Window{}),
		"pending":   allPending(t, st),
		"service 1": readDeliveries(t, st, sid("IS", 1), model.Window{}),
		"service 2": readDeliveries(t, st, sid("IS", 2), model.Window{}),
	}
}

// testDeliveries checks the webhook outbox primitives: EnqueueDelivery
// numbers deliveries in commit order and stores every field;
// PendingDeliveries lists the pending set in ID order after a cursor;
// PutDelivery records attempts and takes finished deliveries out of the
// pending set; Deliveries walks all or one Service's deliveries by ID;
// TrimDeliveries forgets old finished deliveries only; and deliveries, being
// account-level, outlive their Service and a reopen.
func testDeliveries(t *testing.T, e Engine) {
	// setup stores Services 1 and 2 and deliveries 1 to 6, alternating
	// between the Services (odd IDs are service 1's); 3 is undeliverable,
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
		enqueueAll(t, st, ds[:2]...)
		enqueueAll(t, st, ds[2])
		enqueueAll(t, st, ds[3:]...)
		return st, ds
	}
	// wantUnchanged checks both the engine's state and the outbox.
	wantUnchanged := func(t *testing.T, st model.Store, before map[string]string, outbox map[string][]*model.Delivery) {
		t.Helper()
		e.wantUnchanged(t, st, before)
		if after := deliveryState(t, st); !reflect.DeepEqual(after, outbox) {
			t.Errorf("outbox changed:\n got %+v\nwant %+v", after, outbox)
		}
	}

	t.Run("EnqueueDelivery numbers deliveries from 1 in commit order", func(t *testing.T) {
		st, ds := setup(t)
		if got, want := idsOf(ds), idList(1, 2, 3, 4, 5, 6); !reflect.DeepEqual(got, want) {
			t.Errorf("IDs set by EnqueueDelivery = %v, want %v", got, want)
		}
		if got := deliveryIDs(t, st, "", model.Window{}); !reflect.DeepEqual(got, idList(1, 2, 3, 4, 5, 6)) {
			t.Errorf("Deliveries = %v, want [1 2 3 4 5 6]", got)
		}
		d := newDelivery(1, 7)
		enqueueAll(t, st, d)
		if d.ID != 7 {
			t.Errorf("the next delivery got ID %d, want 7", d.ID)
		}
	})
	t.Run("concurrent EnqueueDelivery calls get distinct IDs", func(t *testing.T) {
		st := e.open(t)
		const n = 8
		got := make([]uint64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = st.Update(context.Background(), func(tx model.Tx) error {
					d := newDelivery(1, i)
					err := tx.EnqueueDelivery(d)
					got[i] = d.ID
					return err
				})
			}()
		}
		wg.Wait()
		seen := map[uint64]bool{}
		for i, id := range got {
			if errs[i] != nil {
				t.Fatalf("Update %d: %v", i, errs[i])
			}
			if id < 1 || id > n || seen[id] {
				t.Errorf("IDs = %v, want each of 1 to %d once", got, n)
				break
			}
			seen[id] = true
		}
		if ids := deliveryIDs(t, st, "", model.Window{}); !reflect.DeepEqual(ids, idList(1, 2, 3, 4, 5, 6, 7, 8)) {
			t.Errorf("Deliveries = %v, want 1 to 8", ids)
		}
	})
	t.Run("EnqueueDelivery records every field", func(t *testing.T) {
		st, ds := setup(t)
		got := readDeliveries(t, st, "", model.Window{})
		if !reflect.DeepEqual(got, ds) {
			t.Errorf("Deliveries =\n %+v\nwant\n %+v", got, ds)
		}
		if f := got[0].Params["Filters"]; !reflect.DeepEqual(f, []string{"onMessageSent", "onMemberAdded", "onMessageSent"}) {
			t.Errorf("a repeated parameter read back as %q, want its values in their order", f)
		}
	})
	t.Run("a delivery enqueued finished is not pending", func(t *testing.T) {
		st, _ := setup(t)
		for _, status := range []string{model.DeliveryUndeliverable, model.DeliveryFailed, model.DeliveryDelivered} {
			enqueueAll(t, st, finished(newDelivery(1, 10), status))
		}
		if got := pendingIDs(t, st, 0, 1000); !reflect.DeepEqual(got, idList(1, 2, 4, 5, 6)) {
			t.Errorf("PendingDeliveries = %v, want [1 2 4 5 6]", got)
		}
		if got := deliveryIDs(t, st, "", model.Window{}); !reflect.DeepEqual(got, idList(1, 2, 3, 4, 5, 6, 7, 8, 9)) {
			t.Errorf("Deliveries = %v, want every one, 1 to 9", got)
		}
	})
	t.Run("PendingDeliveries lists pending deliveries after an ID in ID order, up to a limit", func(t *testing.T) {
		st, ds := setup(t)
		if got, want := allPending(t, st), []*model.Delivery{ds[0], ds[1], ds[3], ds[4], ds[5]}; !reflect.DeepEqual(got, want) {
			t.Errorf("PendingDeliveries(0, 1000) =\n %+v\nwant\n %+v", got, want)
		}
		for _, c := range []struct {
			after uint64
			limit int
			want  []uint64
		}{
			{0, 1000, idList(1, 2, 4, 5, 6)},
			{0, 2, idList(1, 2)},
			{0, 1, idList(1)},
			{1, 1000, idList(2, 4, 5, 6)},
			{2, 2, idList(4, 5)},
			{3, 1000, idList(4, 5, 6)},
			{5, 1000, idList(6)},
			{6, 1000, idList()},
			{99, 1000, idList()},
		} {
			t.Run(fmt.Sprintf("after %d, up to %d", c.after, c.limit), func(t *testing.T) {
				if got := pendingIDs(t, st, c.after, c.limit); !reflect.DeepEqual(got, c.want) {
					t.Errorf("PendingDeliveries(%d, %d) = %v, want %v", c.after, c.limit, got, c.want)
				}
			})
		}
	})
	t.Run("PendingDeliveries of an empty outbox is empty", func(t *testing.T) {
		st := e.open(t)
		if got := pendingIDs(t, st, 0, 1000); len(got) != 0 {
			t.Errorf("PendingDeliveries = %v, want none", got)
		}
		if got := deliveryIDs(t, st, "", model.Window{}); len(got) != 0 {
			t.Errorf("Deliveries = %v, want none", got)
		}
	})
	for _, status := range []string{model.DeliveryDelivered, model.DeliveryFailed} {
		t.Run("PutDelivery of a "+status+" delivery records it and takes it out of the pending set", func(t *testing.T) {
			st, ds := setup(t)
			want := *ds[1]
			want.Status, want.Attempts, want.ResponseCode, want.Error = status, 2, 200, ""
			want.Duration, want.DateUpdated = 20*time.Millisecond, testNow.Add(time.Hour)
			if status == model.DeliveryFailed {
				want.ResponseCode, want.Error = 500, "receiver answered 500"
			}
			if err := putDelivery(t, st, &want); err != nil {
				t.Fatalf("PutDelivery: %v", err)
			}
			if got := pendingIDs(t, st, 0, 1000); !reflect.DeepEqual(got, idList(1, 4, 5, 6)) {
				t.Errorf("PendingDeliveries = %v, want [1 4 5 6]", got)
			}
			got := readDeliveries(t, st, "", model.Window{})
			if wantAll := []*model.Delivery{ds[0], &want, ds[2], ds[3], ds[4], ds[5]}; !reflect.DeepEqual(got, wantAll) {
				t.Errorf("Deliveries =\n %+v\nwant\n %+v", got, wantAll)
			}
			if got := readDeliveries(t, st, sid("IS", 2), model.Window{Limit: 1}); len(got) != 1 || !reflect.DeepEqual(got[0], &want) {
				t.Errorf("Deliveries(IS 2) start with %+v, want %+v", got, &want)
			}
		})
	}
	t.Run("PutDelivery of a pending delivery records it and keeps it pending", func(t *testing.T) {
		st, ds := setup(t)
		want := *ds[3]
		want.Attempts, want.ResponseCode, want.Error = 2, 0, "timed out after 5s"
		want.DateUpdated, want.NextAttempt = testNow.Add(time.Hour), testNow.Add(2*time.Hour)
		if err := putDelivery(t, st, &want); err != nil {
			t.Fatalf("PutDelivery: %v", err)
		}
		if got, wantP := allPending(t, st), []*model.Delivery{ds[0], ds[1], &want, ds[4], ds[5]}; !reflect.DeepEqual(got, wantP) {
			t.Errorf("PendingDeliveries =\n %+v\nwant\n %+v", got, wantP)
		}
	})
	t.Run("PutDelivery of an unknown ID is ErrNotFound and writes nothing", func(t *testing.T) {
		st, _ := setup(t)
		before, outbox := e.state(t, st), deliveryState(t, st)
		for _, id := range []uint64{0, 7, 99} {
			d := newDelivery(1, 7)
			d.ID, d.Status = id, model.DeliveryDelivered
			wantNotFound(t, fmt.Sprint("PutDelivery(", id, ")"), putDelivery(t, st, d))
		}
		wantUnchanged(t, st, before, outbox)
	})
	t.Run("an Update that fails after EnqueueDelivery writes nothing", func(t *testing.T) {
		st, _ := setup(t)
		before, outbox := e.state(t, st), deliveryState(t, st)
		errFail := errors.New("storetest: rolled back")
		err := st.Update(context.Background(), func(tx model.Tx) error {
			if err := tx.EnqueueDelivery(newDelivery(1, 7)); err != nil {
				return err
			}
			return errFail
		})
		if err != errFail {
			t.Fatalf("Update = %v, want the fn's error", err)
		}
		wantUnchanged(t, st, before, outbox)
	})
	t.Run("Deliveries walks by ID, all or one Service's, both ways", func(t *testing.T) {
		st, _ := setup(t)
		s1, s2 := sid("IS", 1), sid("IS", 2)
		for _, c := range []struct {
			name    string
			service string
			w       model.Window
			want    []uint64
		}{
			{"all", "", model.Window{}, idList(1, 2, 3, 4, 5, 6)},
			{"all reverse", "", model.Window{Reverse: true}, idList(6, 5, 4, 3, 2, 1)},
			{"all with a limit", "", model.Window{Limit: 2}, idList(1, 2)},
			{"all after an ID", "", model.Window{After: "2"}, idList(3, 4, 5, 6)},
			{"all after an ID with a limit", "", model.Window{After: "2", Limit: 3}, idList(3, 4, 5)},
			{"all reverse after an ID", "", model.Window{After: "4", Reverse: true}, idList(3, 2, 1)},
			{"all reverse after an ID with a limit", "", model.Window{After: "4", Reverse: true, Limit: 1}, idList(3)},
			{"all after the last ID", "", model.Window{After: "6"}, idList()},
			{"all reverse after an ID beyond the last", "", model.Window{After: "60", Reverse: true}, idList(6, 5, 4, 3, 2, 1)},
			{"all after 0", "", model.Window{After: "0"}, idList(1, 2, 3, 4, 5, 6)},
			{"all after 10, decimal not text order", "", model.Window{After: "10"}, idList()},
			{"one Service's", s1, model.Window{}, idList(1, 3, 5)},
			{"one Service's reverse", s1, model.Window{Reverse: true}, idList(5, 3, 1)},
			{"one Service's with a limit", s2, model.Window{Limit: 2}, idList(2, 4)},
			{"one Service's after its own ID", s1, model.Window{After: "3"}, idList(5)},
			{"one Service's after another Service's ID", s1, model.Window{After: "2"}, idList(3, 5)},
			{"one Service's reverse after another Service's ID", s2, model.Window{After: "5", Reverse: true}, idList(4, 2)},
			{"an unknown Service's", sid("IS", 9), model.Window{}, idList()},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := deliveryIDs(t, st, c.service, c.w); !reflect.DeepEqual(got, c.want) {
					t.Errorf("Deliveries(%q, %+v) = %v, want %v", c.service, c.w, got, c.want)
				}
			})
		}
	})
	t.Run("Deliveries in the tens order by number", func(t *testing.T) {
		st := e.open(t)
		var ds []*model.Delivery
		for n := range 12 {
			ds = append(ds, newDelivery(1, n))
		}
		enqueueAll(t, st, ds...)
		if got := deliveryIDs(t, st, "", model.Window{After: "9", Limit: 2}); !reflect.DeepEqual(got, idList(10, 11)) {
			t.Errorf("Deliveries after 9 = %v, want [10 11]", got)
		}
		if got := deliveryIDs(t, st, sid("IS", 1), model.Window{After: "10", Reverse: true, Limit: 2}); !reflect.DeepEqual(got, idList(9, 8)) {
			t.Errorf("Deliveries(IS 1) reverse after 10 = %v, want [9 8]", got)
		}
	})

	// trimSetup stores deliveries 1 to 10, odd IDs service 1's and even
	// IDs service 2's; 2, 5 and 9 are pending, the rest finished in every
	// way.
	trimSetup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2))
		statuses := []string{model.DeliveryDelivered, model.DeliveryFailed, model.DeliveryUndeliverable}
		for n := 1; n <= 10; n++ {
			d := newDelivery(2-n%2, n)
			if n != 2 && n != 5 && n != 9 {
				d = finished(d, statuses[n%3])
			}
			enqueueAll(t, st, d)
		}
		return st
	}
	for _, c := range []struct {
		keep   int
		want   []uint64
		s1, s2 []uint64 // what the per-Service listings keep
	}{
		{4, idList(2, 5, 7, 8, 9, 10), idList(5, 7, 9), idList(2, 8, 10)},
		{1, idList(2, 5, 9, 10), idList(5, 9), idList(2, 10)},
		{0, idList(2, 5, 9), idList(5, 9), idList(2)},
		{9, idList(2, 3, 4, 5, 6, 7, 8, 9, 10), idList(3, 5, 7, 9), idList(2, 4, 6, 8, 10)},
		{10, idList(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), idList(1, 3, 5, 7, 9), idList(2, 4, 6, 8, 10)},
		{100, idList(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), idList(1, 3, 5, 7, 9), idList(2, 4, 6, 8, 10)},
	} {
		t.Run(fmt.Sprintf("TrimDeliveries(%d) forgets only finished deliveries older than the newest %d", c.keep, c.keep), func(t *testing.T) {
			st := trimSetup(t)
			kept := map[uint64]*model.Delivery{}
			for _, d := range readDeliveries(t, st, "", model.Window{}) {
				kept[d.ID] = d
			}
			mustSeed(t, st, func(tx model.Tx) error { return tx.TrimDeliveries(c.keep) })
			got := readDeliveries(t, st, "", model.Window{})
			if !reflect.DeepEqual(idsOf(got), c.want) {
				t.Errorf("Deliveries = %v, want %v", idsOf(got), c.want)
			}
			for _, d := range got {
				if !reflect.DeepEqual(d, kept[d.ID]) {
					t.Errorf("delivery %d changed:\n %+v\nwant\n %+v", d.ID, d, kept[d.ID])
				}
			}
			if got := deliveryIDs(t, st, sid("IS", 1), model.Window{}); !reflect.DeepEqual(got, c.s1) {
				t.Errorf("Deliveries(IS 1) = %v, want %v", got, c.s1)
			}
			if got := deliveryIDs(t, st, sid("IS", 2), model.Window{Reverse: true}); !reflect.DeepEqual(got, reversed(c.s2)) {
				t.Errorf("Deliveries(IS 2, reverse) = %v, want %v", got, reversed(c.s2))
			}
			if got := pendingIDs(t, st, 0, 1000); !reflect.DeepEqual(got, idList(2, 5, 9)) {
				t.Errorf("PendingDeliveries = %v, want [2 5 9]", got)
			}
			// Trimming again changes nothing, and IDs go on from the
			// newest ever given, forgotten or not.
			mustSeed(t, st, func(tx model.Tx) error { return tx.TrimDeliveries(c.keep) })
			if got := deliveryIDs(t, st, "", model.Window{}); !reflect.DeepEqual(got, c.want) {
				t.Errorf("after a second trim, Deliveries = %v, want %v", got, c.want)
			}
			d := newDelivery(1, 11)
			enqueueAll(t, st, d)
			if d.ID != 11 {
				t.Errorf("the delivery after the trim got ID %d, want 11", d.ID)
			}
		})
	}
	t.Run("TrimDeliveries of an empty outbox does nothing", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, func(tx model.Tx) error { return tx.TrimDeliveries(0) })
		if got := deliveryIDs(t, st, "", model.Window{}); len(got) != 0 {
			t.Errorf("Deliveries = %v, want none", got)
		}
	})
	t.Run("deliveries outlive their Service", func(t *testing.T) {
		st, _ := setup(t)
		mustSeed(t, st, insChannel(1, 1, model.ChannelPublic, ""))
		outbox := deliveryState(t, st)
		mustSeed(t, st, delService(1))
		if after := deliveryState(t, st); !reflect.DeepEqual(after, outbox) {
			t.Errorf("DeleteServiceTree changed the outbox:\n got %+v\nwant %+v", after, outbox)
		}
	})
	t.Run("deliveries survive a reopen", func(t *testing.T) {
		if e.Reopen == nil {
			t.Skip("Engine.Reopen is nil")
		}
		st := e.Open(t)
		t.Cleanup(func() { closeStore(t, st) }) // the store open at the end
		mustSeed(t, st, insService(1), insService(2))
		ds := []*model.Delivery{newDelivery(1, 1), newDelivery(2, 2), finished(newDelivery(1, 3), model.DeliveryUndeliverable)}
		enqueueAll(t, st, ds...)
		done := *ds[1]
		done.Status, done.Attempts = model.DeliveryDelivered, 2
		if err := putDelivery(t, st, &done); err != nil {
			t.Fatalf("PutDelivery: %v", err)
		}
		want := deliveryState(t, st)
		st = e.Reopen(t, st)
		if got := deliveryState(t, st); !reflect.DeepEqual(got, want) {
			t.Errorf("after reopening:\n got %+v\nwant %+v", got, want)
		}
		d := newDelivery(1, 4)
		enqueueAll(t, st, d)
		if d.ID != 4 {
			t.Errorf("the first delivery after reopening got ID %d, want 4", d.ID)
		}
	})
}

func reversed(ids []uint64) []uint64 {
	out := make([]uint64, 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		out = append(out, ids[i])
	}
	return out
}
