package twilsock

import (
	"context"
	"encoding/json"
)

// What the packages above the socket need to push one event to many
// connections, and to know when a connection has gone: a notification is
// encoded once and queued on each connection as it is, without waiting.

// Notification is a notification frame, encoded once to be pushed to any
// number of connections.
type Notification struct{ frame []byte }

// NewNotification encodes a notification of messageType whose payload is
// the JSON document payload, sent as it is (not checked: it comes from
// chatd's own log). id is the frame's id: the client acknowledges it and
// does nothing else with it, so one id may go to many connections.
func NewNotification(id, messageType string, payload json.RawMessage) (*Notification, error) {
	b, err := Encode(&Frame{
		Header:  Header{Method: MethodNotification, ID: id, MessageType: messageType, PayloadType: "application/json"},
		Payload: payload,
	})
	if err != nil {
		return nil, err
	}
	return &Notification{frame: b}, nil
}

// Push queues n on the connection without waiting. As with Hub.Notify, a
// connection whose send queue is full is disconnected with close 308: its
// client reconnects and catches up by Sync replay.
func (c *Conn) Push(n *Notification) { c.push(n.frame) }

// AfterClose arranges for fn to run, in its own goroutine, once the
// connection has ended (at once when it has ended already). stop cancels
// that, reporting whether it did so before fn started.
func (c *Conn) AfterClose(fn func()) (stop func() bool) {
	return context.AfterFunc(c.ctx, fn)
}

// Offload closes the connection with close 308: its client reconnects
// after its backoff and subscribes again, which replays what it missed.
// reason is the close's description.
func (c *Conn) Offload(reason string) {
	c.closeWith(&Status{Code: StatusOffload, Status: "Offload", Description: reason})
}

// Offload closes every connection of service (every connection when
// service is "") with close 308: their clients reconnect after their
// backoff and start afresh, as after a restart of chatd. chatd does this
// when a Service's data is reset, so that its clients let go of what they
// held and their reachability is counted again.
func (s *Server) Offload(service string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if p := c.Principal(); service == "" || p != nil && p.ServiceSid == service {
			c.Offload("the Service was reset")
		}
	}
}
