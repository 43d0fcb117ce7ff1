package twilsock

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// The output side of a connection: frames are encoded by whoever sends
// them and queued (queue.go); one writer per connection sends them in
// order, and the close last; a pinger checks that the peer is still there.

// Notify sends one notification to this connection, waiting while its send
// queue is more than half full (so that a long run of them, such as a
// replay, leaves room for live traffic) until ctx is done or the
// connection ends (ErrClosed).
func (c *Conn) Notify(ctx context.Context, messageType string, payload any) error {
	b, err := notification(c.srv.nextID(), messageType, payload)
	if err != nil {
		return err
	}
	for {
		room, err := c.queue.push(b, c.srv.opts.SendQueue/2)
		if !errors.Is(err, errQueueFull) {
			return err
		}
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.ctx.Done():
			return ErrClosed
		}
	}
}

// send queues f. A frame that cannot be encoded (a response with headers
// too large for a frame) is logged, and a reply is replaced with a bare 500,
// so that the client's request does not wait for nothing.
func (c *Conn) send(f *Frame) {
	b, err := Encode(f)
	if err != nil {
		c.srv.log.Error("twilsock: frame not sent", "conn", c.id, "method", f.Method, "err", err)
		if f.Method != MethodReply {
			return
		}
		if b, err = Encode(statusReply(f.ID, NewStatus(http.StatusInternalServerError))); err != nil {
			return
		}
	}
	c.push(b)
}

// push queues an encoded frame without waiting. When the queue is full, the
// client is not keeping up: it is disconnected at once, rather than holding
// memory or anyone else, with close 308 (reconnect later, and catch up by
// Sync replay) when its socket can still take that frame. A write under
// way is cut: the client is behind by a whole queue already.
func (c *Conn) push(b []byte) {
	if c.ctx.Err() != nil {
		return // gone already, and about to leave the hub
	}
	if _, err := c.queue.push(b, 0); errors.Is(err, errQueueFull) {
		if c.queue.close(&Status{Code: StatusOffload, Status: "Offload", Description: "client too slow"}) {
			c.srv.log.Info("twilsock: client too slow, disconnected", "conn", c.id)
			c.setState(closing)
			c.abortWrites()
		}
	}
}

// finish has the writer close the socket once the frames queued so far are
// sent.
func (c *Conn) finish() {
	c.push(nil)
}

// closeWith has the writer send a close frame with st (none when nil)
// before anything still queued, and then close the socket.
func (c *Conn) closeWith(st *Status) {
	if c.queue.close(st) {
		c.setState(closing)
	}
}

// writeLoop sends the queued frames in order, and the close.
func (c *Conn) writeLoop() {
	defer c.loops.Done()
	for {
		select {
		case <-c.queue.ready:
		case <-c.ctx.Done():
			return
		}
		frames, closing, st := c.queue.take()
		if closing {
			c.sendClose(st)
			return
		}
		for _, b := range frames {
			if b == nil {
				c.ws.Close(websocket.StatusNormalClosure, "")
				return
			}
			if err := c.write(c.writeCtx, b); err != nil {
				c.cancel()
				return
			}
			if c.queue.closeRequested() {
				break
			}
		}
		c.queue.done(frames)
	}
}

// sendClose sends a close frame with st, then closes the socket.
func (c *Conn) sendClose(st *Status) {
	if st != nil {
		b, err := Encode(&Frame{Header: Header{Method: MethodClose, ID: c.srv.nextID(), Status: st}})
		if err == nil {
			err = c.write(c.ctx, b)
		}
		if err != nil {
			c.cancel()
			return
		}
	}
	c.ws.Close(websocket.StatusNormalClosure, "")
}

// write sends one frame, within WriteTimeout.
func (c *Conn) write(parent context.Context, b []byte) error {
	ctx, cancel := context.WithTimeout(parent, c.srv.opts.WriteTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageBinary, b)
}

// pingLoop pings the peer every PingInterval; a peer that does not answer
// within PingTimeout is dropped. The SDK has no ping of its own: a socket
// whose peer vanished (a phone that lost its network) would otherwise stay
// open, and its identity online, until TCP gave up.
func (c *Conn) pingLoop() {
	defer c.loops.Done()
	t := time.NewTicker(c.srv.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-c.ctx.Done():
			return
		}
		ctx, cancel := context.WithTimeout(c.ctx, c.srv.opts.PingTimeout)
		err := c.ws.Ping(ctx)
		cancel()
		if err != nil {
			if c.ctx.Err() == nil {
				c.srv.log.Debug("twilsock: peer did not answer a ping", "conn", c.id, "err", err)
			}
			c.cancel()
			return
		}
	}
}

// notification encodes a notification frame with a JSON payload.
func notification(id, messageType string, payload any) ([]byte, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return Encode(&Frame{
		Header:  Header{Method: MethodNotification, ID: id, MessageType: messageType, PayloadType: "application/json"},
		Payload: body,
	})
}
