// Package twilsock serves the realtime socket of Twilio's client SDKs
// (twilio-chat 5.x and 6.x): the WebSocket that Twilio runs at
// wss://tsock.<region>.twilio.com/v3/wsconnect and an app points at chatd
// with the SDK's Twilsock.uri option.
//
// One socket carries everything: the client's access token (init, update),
// every HTTP request the SDK makes to the Chat, Sync and push APIs
// (tunnelled in message frames and served in-process by Options.Handler),
// and what the server pushes (notifications, the warning that the token is
// about to expire, the close at expiry). The frame format is in frame.go;
// the connection's life in conn.go; the registry that pushes to an
// identity's sockets in hub.go.
package twilsock

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/chatd/chatd/model"
)

// Authenticator verifies the access token of an init or an update;
// chat.Chat is one. Its refusals are *model.Error values with status 401
// (the token codes 20101, 20103, 20104, 20105, 20106, 20157).
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*model.Principal, error)
}

// Options configure a Server. Zero durations and sizes take the defaults
// named on each field.
type Options struct {
	// Auth verifies tokens. Required.
	Auth Authenticator
	// Handler serves tunnelled requests (the Client API, Sync and the push
	// registrar), authenticated by their X-Twilio-Token header. Nil answers
	// every one with Twilio's 404 body.
	Handler http.Handler
	// Logger receives errors and the connections' comings and goings;
	// slog.Default() when nil.
	Logger *slog.Logger

	// OnConnect is called when an identity's first socket of a Service
	// opens, OnDisconnect when its last one closes (reachability). Calls
	// for one identity never overlap and come in that order; they may
	// call Notify.
	OnConnect, OnDisconnect func(service, identity string)

	// PingInterval is how often a WebSocket ping goes to each client, 30
	// seconds by default; a client that does not answer within
	// PingTimeout (by default PingInterval) is taken for gone.
	PingInterval, PingTimeout time.Duration
	// WriteTimeout bounds sending one frame, 30 seconds by default: the
	// SDK's own request timeout.
	WriteTimeout time.Duration
	// InitTimeout is how long a new socket may take to send its init, 30
	// seconds by default.
	InitTimeout time.Duration
	// ExpiryWarning is how long before its token expires a connection is
	// sent client_update token_about_to_expire: 3 minutes by default, or a
	// tenth of what is left of the token when that is shorter.
	ExpiryWarning time.Duration

	// SendQueue is how many frames may wait to be sent on one socket, 256
	// by default. A client that lets its queue fill is disconnected with
	// close 308 (see Hub.Notify).
	SendQueue int
	// MaxInflight is how many tunnelled requests of one socket run at once,
	// 8 by default; the socket is not read while that many are running.
	MaxInflight int

	// ContinuationKey signs continuation tokens; a random key when empty,
	// so that a restarted chatd reissues them.
	ContinuationKey []byte
	// Now is the clock for token expiry; time.Now when nil.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.PingInterval, 30*time.Second)
	def(&o.PingTimeout, o.PingInterval)
	def(&o.WriteTimeout, 30*time.Second)
	def(&o.InitTimeout, 30*time.Second)
	def(&o.ExpiryWarning, 3*time.Minute)
	if o.SendQueue <= 0 {
		o.SendQueue = 256
	}
	if o.MaxInflight <= 0 {
		o.MaxInflight = 8
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.ContinuationKey) == 0 {
		o.ContinuationKey = make([]byte, 32)
		rand.Read(o.ContinuationKey)
	}
	return o
}

// Server is the twilsock endpoint: an http.Handler for the WebSocket
// upgrade, and, through its Hub, the registry of the open connections.
type Server struct {
	*Hub
	opts Options
	log  *slog.Logger

	// base is the parent of every connection's context; stop cancels it,
	// dropping every connection at once.
	base context.Context
	stop context.CancelFunc

	mu      sync.Mutex
	conns   map[*Conn]struct{}
	closed  bool
	serving sync.WaitGroup
}

// New returns a Server. It panics without Options.Auth.
func New(opts Options) *Server {
	if opts.Auth == nil {
		panic("twilsock: Options.Auth is required")
	}
	opts = opts.withDefaults()
	s := &Server{
		Hub:   newHub(opts.OnConnect, opts.OnDisconnect),
		opts:  opts,
		log:   opts.Logger,
		conns: map[*Conn]struct{}{},
	}
	s.base, s.stop = context.WithCancel(context.Background())
	return s
}

// ServeHTTP upgrades the request to a WebSocket and serves the connection
// until it ends. The upgrade itself needs no credentials (the token comes in
// init), and any Origin is accepted: the SDK runs in browsers on the app's
// own origin, never chatd's, and a socket grants nothing until its init
// carries a valid token, which a cross-site page cannot forge. The caller
// must lift the server's read and write deadlines for the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "chatd is shutting down", http.StatusServiceUnavailable)
		return
	}
	s.serving.Add(1)
	s.mu.Unlock()
	defer s.serving.Done()

	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept has answered the request
	}
	ws.SetReadLimit(MaxFrameSize)
	c := newConn(s, ws, r)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close(websocket.StatusGoingAway, "chatd is shutting down")
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	c.serve()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Close stops taking connections and closes the open ones with close 308,
// which makes clients reconnect later, then waits for them to end. When
// ctx is done first, the remaining ones are dropped at once.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.closeWith(&Status{Code: StatusOffload, Status: "Offload", Description: "chatd is shutting down"})
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.serving.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.stop()
		return nil
	case <-ctx.Done():
		s.stop()
		<-done
		return ctx.Err()
	}
}

// Close statuses the client acts on.
const (
	// StatusOffload asks the client to reconnect later (with backoff).
	StatusOffload = 308
	// StatusTokenExpired tells it its token expired: it emits tokenExpired.
	StatusTokenExpired = http.StatusGone
	// StatusNotAcceptable is a fatal protocol error: the client stops.
	StatusNotAcceptable = http.StatusNotAcceptable
)
