// Package app is one running chatd: the store, the Chat rules, the webhook
// dispatcher, the client SDKs' socket with what it carries (the Client API,
// the Sync API, Sync subscriptions, reachability, push registrations) and
// the HTTP server (the REST API, with the Client API mounted in it), wired
// and started in order and closed in the reverse order. The chatd command,
// the chatdtest fixture package and chatd's own tests (internal/testenv)
// all run chatd through it, so they cannot drift apart.
package app

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/clientapi"
	"github.com/chatd/chatd/console"
	"github.com/chatd/chatd/internal/changes"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/realtime"
	"github.com/chatd/chatd/server"
	"github.com/chatd/chatd/syncapi"
	"github.com/chatd/chatd/twilsock"
	"github.com/chatd/chatd/webhook"
)

// Config is what one chatd runs with.
type Config struct {
	// Addr is the listen address; ":0" picks a free port.
	Addr string
	// DB is the bbolt file, or the URL of a database (postgres://…) that
	// OpenURL opens. With Ephemeral, chatd uses a new bbolt file in a
	// temporary directory instead and removes it at Close.
	DB        string
	Ephemeral bool
	// OpenURL opens the store of a database URL given as DB; nil means
	// this chatd opens bbolt files only. The chatd command sets it (to
	// PostgreSQL's), so that this package, and the fixture package that
	// runs chatd through it, pull in no database driver.
	OpenURL OpenURL
	// Store, when set, is an already-open store chatd runs on instead of a
	// bbolt file (DB and Ephemeral are then empty). Close leaves it open:
	// it belongs to the caller. GET /_chatd/snapshot is served when the
	// store can write a copy of itself (a Snapshotter, as bolt.DB is).
	Store model.Store

	// AccountSid and AuthToken are the credentials; when both are empty,
	// a development pair is generated once and kept in the file.
	AccountSid, AuthToken   string
	APIKeySid, APIKeySecret string
	PublicURL               string

	// Seed fills a file that holds no Service yet, and is what
	// POST /_chatd/reset returns to.
	Seed *chat.Seed
	// SyncRetention is how many of its newest events each Sync object
	// keeps for the client SDKs to catch up with when they resubscribe;
	// chat.DefaultSyncRetention when 0.
	SyncRetention int
	// SyncPoll is, on a store that several chatd nodes share, how often
	// each Sync tailer reads its feed without a hint of another node's
	// commit (hints may be lost): DefaultSyncPoll when 0.
	SyncPoll time.Duration

	// TLS: a certificate and key (PEM files), or a self-signed certificate
	// generated at start (TLSSelfSigned).
	TLSCert, TLSKey string
	TLSSelfSigned   bool

	// Limits bound the server's connections; unset fields take
	// server.DefaultLimits.
	Limits server.Limits

	Logger *slog.Logger
	// Webhooks configure the post-event dispatcher and, with the same
	// AuthToken, Timeout and Client, the pre-event calls. AuthToken is
	// filled in from the credentials.
	Webhooks webhook.Options
	// HoldWebhooks leaves the webhook dispatcher stopped: deliveries wait
	// in the outbox, as if chatd had stopped between a commit and the send,
	// until a later start on the same store sends them. For tests.
	HoldWebhooks bool
	Version      string

	// Monitor, when set, collects the metrics and serves them at
	// GET /_chatd/metrics (monitor.go); with MetricsPublic, without
	// credentials.
	Monitor       Monitor
	MetricsPublic bool
}

// DefaultSyncPoll is how often a Sync tailer on a shared store reads its
// feed without a hint: how late, at worst, an event whose hint was lost
// reaches the client SDKs.
const DefaultSyncPoll = time.Second

// Snapshotter is a store that writes a consistent copy of all its data, as
// bolt.DB does; GET /_chatd/snapshot serves that copy.
type Snapshotter interface {
	WriteTo(w io.Writer) (int64, error)
}

