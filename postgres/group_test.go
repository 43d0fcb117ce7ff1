package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/model"
)

// inOneGroup runs fns as concurrent Updates of d that share one group, in
// order: a first Update holds the group before theirs until all of them
// wait in the queue. It returns each Update's error.
func inOneGroup(t *testing.T, d *DB, fns ...func(model.Tx) error) []error {
	t.Helper()
	ctxs := make([]context.Context, len(fns))
	for i := range ctxs {
		ctxs[i] = context.Background()
	}
	return inOneGroupCtx(t, d, ctxs, nil, fns...)
}

// errPanicked is the error inOneGroup gives an Update that panicked.
type errPanicked struct{ value any }

func (e errPanicked) Error() string { return fmt.Sprint("panic: ", e.value) }

// inOneGroupCtx is inOneGroup with each Update's context, and queued
// called once they all wait, before the group forms.
func inOneGroupCtx(t *testing.T, d *DB, ctxs []context.Context, queued func(), fns ...func(model.Tx) error) []error {
	t.Helper()
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	held := make(chan error, 1)
	go func() {
		held <- d.Update(context.Background(), func(tx model.Tx) error {
			once.Do(func() { close(started) })
			<-release
			return nil
		})
	}()
	<-started
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					errs[i] = errPanicked{p}
				}
			}()
			errs[i] = d.Update(ctxs[i], fn)
		}()
		waitQueued(d, i+1) // so they queue in order
	}
	if queued != nil {
		queued()
	}
	close(release)
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatalf("the Update holding the group: %v", err)
	}
	return errs
}

