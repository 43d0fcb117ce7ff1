package twilsock

import (
	"strconv"
	"sync"
	"sync/atomic"
)

// Hub is the registry of open connections, by Service and identity: what
// the server pushes to clients goes through it. One identity may hold
// several sockets at once (two tabs, a phone); each gets every
// notification for that identity.
type Hub struct {
	onConnect, onDisconnect func(service, identity string)

	mu         sync.Mutex
	identities map[identityKey]*identityConns
	ids        atomic.Uint64
	open       atomic.Int64 // connections joined and not yet left
}

type identityKey struct{ service, identity string }

// identityConns are the open sockets of one identity. transition is held
// across a change of the set and the callback it causes, so that the
// callbacks of one identity come in order; refs counts the goroutines
// about to change the set, so that the entry outlives them.
type identityConns struct {
	transition sync.Mutex
	conns      map[*Conn]struct{}
	refs       int
}

func newHub(onConnect, onDisconnect func(service, identity string)) *Hub {
	return &Hub{onConnect: onConnect, onDisconnect: onDisconnect, identities: map[identityKey]*identityConns{}}
}

// Notify sends one notification, with payload as its JSON body, to every
// open connection of identity in service; there are none when the identity
// is offline. It never waits: a connection whose send queue is full is
// disconnected with close 308 (offload), and its client reconnects and
// catches up (by Sync replay) instead of slowing everyone else down. The
// error is that of encoding payload.
func (h *Hub) Notify(service, identity, messageType string, payload any) error {
	b, err := notification(h.nextID(), messageType, payload)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.identities[identityKey{service, identity}]; e != nil {
		for c := range e.conns {
			c.push(b)
		}
	}
	return nil
}

// Connections is the number of open connections of identity in service.
func (h *Hub) Connections(service, identity string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.identities[identityKey{service, identity}]; e != nil {
		return len(e.conns)
	}
	return 0
}

// OpenConnections is the number of initialised connections open now, of
// every identity.
func (h *Hub) OpenConnections() int { return int(h.open.Load()) }

// join adds an initialised connection, calling OnConnect for the identity's
// first one. The init reply is queued in the same step: no notification
// overtakes it, and none sent once the client has it is missed.
func (h *Hub) join(c *Conn, reply []byte) {
	p := c.Principal()
	h.change(identityKey{p.ServiceSid, p.Identity}, func(conns map[*Conn]struct{}) func(string, string) {
		c.push(reply)
		conns[c] = struct{}{}
		h.open.Add(1)
		if len(conns) == 1 {
			return h.onConnect
		}
		return nil
	})
}

// leave removes a connection that joined, calling OnDisconnect for the
// identity's last one. The identity is the one it joined with: an update
// never changes it.
func (h *Hub) leave(c *Conn) {
	p := c.Principal()
	h.change(identityKey{p.ServiceSid, p.Identity}, func(conns map[*Conn]struct{}) func(string, string) {
		delete(conns, c)
		h.open.Add(-1)
		if len(conns) == 0 {
			return h.onDisconnect
		}
		return nil
	})
}

// change applies edit to the identity's set under the hub's lock, then
// calls the callback edit returns, if any, outside it.
func (h *Hub) change(k identityKey, edit func(map[*Conn]struct{}) func(service, identity string)) {
	h.mu.Lock()
	e := h.identities[k]
	if e == nil {
		e = &identityConns{conns: map[*Conn]struct{}{}}
		h.identities[k] = e
	}
	e.refs++
	h.mu.Unlock()

	e.transition.Lock()
	h.mu.Lock()
	callback := edit(e.conns)
	h.mu.Unlock()
	if callback != nil {
		callback(k.service, k.identity)
	}
	e.transition.Unlock()

	h.mu.Lock()
	if e.refs--; e.refs == 0 && len(e.conns) == 0 {
		delete(h.identities, k)
	}
	h.mu.Unlock()
}

// nextID is the id of a frame the server sends.
func (h *Hub) nextID() string {
	return "TS" + strconv.FormatUint(h.ids.Add(1), 36)
}