// Pinger is a store that can tell whether its database can be reached
// (the PostgreSQL store), which GET /_chatd/health then asks.
type Pinger interface {
	Ping(ctx context.Context) error
}

// OpenURL opens the store of a database URL, or fails for a URL it does
// not know; logger hears of what opening does (a migration of the schema).
type OpenURL func(ctx context.Context, url string, logger *slog.Logger) (model.Store, error)

// engine is a store that names its kind ("bolt", "postgres"), which
// GET /_chatd/health reports.
type engine interface{ Engine() string }

// IsURL reports whether db (the --db flag) is the URL of a database, such
// as postgres://host/chatd, rather than the path of a bbolt file: it
// starts with a scheme and "://".
func IsURL(db string) bool {
	scheme, _, ok := strings.Cut(db, "://")
	if !ok || scheme == "" {
		return false
	}
	for _, c := range scheme {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Redacted is db as it may be shown and logged: a URL without its
// password.
func Redacted(db string) string {
	if !IsURL(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "(a malformed URL)"
	}
	return u.Redacted()
}

// App is a started chatd.
type App struct {
	// URL is the base URL clients use (http, or https with TLS).
	URL string
	// AccountSid and AuthToken are the credentials in force; Generated
	// tells whether they are the file's development pair.
	AccountSid, AuthToken string
	Generated             bool
	// DBPath is the bbolt file the data is in; empty with Config.Store
	// and with a database URL.
	DBPath string
	// Database is where the data is, as it may be shown: the bbolt file,
	// or the database URL without its password; empty with Config.Store.
	Database string
	// Engine is the kind of store chatd runs on: "bolt", "postgres", or
	// "" for a Config.Store that does not say.
	Engine string
	// CertPEM is the generated self-signed certificate (TLSSelfSigned), for
	// clients to trust; nil otherwise.
	CertPEM []byte

	store   model.Store
	own     model.Store // the store Start opened, which Close closes
	hooks   *webhook.Dispatcher
	console *console.Console
	socket  *twilsock.Server
	live    *realtime.Realtime
	srv     *server.Server
	leave   func() // leaves the nodes of a shared store
	tempDir string
}

// Start opens the store (the file or the database of cfg.DB, unless
// cfg.Store is given), loads the seed into an empty store, drops the media
// uploads a crash left unfinished, and starts the webhook dispatcher and
// the server. On failure everything started is stopped again.
func Start(ctx context.Context, cfg Config) (a *App, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a = &App{}
	defer func() {
		if err != nil {
			a.Close(context.Background())
			a = nil
		}
	}()
	switch {
	case cfg.Store != nil:
		a.store = cfg.Store
	case IsURL(cfg.DB) && !cfg.Ephemeral:
		if a.own, err = cfg.OpenURL(ctx, cfg.DB, cfg.Logger); err != nil {
			return a, err
		}
		a.store, a.Database = a.own, Redacted(cfg.DB)
	default:
		a.DBPath = cfg.DB
		if err := a.openFile(cfg.Ephemeral, cfg.Logger, cfg.Monitor); err != nil {
			return a, err
		}
		a.Database = a.DBPath
	}
	if e, ok := a.store.(engine); ok {
		a.Engine = e.Engine()
	}
	a.AccountSid, a.AuthToken = cfg.AccountSid, cfg.AuthToken
	if a.AccountSid == "" {
		if a.AccountSid, a.AuthToken, err = devCredentials(ctx, a.store); err != nil {
			return a, err
		}
		a.Generated = true
	}
	hookOpts := cfg.Webhooks
	hookOpts.AuthToken = a.AuthToken
	if hookOpts.Logger == nil {
		hookOpts.Logger = cfg.Logger
	}
	if hookOpts.Observer == nil && cfg.Monitor != nil {
		hookOpts.Observer = cfg.Monitor
	}
	a.hooks = webhook.New(a.store, hookOpts)
	// chat tells of its commits: the realtime side, the Sync events to send
	// (live) and the Services whose data went (their sockets start afresh),
	// both set below before the first write; the console's live pages, what
	// changed (changes).
	var changed changes.Broker
	api := chat.New(a.store, chat.Options{
		AccountSid:    a.AccountSid,
		Wake:          a.hooks.Wake,
		Seed:          cfg.Seed,
		APIKeySid:     cfg.APIKeySid,
		APIKeySecret:  cfg.APIKeySecret,
		PreEvents:     webhook.NewPreSender(hookOpts),
		SyncURL:       cfg.PublicURL,
		SyncRetention: cfg.SyncRetention,
		SyncWake:      func(service string) { a.live.Wake(service) },
		SyncReset:     func(service string) { a.socket.Offload(service) },
		OnCommit:      changed.Publish,
	})
	// The client SDKs' socket tunnels the Client API, the Sync API, the
	// Sync subscriptions and the push registrar; the Client API is also
	// served over HTTP, where it pushes typing indicators through the
	// socket too.
	// On a store other nodes write too, the tailers also hear of their
	// commits (hints, wired below) and read now and then on their own.
	shared, _ := a.store.(model.SharedStore)
	liveOpts := realtime.Options{Logger: cfg.Logger}
	if shared != nil {
		liveOpts.Poll = cmp.Or(cfg.SyncPoll, DefaultSyncPoll)
	}
	a.live = realtime.New(api, liveOpts)
	routes := &tunnel{live: a.live, sync: syncapi.New(api, syncapi.Config{PublicURL: cfg.PublicURL, Logger: cfg.Logger})}
	a.socket = twilsock.New(twilsock.Options{
		Auth: api, Handler: routes, Logger: cfg.Logger,
		OnConnect: a.live.Connected, OnDisconnect: a.live.Disconnected,
	})
	client := clientapi.New(api, clientapi.Config{PublicURL: cfg.PublicURL, Logger: cfg.Logger, Notifier: a.socket})
	routes.client = client

	if err := api.SeedIfEmpty(ctx); err != nil {
		return a, err
	}
	// No client is connected to a chatd that starts; but on a shared store,
	// clients of the other nodes are, and Users are set offline only by a
	// node that starts alone.
	resetOnline := func(ctx context.Context) error {
		n, err := api.ResetOnline(ctx)
		if n > 0 {
			cfg.Logger.Info("set the Users online at the last stop offline", "users", n)
		}
		return err
	}
	if shared != nil {
		a.leave, err = shared.Join(ctx, model.Hints{
			Sync:      a.live.Wake,
			SyncReset: a.socket.Offload,
			Outbox:    a.hooks.Wake,
			Missed:    func() { a.live.WakeAll(); a.hooks.Wake() },
		}, resetOnline)
	} else {
		err = resetOnline(ctx)
	}
	if err != nil {
		return a, err
	}
	swept, err := api.SweepStagedMedia(ctx)
	if err != nil {
		return a, err
	}
	if swept > 0 {
		cfg.Logger.Info("dropped the media uploads the last stop cut short", "uploads", swept)
	}
	var tlsConfig *tls.Config
	switch {
	case cfg.TLSSelfSigned:
		cert, pem, err := selfSigned(cfg.Addr, cfg.PublicURL)
		if err != nil {
			return a, err
		}
		tlsConfig, a.CertPEM = &tls.Config{Certificates: []tls.Certificate{cert}}, pem
	case cfg.TLSCert != "" || cfg.TLSKey != "":
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return a, fmt.Errorf("tls: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	srvCfg := server.Config{
		AccountSid:   a.AccountSid,
		AuthToken:    a.AuthToken,
		APIKeySid:    cfg.APIKeySid,
		APIKeySecret: cfg.APIKeySecret,
		PublicURL:    cfg.PublicURL,
		Logger:       cfg.Logger,
		TLS:          tlsConfig,
		Version:      cfg.Version,
		Limits:       cfg.Limits,
		Client:       client,
		Realtime:     a.socket,
		Store:        a.Engine,
	}
	if s, ok := a.store.(Snapshotter); ok {
		srvCfg.Snapshot = s.WriteTo
	}
	if p, ok := a.store.(Pinger); ok {
		srvCfg.Ping = p.Ping
	}
	a.console = console.New(api, console.Config{
		Snapshot:        srvCfg.Snapshot,
		Watcher:         &changed,
		TransferTimeout: cfg.Limits.TransferTimeout,
		Version:         cfg.Version,
		Logger:          cfg.Logger,
	})
	srvCfg.Console = a.console
	if cfg.Monitor != nil {
		srvCfg.Observer = cfg.Monitor
		srvCfg.Metrics, srvCfg.MetricsPublic = cfg.Monitor.Handler(a), cfg.MetricsPublic
	}
	a.srv = server.New(api, srvCfg)
	if !cfg.HoldWebhooks {
		a.hooks.Start()
	}
	if err := a.srv.Open(cfg.Addr); err != nil {
		return a, err
	}
	a.URL = a.srv.URL()
	return a, nil
}

// Connections is how many sockets of the client SDKs identity holds open
// in service.
func (a *App) Connections(service, identity string) int {
	return a.socket.Connections(service, identity)
}

// openFile opens the bbolt file of a.DBPath, or of a new temporary
// directory when ephemeral; the monitor, if any, observes its commits.
func (a *App) openFile(ephemeral bool, logger *slog.Logger, monitor Monitor) (err error) {
	if ephemeral {
		if a.tempDir, err = os.MkdirTemp("", "chatd-"); err != nil {
			return err
		}
		a.DBPath = filepath.Join(a.tempDir, "chatd.db")
	}
	opts := bolt.Options{Logger: logger}
	if monitor != nil {
		opts.Observer = monitor
	}
	db, err := bolt.Open(a.DBPath, opts)
	if err != nil {
		return err
	}
	a.store, a.own = db, db
	return nil
}

// Close stops accepting requests and waits for those in flight (until ctx
// is done), leaves the nodes of a shared store, stops the Sync tailers,
// closes the client SDKs' sockets (they reconnect later), stops the
// dispatcher (pending deliveries stay in the outbox for the next start),
// closes the store, and removes an ephemeral file. A store given in
// Config.Store stays open.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	if a.console != nil {
		a.console.Close() // its live pages would hold the server's shutdown
	}
	if a.srv != nil {
		errs = append(errs, a.srv.Close(ctx))
	}
	if a.leave != nil {
		a.leave()
	}
	// The tailers stop first, and with them the recording of reachability:
	// the sockets' ends are not written, as the next start sets everyone
	// offline (on a shared store: the next node to start alone).
	if a.live != nil {
		a.live.Close()
	}
	if a.socket != nil {
		errs = append(errs, a.socket.Close(ctx))
	}
	if a.hooks != nil {
		a.hooks.Close()
	}
	if a.own != nil {
		errs = append(errs, a.own.Close())
	}
	if a.tempDir != "" {
		errs = append(errs, os.RemoveAll(a.tempDir))
	}
	return errors.Join(errs...)
}

// Settings under which the development credentials are kept in the file.
const (
	settingDevAccountSid = "dev_account_sid"
	settingDevAuthToken  = "dev_auth_token"
)

// devCredentials returns the file's development credentials, generating
// them on the first start, so that a restarted chatd accepts the same pair.
func devCredentials(ctx context.Context, db model.Store) (sid, token string, err error) {
	err = db.Update(ctx, func(tx model.Tx) error {
		if sid, err = tx.Setting(settingDevAccountSid); err != nil {
			return err
		}
		if token, err = tx.Setting(settingDevAuthToken); err != nil {
			return err
		}
		if sid != "" && token != "" {
			return nil
		}
		sid, token = model.PrefixAccount+randomHex(16), randomHex(16)
		if err := tx.PutSetting(settingDevAccountSid, sid); err != nil {
			return err
		}
		return tx.PutSetting(settingDevAuthToken, token)
	})
	return sid, token, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
