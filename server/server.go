// Package server is chatd's HTTP layer: Twilio's Programmable Chat REST API
// on top of the model service interfaces. Handlers parse the form into typed
// inputs, call a service and shape the result into Twilio's JSON; every
// failure goes through one writer of Twilio's error body.
package server

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/internal/jsonenc"
	"github.com/chatd/chatd/internal/web"
	"github.com/chatd/chatd/model"
)

// Backend is everything the HTTP layer calls; chat.Chat implements it.
type Backend interface {
	model.ServiceService
	model.RoleService
	model.UserService
	model.ChannelService
	model.MemberService
	model.MessageService
	model.InviteService
	model.UserChannelService
	model.CredentialService
	model.BindingService
	model.ChannelWebhookService
	model.MediaService
	model.DeliveryService
	model.APIKeyService
	model.TokenService

	// Reset puts the data back to the seed: all of it, or one Service.
	Reset(ctx context.Context, service string) error
}

// Config configures a Server.
type Config struct {
	// AccountSid and AuthToken are the HTTP Basic credentials every API
	// request must carry; AccountSid is also the account_sid of every
	// resource.
	AccountSid string
	AuthToken  string
	// APIKeySid and APIKeySecret, when set, are a second pair every request
	// may authenticate with instead (an SK… API key of the account). The
	// API keys stored in the file (/_chatd/keys) are accepted too.
	APIKeySid    string
	APIKeySecret string
	// PublicURL, when set, is the scheme and host of every url, links and
	// meta URL (for chatd behind a proxy); otherwise they use the request's.
	PublicURL string
	// Logger receives one line per request; slog.Default() when nil.
	Logger *slog.Logger
	// TLS, when set, makes Open serve HTTPS.
	TLS *tls.Config
	// Snapshot, when set, writes a consistent copy of the database for
	// GET /_chatd/snapshot; without it the route answers 501.
	Snapshot func(io.Writer) (int64, error)
	// Store names the kind of store chatd runs on ("bolt", "postgres"),
	// for GET /_chatd/health; "" leaves it out.
	Store string
	// Version is reported by GET /_chatd/health.
	Version string
	// Ping, when set, checks that the store can be reached, for GET
	// /_chatd/health, which answers its error (a 503 while the database
	// of a PostgreSQL store cannot be reached).
	Ping func(context.Context) error
	// Limits bound the connections of a Server opened with Open; unset
	// fields take DefaultLimits.
	Limits Limits
	// Client, when set, serves the Client API of first-person clients
	// (package clientapi) under /Client/ on the same listener, behind the
	// same request log, panic recovery and limits; it authenticates its
	// requests itself, with access tokens.
	Client http.Handler
	// Realtime, when set, serves GET /v3/wsconnect: the WebSocket of the
	// client SDKs (twilsock), authenticated by the access token it sends,
	// not by Basic credentials, and free of the read and write timeouts.
	Realtime http.Handler
	// Console, when set, serves the web console (package console) under
	// /_chatd/console/, to the Account credentials only.
	Console http.Handler
	// Metrics, when set, serves GET /_chatd/metrics, with the credentials
	// of the API unless MetricsPublic.
	Metrics       http.Handler
	MetricsPublic bool
	// Observer, when set, hears of every request as it ends (observe.go).
	Observer RequestObserver
}

// Server serves the Chat REST API.
type Server struct {
	cfg     Config
	api     Backend
	log     *slog.Logger
	handler http.Handler
	// accountJSON is cfg.AccountSid as a JSON string, for the account_sid
	// of every resource.
	accountJSON []byte

	http *http.Server
	ln   net.Listener
}

// New returns a Server for api.
func New(api Backend, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	cfg.Limits = cfg.Limits.orDefaults()
	s := &Server{cfg: cfg, api: api, log: cfg.Logger, accountJSON: jsonenc.AppendString(nil, cfg.AccountSid)}
	router := web.NewRouter(s.writeError)
	s.routes(router)
	s.handler = s.observe(s.cors(s.authenticate(router)))
	return s
}

