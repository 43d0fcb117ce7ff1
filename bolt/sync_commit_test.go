package bolt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// appendTo is a write that appends n events to object of service, keeping
// keep events per object.
func appendTo(service, object string, n, keep int) func(model.Tx) error {
	return func(tx model.Tx) error {
		first, err := tx.ReserveSyncEventIDs(service, n)
		if err != nil {
			return err
		}
		events := make([]*model.SyncEvent, n)
		for i := range events {
			events[i] = &model.SyncEvent{ServiceSid: service, ObjectSid: object, ID: first + uint64(i),
				Date: tx.Now(), Payload: []byte(fmt.Sprintf(`{"n":%d}`, i))}
		}
		return tx.AppendSyncEvents(events, keep)
	}
}

// runOneCommit runs writes as one batch of the commit loop, in order, and
// returns their errors.
func runOneCommit(t *testing.T, d *DB, writes ...func(model.Tx) error) []error {
	t.Helper()
	start := pauseLoop(t, d, len(writes))
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.Update(context.Background(), w)
		}()
		waitQueued(d, i+1)
	}
	start()
	wg.Wait()
	return errs
}

// checkSyncState checks what the sweep keeps of the log of service against
// the log itself: the events stored, and how many of them their objects
// keep.
func checkSyncState(t *testing.T, d *DB, service string) {
	t.Helper()
	err := d.bolt.View(func(btx *bbolt.Tx) error {
		b := btx.Bucket([]byte(service))
		if b == nil || b.Bucket(bucketSyncEvents) == nil {
			return fmt.Errorf("no Sync log of %s", service)
		}
		state, err := decodeSyncState(b.Get(keySyncState))
		if err != nil {
			return err
		}
		stored := uint64(b.Bucket(bucketSyncEvents).Stats().KeyN)
		var live uint64
		err = b.Bucket(bucketSyncObjects).ForEach(func(k, v []byte) error {
			o, err := decodeSyncObject(string(k), v)
			if err != nil {
				return err
			}
			live += o.live()
			return nil
		})
		if err != nil {
			return err
		}
		if state.stored != stored || state.live != live {
			t.Errorf("Sync state of %s: %d stored, %d kept; the log holds %d, its objects keep %d",
				service, state.stored, state.live, stored, live)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The writes of one commit share each Sync log: its objects' records, the
// sweep and the write-back happen once, at the end, and what the log says
// of itself adds up.
func TestSyncLogsWrittenOncePerCommit(t *testing.T) {
	d := newDB(t)
	a, b := sid("IS", 1), sid("IS", 2)
	mustUpdate(t, d, func(tx model.Tx) error {
		for _, s := range []string{a, b} {
			if err := tx.InsertService(&model.Service{Sid: s}); err != nil {
				return err
			}
		}
		return nil
	})
	var writes []func(model.Tx) error
	for i := range 40 {
		writes = append(writes, appendTo(a, sid("MP", i%4), 3, 5), appendTo(b, sid("MP", 9), 1, 0))
	}
	// Enough commits that the sweep of a runs, with garbage left between.
	for round := range 6 {
		for i, err := range runOneCommit(t, d, writes...) {
			if err != nil {
				t.Fatalf("round %d: write %d = %v", round, i, err)
			}
		}
		checkSyncState(t, d, a)
		checkSyncState(t, d, b)
	}
	checkSyncRootInline(t, d)
	mustView(t, d, func(tx model.Tx) error {
		for i := range 4 {
			es, err := tx.SyncEvents(a, sid("MP", i), 0, 0)
			if err != nil {
				return err
			}
			if len(es) < 5 {
				t.Errorf("object %d of %s keeps %d events, want at least 5", i, a, len(es))
			}
		}
		es, err := tx.SyncEvents(b, sid("MP", 9), 0, 0)
		if err != nil {
			return err
		}
		if len(es) != 6*40 {
			t.Errorf("object of %s keeps %d events, want all %d", b, len(es), 6*40)
		}
		return nil
	})
}

// A Service deleted, or the file wiped, after writes of the same commit
// appended to its log takes the log with it: the end of the commit writes
// back nothing of it.
func TestSyncLogRemovedAfterAppendsOfItsCommit(t *testing.T) {
	for _, remove := range []string{"DeleteServiceTree", "Wipe"} {
		t.Run(remove, func(t *testing.T) {
			d := newDB(t)
			a, b := sid("IS", 1), sid("IS", 2)
			mustUpdate(t, d, func(tx model.Tx) error {
				for _, s := range []string{a, b} {
					if err := tx.InsertService(&model.Service{Sid: s}); err != nil {
						return err
					}
				}
				return nil
			})
			gone := func(tx model.Tx) error {
				if remove == "Wipe" {
					return tx.Wipe()
				}
				return tx.DeleteServiceTree(a)
			}
			errs := runOneCommit(t, d, appendTo(a, sid("MP", 1), 2, 0), appendTo(b, sid("MP", 1), 2, 0), gone)
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			mustView(t, d, func(tx model.Tx) error {
				if _, err := tx.SyncObjectLog(a, sid("MP", 1)); !errors.Is(err, model.ErrNotFound) {
					t.Errorf("SyncObjectLog of the removed %s = %v, want ErrNotFound", a, err)
				}
				head, err := tx.SyncHead(b)
				if remove == "Wipe" {
					if err != nil || head != 0 {
						t.Errorf("SyncHead of %s after a Wipe = %d, %v; want 0", b, head, err)
					}
				} else if err != nil || head == 0 {
					t.Errorf("SyncHead of %s = %d, %v; want its events", b, head, err)
				}
				return nil
			})
			if remove != "Wipe" {
				checkSyncState(t, d, b)
			}
			// The next commit writes to a log of that name anew.
			mustUpdate(t, d, func(tx model.Tx) error {
				if remove != "Wipe" {
					return tx.InsertService(&model.Service{Sid: a})
				}
				return nil
			})
			if remove != "Wipe" {
				mustUpdate(t, d, appendTo(a, sid("MP", 1), 1, 0))
				checkSyncState(t, d, a)
			}
		})
	}
}
