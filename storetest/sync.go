package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// Sync objects of the suite: object n of any Service. The log treats object
// SIDs as opaque keys; these have the shape of chatd's.
func syncObject(n int) string { return sid("MP", n) }

// syncDraft is an event to append: its object and a payload that needs
// care to store (quotes, unicode, a NUL byte).
type syncDraft struct {
	svc, object int
}

func (d syncDraft) event(id uint64) *model.SyncEvent {
	return &model.SyncEvent{
		ServiceSid: sid("IS", d.svc),
		ObjectSid:  syncObject(d.object),
		ID:         id,
		Date:       testNow.Add(time.Duration(id) * time.Second),
		Payload:    fmt.Appendf(nil, `{"event_type":"map_item_updated","event":{"id":%d,"item_data":{"value":"h\u00e9llo \"%d\""}}}`+"\x00", id, id),
	}
}

// appendSync appends events for drafts, in order, in one Update: IDs are
// reserved per Service as a block. keep is AppendSyncEvents' keep. It
// returns the events as appended (fn may run more than once: the last
// run's).
func appendSync(t *testing.T, st model.Store, keep int, drafts ...syncDraft) []*model.SyncEvent {
	t.Helper()
	var out []*model.SyncEvent
	mustUpdate(t, st, func(tx model.Tx) (err error) {
		out, err = appendSyncTx(tx, keep, drafts)
		return err
	})
	return out
}

func appendSyncTx(tx model.Tx, keep int, drafts []syncDraft) ([]*model.SyncEvent, error) {
	count := map[int]int{}
	for _, d := range drafts {
		count[d.svc]++
	}
	next := map[int]uint64{}
	for svc, n := range count {
		first, err := tx.ReserveSyncEventIDs(sid("IS", svc), n)
		if err != nil {
			return nil, err
		}
		next[svc] = first
	}
	var out []*model.SyncEvent
	for _, d := range drafts {
		out = append(out, d.event(next[d.svc]))
		next[d.svc]++
	}
	return out, tx.AppendSyncEvents(out, keep)
}

func syncEvents(t *testing.T, st model.Store, svc, object int, after uint64, limit int) []*model.SyncEvent {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) ([]*model.SyncEvent, error) {
		return tx.SyncEvents(sid("IS", svc), syncObject(object), after, limit)
	})
}

func syncFeed(t *testing.T, st model.Store, svc int, after uint64, limit int) []*model.SyncEvent {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) ([]*model.SyncEvent, error) {
		return tx.SyncFeed(sid("IS", svc), after, limit)
	})
}

func syncHead(t *testing.T, st model.Store, svc int) uint64 {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) (uint64, error) {
		return tx.SyncHead(sid("IS", svc))
	})
}

func syncObjectLog(st model.Store, svc, object int) (*model.SyncObjectLog, error) {
	var o *model.SyncObjectLog
	err := st.View(context.Background(), func(tx model.Tx) (err error) {
		o, err = tx.SyncObjectLog(sid("IS", svc), syncObject(object))
		return err
	})
	return o, err
}

func eventIDs(es []*model.SyncEvent) []uint64 {
	out := []uint64{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// wantEvents checks that got are exactly want, payloads and dates included.
func wantEvents(t *testing.T, what string, got, want []*model.SyncEvent) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = IDs %v, want IDs %v (or a field differs)", what, eventIDs(got), eventIDs(want))
	}
}

// pick returns the events of es at the given positions.
func pick(es []*model.SyncEvent, at ...int) []*model.SyncEvent {
	out := []*model.SyncEvent{}
	for _, i := range at {
		out = append(out, es[i])
	}
	return out
}

