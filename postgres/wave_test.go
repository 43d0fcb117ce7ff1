package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/chatd/chatd/model"
)

// waveSends are n fns that each append a Message to Channel 1 or 2 of
// Service 1, in turn, note when they sent and when they heard back, check
// that the Channel they read is as their own append left it, and append a
// Sync draft. bad, when >= 0, makes that fn append to a Channel that does
// not exist.
type waveSends struct {
	mu     sync.Mutex
	events []string
	index  []int // of each fn's Message, as the last run had it
}

func (w *waveSends) note(e string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events = append(w.events, e)
}

func (w *waveSends) fns(n, bad int) []func(model.Tx) error {
	w.index = make([]int, n)
	fns := make([]func(model.Tx) error, n)
	for i := range fns {
		fns[i] = func(tx model.Tx) error {
			channel := sid("CH", 1+i%2)
			if i == bad {
				channel = sid("CH", 9)
			}
			m := &model.Message{ServiceSid: sid("IS", 1), ChannelSid: channel, From: "alice", Body: fmt.Sprint("message ", i),
				Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
			w.note("sent")
			if err := tx.AppendMessage(m); err != nil {
				return err
			}
			w.note("heard")
			ch, err := tx.Channel(sid("IS", 1), channel)
			if err != nil {
				return err
			}
			if ch.MessagesCount != m.Index+1 || ch.LastMessageSid != m.Sid {
				return fmt.Errorf("fn %d: Channel has %d Messages, the last %s, after appending %s at %d", i, ch.MessagesCount, ch.LastMessageSid, m.Sid, m.Index)
			}
			w.index[i] = m.Index
			return tx.AppendSyncEvents([]*model.SyncEvent{{ServiceSid: sid("IS", 1), ObjectSid: "messages " + channel, Date: testNow,
				Render: func(id uint64) ([]byte, error) { return fmt.Appendf(nil, `{"id":%d,"fn":%d}`, id, i), nil }}}, 0)
		}
	}
	return fns
}

func interleavingContexts(n int) []context.Context {
	ctxs := make([]context.Context, n)
	for i := range ctxs {
		ctxs[i] = model.Interleaving(context.Background())
	}
	return ctxs
}

func openWaveTest(t *testing.T) *DB {
	d := openGroupTest(t)
	seed(t, d, func(tx model.Tx) error {
		return errors.Join(tx.InsertService(newService(1)), tx.InsertChannel(newChannel(1, "")), tx.InsertChannel(newChannel(2, "")))
	})
	return d
}

// wantCommitted checks that the Messages committed are those of the fns
// in ok, at dense indexes in the group's order, Channel by Channel, and
// their Sync events in the same order.
func wantCommitted(t *testing.T, d *DB, w *waveSends, ok []int) {
	t.Helper()
	next := map[int]int{}
	var wantFns []string
	for _, i := range ok {
		ch := 1 + i%2
		if w.index[i] != next[ch] {
			t.Errorf("fn %d appended at index %d of CH%d, want %d", i, w.index[i], ch, next[ch])
		}
		next[ch]++
		wantFns = append(wantFns, fmt.Sprint(i))
	}
	var feed []*model.SyncEvent
	err := d.View(context.Background(), func(tx model.Tx) error {
		for ch := 1; ch <= 2; ch++ {
			c, err := tx.Channel(sid("IS", 1), sid("CH", ch))
			if err != nil {
				return err
			}
			if c.MessagesCount != next[ch] {
				t.Errorf("CH%d has %d Messages, want %d", ch, c.MessagesCount, next[ch])
			}
		}
		var err error
		feed, err = tx.SyncFeed(sid("IS", 1), 0, 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var gotFns []string
	for _, e := range feed {
		var id uint64
		var fn string
		if _, err := fmt.Sscanf(string(e.Payload), `{"id":%d,"fn":%s`, &id, &fn); err != nil || id != e.ID {
			t.Errorf("event %d has payload %s", e.ID, e.Payload)
		}
		gotFns = append(gotFns, fn[:len(fn)-1])
	}
	if !slices.Equal(gotFns, wantFns) {
		t.Errorf("Sync events of fns %v, want %v", gotFns, wantFns)
	}
}

// TestWave: the fns of sends that share a group run as a wave: every fn
// sends its append before any hears back, each reads its Channel as its
// own append left it, and what commits is what running them one after
// another would have committed.
func TestWave(t *testing.T) {
	d := openWaveTest(t)
	const n = 8
	w := &waveSends{}
	errs := inOneGroupCtx(t, d, interleavingContexts(n), nil, w.fns(n, -1)...)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if first := slices.Index(w.events, "heard"); first != n {
		t.Errorf("events %v: want the %d appends sent before any is heard back", w.events, n)
	}
	wantCommitted(t, d, w, []int{0, 1, 2, 3, 4, 5, 6, 7})
}

// TestWaveFnFails: a fn of a wave that fails after a statement (a send to
// a missing Channel), or panics, rolls the wave back; the group runs again
// one fn after another, each in a savepoint, and every fn gets its own
// outcome.
func TestWaveFnFails(t *testing.T) {
	d := openWaveTest(t)
	const n = 6
	w := &waveSends{}
	fns := w.fns(n, 2)
	send4 := fns[4]
	fns[4] = func(tx model.Tx) error {
		if err := send4(tx); err != nil {
			return err
		}
		panic("fn 4")
	}
	errs := inOneGroupCtx(t, d, interleavingContexts(n), nil, fns...)
	var p errPanicked
	if errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], model.ErrNotFound) || errs[3] != nil ||
		!errors.As(errs[4], &p) || p.value != "fn 4" || errs[5] != nil {
		t.Fatalf("sends = %v, want ErrNotFound for the third, a panic for the fifth, and commits", errs)
	}
	wantCommitted(t, d, w, []int{0, 1, 3, 5})
}

// TestWaveCallerGivesUp: a caller whose context is done while its fn runs
// in a wave gets the context's error; the others commit.
func TestWaveCallerGivesUp(t *testing.T) {
	d := openWaveTest(t)
	const n = 4
	w := &waveSends{}
	ctxs := interleavingContexts(n)
	var cancel context.CancelFunc
	ctxs[1], cancel = context.WithCancel(ctxs[1])
	fns := w.fns(n, -1)
	send1 := fns[1]
	fns[1] = func(tx model.Tx) error {
		if err := send1(tx); err != nil {
			return err
		}
		cancel()
		_, err := tx.Service(sid("IS", 1)) // refused: the caller gave up
		return err
	}
	errs := inOneGroupCtx(t, d, ctxs, nil, fns...)
	if errs[0] != nil || !errors.Is(errs[1], context.Canceled) || errs[2] != nil || errs[3] != nil {
		t.Fatalf("sends = %v, want the second's context error and commits", errs)
	}
	wantCommitted(t, d, w, []int{0, 2, 3})
}

// TestWaveMutationIDs: two fns of a wave that record one mutation id, each
// after reading that it is new (as a first-person send does), both read
// it new in the wave; the second's insert is refused by the key, and the
// group running again one fn after another shows it the first's record.
func TestWaveMutationIDs(t *testing.T) {
	d := openWaveTest(t)
	errRepeated := errors.New("repeated")
	record := func(tx model.Tx) error {
		if _, err := tx.Mutation(sid("IS", 1), "alice", "m1"); err == nil {
			return errRepeated
		} else if !errors.Is(err, model.ErrNotFound) {
			return err
		}
		return tx.InsertMutation(&model.Mutation{ServiceSid: sid("IS", 1), Identity: "alice", ID: "m1",
			Ref: "IM1", DateCreated: testNow}, model.MutationsKept)
	}
	errs := inOneGroupCtx(t, d, interleavingContexts(2), nil, record, record)
	if errs[0] != nil || !errors.Is(errs[1], errRepeated) {
		t.Fatalf("Updates = %v, want a record and then errRepeated", errs)
	}
}

// TestWaveEventsInAppendOrder: in a wave, a fn that runs a statement after
// its append stages its Sync events after a later fn that runs none; the
// events still get their IDs in the order of the appends they describe, so
// the newest event of the Channel's log is about its newest Message.
func TestWaveEventsInAppendOrder(t *testing.T) {
	d := openWaveTest(t)
	send := func(more bool) func(model.Tx) error {
		return func(tx model.Tx) error {
			m := &model.Message{ServiceSid: sid("IS", 1), ChannelSid: sid("CH", 1), From: "alice", Body: "hi",
				Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
			if err := tx.AppendMessage(m); err != nil {
				return err
			}
			if more {
				if _, err := tx.Service(sid("IS", 1)); err != nil {
					return err
				}
			}
			return tx.AppendSyncEvents([]*model.SyncEvent{{ServiceSid: sid("IS", 1), ObjectSid: "channel", Date: testNow,
				Render: func(id uint64) ([]byte, error) { return fmt.Appendf(nil, `{"last":%d}`, m.Index), nil }}}, 0)
		}
	}
	errs := inOneGroupCtx(t, d, interleavingContexts(3), nil, send(true), send(false), send(true))
	if errs[0] != nil || errs[1] != nil || errs[2] != nil {
		t.Fatalf("sends = %v", errs)
	}
	var feed []*model.SyncEvent
	err := d.View(context.Background(), func(tx model.Tx) (err error) { feed, err = tx.SyncFeed(sid("IS", 1), 0, 0); return err })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range feed {
		got = append(got, string(e.Payload))
	}
	if want := []string{`{"last":0}`, `{"last":1}`, `{"last":2}`}; !slices.Equal(got, want) {
		t.Errorf("the Channel's events in ID order = %v, want %v", got, want)
	}
}
