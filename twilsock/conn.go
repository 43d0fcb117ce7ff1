package twilsock

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/chatd/chatd/model"
)

// state is where a connection is in its life:
//
//	awaitingInit --init ok--> open --update--> updating --ok or refused--> open
//	any --close, a refused init, a protocol error, expiry, shutdown--> closing
type state int

const (
	awaitingInit state = iota
	open
	updating
	closing
)

// Conn is one twilsock connection. Its reader (serve) handles the client's
// frames one at a time, except tunnelled requests, which run concurrently
// (at most Options.MaxInflight); one writer sends the queued frames in
// order; a pinger checks that the peer is still there.
//
// The handlers of tunnelled requests find the Conn in their context
// (ConnFromContext), for what must go to this socket alone, such as the
// replay of a Sync subscription.
type Conn struct {
	srv *Server
	ws  *websocket.Conn
	id  string
	// What the tunnelled requests take from the upgrade request.
	upgrade struct {
		host, remoteAddr string
		tls              *tls.ConnectionState
	}

	// ctx ends with the connection; cancelling it drops the socket.
	// writeCtx is the parent of the writes of queued frames: cancelling it
	// cuts the one under way (which drops the socket too).
	ctx, writeCtx       context.Context
	cancel, abortWrites context.CancelFunc

	queue    *sendQueue
	inflight chan struct{} // one token per running tunnelled request
	requests sync.WaitGroup
	loops    sync.WaitGroup // the writer and the pinger

	mu        sync.Mutex
	state     state
	principal *model.Principal
	token     string
	expiry    expiry
}

func newConn(s *Server, ws *websocket.Conn, r *http.Request) *Conn {
	c := &Conn{
		srv:      s,
		ws:       ws,
		id:       newConnID(),
		queue:    newSendQueue(s.opts.SendQueue),
		inflight: make(chan struct{}, s.opts.MaxInflight),
	}
	c.upgrade.host, c.upgrade.remoteAddr, c.upgrade.tls = r.Host, r.RemoteAddr, r.TLS
	c.ctx, c.cancel = context.WithCancel(s.base)
	c.writeCtx, c.abortWrites = context.WithCancel(c.ctx)
	return c
}

func newConnID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ID is the connection's random id, unique while chatd runs.
func (c *Conn) ID() string { return c.id }

// Principal is who the connection's current token acts as.
func (c *Conn) Principal() *model.Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.principal
}

// Token is the connection's current access token.
func (c *Conn) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.ctx.Done() }

// tunnelled is what the context of a tunnelled request carries.
type tunnelled struct {
	conn  *Conn
	after []func()
}

type tunnelledKey struct{}

// ConnFromContext returns the connection a tunnelled request came through,
// or nil for a request that did not come through a twilsock.
func ConnFromContext(ctx context.Context) *Conn {
	if t, ok := ctx.Value(tunnelledKey{}).(*tunnelled); ok {
		return t.conn
	}
	return nil
}

// AfterReply has fn run once the reply to the tunnelled request of ctx is
// queued, so that what fn sends with Conn.Notify follows the reply (as the
// replay of a Sync subscription follows the subscription's reply). fn runs
// on the request's goroutine with ctx still live, and the request counts
// against MaxInflight until it returns. AfterReply reports false, and does
// nothing, when ctx is not that of a tunnelled request; it must be called
// before the handler returns.
func AfterReply(ctx context.Context, fn func()) bool {
	t, ok := ctx.Value(tunnelledKey{}).(*tunnelled)
	if ok {
		t.after = append(t.after, fn)
	}
	return ok
}

// serve runs the connection until the socket closes, then cleans up.
func (c *Conn) serve() {
	c.loops.Add(2)
	go c.writeLoop()
	go c.pingLoop()
	initTimer := time.AfterFunc(c.srv.opts.InitTimeout, func() {
		if c.getState() == awaitingInit {
			c.srv.log.Debug("twilsock: no init", "conn", c.id)
			c.cancel()
		}
	})
	defer func() {
		initTimer.Stop()
		c.cancel()
		c.requests.Wait()
		c.loops.Wait()
		c.ws.CloseNow()
		c.mu.Lock()
		c.state = closing
		c.expiry.stop()
		joined := c.principal != nil
		c.mu.Unlock()
		if joined {
			c.srv.leave(c)
		}
	}()
	for {
		typ, b, err := c.ws.Read(c.ctx)
		if err != nil {
			return
		}
		switch {
		case c.getState() == closing:
		case typ != websocket.MessageBinary:
			c.protocolError("text frames are not twilsock frames")
		default:
			f, err := Decode(b)
			if err != nil {
				c.protocolError(err.Error())
				continue
			}
			c.handle(f)
		}
	}
}

