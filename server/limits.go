package server

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/julienschmidt/httprouter"
)

// Limits bound what one client can hold of a Server opened with Open: the
// time to send a request and to read its answer, the life of an idle
// keep-alive connection, the size of the headers, and the number of
// connections open at once. Zero fields take the values of DefaultLimits.
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included. It also
	// bounds the handler: net/http cancels the request's context when it
	// passes, so it is no shorter than WriteTimeout by default.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing the answer, from the end of the headers.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no next request.
	IdleTimeout time.Duration
	// TransferTimeout replaces ReadTimeout and WriteTimeout for a request
	// that moves a large body: a media upload or download, a snapshot.
	TransferTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers; larger ones are answered
	// 431 by net/http, before any handler runs.
	MaxHeaderBytes int
	// MaxConnections caps the connections open at once. A client over the
	// cap waits, its connection queued by the kernel, until another closes.
	MaxConnections int
}

// DefaultLimits are the limits of a Server whose Config leaves them unset.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		TransferTimeout:   10 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		MaxConnections:    1024,
	}
}

// orDefaults fills l's unset fields from DefaultLimits.
func (l Limits) orDefaults() Limits {
	d := DefaultLimits()
	pick := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	pick(&l.ReadTimeout, d.ReadTimeout)
	pick(&l.WriteTimeout, d.WriteTimeout)
	pick(&l.IdleTimeout, d.IdleTimeout)
	pick(&l.TransferTimeout, d.TransferTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = d.MaxConnections
	}
	return l
}

// transfer runs h under TransferTimeout instead of the read and write
// timeouts, for a request whose body may take minutes to move.
func (s *Server) transfer(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
		if err := extendDeadlines(w, s.cfg.Limits.TransferTimeout); err != nil {
			return err
		}
		return h(w, r, p)
	}
}

// extendDeadlines sets the read and write deadlines of the request's
// connection to d from now, or lifts them when d is 0: what a long-lived
// request does before it outlasts the server's timeouts (a realtime socket
// lifts them before it takes the connection over, or they would still cut
// it). A ResponseWriter without deadlines, as under httptest.NewRecorder or
// an outer server that sets its own, is left alone.
func extendDeadlines(w http.ResponseWriter, d time.Duration) error {
	var deadline time.Time
	if d > 0 {
		deadline = time.Now().Add(d)
	}
	rc := http.NewResponseController(w)
	for _, set := range []func(time.Time) error{rc.SetReadDeadline, rc.SetWriteDeadline} {
		if err := set(deadline); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
	}
	return nil
}

// limitListener accepts at most cap(slots) connections at once: Accept
// waits for a slot, and closing a connection frees its slot.
type limitListener struct {
	net.Listener
	slots     chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), closed: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

// Close stops the listener, and an Accept waiting for a slot with it.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// limitConn frees its slot once, on the first Close.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
