package realtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/twilsock"
)

// The live side of subscriptions: one feed per Service that has
// subscribers, and a tailer that follows the Service's Sync feed by event
// ID. A commit that appended events wakes it (Wake only signals, so the
// writer never waits on a socket), and so does, when Realtime polls, the
// tick of its poll; it reads the events after its position
// through the Backend, as committed, in ID order, and queues each on the
// sockets subscribed to its object, encoded once for all of them, without
// waiting: a socket whose queue is full is disconnected and catches up by
// replay when its client subscribes again. Its position only moves over
// events it has handled, so it never skips one, and a subscriber is sent
// only events above the last it was sent, so it never gets one twice.

// feedBatch is how many events the tailer reads at once.
const feedBatch = 256

// retryAfter is how long a tailer whose read failed waits before the next
// try, when no commit wakes it sooner.
const retryAfter = 200 * time.Millisecond

// feed is the subscriptions of one Service and its tailer.
type feed struct {
	rt      *Realtime
	service string
	wake    chan struct{} // holds a token while the tailer has news to read
	stop    chan struct{} // closed when the feed is retired
	pins    int           // establishments under way; guarded by rt.mu

	mu      sync.Mutex
	started bool   // the tailer runs, from pos
	pos     uint64 // the ID of the last event the tailer handled
	objects map[string]map[*subscription]struct{}
}

// subscription is one socket's subscription to one object.
type subscription struct {
	sess *session
	feed *feed
	ref  model.SyncRef
	sid  string
	// delivered is the ID of the last event of the object the socket was
	// sent (or that it had when it subscribed); guarded by feed.mu.
	delivered uint64
}

func newFeed(rt *Realtime, service string) *feed {
	return &feed{
		rt:      rt,
		service: service,
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		objects: map[string]map[*subscription]struct{}{},
	}
}

// Wake tells the tailer of service, if it has one, that its feed has
// grown; chat calls it after every commit that appended events.
func (rt *Realtime) Wake(service string) {
	rt.mu.RLock()
	f := rt.feeds[service]
	rt.mu.RUnlock()
	if f != nil {
		f.signal()
	}
}

// WakeAll tells every tailer that its feed may have grown: after news of
// other processes' commits may have been lost.
func (rt *Realtime) WakeAll() {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	for _, f := range rt.feeds {
		f.signal()
	}
}

func (f *feed) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// pin returns the feed of service, created when it has none, and keeps it
// from being retired until unpin; nil once Realtime is closed.
func (rt *Realtime) pin(service string) *feed {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return nil
	}
	f := rt.feeds[service]
	if f == nil {
		f = newFeed(rt, service)
		rt.feeds[service] = f
	}
	f.pins++
	return f
}

func (rt *Realtime) unpin(f *feed) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	f.pins--
	rt.retireIfIdle(f)
}

// retireIfIdle retires f, stopping its tailer, once it has no subscription
// and none is being established; rt.mu is held.
func (rt *Realtime) retireIfIdle(f *feed) {
	f.mu.Lock()
	idle := len(f.objects) == 0
	f.mu.Unlock()
	if idle && f.pins == 0 && rt.feeds[f.service] == f {
		delete(rt.feeds, f.service)
		close(f.stop)
	}
}

// startTailer starts f's tailer at the event ID pos; f.mu is held.
func (rt *Realtime) startTailer(f *feed, pos uint64) {
	f.started, f.pos = true, pos
	rt.tailers.Add(1)
	go func() {
		defer rt.tailers.Done()
		f.tail()
	}()
}

// join adds a subscription whose replay went up to sub.delivered; f.mu is
// held. A socket that has closed meanwhile is not joined.
func (f *feed) join(sub *subscription) {
	if !sub.sess.add(sub) {
		return
	}
	subs := f.objects[sub.sid]
	if subs == nil {
		subs = map[*subscription]struct{}{}
		f.objects[sub.sid] = subs
	}
	subs[sub] = struct{}{}
}

// leave removes a subscription; f.mu is held.
func (f *feed) leave(sub *subscription) {
	if subs := f.objects[sub.sid]; subs != nil {
		delete(subs, sub)
		if len(subs) == 0 {
			delete(f.objects, sub.sid)
		}
	}
	sub.sess.remove(sub)
}

// tail is the tailer: it reads and sends what each wake-up announces, and
// every poll interval when Realtime polls, until the feed is retired or
// Realtime closes.
func (f *feed) tail() {
	retry, poll := (<-chan time.Time)(nil), (<-chan time.Time)(nil)
	if f.rt.poll > 0 {
		ticker := time.NewTicker(f.rt.poll)
		defer ticker.Stop()
		poll = ticker.C
	}
	for {
		select {
		case <-f.wake:
		case <-poll:
		case <-retry:
		case <-f.stop:
			return
		case <-f.rt.ctx.Done():
			return
		}
		retry = nil
		for {
			n, err := f.step()
			if err != nil {
				if f.rt.ctx.Err() == nil {
					f.rt.log.Error("Sync feed not read", "service", f.service, "err", err)
					retry = time.After(retryAfter)
				}
				break
			}
			if n < feedBatch {
				break
			}
		}
	}
}

