package realtime_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/realtime"
	"github.com/chatd/chatd/twilsock"
	"github.com/chatd/chatd/twilsock/twilsocktest"
)

// The meeting of replay and live delivery, driven step by step: a Backend
// whose feed the test writes and whose tailer reads it only when the test
// lets it, behind a real socket.

const fakeService = "IS00000000000000000000000000000001"

// fakeLog is a Service's Sync log in memory. A closed gate lets the
// tailer's reads through; an open one holds them until the test closes it.
type fakeLog struct {
	realtime.Backend // the rest is not called

	mu      sync.Mutex
	events  []*model.SyncEvent
	trimmed map[string]uint64
	next    uint64
	gate    chan struct{}
	wake    func(string)
}

func newFakeLog() *fakeLog {
	l := &fakeLog{trimmed: map[string]uint64{}, gate: make(chan struct{})}
	close(l.gate)
	return l
}

// hold makes the tailer's next reads wait until the returned func is
// called.
func (l *fakeLog) hold() (release func()) {
	gate := make(chan struct{})
	l.mu.Lock()
	l.gate = gate
	l.mu.Unlock()
	return func() { close(gate) }
}

// add appends an event of the list object and wakes the tailer.
func (l *fakeLog) add(object string, index int) uint64 {
	l.mu.Lock()
	l.next++
	id := l.next
	payload := fmt.Sprintf(`{"event_type":"list_item_added","event":{"id":%d,"list_sid":%q,"item_index":%d}}`, id, object, index)
	l.events = append(l.events, &model.SyncEvent{ServiceSid: fakeService, ObjectSid: object, ID: id, Payload: []byte(payload)})
	l.mu.Unlock()
	l.wake(fakeService)
	return id
}

// trim drops the object's events up to id, as retention does.
func (l *fakeLog) trim(object string, id uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := l.events[:0]
	for _, e := range l.events {
		if e.ObjectSid != object || e.ID > id {
			kept = append(kept, e)
		}
	}
	l.events, l.trimmed[object] = kept, id
}

func (l *fakeLog) Authenticate(_ context.Context, token string) (*model.Principal, error) {
	return &model.Principal{Identity: token, ServiceSid: fakeService, User: &model.User{Sid: "US" + strings.Repeat("0", 32)}}, nil
}

func (l *fakeLog) SetOnline(context.Context, string, string, bool) error { return nil }

func (l *fakeLog) SyncHead(context.Context, string) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next, nil
}

func (l *fakeLog) SyncReplay(_ context.Context, _ *model.Principal, typ, id string, after uint64, limit int) (*model.SyncReplay, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ref, _ := model.ParseSyncRef(typ, id)
	r := &model.SyncReplay{Ref: ref, Complete: after >= l.trimmed[id]}
	for _, e := range l.events {
		if e.ObjectSid != id {
			continue
		}
		r.LastEventID = e.ID
		if e.ID > after && len(r.Events) < limit {
			r.Events = append(r.Events, e)
		}
	}
	return r, nil
}

func (l *fakeLog) SyncTail(_ context.Context, _ string, after uint64, limit int) ([]*model.SyncEvent, map[string]uint64, error) {
	l.mu.Lock()
	gate := l.gate
	l.mu.Unlock()
	<-gate
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*model.SyncEvent
	trimmed := map[string]uint64{}
	for _, e := range l.events {
		if e.ID > after && len(out) < limit {
			out = append(out, e)
			trimmed[e.ObjectSid] = l.trimmed[e.ObjectSid]
		}
	}
	return out, trimmed, nil
}

// fakeChatd serves realtime over l behind a real socket.
func fakeChatd(t *testing.T, l *fakeLog) (dial func(identity string) *twilsocktest.Client) {
	dial, _ = fakeChatdRT(t, l)
	return dial
}

func fakeChatdRT(t *testing.T, l *fakeLog) (dial func(identity string) *twilsocktest.Client, rt *realtime.Realtime) {
	t.Helper()
	return fakeChatdWith(t, l, realtime.Options{})
}

// fakeChatdWith is fakeChatdRT with the options opts. A log whose wake is
// set already keeps it: such a test wakes the tailer its own way.
func fakeChatdWith(t *testing.T, l *fakeLog, opts realtime.Options) (dial func(identity string) *twilsocktest.Client, rt *realtime.Realtime) {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	opts.Logger = logger
	rt = realtime.New(l, opts)
	if l.wake == nil {
		l.wake = rt.Wake
	}
	srv := twilsock.New(twilsock.Options{Auth: l, Handler: rt, Logger: logger})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		rt.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Close(ctx)
		hs.Close()
	})
	return func(identity string) *twilsocktest.Client {
		c, err := twilsocktest.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), identity)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}, rt
}

// index is the item index of a list_item_added, -1 for another note.
func index(n note) int {
	if n.EventType != "list_item_added" || n.Event.ItemIndex == nil {
		return -1
	}
	return *n.Event.ItemIndex
}

