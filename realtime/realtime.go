// Package realtime is what the client SDKs' socket (package twilsock)
// carries beyond the Client API and the Sync reads: the Sync subscriptions
// of POST /v4/Subscriptions, with the replay of what a client missed and
// then the live events of the objects it subscribed to; reachability, as
// an identity's sockets come and go; and the push registrations of
// /v1/registrations, kept as Bindings.
//
// It keeps state per socket and per Service, so it sits above twilsock
// rather than in syncapi, which reads the objects and keeps none. What it
// sends it reads from chat's Sync event log (through Backend): the replay
// of one object's log for a new subscription (subscriptions.go), and a
// tailer per Service with subscribers that follows the Service's feed by
// event ID when a commit wakes it (feed.go). Because the tailer reads only
// what the store has committed, the nodes of a chatd on a shared store
// wake it on each other's commits too (a hint: WakeAll after hints were
// lost), and it also reads every Options.Poll.
package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/twilsock"
)

// Backend is what realtime reads and writes; chat.Chat implements it.
type Backend interface {
	// SyncReplay lists up to limit events of an object p may read after the
	// ID after.
	SyncReplay(ctx context.Context, p *model.Principal, typ, id string, after uint64, limit int) (*model.SyncReplay, error)
	// SyncTail lists up to limit events of a Service's feed after the ID
	// after, with what each of their objects' logs has dropped.
	SyncTail(ctx context.Context, service string, after uint64, limit int) ([]*model.SyncEvent, map[string]uint64, error)
	// SyncHead is the ID of the newest event of a Service's log.
	SyncHead(ctx context.Context, service string) (uint64, error)
	// SyncRoot reads an object as p: whether p may still read it.
	SyncRoot(ctx context.Context, p *model.Principal, typ, id string, withItems bool) (*model.SyncRoot, error)

	// SetOnline records that identity's first client connected, or that
	// its last one left.
	SetOnline(ctx context.Context, service, identity string, online bool) error

	Authenticate(ctx context.Context, token string) (*model.Principal, error)
	CreateBinding(ctx context.Context, service string, in model.BindingCreate) (*model.Binding, bool, error)
	ListUserBindings(ctx context.Context, service, user string, types []string, p model.Page) ([]*model.Binding, model.Cursor, error)
	DeleteUserBinding(ctx context.Context, service, user, sid string) error
}

// Options configure Realtime.
type Options struct {
	// Logger receives errors; slog.Default() when nil.
	Logger *slog.Logger
	// Poll, when set, is how often each tailer reads its feed even when
	// nothing woke it: on a store that other processes write too, whose
	// commits are heard of through hints that may be lost, it bounds how
	// late an event whose hint was lost reaches the subscribers.
	Poll time.Duration
}

// Realtime serves the subscriptions and push registrations tunnelled
// through the socket, tails the Sync feed of every Service that has
// subscribers, and counts reachability.
type Realtime struct {
	api    Backend
	log    *slog.Logger
	poll   time.Duration
	router *httprouter.Router

	// ctx is the parent of the tailers' reads and the presence writes;
	// Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.RWMutex
	feeds    map[string]*feed // by Service, while it has subscribers
	sessions map[*twilsock.Conn]*session
	closed   bool
	tailers  sync.WaitGroup
}

// New returns Realtime over api.
func New(api Backend, opts Options) *Realtime {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	rt := &Realtime{
		api:      api,
		log:      opts.Logger,
		poll:     opts.Poll,
		feeds:    map[string]*feed{},
		sessions: map[*twilsock.Conn]*session{},
	}
	rt.ctx, rt.cancel = context.WithCancel(context.Background())
	r := httprouter.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleOPTIONS = false
	r.HandleMethodNotAllowed = true
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(rt.log, w, r, model.Errorf(model.CodeNotFound, "The requested resource %s was not found", r.URL.Path))
	})
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(rt.log, w, r, model.Errorf(model.CodeMethodNotAllowed, "Method %s not allowed on %s", r.Method, r.URL.Path))
	})
	r.POST(PathSubscriptions, rt.wrap(rt.handleSubscriptions))
	r.POST(PathRegistrations, rt.wrap(rt.handleRegistrationCreate))
	r.DELETE(PathRegistrations, rt.wrap(rt.handleRegistrationsDelete))
	r.DELETE(PathRegistrations+"/:id", rt.wrap(rt.handleRegistrationDelete))
	rt.router = r
	return rt
}

// The paths Realtime serves: Twilio Sync's subscriptions and Twilio's push
// registrar (ERS), as the SDK names them; the tunnel ignores their hosts.
const (
	PathSubscriptions = "/v4/Subscriptions"
	PathRegistrations = "/v1/registrations"
)

// ServeHTTP serves a tunnelled request to PathSubscriptions or
// PathRegistrations.
func (rt *Realtime) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.router.ServeHTTP(w, r)
}

// Close stops the tailers and waits for them, and stops recording
// reachability: a chatd that stops leaves its Users online, and the next
// start sets them offline (chat.ResetOnline) rather than a write per
// socket on the way down.
func (rt *Realtime) Close() {
	rt.mu.Lock()
	rt.closed = true
	rt.mu.Unlock()
	rt.cancel()
	rt.tailers.Wait()
}

// handler is a route's handler: it writes a success itself and returns
// every failure for wrap to write.
type handler func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error

func (rt *Realtime) wrap(h handler) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		if err := h(w, r, ps); err != nil {
			writeError(rt.log, w, r, err)
		}
	}
}

// errorJSON is Twilio's error body, and the error of a failed
// subscription.
type errorJSON struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info,omitempty"`
	Status   int    `json:"status"`
}

// asTwilioError is err as Twilio reports it. A *model.Error keeps its code
// and status; anything else is an internal error, logged here once, whose
// text never reaches the client.
func asTwilioError(log *slog.Logger, err error, what string) *model.Error {
	var e *model.Error
	if !errors.As(err, &e) {
		log.Error(what, "err", err)
		e = model.E(model.CodeInternalError)
	}
	return e
}

// writeError writes Twilio's error body for err.
func writeError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	e := asTwilioError(log, err, "internal error in "+r.Method+" "+r.URL.Path)
	writeJSON(w, e.Status(), errorJSON{Code: int(e.Code), Message: e.Message, MoreInfo: e.MoreInfo(), Status: e.Status()})
}

// writeJSON writes v as the JSON body with the given status, without HTML
// escaping, as chatd's APIs do.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a client gone away is not an error of chatd's
}
