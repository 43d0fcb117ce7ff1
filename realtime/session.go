package realtime

import (
	"sync"

	"github.com/chatd/chatd/twilsock"
)

// session is what Realtime keeps of one socket: its subscriptions, by
// object SID. It ends with the socket, and its subscriptions with it.
type session struct {
	conn *twilsock.Conn
	// busy is held while a batch of the socket's subscription requests
	// takes effect, so that its batches take effect in the order they came.
	busy sync.Mutex

	// mu guards subs and closed; it is taken last, after any feed's lock.
	mu     sync.Mutex
	subs   map[string]*subscription
	closed bool
}

// session returns the session of conn, begun when it has none; nil once
// Realtime is closed.
func (rt *Realtime) session(conn *twilsock.Conn) *session {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return nil
	}
	if s := rt.sessions[conn]; s != nil {
		return s
	}
	s := &session{conn: conn, subs: map[string]*subscription{}}
	rt.sessions[conn] = s
	conn.AfterClose(func() { rt.endSession(s) })
	return s
}

// endSession drops the subscriptions of a socket that has closed.
func (rt *Realtime) endSession(s *session) {
	s.mu.Lock()
	s.closed = true
	subs := make([]*subscription, 0, len(s.subs))
	for _, sub := range s.subs {
		subs = append(subs, sub)
	}
	s.mu.Unlock()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	delete(rt.sessions, s.conn)
	for _, sub := range subs {
		rt.leave(sub)
	}
}

// drop ends the socket's subscription to the object object (a SID, or a
// name the SDK would not send), if it has one.
func (rt *Realtime) drop(s *session, object string) {
	s.mu.Lock()
	sub := s.subs[object]
	s.mu.Unlock()
	if sub == nil {
		return
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.leave(sub)
}

// leave takes sub out of its feed, retiring the feed when it was the last;
// rt.mu is held.
func (rt *Realtime) leave(sub *subscription) {
	sub.feed.mu.Lock()
	if sub.sess.has(sub) {
		sub.feed.leave(sub)
	}
	sub.feed.mu.Unlock()
	rt.retireIfIdle(sub.feed)
}

// add records sub, unless the socket has closed.
func (s *session) add(sub *subscription) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.subs[sub.sid] = sub
	return true
}

// remove forgets sub, if it is still the socket's subscription to its
// object.
func (s *session) remove(sub *subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs[sub.sid] == sub {
		delete(s.subs, sub.sid)
	}
}

// has reports whether sub is the socket's subscription to its object.
func (s *session) has(sub *subscription) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subs[sub.sid] == sub
}