// handle acts on one frame of the client.
func (c *Conn) handle(f *Frame) {
	st := c.getState()
	switch {
	case f.Method == MethodReply:
		// The client's acknowledgement of a frame chatd sent: nothing to do.
	case f.Method == MethodClose:
		c.setState(closing)
		c.send(statusReply(f.ID, NewStatus(http.StatusOK)))
		c.finish()
	case st == awaitingInit && f.Method == MethodInit:
		c.init(f)
	case st == awaitingInit:
		c.send(statusReply(f.ID, &Status{Code: http.StatusBadRequest, Status: http.StatusText(http.StatusBadRequest), Description: "init expected"}))
	case f.Method == MethodInit:
		c.send(statusReply(f.ID, &Status{Code: http.StatusBadRequest, Status: http.StatusText(http.StatusBadRequest), Description: "already initialised"}))
	case f.Method == MethodUpdate:
		c.update(f)
	case f.Method == MethodMessage:
		c.startRequest(f)
	default:
		// The notification contexts, telemetry and any method chatd does
		// not know: accepted, so that the client carries on.
		c.send(statusReply(f.ID, NewStatus(http.StatusOK)))
	}
}

// init verifies the token, answers with a continuation token, and joins
// the hub. A refused token is answered with the refusal's status (401 puts
// the client in its terminal state "denied") and ends the connection.
func (c *Conn) init(f *Frame) {
	p, err := c.srv.opts.Auth.Authenticate(c.ctx, f.Token)
	if err != nil {
		c.setState(closing)
		c.send(c.refusal(f.ID, err))
		c.finish()
		return
	}
	reply := statusReply(f.ID, NewStatus(http.StatusOK))
	reply.ContinuationToken, reply.ContinuationTokenStatus = c.srv.continuation(p, f.ContinuationToken)
	reply.Capabilities = []string{"client_update"}
	b, err := Encode(reply)
	if err != nil {
		c.srv.log.Error("twilsock: init reply not sent", "conn", c.id, "err", err)
		c.cancel()
		return
	}
	c.mu.Lock()
	if c.state == closing { // shut down while the token was checked
		c.mu.Unlock()
		return
	}
	c.state, c.principal, c.token = open, p, f.Token
	c.scheduleExpiry(p.Expires)
	c.mu.Unlock()
	c.srv.join(c, b)
	c.srv.log.Debug("twilsock: open", "conn", c.id, "service", p.ServiceSid, "identity", p.Identity)
}

// update replaces the connection's token with a refreshed one of the same
// identity and Service. A refused one leaves the old token in place.
func (c *Conn) update(f *Frame) {
	c.mu.Lock()
	cur := c.principal
	if c.state == open {
		c.state = updating
	}
	c.mu.Unlock()
	p, err := c.srv.opts.Auth.Authenticate(c.ctx, f.Token)
	if err == nil && (p.ServiceSid != cur.ServiceSid || p.Identity != cur.Identity) {
		err = model.Errorf(model.CodeInvalidTokenGrants,
			"Access Token is for %s in %s, the connection for %s in %s", p.Identity, p.ServiceSid, cur.Identity, cur.ServiceSid)
	}
	c.mu.Lock()
	if c.state == updating {
		c.state = open
	}
	if err == nil {
		c.principal, c.token = p, f.Token
		c.scheduleExpiry(p.Expires)
	}
	expired := err != nil && !cur.Expires.IsZero() && !c.srv.opts.Now().Before(cur.Expires)
	c.mu.Unlock()
	if err != nil {
		c.send(c.refusal(f.ID, err))
		if expired { // the old token ran out while the new one was checked
			c.closeWith(tokenExpired())
		}
		return
	}
	c.send(statusReply(f.ID, NewStatus(http.StatusOK)))
}

// refusal is the reply to an init or update whose token Authenticate
// refused: the Twilio error's status and code, or 500 (which the client
// retries) when the check itself failed.
func (c *Conn) refusal(id string, err error) *Frame {
	var e *model.Error
	if !errors.As(err, &e) {
		if c.ctx.Err() == nil {
			c.srv.log.Error("twilsock: token check failed", "conn", c.id, "err", err)
		}
		return statusReply(id, NewStatus(http.StatusInternalServerError))
	}
	return statusReply(id, &Status{Code: e.Status(), Status: http.StatusText(e.Status()), Description: e.Message, ErrorCode: int(e.Code)})
}

// startRequest runs a tunnelled request in its own goroutine once fewer
// than MaxInflight are running; until then the socket is not read.
func (c *Conn) startRequest(f *Frame) {
	select {
	case c.inflight <- struct{}{}:
	case <-c.ctx.Done():
		return
	}
	c.requests.Add(1)
	go func() {
		defer func() {
			<-c.inflight
			c.requests.Done()
		}()
		// Like net/http's, the request's context ends when it has been
		// served.
		t := &tunnelled{conn: c}
		ctx, cancel := context.WithCancel(context.WithValue(c.ctx, tunnelledKey{}, t))
		defer cancel()
		c.send(c.serveMessage(ctx, f))
		for _, fn := range t.after {
			fn()
		}
	}()
}

// protocolError closes the connection with 406 for a frame chatd cannot
// read: the client takes it as fatal.
func (c *Conn) protocolError(reason string) {
	c.srv.log.Debug("twilsock: protocol error", "conn", c.id, "err", reason)
	c.closeWith(&Status{Code: StatusNotAcceptable, Status: http.StatusText(StatusNotAcceptable), Description: reason})
}

func (c *Conn) getState() state {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

func (c *Conn) setState(s state) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state = s
}