// Handler is the Server's http.Handler, for httptest or an outer mux.
func (s *Server) Handler() http.Handler { return s.handler }

// Open listens on addr (":0" picks a free port) and serves in the
// background, under the configured Limits, until Close.
func (s *Server) Open(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	limits := s.cfg.Limits
	ln = newLimitListener(ln, limits.MaxConnections)
	if s.cfg.TLS != nil {
		ln = tls.NewListener(ln, s.cfg.TLS)
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: limits.ReadHeaderTimeout,
		ReadTimeout:       limits.ReadTimeout,
		WriteTimeout:      limits.WriteTimeout,
		IdleTimeout:       limits.IdleTimeout,
		MaxHeaderBytes:    limits.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	return nil
}

// URL is the base URL of an opened Server, e.g. http://127.0.0.1:41234
// (https with TLS).
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	if s.cfg.TLS != nil {
		return "https://" + s.ln.Addr().String()
	}
	return "http://" + s.ln.Addr().String()
}

// Close stops accepting connections and waits for in-flight requests until
// ctx is done.
func (s *Server) Close(ctx context.Context) error {
	if s.http == nil {
		return nil
	}
	return s.http.Shutdown(ctx)
}

// requestInfo is what observe gives every request in its context: the
// route's pattern and API version, recorded by wrap for the handler and the
// request log line, and the status written.
type requestInfo struct {
	route   string
	version version
	status  int
}

type infoKey struct{}

// infoOf returns the requestInfo of r; nil outside observe.
func infoOf(r *http.Request) *requestInfo {
	info, _ := r.Context().Value(infoKey{}).(*requestInfo)
	return info
}

// statusWriter records the status a handler wrote. It holds the request's
// requestInfo, so that one allocation serves both.
type statusWriter struct {
	http.ResponseWriter
	info  requestInfo
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.info.status, w.wrote = code, true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives every request an ID (returned as Twilio-Request-Id), routes
// it on its escaped path, turns a panic into Twilio's 500 body, and logs one
// line when the request is done.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set("Twilio-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w, info: requestInfo{status: http.StatusOK}}
		info := &sw.info
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		r = routeEscaped(r)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				err := fmt.Errorf("panic: %v\n%s", p, debug.Stack())
				if sw.wrote {
					s.log.Error("internal error after the response started", "err", err, "request_id", id)
				} else {
					s.writeError(sw, r, err)
				}
			}
			took := time.Since(start)
			if s.log.Enabled(r.Context(), slog.LevelInfo) {
				s.log.Info("request",
					"method", r.Method, "route", info.route, "status", info.status,
					"duration", took, "request_id", id)
			}
			s.observed(r.Method, info, took)
		}()
		next.ServeHTTP(sw, r)
	})
}

// routeEscaped makes the router match on the escaped path, so that a unique
// name or identity holding a "/" (sent as %2F) stays one path segment.
// Handlers unescape the parameters (see param).
func routeEscaped(r *http.Request) *http.Request {
	escaped := r.URL.EscapedPath()
	if escaped == r.URL.Path {
		return r
	}
	u := *r.URL
	u.Path, u.RawPath = escaped, ""
	r2 := *r
	r2.URL = &u
	r2.RequestURI = r.RequestURI
	return &r2
}