// step reads and sends one batch; it returns how many events it read.
func (f *feed) step() (int, error) {
	f.mu.Lock()
	after := f.pos
	f.mu.Unlock()
	events, trimmed, err := f.rt.api.SyncTail(f.rt.ctx, f.service, after, feedBatch)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	f.mu.Lock()
	f.dispatch(events, trimmed)
	f.mu.Unlock()
	f.rt.mu.Lock()
	f.rt.retireIfIdle(f)
	f.rt.mu.Unlock()
	return len(events), nil
}

// dispatch sends events to their subscribers and moves the tailer past
// them; f.mu is held.
func (f *feed) dispatch(events []*model.SyncEvent, trimmed map[string]uint64) {
	for _, e := range events {
		if e.ID <= f.pos {
			continue // handled already: never twice
		}
		f.pos = e.ID
		subs := f.objects[e.ObjectSid]
		var n *twilsock.Notification
		for sub := range subs {
			if e.ID <= sub.delivered {
				continue // in its replay
			}
			if trimmed[e.ObjectSid] > sub.delivered {
				// Events of the object the socket was never sent have left
				// the log: its client learns of it through a new
				// connection, whose replay it finds interrupted.
				f.leave(sub)
				sub.sess.conn.Offload("events were missed")
				continue
			}
			if n == nil {
				var err error
				if n, err = twilsock.NewNotification(frameID(e.ID), liveTypePrefix+sub.ref.Type(), e.Payload); err != nil {
					f.rt.log.Error("Sync event not sent", "object", e.ObjectSid, "event", e.ID, "err", err)
					break
				}
			}
			sub.sess.conn.Push(n)
			sub.delivered = e.ID
		}
		switch info := readEvent(e.Payload); {
		case info.removed():
			// The object is gone: its subscriptions end with its last word.
			for sub := range subs {
				f.leave(sub)
			}
		case info.eventType == "map_item_removed" && isUserChannels(e.ObjectSid):
			// A User left a Channel, or its invite went: its sockets may no
			// longer read the Channel, if it is private. That is settled
			// before any later event of the Channel goes out.
			f.revoke(e.ObjectSid, info.itemKey)
		}
	}
}

// isUserChannels reports whether sid is the SID of a User's channels map.
func isUserChannels(sid string) bool {
	ref, ok := model.ParseSyncRef(model.SyncMap, sid)
	return ok && ref.Kind == model.SyncKindUserChannels
}

// revoke ends the subscriptions, by the sockets of the User whose channels
// map is userMap, to the objects of the Channel channel that the User may
// no longer read; f.mu is held.
func (f *feed) revoke(userMap, channel string) {
	user, ok := model.ParseSyncRef(model.SyncMap, userMap)
	if !ok || !model.IsSID(model.PrefixChannel, channel) {
		return
	}
	for _, ref := range []model.SyncRef{model.ChannelRef(channel), model.MessagesRef(channel), model.RosterRef(channel)} {
		for sub := range f.objects[ref.Sid()] {
			p := sub.sess.conn.Principal()
			if p == nil || p.User == nil || p.User.Sid != user.Owner {
				continue
			}
			_, err := f.rt.api.SyncRoot(f.rt.ctx, p, ref.Type(), ref.Sid(), false)
			var refused *model.Error
			switch {
			case err == nil:
			case errors.As(err, &refused) && f.removedAfter(sub):
				// The Channel is gone: its objects' removals, committed
				// with this event, follow in the feed and end the
				// subscription with its last word.
			case errors.As(err, &refused):
				f.leave(sub)
			default:
				// Not known either way: the socket starts afresh, and its
				// subscriptions are checked again.
				if f.rt.ctx.Err() == nil {
					f.rt.log.Error("read permission not checked", "object", ref.Sid(), "err", err)
				}
				f.leave(sub)
				sub.sess.conn.Offload("read permission not checked")
			}
		}
	}
}

// removedAfter reports whether the object of sub has been removed by an
// event the socket has not been sent yet.
func (f *feed) removedAfter(sub *subscription) bool {
	p := sub.sess.conn.Principal()
	r, err := f.rt.api.SyncReplay(f.rt.ctx, p, sub.ref.Type(), sub.sid, sub.delivered, 0)
	if err != nil {
		return false
	}
	for _, e := range r.Events {
		if readEvent(e.Payload).removed() {
			return true
		}
	}
	return false
}

// eventInfo is what the tailer reads of an event's payload.
type eventInfo struct {
	eventType string
	itemKey   string
}

func (k eventInfo) removed() bool {
	return k.eventType == "document_removed" || k.eventType == "list_removed" || k.eventType == "map_removed"
}

// readEvent reads the type of an event, and the item key of a map item
// removal; only payloads that may matter are decoded.
func readEvent(payload []byte) eventInfo {
	if !bytes.Contains(payload, []byte(`_removed"`)) {
		return eventInfo{}
	}
	var v struct {
		EventType string `json:"event_type"`
		Event     struct {
			ItemKey string `json:"item_key"`
		} `json:"event"`
	}
	if json.Unmarshal(payload, &v) != nil {
		return eventInfo{}
	}
	return eventInfo{eventType: v.EventType, itemKey: v.Event.ItemKey}
}