func testSyncLog(t *testing.T, e Engine) {
	t.Run("IDs are reserved in blocks and only grow", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2))
		var a, b, c uint64
		mustUpdate(t, st, func(tx model.Tx) (err error) {
			if a, err = tx.ReserveSyncEventIDs(sid("IS", 1), 3); err != nil {
				return err
			}
			b, err = tx.ReserveSyncEventIDs(sid("IS", 1), 1)
			return err
		})
		mustUpdate(t, st, func(tx model.Tx) (err error) {
			c, err = tx.ReserveSyncEventIDs(sid("IS", 2), 2)
			return err
		})
		if a == 0 || b < a+3 || c < b+1 {
			t.Errorf("reserved blocks start at %d (3 IDs), %d (1), %d (2): want each above the last ID before it, and no ID 0", a, b, c)
		}
	})
	t.Run("drafts get the next IDs in order, then their payloads", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2))
		before := appendSync(t, st, 0, syncDraft{1, 1})
		asDraft := func(d syncDraft) *model.SyncEvent {
			ev := d.event(0)
			ev.Render = func(id uint64) ([]byte, error) { return d.event(id).Payload, nil }
			return ev
		}
		var es []*model.SyncEvent
		mustUpdate(t, st, func(tx model.Tx) error {
			es = []*model.SyncEvent{asDraft(syncDraft{1, 1}), asDraft(syncDraft{2, 1}), asDraft(syncDraft{1, 2})}
			if err := tx.AppendSyncEvents(es, 0); err != nil {
				return err
			}
			// An ID reserved after the drafts is above theirs.
			first, err := tx.ReserveSyncEventIDs(sid("IS", 1), 1)
			if err != nil {
				return err
			}
			es = append(es, syncDraft{1, 1}.event(first), asDraft(syncDraft{1, 1}))
			return tx.AppendSyncEvents(es[3:], 0)
		})
		var stored []*model.SyncEvent
		for i, ev := range es {
			if ev.ID <= before[0].ID || i > 0 && ev.ID <= es[i-1].ID {
				t.Fatalf("IDs %v after %d: want them to grow in append order", eventIDs(es), before[0].ID)
			}
			want := syncDraft{1, 1}.event(ev.ID).Payload
			if !slices.Equal(ev.Payload, want) {
				t.Errorf("event %d has payload %q, want %q", ev.ID, ev.Payload, want)
			}
			c := *ev
			c.Render = nil
			stored = append(stored, &c)
		}
		wantEvents(t, "SyncFeed(IS 1)", syncFeed(t, st, 1, before[0].ID, 0), pick(stored, 0, 2, 3, 4))
		wantEvents(t, "SyncFeed(IS 2)", syncFeed(t, st, 2, 0, 0), pick(stored, 1))

		state := e.state(t, st)
		err := tryOp(t, st, func(tx model.Tx) error {
			return tx.AppendSyncEvents([]*model.SyncEvent{asDraft(syncDraft{3, 1})}, 0)
		})
		wantNotFound(t, "AppendSyncEvents(a draft of a missing Service)", err)
		e.wantUnchanged(t, st, state)
	})
	t.Run("a log is started by StartSyncLog, or by an append, for good", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2))
		started := func(svc int) bool {
			t.Helper()
			var ok bool
			mustView(t, st, func(tx model.Tx) (err error) {
				ok, err = tx.SyncLogStarted(sid("IS", svc))
				return err
			})
			return ok
		}
		if started(1) || started(2) {
			t.Fatal("a new Service's log is started, want it not started")
		}
		mustUpdate(t, st, func(tx model.Tx) error {
			if err := tx.StartSyncLog(sid("IS", 1)); err != nil {
				return err
			}
			if ok, err := tx.SyncLogStarted(sid("IS", 1)); err != nil || !ok {
				return fmt.Errorf("SyncLogStarted after StartSyncLog in its transaction = %v, %v; want true", ok, err)
			}
			return tx.StartSyncLog(sid("IS", 1)) // again: nothing changes
		})
		if !started(1) || started(2) {
			t.Fatalf("started: IS 1 %v, IS 2 %v; want true, false", started(1), started(2))
		}
		appendSync(t, st, 0, syncDraft{2, 1})
		if !started(2) {
			t.Error("a log appended to is not started")
		}
		// A failed transaction starts nothing.
		mustSeed(t, st, insService(3))
		err := tryOp(t, st, func(tx model.Tx) error {
			if err := tx.StartSyncLog(sid("IS", 3)); err != nil {
				return err
			}
			return errors.New("rolled back")
		})
		if err == nil || started(3) {
			t.Errorf("a transaction that failed after StartSyncLog (err %v) left the log started: %v", err, started(3))
		}
		wantNotFound(t, "SyncLogStarted(a missing Service)", tryOp(t, st, func(tx model.Tx) error {
			_, err := tx.SyncLogStarted(sid("IS", 4))
			return err
		}))
		wantNotFound(t, "StartSyncLog(a missing Service)", tryOp(t, st, func(tx model.Tx) error {
			return tx.StartSyncLog(sid("IS", 4))
		}))
	})
	t.Run("a Service that does not exist has no log", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		wantNotFound(t, "ReserveSyncEventIDs", tryOp(t, st, func(tx model.Tx) error {
			_, err := tx.ReserveSyncEventIDs(sid("IS", 2), 1)
			return err
		}))
		wantNotFound(t, "AppendSyncEvents", tryOp(t, st, func(tx model.Tx) error {
			first, err := tx.ReserveSyncEventIDs(sid("IS", 1), 1)
			if err != nil {
				return err
			}
			return tx.AppendSyncEvents([]*model.SyncEvent{syncDraft{2, 1}.event(first)}, 0)
		}))
		_, err := syncObjectLog(st, 2, 1)
		wantNotFound(t, "SyncObjectLog", err)
		if got := syncFeed(t, st, 2, 0, 0); len(got) != 0 {
			t.Errorf("SyncFeed of a missing Service = %v, want none", eventIDs(got))
		}
	})
	t.Run("an object's events replay in order after an ID", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		es := appendSync(t, st, 0, syncDraft{1, 1}, syncDraft{1, 2}, syncDraft{1, 1})
		es = append(es, appendSync(t, st, 0, syncDraft{1, 1}, syncDraft{1, 2})...)
		ofOne := pick(es, 0, 2, 3)
		for i := 1; i < len(es); i++ {
			if es[i].ID <= es[i-1].ID {
				t.Fatalf("IDs %v do not grow in append order", eventIDs(es))
			}
		}
		wantEvents(t, "SyncEvents(object 1, after 0)", syncEvents(t, st, 1, 1, 0, 0), ofOne)
		wantEvents(t, "SyncEvents(object 1, after its first)", syncEvents(t, st, 1, 1, es[0].ID, 0), pick(es, 2, 3))
		wantEvents(t, "SyncEvents(object 1, after an ID between its first two)", syncEvents(t, st, 1, 1, es[1].ID, 0), pick(es, 2, 3))
		wantEvents(t, "SyncEvents(object 1, limit 2)", syncEvents(t, st, 1, 1, 0, 2), pick(es, 0, 2))
		wantEvents(t, "SyncEvents(object 1, after its newest)", syncEvents(t, st, 1, 1, es[3].ID, 0), nil)
		wantEvents(t, "SyncEvents(object 2)", syncEvents(t, st, 1, 2, 0, 0), pick(es, 1, 4))
		wantEvents(t, "SyncEvents(object 3)", syncEvents(t, st, 1, 3, 0, 0), nil)

		o, err := syncObjectLog(st, 1, 1)
		want := &model.SyncObjectLog{ServiceSid: sid("IS", 1), ObjectSid: syncObject(1),
			LastEventID: es[3].ID, Events: 3, DateUpdated: es[3].Date}
		if err != nil || !reflect.DeepEqual(o, want) {
			t.Errorf("SyncObjectLog(object 1) = %+v, %v; want %+v", o, err, want)
		}
		_, err = syncObjectLog(st, 1, 3)
		wantNotFound(t, "SyncObjectLog(object without events)", err)
	})
	t.Run("objects whose SIDs share a prefix keep apart", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		// With the first IDs an engine gives, the keys of the second
		// object's events would fall among the first's if a key were the
		// SID followed by the ID.
		objects := []string{"MP", "MP\x00\x00\x00\x00\x00\x00\x00\x02", "MP1", "MP1\xff", "MP10"}
		var es []*model.SyncEvent
		for round := range 2 {
			mustUpdate(t, st, func(tx model.Tx) error {
				first, err := tx.ReserveSyncEventIDs(sid("IS", 1), len(objects))
				if err != nil {
					return err
				}
				batch := []*model.SyncEvent{}
				for i, object := range objects {
					ev := syncDraft{1, 1}.event(first + uint64(i))
					ev.ObjectSid = object
					batch = append(batch, ev)
				}
				if len(es) > round*len(objects) {
					es = es[:round*len(objects)]
				}
				es = append(es, batch...)
				return tx.AppendSyncEvents(batch, 0)
			})
		}
		for i, object := range objects {
			got := mustRead(t, st, func(tx model.Tx) ([]*model.SyncEvent, error) { return tx.SyncEvents(sid("IS", 1), object, 0, 0) })
			wantEvents(t, fmt.Sprintf("SyncEvents(%q)", object), got, pick(es, i, i+len(objects)))
		}
		wantEvents(t, "SyncFeed", syncFeed(t, st, 1, 0, 0), es)
	})
	t.Run("an ID not above the object's newest is refused", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		es := appendSync(t, st, 0, syncDraft{1, 1})
		before := e.state(t, st)
		err := tryOp(t, st, func(tx model.Tx) error {
			if _, err := tx.ReserveSyncEventIDs(sid("IS", 1), 1); err != nil {
				return err
			}
			return tx.AppendSyncEvents([]*model.SyncEvent{syncDraft{1, 1}.event(es[0].ID)}, 0)
		})
		if err == nil {
			t.Error("AppendSyncEvents of an event under an ID the object has: no error")
		}
		e.wantUnchanged(t, st, before)
	})
	t.Run("the feed lists every object's events in ID order", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2))
		es := appendSync(t, st, 0, syncDraft{1, 1}, syncDraft{2, 1}, syncDraft{1, 2})
		es = append(es, appendSync(t, st, 0, syncDraft{1, 3}, syncDraft{1, 1}, syncDraft{2, 2})...)
		wantEvents(t, "SyncFeed(IS 1)", syncFeed(t, st, 1, 0, 0), pick(es, 0, 2, 3, 4))
		wantEvents(t, "SyncFeed(IS 1, after its second)", syncFeed(t, st, 1, es[2].ID, 0), pick(es, 3, 4))
		wantEvents(t, "SyncFeed(IS 1, limit 3)", syncFeed(t, st, 1, 0, 3), pick(es, 0, 2, 3))
		wantEvents(t, "SyncFeed(IS 2)", syncFeed(t, st, 2, 0, 0), pick(es, 1, 5))
	})
	t.Run("the head is the newest event of the Service", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2))
		if got := syncHead(t, st, 1); got != 0 {
			t.Errorf("SyncHead of a Service without events = %d, want 0", got)
		}
		if got := syncHead(t, st, 3); got != 0 {
			t.Errorf("SyncHead of a missing Service = %d, want 0", got)
		}
		es := appendSync(t, st, 1, syncDraft{1, 1}, syncDraft{2, 1}, syncDraft{1, 1})
		if got := syncHead(t, st, 1); got != es[2].ID {
			t.Errorf("SyncHead(IS 1) = %d, want %d", got, es[2].ID)
		}
		if got := syncHead(t, st, 2); got != es[1].ID {
			t.Errorf("SyncHead(IS 2) = %d, want %d", got, es[1].ID)
		}
		// Retention drops old events, never the newest.
		more := appendSync(t, st, 1, syncDraft{1, 2}, syncDraft{1, 1})
		if got := syncHead(t, st, 1); got != more[1].ID {
			t.Errorf("SyncHead(IS 1) after trimming = %d, want %d", got, more[1].ID)
		}
	})
	t.Run("retention keeps the newest events of each object, and every one after the newest dropped", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		// Far more events than the objects keep, one or two to a
		// transaction: an engine may drop the old ones later than it
		// could, but not hold on to most of them.
		var es []*model.SyncEvent
		for i := range 60 {
			if i%3 == 0 {
				es = append(es, appendSync(t, st, 3, syncDraft{1, 1})...)
			} else {
				es = append(es, appendSync(t, st, 3, syncDraft{1, 1}, syncDraft{1, 2})...)
			}
		}
		of := func(object int) []*model.SyncEvent {
			var out []*model.SyncEvent
			for _, ev := range es {
				if ev.ObjectSid == syncObject(object) {
					out = append(out, ev)
				}
			}
			return out
		}
		var kept []*model.SyncEvent
		for object := 1; object <= 2; object++ {
			all := of(object)
			o, err := syncObjectLog(st, 1, object)
			if err != nil {
				t.Fatalf("SyncObjectLog(object %d): %v", object, err)
			}
			if o.LastEventID != all[len(all)-1].ID || o.Events < 3 || o.Events >= len(all) {
				t.Errorf("SyncObjectLog(object %d) = %+v; want LastEventID %d and at least 3 events kept, not all %d",
					object, o, all[len(all)-1].ID, len(all))
			}
			// The object keeps every event after its newest dropped one.
			want := all[len(all)-o.Events:]
			if dropped := all[len(all)-o.Events-1]; o.Trimmed != dropped.ID {
				t.Errorf("SyncObjectLog(object %d).Trimmed = %d, want %d: the event before the %d kept", object, o.Trimmed, dropped.ID, o.Events)
			}
			wantEvents(t, fmt.Sprintf("SyncEvents(object %d)", object), syncEvents(t, st, 1, object, 0, 0), want)
			wantEvents(t, fmt.Sprintf("SyncEvents(object %d, after its first)", object), syncEvents(t, st, 1, object, all[0].ID, 0), want)
			wantEvents(t, fmt.Sprintf("SyncEvents(object %d, after its newest dropped, limit 2)", object),
				syncEvents(t, st, 1, object, o.Trimmed, 2), want[:2])
			kept = append(kept, want...)
		}
		if len(kept) > len(es)/2 {
			t.Errorf("the log keeps %d of %d events, with 3 to keep for each of 2 objects", len(kept), len(es))
		}
		slices.SortFunc(kept, func(a, b *model.SyncEvent) int { return cmp.Compare(a.ID, b.ID) })
		wantEvents(t, "SyncFeed", syncFeed(t, st, 1, 0, 0), kept)
		wantEvents(t, "SyncFeed(after the second kept)", syncFeed(t, st, 1, kept[1].ID, 0), kept[2:])

		// keep 1 is how an object's removal leaves only its last word:
		// a retention that shrinks drops the rest at once.
		last := appendSync(t, st, 1, syncDraft{1, 2})
		wantEvents(t, "SyncEvents(object 2) after keep 1", syncEvents(t, st, 1, 2, 0, 0), last)
		previous := of(2)[len(of(2))-1]
		if o, err := syncObjectLog(st, 1, 2); err != nil || o.Trimmed != previous.ID || o.Events != 1 {
			t.Errorf("SyncObjectLog(object 2) = %+v, %v; want Trimmed %d, Events 1", o, err, previous.ID)
		}
		if got := syncEvents(t, st, 1, 1, 0, 0); len(got) < 3 || got[len(got)-1].ID != of(1)[len(of(1))-1].ID {
			t.Errorf("SyncEvents(object 1) after another object's keep 1 = %v, want its newest events still", eventIDs(got))
		}
		for _, ev := range syncFeed(t, st, 1, 0, 0) {
			if ev.ObjectSid == syncObject(2) && ev.ID != last[0].ID {
				t.Errorf("SyncFeed lists event %d of object 2, which keeps only %d", ev.ID, last[0].ID)
			}
		}
	})
	t.Run("a failed transaction appends nothing", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		kept := appendSync(t, st, 0, syncDraft{1, 1})
		before := e.state(t, st)
		fail := errors.New("the rules refused")
		err := st.Update(context.Background(), func(tx model.Tx) error {
			if _, err := appendSyncTx(tx, 1, []syncDraft{{1, 1}, {1, 2}}); err != nil {
				return err
			}
			return fail
		})
		if err != fail {
			t.Fatalf("Update = %v, want the fn's error", err)
		}
		e.wantUnchanged(t, st, before)
		wantEvents(t, "SyncFeed", syncFeed(t, st, 1, 0, 0), kept)
		_, err = syncObjectLog(st, 1, 2)
		wantNotFound(t, "SyncObjectLog(object of the failed transaction)", err)
	})
	t.Run("events become visible in ID order", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		const writers, rounds = 8, 6
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					err := st.Update(context.Background(), func(tx model.Tx) error {
						_, err := appendSyncTx(tx, 0, []syncDraft{{1, w + 1}, {1, w%2 + 100}})
						return err
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		// Every snapshot a reader takes must extend the one before it: no
		// event may appear with an ID below the newest one seen already.
		var prev []uint64
		for reading := true; reading; {
			select {
			case <-done:
				reading = false
			default:
			}
			ids := eventIDs(syncFeed(t, st, 1, 0, 0))
			if len(ids) < len(prev) || !slices.Equal(ids[:len(prev)], prev) {
				t.Fatalf("a snapshot of the feed lists %v, which does not extend the one before it, %v", ids, prev)
			}
			prev = ids
		}
		close(errs)
		for err := range errs {
			t.Fatalf("Update: %v", err)
		}
		all := syncFeed(t, st, 1, 0, 0)
		if len(all) != writers*rounds*2 {
			t.Fatalf("the feed holds %d events, want %d", len(all), writers*rounds*2)
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID <= all[i-1].ID {
				t.Fatalf("the feed is not in ID order: %v", eventIDs(all))
			}
		}
		for w := range writers {
			if got := syncEvents(t, st, 1, w+1, 0, 0); len(got) != rounds {
				t.Errorf("object %d has %d events, want %d", w+1, len(got), rounds)
			}
		}
	})
	t.Run("deleting a Service removes its log, and IDs are never given again", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2))
		es := appendSync(t, st, 0, syncDraft{1, 1}, syncDraft{2, 1}, syncDraft{1, 2})
		mustSeed(t, st, func(tx model.Tx) error { return tx.DeleteServiceTree(sid("IS", 1)) })
		_, err := syncObjectLog(st, 1, 1)
		wantNotFound(t, "SyncObjectLog(deleted Service)", err)
		wantEvents(t, "SyncFeed(IS 2)", syncFeed(t, st, 2, 0, 0), pick(es, 1))
		mustSeed(t, st, insService(1))
		if got := syncFeed(t, st, 1, 0, 0); len(got) != 0 {
			t.Errorf("SyncFeed of the Service created again = %v, want none", eventIDs(got))
		}
		again := appendSync(t, st, 0, syncDraft{1, 1})
		if again[0].ID <= es[2].ID {
			t.Errorf("after DeleteServiceTree the next ID is %d, want above %d", again[0].ID, es[2].ID)
		}
		wantEvents(t, "SyncEvents(object 1 created again)", syncEvents(t, st, 1, 1, 0, 0), again)
	})
	t.Run("Wipe removes every log, and IDs are never given again", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2))
		es := appendSync(t, st, 0, syncDraft{1, 1}, syncDraft{2, 1})
		wipe(t, st)
		mustSeed(t, st, insService(1), insService(2))
		for svc := 1; svc <= 2; svc++ {
			if got := syncFeed(t, st, svc, 0, 0); len(got) != 0 {
				t.Errorf("SyncFeed(IS %d) after Wipe = %v, want none", svc, eventIDs(got))
			}
			_, err := syncObjectLog(st, svc, 1)
			wantNotFound(t, fmt.Sprintf("SyncObjectLog(IS %d) after Wipe", svc), err)
		}
		if again := appendSync(t, st, 0, syncDraft{2, 1}); again[0].ID <= es[1].ID {
			t.Errorf("after Wipe the next ID is %d, want above %d", again[0].ID, es[1].ID)
		}
	})
	t.Run("the log is durable", func(t *testing.T) {
		if e.Reopen == nil {
			t.Skip("Engine.Reopen is nil")
		}
		st := e.Open(t)
		mustSeed(t, st, insService(1))
		es := appendSync(t, st, 2, syncDraft{1, 1}, syncDraft{1, 1}, syncDraft{1, 1})
		before := syncEvents(t, st, 1, 1, 0, 0)
		if len(before) < 2 || before[len(before)-1].ID != es[2].ID {
			t.Fatalf("SyncEvents = %v, want at least the newest 2 of %v", eventIDs(before), eventIDs(es))
		}
		st = e.Reopen(t, st)
		t.Cleanup(func() { closeStore(t, st) })
		wantEvents(t, "SyncEvents after reopening", syncEvents(t, st, 1, 1, 0, 0), before)
		if again := appendSync(t, st, 0, syncDraft{1, 2}); again[0].ID <= es[2].ID {
			t.Errorf("after reopening the next ID is %d, want above %d", again[0].ID, es[2].ID)
		}
	})
}