func TestReplayAheadOfTheTailer(t *testing.T) {
	// A subscription whose replay holds events the tailer has yet to send
	// gets them once: by replay, not again live.
	l := newFakeLog()
	dial := fakeChatd(t, l)
	list := "ES" + strings.Repeat("1", 32)
	first, second := dial("first"), dial("second")
	subscribe(t, first, "establish", 1, object{list, "list", 0})
	want(t, "first", next(t, first), "twilio.sync.event", "subscription_established")

	release := l.hold() // the tailer reads nothing new for now
	l.add(list, 0)
	l.add(list, 1)
	subscribe(t, second, "establish", 2, object{list, "list", 0})
	for i := range 2 {
		if n := next(t, second); n.Type != "twilio.sync.event" || index(n) != i {
			t.Fatalf("second, replay %d: %s", i, n.Raw)
		}
	}
	want(t, "second", next(t, second), "twilio.sync.event", "subscription_established")
	release()
	for i := range 2 {
		if n := next(t, first); n.Type != "com.twilio.rtd.cds.list" || index(n) != i {
			t.Fatalf("first, live %d: %s", i, n.Raw)
		}
	}
	l.add(list, 2)
	for who, c := range map[string]*twilsocktest.Client{"first": first, "second": second} {
		if n := next(t, c); n.Type != "com.twilio.rtd.cds.list" || index(n) != 2 {
			t.Errorf("%s: %s, want the live item 2 (and no replayed item twice)", who, n.Raw)
		}
	}
}

func TestTailerBehindRetention(t *testing.T) {
	// Events a subscriber was never sent leave the log before the tailer
	// reads them: its socket is closed (308), so that its client
	// reconnects and finds its replay interrupted, instead of missing
	// them unawares. Subscribers that did not miss any carry on.
	l := newFakeLog()
	dial := fakeChatd(t, l)
	list, other := "ES"+strings.Repeat("1", 32), "ES"+strings.Repeat("2", 32)
	behind, fine := dial("behind"), dial("fine")
	subscribe(t, behind, "establish", 1, object{list, "list", 0})
	subscribe(t, fine, "establish", 1, object{other, "list", 0})
	want(t, "behind", next(t, behind), "twilio.sync.event", "subscription_established")
	want(t, "fine", next(t, fine), "twilio.sync.event", "subscription_established")

	release := l.hold()
	dropped := l.add(list, 0)
	l.add(list, 1)
	l.add(other, 0)
	l.trim(list, dropped)
	release()
	f, ok := <-behind.Events()
	if !ok || f.Method != "close" || f.Status == nil || f.Status.Code != twilsock.StatusOffload {
		t.Errorf("the subscriber behind got %+v, want close 308", f)
	}
	if n := next(t, fine); index(n) != 0 || n.Event.ListSid != other {
		t.Errorf("the other subscriber got %s", n.Raw)
	}
}

func TestLetGo(t *testing.T) {
	// What a socket holds goes with it, and a Service's feed with its last
	// subscription; a cancel lets go too.
	l := newFakeLog()
	dial, rt := fakeChatdRT(t, l)
	a, b := "ES"+strings.Repeat("1", 32), "ES"+strings.Repeat("2", 32)
	one, two := dial("one"), dial("two")
	subscribe(t, one, "establish", 1, object{a, "list", 0}, object{b, "list", 0})
	subscribe(t, two, "establish", 1, object{a, "list", 0})
	for range 2 {
		want(t, "one", next(t, one), "twilio.sync.event", "subscription_established")
	}
	want(t, "two", next(t, two), "twilio.sync.event", "subscription_established")
	if f, s, n := rt.Held(); f != 1 || s != 2 || n != 3 {
		t.Errorf("held %d feeds, %d sessions, %d subscriptions; want 1, 2, 3", f, s, n)
	}
	subscribe(t, one, "cancel", 2, object{Sid: b, Type: "list"})
	want(t, "one", next(t, one), "twilio.sync.event", "subscription_canceled")
	if _, _, n := rt.Held(); n != 2 {
		t.Errorf("%d subscriptions after a cancel, want 2", n)
	}
	one.CloseNow()
	waitFor(t, "the first socket to be let go", func() bool { _, s, n := rt.Held(); return s == 1 && n == 1 })
	two.Close()
	waitFor(t, "everything to be let go", func() bool { f, s, n := rt.Held(); return f == 0 && s == 0 && n == 0 })
}

func TestTailerWithoutWake(t *testing.T) {
	// Events whose wake-up never came (another process's commit, whose
	// hint was lost) reach the subscribers all the same: at the next poll,
	// or when everything is woken.
	for _, tt := range []struct {
		name string
		opts realtime.Options
		wake func(rt *realtime.Realtime)
	}{
		{"Poll", realtime.Options{Poll: 10 * time.Millisecond}, func(*realtime.Realtime) {}},
		{"WakeAll", realtime.Options{}, (*realtime.Realtime).WakeAll},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newFakeLog()
			l.wake = func(string) {} // commits wake nothing
			dial, rt := fakeChatdWith(t, l, tt.opts)
			list := "ES" + strings.Repeat("1", 32)
			c := dial("someone")
			subscribe(t, c, "establish", 1, object{list, "list", 0})
			want(t, "the subscriber", next(t, c), "twilio.sync.event", "subscription_established")
			for i := range 3 {
				l.add(list, i)
			}
			tt.wake(rt)
			for i := range 3 {
				if n := next(t, c); n.Type != "com.twilio.rtd.cds.list" || index(n) != i {
					t.Fatalf("live %d: %s", i, n.Raw)
				}
			}
		})
	}
}