// newRequestID returns "RQ" and 32 random hex digits, Twilio's form. An ID
// only has to be unique, so it comes from math/rand/v2's generator, which
// is seeded from the system's entropy and costs no system call.
func newRequestID() string {
	var id [34]byte
	id[0], id[1] = 'R', 'Q'
	var raw [16]byte
	binary.LittleEndian.PutUint64(raw[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(raw[8:], rand.Uint64())
	hex.Encode(id[2:], raw[:])
	return string(id[:])
}

// authenticate requires Basic credentials on every route except chatd's own
// health check, signed media downloads, the Client API and the realtime
// socket (which take access tokens instead): the Account SID and auth token,
// or an API key SID and secret (the configured key or one stored in the
// file), as Twilio accepts. A missing or wrong pair is Twilio's 401/20003.
// The media service also takes a first-person client's access token (see
// firstPerson). What the request authenticated with is kept for accountOnly.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A signed media URL (links.content_direct_temporary) is fetched
		// without credentials, like Twilio's CDN URLs; its handler checks
		// the signature and expiry instead. The router matches paths
		// literally (no cleaning, no redirects), so this prefix reaches
		// that one handler or a 404/405, never another route.
		// The client SDKs' socket carries no credentials on its upgrade:
		// the access token comes in its first frame.
		if r.URL.Path == "/_chatd/health" || strings.HasPrefix(r.URL.Path, mediaTemporaryPrefix) ||
			(s.cfg.Client != nil && strings.HasPrefix(r.URL.Path, clientPrefix)) ||
			(r.URL.Path == realtimePath && s.cfg.Realtime != nil) || s.publicMetrics(r) {
			next.ServeHTTP(w, r)
			return
		}
		// A client SDK calls the media service with its access token; a
		// request that also carries Basic credentials is judged by those.
		if service, ok := mediaService(r.URL.Path); ok && r.Header.Get(headerToken) != "" && r.Header.Get("Authorization") == "" {
			p, err := s.firstPerson(r, service)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			ctx := context.WithValue(r.Context(), credentialKey{}, tokenCredential)
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, principalKey{}, p)))
			return
		}
		cred, err := s.credentialOf(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if cred == noCredential {
			w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
			s.writeError(w, r, model.E(model.CodeAuthenticationFailed))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), credentialKey{}, cred)))
	})
}

// credential is what a request authenticated with.
type credential int

const (
	noCredential credential = iota
	accountCredential
	apiKeyCredential
	// tokenCredential is a first-person client's access token, which only
	// the media service takes.
	tokenCredential
)

type credentialKey struct{}

// headerToken carries a first-person client's access token, as the client
// SDKs send it to the media service (and to the Client API).
const headerToken = "X-Twilio-Token"

// principalKey marks the context of a request made with an access token
// with the client it acts as.
type principalKey struct{}

// principalOf is who a request made with an access token acts as; nil for
// a request made with Basic credentials.
func principalOf(r *http.Request) *model.Principal {
	p, _ := r.Context().Value(principalKey{}).(*model.Principal)
	return p
}

// firstPerson verifies the access token of a media request for service (401
// with the token's code when it is not valid), as the client SDKs' media
// client sends it: the token's Service must be the path's (403/20403).
func (s *Server) firstPerson(r *http.Request, service string) (*model.Principal, error) {
	p, err := s.api.Authenticate(r.Context(), r.Header.Get(headerToken))
	if err != nil {
		return nil, err
	}
	if p.ServiceSid != service {
		return nil, model.Errorf(model.CodeForbidden, "The Access Token is for Service %s, not %s", p.ServiceSid, service)
	}
	return p, nil
}

// credentialOf tells which credentials r carries, if any valid ones. The
// Account and configured-key comparisons always both run, so their timing
// tells nothing; a stored key is looked up only for an SK user name.
func (s *Server) credentialOf(r *http.Request) (credential, error) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return noCredential, nil
	}
	account := equal(user, s.cfg.AccountSid) && equal(pass, s.cfg.AuthToken)
	key := s.cfg.APIKeySid != "" && equal(user, s.cfg.APIKeySid) && equal(pass, s.cfg.APIKeySecret)
	switch {
	case account:
		return accountCredential, nil
	case key:
		return apiKeyCredential, nil
	case model.IsSID(model.PrefixAPIKey, user):
		if ok, err := s.api.VerifyAPIKey(r.Context(), user, pass); err != nil || !ok {
			return noCredential, err
		}
		return apiKeyCredential, nil
	}
	return noCredential, nil
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// accountOnly is h for requests made with the Account credentials: an API
// key may not manage API keys or mint access tokens, so that a key cannot
// make more of itself (403/20403).
func accountOnly(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
		if cred, _ := r.Context().Value(credentialKey{}).(credential); cred != accountCredential {
			return model.Errorf(model.CodeForbidden, "This route takes the Account SID and auth token, not an API key")
		}
		return h(w, r, p)
	}
}