// waitQueued waits until n Updates wait in d's queue.
func waitQueued(d *DB, n int) {
	for {
		d.groups.mu.Lock()
		queued := len(d.groups.queue)
		d.groups.mu.Unlock()
		if queued == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// asTx is the store's own transaction under a model.Tx.
func asTx(t model.Tx) *tx { return t.(*tx) }

// xactID is the ID of the top-level transaction tx runs in.
func xactID(t model.Tx) (string, error) {
	var id string
	err := asTx(t).read(`SELECT pg_current_xact_id()::text`, nil, &id)
	return id, err
}

func openGroupTest(t *testing.T) *DB {
	d := openAt(t, pgtest.New(t))
	t.Cleanup(func() { d.Close() })
	return d
}

func setting(t *testing.T, d *DB, key string) string {
	t.Helper()
	var v string
	if err := d.View(context.Background(), func(tx model.Tx) (err error) { v, err = tx.Setting(key); return err }); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestGroupFnFails: among Updates sharing a transaction, one whose fn
// returns an error, one that the database refused (a taken SID: the
// transaction is in error until its savepoint is rolled back) and one that
// panics (in its caller) lose their writes and get their own outcome; the others commit,
// in one transaction.
func TestGroupFnFails(t *testing.T) {
	d := openGroupTest(t)
	seed(t, d, func(tx model.Tx) error { return tx.InsertService(newService(1)) })
	errOwn := errors.New("the fn's own error")
	xacts := make([]string, 4)
	ok := func(i int) func(model.Tx) error {
		return func(tx model.Tx) (err error) {
			if err := tx.PutSetting(fmt.Sprint("ok", i), "yes"); err != nil {
				return err
			}
			xacts[i], err = xactID(tx)
			return err
		}
	}
	fns := []func(model.Tx) error{
		ok(0),
		func(tx model.Tx) error {
			if err := tx.PutSetting("failed", "yes"); err != nil {
				return err
			}
			return errOwn
		},
		ok(1),
		func(tx model.Tx) error {
			if err := tx.PutSetting("taken", "yes"); err != nil {
				return err
			}
			return tx.InsertService(newService(1))
		},
		ok(2),
		func(tx model.Tx) error {
			if err := tx.PutSetting("panicked", "yes"); err != nil {
				return err
			}
			panic("the fn's panic")
		},
		ok(3),
	}
	errs := inOneGroup(t, d, fns...)
	for i, err := range errs {
		switch i {
		case 1:
			if !errors.Is(err, errOwn) {
				t.Errorf("the failing fn's Update = %v, want its error", err)
			}
		case 3:
			var taken *model.TakenError
			if !errors.As(err, &taken) {
				t.Errorf("the Update inserting a taken SID = %v, want a TakenError", err)
			}
		case 5:
			if p, ok := err.(errPanicked); !ok || p.value != "the fn's panic" {
				t.Errorf("the panicking fn's Update = %v, want its panic in the caller", err)
			}
		default:
			if err != nil {
				t.Errorf("Update %d = %v", i, err)
			}
		}
	}
	for _, key := range []string{"failed", "taken", "panicked"} {
		if v := setting(t, d, key); v != "" {
			t.Errorf("the write of the %s fn was kept", key)
		}
	}
	for i := range 4 {
		if v := setting(t, d, fmt.Sprint("ok", i)); v != "yes" {
			t.Errorf("the write of fn ok%d was lost", i)
		}
		if xacts[i] != xacts[0] {
			t.Errorf("the fns ran in transactions %v: want one group", xacts)
		}
	}
}

// TestGroupRetriesSerializationFailure: a fn the database refuses with a
// serialization failure runs again, without what its first attempt
// wrote. The group ran without savepoints, so the fn before it runs again
// too, in the group's second transaction, where each has its savepoint;
// the fn after it runs once.
func TestGroupRetriesSerializationFailure(t *testing.T) {
	d := openGroupTest(t)
	var runs [3]atomic.Int32
	fn := func(i int) func(model.Tx) error {
		return func(tx model.Tx) error {
			n := runs[i].Add(1)
			if err := tx.InsertService(newService(i + 1)); err != nil {
				return err
			}
			if i == 1 && n == 1 {
				_, err := asTx(tx).exec(`DO $$ BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = '40001'; END $$`)
				return err
			}
			return nil
		}
	}
	for i, err := range inOneGroup(t, d, fn(0), fn(1), fn(2)) {
		if err != nil {
			t.Errorf("Update %d: %v", i, err)
		}
	}
	for i, want := range []int32{2, 2, 1} {
		if n := runs[i].Load(); n != want {
			t.Errorf("fn %d ran %d times, want %d", i, n, want)
		}
	}
}

// TestGroupConnectionLost: a group whose connection is lost before its
// COMMIT runs again on another connection: the fns that had run, and the
// rest of the group, whether the fn that saw the loss returned the error
// (then the group stops there) or not (then the loss shows at the COMMIT).
func TestGroupConnectionLost(t *testing.T) {
	for _, returned := range []bool{true, false} {
		t.Run(fmt.Sprint("error returned: ", returned), func(t *testing.T) {
			d := openGroupTest(t)
			var killed atomic.Bool
			var runs [3]atomic.Int32
			fns := make([]func(model.Tx) error, 3)
			for i := range fns {
				fns[i] = func(tx model.Tx) error {
					runs[i].Add(1)
					if err := tx.InsertService(newService(i + 1)); err != nil {
						return err
					}
					if i == 1 && !killed.Swap(true) {
						// The server ends this connection.
						_, err := asTx(tx).exec(`SELECT pg_terminate_backend(pg_backend_pid())`)
						if returned {
							return err
						}
					}
					return nil
				}
			}
			for i, err := range inOneGroup(t, d, fns...) {
				if err != nil {
					t.Errorf("Update %d: %v", i, err)
				}
			}
			want := []int32{2, 2, 2}
			if returned {
				want[2] = 1
			}
			for i := range runs {
				if n := runs[i].Load(); n != want[i] {
					t.Errorf("fn %d ran %d times, want %d", i, n, want[i])
				}
			}
			err := d.View(context.Background(), func(tx model.Tx) error {
				ss, err := tx.Services(model.Window{})
				if err == nil && len(ss) != 3 {
					err = fmt.Errorf("%d Services, want 3", len(ss))
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
}

// TestGroupCommitRefused: when the database refuses a group's COMMIT (here
// a deferred constraint one fn broke), each fn runs again alone: the one
// that broke it gets the error, the others commit.
func TestGroupCommitRefused(t *testing.T) {
	d := openGroupTest(t)
	ctx := context.Background()
	if _, err := d.pool.Exec(ctx, `CREATE TABLE parent (id int PRIMARY KEY);
		CREATE TABLE child (id int REFERENCES parent DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	var runs [3]atomic.Int32
	fn := func(i int) func(model.Tx) error {
		return func(tx model.Tx) error {
			runs[i].Add(1)
			if i == 1 {
				_, err := asTx(tx).exec(`INSERT INTO child VALUES (1)`)
				return err
			}
			return tx.PutSetting(fmt.Sprint("ok", i), "yes")
		}
	}
	errs := inOneGroup(t, d, fn(0), fn(1), fn(2))
	for i, err := range errs {
		if (err != nil) != (i == 1) {
			t.Errorf("Update %d = %v", i, err)
		}
	}
	for i := range 3 {
		if n := runs[i].Load(); n != 2 {
			t.Errorf("fn %d ran %d times, want 2: in the group, then alone", i, n)
		}
	}
	for _, i := range []int{0, 2} {
		if v := setting(t, d, fmt.Sprint("ok", i)); v != "yes" {
			t.Errorf("the write of fn %d was lost", i)
		}
	}
}

// TestGroupCancel: an Update whose context is done while it waits for a
// group leaves without running its fn; one whose context ends while its fn
// runs fails at its next statement and keeps nothing; the rest of the
// group commits.
func TestGroupCancel(t *testing.T) {
	d := openGroupTest(t)
	waiting, cancelWaiting := context.WithCancel(context.Background())
	running, cancelRunning := context.WithCancel(context.Background())
	var ranWaiting atomic.Bool
	ctxs := []context.Context{context.Background(), running, waiting}
	fns := []func(model.Tx) error{
		func(tx model.Tx) error { return tx.PutSetting("kept", "yes") },
		func(tx model.Tx) error {
			if err := tx.PutSetting("first", "yes"); err != nil {
				return err
			}
			cancelRunning()
			return tx.PutSetting("second", "yes")
		},
		func(tx model.Tx) error { ranWaiting.Store(true); return tx.PutSetting("waiting", "yes") },
	}
	// The waiting Update gives up before the group forms.
	errs := inOneGroupCtx(t, d, ctxs, func() { cancelWaiting(); waitQueued(d, 2) }, fns...)
	if errs[0] != nil {
		t.Errorf("the Update not canceled: %v", errs[0])
	}
	if !errors.Is(errs[1], context.Canceled) {
		t.Errorf("the Update canceled while its fn ran = %v, want context.Canceled", errs[1])
	}
	if !errors.Is(errs[2], context.Canceled) || ranWaiting.Load() {
		t.Errorf("the Update canceled while it waited = %v (its fn ran: %v), want context.Canceled and no run", errs[2], ranWaiting.Load())
	}
	if setting(t, d, "kept") != "yes" || setting(t, d, "first") != "" || setting(t, d, "second") != "" || setting(t, d, "waiting") != "" {
		t.Error("want only the write of the Update not canceled kept")
	}
}

// TestGroupAbandoned: once every caller of a group has given up, the
// statement the group runs stops (were it to go on, the test would wait for
// it an hour), the callers get an error, and the store goes on.
func TestGroupAbandoned(t *testing.T) {
	d := openGroupTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- d.Update(ctx, func(tx model.Tx) error {
			once.Do(func() { close(started) })
			_, err := asTx(tx).exec(`SELECT pg_sleep(3600)`)
			return err
		})
	}()
	<-started
	cancel()
	if err := <-done; err == nil {
		t.Error("the Update given up while its statement ran succeeded")
	}
	if err := d.Update(context.Background(), func(tx model.Tx) error { return tx.PutSetting("after", "yes") }); err != nil {
		t.Fatalf("an Update after: %v", err)
	}
	if v := setting(t, d, "after"); v != "yes" {
		t.Errorf("setting after = %q, want yes", v)
	}
}

// TestGroupSyncIDs: the fns of a group reserve Sync event IDs in turn,
// the group writes the counter back once, and a fn rolled back gives its
// hold of the counter back with its savepoint (here the fn that took it
// first): the IDs committed grow in commit order, and the next Update's
// are above them all.
func TestGroupSyncIDs(t *testing.T) {
	d := openGroupTest(t)
	seed(t, d, func(tx model.Tx) error { return tx.InsertService(newService(1)) })
	service := sid("IS", 1)
	errOwn := errors.New("the fn's own error")
	firsts := make([]uint64, 4)
	reserve := func(i, n int, fail bool) func(model.Tx) error {
		return func(tx model.Tx) error {
			first, err := tx.ReserveSyncEventIDs(service, n)
			if err != nil {
				return err
			}
			firsts[i] = first
			var events []*model.SyncEvent
			for k := range n {
				events = append(events, &model.SyncEvent{ServiceSid: service, ObjectSid: fmt.Sprint("object ", i),
					ID: first + uint64(k), Date: testNow, Payload: []byte("{}")})
			}
			if err := tx.AppendSyncEvents(events, 0); err != nil {
				return err
			}
			if fail {
				return errOwn
			}
			return nil
		}
	}
	errs := inOneGroup(t, d, reserve(0, 2, true), reserve(1, 1, false), reserve(2, 3, false))
	if !errors.Is(errs[0], errOwn) || errs[1] != nil || errs[2] != nil {
		t.Fatalf("Updates = %v, want the first fn's error and two commits", errs)
	}
	if err := d.Update(context.Background(), reserve(3, 1, false)); err != nil {
		t.Fatal(err)
	}
	if !(firsts[1] < firsts[2] && firsts[2]+2 < firsts[3]) {
		t.Errorf("IDs reserved at %v (1, 3, then 1 committed): want each above the last before it", firsts[1:])
	}
	var feed []*model.SyncEvent
	err := d.View(context.Background(), func(tx model.Tx) (err error) { feed, err = tx.SyncFeed(service, 0, 0); return err })
	if err != nil || len(feed) != 5 {
		t.Fatalf("SyncFeed = %d events, %v; want the 5 committed", len(feed), err)
	}
	var last int64
	if err := d.pool.QueryRow(context.Background(), `SELECT last_id FROM sync_counter`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	if uint64(last) != firsts[3] {
		t.Errorf("the counter holds %d, want the last ID reserved, %d", last, firsts[3])
	}
}

// TestGroupSyncEventsRefused: the group writes its fns' Sync events in one
// statement before its COMMIT; when that statement is refused (here the
// Service of one fn's events was deleted by a later fn of the group), the
// group's fns run again each alone, and each gets its own outcome.
func TestGroupSyncEventsRefused(t *testing.T) {
	d := openGroupTest(t)
	seed(t, d, func(tx model.Tx) error {
		return errors.Join(tx.InsertService(newService(1)), tx.InsertService(newService(2)))
	})
	appendTo := func(service string) func(model.Tx) error {
		return func(tx model.Tx) error {
			first, err := tx.ReserveSyncEventIDs(service, 1)
			if err != nil {
				return err
			}
			return tx.AppendSyncEvents([]*model.SyncEvent{{ServiceSid: service, ObjectSid: "object",
				ID: first, Date: testNow, Payload: []byte("{}")}}, 0)
		}
	}
	deleteService := func(tx model.Tx) error { return tx.DeleteServiceTree(sid("IS", 2)) }
	errs := inOneGroup(t, d, appendTo(sid("IS", 2)), appendTo(sid("IS", 1)), deleteService, appendTo(sid("IS", 2)))
	if errs[0] != nil || errs[1] != nil || errs[2] != nil || !errors.Is(errs[3], model.ErrNotFound) {
		t.Fatalf("Updates = %v, want three commits, then ErrNotFound for the deleted Service", errs)
	}
	var feed []*model.SyncEvent
	err := d.View(context.Background(), func(tx model.Tx) (err error) { feed, err = tx.SyncFeed(sid("IS", 1), 0, 0); return err })
	if err != nil || len(feed) != 1 {
		t.Fatalf("SyncFeed(IS 1) = %d events, %v; want 1", len(feed), err)
	}
	err = d.View(context.Background(), func(tx model.Tx) error { _, err := tx.Service(sid("IS", 2)); return err })
	if !errors.Is(err, model.ErrNotFound) {
		t.Errorf("Service(IS 2) after its delete = %v, want ErrNotFound", err)
	}
}

// TestGroupSavepointsOnlyAfterAFailure: a group whose fns all succeed runs
// them without savepoints; a fn that fails after a statement makes the
// group run again, in a new transaction where each fn has its savepoint,
// and then only that fn's writes are lost.
func TestGroupSavepointsOnlyAfterAFailure(t *testing.T) {
	d := openGroupTest(t)
	errOwn := errors.New("the fn's own error")
	var mu sync.Mutex
	var seen []string
	fn := func(i int, fail bool) func(model.Tx) error {
		return func(tx model.Tx) error {
			if err := tx.InsertService(newService(i)); err != nil {
				return err
			}
			mu.Lock()
			seen = append(seen, fmt.Sprintf("%d:%t", i, asTx(tx).group.savepoints))
			mu.Unlock()
			if fail {
				return errOwn
			}
			return nil
		}
	}
	for i, err := range inOneGroup(t, d, fn(1, false), fn(2, false)) {
		if err != nil {
			t.Fatalf("Update %d: %v", i, err)
		}
	}
	if want := []string{"1:false", "2:false"}; !slices.Equal(seen, want) {
		t.Errorf("fns ran as %v (service:savepoints), want %v", seen, want)
	}
	seen = nil
	errs := inOneGroup(t, d, fn(3, false), fn(4, true), fn(5, false))
	if errs[0] != nil || !errors.Is(errs[1], errOwn) || errs[2] != nil {
		t.Fatalf("Updates = %v, want the second fn's error alone", errs)
	}
	if want := []string{"3:false", "4:false", "3:true", "4:true", "5:true"}; !slices.Equal(seen, want) {
		t.Errorf("fns ran as %v (service:savepoints), want %v", seen, want)
	}
	for i, want := range map[int]bool{3: true, 4: false, 5: true} {
		err := d.View(context.Background(), func(tx model.Tx) error { _, err := tx.Service(sid("IS", i)); return err })
		if got := err == nil; got != want {
			t.Errorf("Service %d stored: %t, want %t (%v)", i, got, want, err)
		}
	}
}

// TestGroupSyncDrafts: drafts wait in the group for the counter, which
// the group takes as late as it can: with its last fn's append, or before
// its COMMIT. A fn that took the counter and failed takes the IDs it gave
// the drafts before it back; they get theirs again. Committed, every draft
// has the ID it rendered its payload with, in append order, and the
// counter holds the last.
func TestGroupSyncDrafts(t *testing.T) {
	d := openGroupTest(t)
	seed(t, d, func(tx model.Tx) error {
		return errors.Join(tx.InsertService(newService(1)), tx.InsertChannel(newChannel(1, "")))
	})
	service := sid("IS", 1)
	errOwn := errors.New("the fn's own error")
	draft := func(object string) func(model.Tx) error {
		return func(tx model.Tx) error {
			e := &model.SyncEvent{ServiceSid: service, ObjectSid: object, Date: testNow,
				Render: func(id uint64) ([]byte, error) { return fmt.Appendf(nil, `{"id":%d}`, id), nil }}
			return tx.AppendSyncEvents([]*model.SyncEvent{e}, 0)
		}
	}
	reserveAndFail := func(tx model.Tx) error {
		if _, err := tx.ReserveSyncEventIDs(service, 2); err != nil {
			return err
		}
		return errOwn
	}
	send := func(tx model.Tx) error {
		m := &model.Message{ServiceSid: service, ChannelSid: sid("CH", 1), From: "alice", Body: "hi",
			Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
		if err := tx.AppendMessage(m); err != nil {
			return err
		}
		return draft("messages")(tx)
	}
	wantFeed := func(after uint64, n int) uint64 {
		t.Helper()
		var feed []*model.SyncEvent
		err := d.View(context.Background(), func(tx model.Tx) (err error) { feed, err = tx.SyncFeed(service, after, 0); return err })
		if err != nil || len(feed) != n {
			t.Fatalf("SyncFeed after %d = %d events, %v; want %d", after, len(feed), err, n)
		}
		for i, e := range feed {
			if want := fmt.Sprintf(`{"id":%d}`, e.ID); string(e.Payload) != want {
				t.Errorf("event %d has payload %s, want %s", e.ID, e.Payload, want)
			}
			if i > 0 && e.ID <= feed[i-1].ID {
				t.Errorf("feed IDs %d then %d: want them to grow", feed[i-1].ID, e.ID)
			}
		}
		var last int64
		if err := d.pool.QueryRow(context.Background(), `SELECT last_id FROM sync_counter`).Scan(&last); err != nil {
			t.Fatal(err)
		}
		if newest := feed[len(feed)-1].ID; uint64(last) != newest {
			t.Errorf("the counter holds %d, want the newest ID, %d", last, newest)
		}
		return feed[len(feed)-1].ID
	}

	// The counter taken before the COMMIT; a fn that took it and failed.
	errs := inOneGroup(t, d, draft("a"), reserveAndFail, draft("b"), draft("a"))
	if errs[0] != nil || !errors.Is(errs[1], errOwn) || errs[2] != nil || errs[3] != nil {
		t.Fatalf("Updates = %v, want the second fn's error and three commits", errs)
	}
	newest := wantFeed(0, 3)
	// The counter taken with the last fn's append.
	errs = inOneGroup(t, d, draft("a"), send, send)
	if errs[0] != nil || errs[1] != nil || errs[2] != nil {
		t.Fatalf("Updates = %v, want three commits", errs)
	}
	wantFeed(newest, 3)
}
