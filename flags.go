package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/internal/app"
	"github.com/chatd/chatd/server"
)

// serveConfig is the command line of chatd serve.
type serveConfig struct {
	addr          string
	db            string
	ephemeral     bool
	seed          string
	accountSid    string
	authToken     string
	apiKeySid     string
	apiKeySecret  string
	publicURL     string
	tlsCert       string
	tlsKey        string
	tlsSelfSigned bool
	logFormat     string
	logLevel      string
	maxConns      int
	metricsPublic bool
	syncRetention int
	webhooks      webhookFlags
}

// env returns the CHATD_* default of a flag.
type env func(string) string

func (e env) str(name, def string) string {
	if v := e(name); v != "" {
		return v
	}
	return def
}

// boolean reads a boolean default; a malformed one is reported by check.
func (e env) boolean(name string, bad *[]string) bool {
	v := e(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		*bad = append(*bad, fmt.Sprintf("%s=%q is not a boolean", name, v))
	}
	return b
}

// integer reads a whole-number default; a malformed one is reported by check.
func (e env) integer(name string, def int, bad *[]string) int {
	v := e(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		*bad = append(*bad, fmt.Sprintf("%s=%q is not a whole number", name, v))
		return def
	}
	return n
}

// duration reads a duration default (such as 10s); a malformed one is
// reported in bad.
func (e env) duration(name string, def time.Duration, bad *[]string) time.Duration {
	v := e(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		*bad = append(*bad, fmt.Sprintf("%s=%q is not a duration", name, v))
		return def
	}
	return d
}

// parseServe reads chatd serve's flags; each defaults to its CHATD_*
// environment variable, and a bad value stops start-up with a message
// naming it.
func parseServe(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	e := env(getenv)
	var bad []string
	var cfg serveConfig
	fs := flag.NewFlagSet("chatd serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", e.str("CHATD_ADDR", "127.0.0.1:8080"), "listen address, HOST:PORT (:0 picks a free port) [CHATD_ADDR]")
	fs.StringVar(&cfg.db, "db", e.str("CHATD_DB", "chatd.db"), "bbolt database file, or a PostgreSQL URL: postgres://USER:PASSWORD@HOST/DB (pool size: ?pool_max_conns=N) [CHATD_DB]")
	fs.BoolVar(&cfg.ephemeral, "ephemeral", e.boolean("CHATD_EPHEMERAL", &bad), "keep the data in a temporary file removed at exit [CHATD_EPHEMERAL]")
	fs.StringVar(&cfg.seed, "seed", e.str("CHATD_SEED", ""), "JSON seed loaded into a new file and restored by POST /_chatd/reset [CHATD_SEED]")
	fs.StringVar(&cfg.accountSid, "account-sid", e.str("CHATD_ACCOUNT_SID", ""), "Account SID clients authenticate with [CHATD_ACCOUNT_SID]")
	fs.StringVar(&cfg.authToken, "auth-token", e.str("CHATD_AUTH_TOKEN", ""), "auth token clients authenticate with [CHATD_AUTH_TOKEN]")
	fs.StringVar(&cfg.apiKeySid, "api-key-sid", e.str("CHATD_API_KEY_SID", ""), "API key SID (SK…) clients may authenticate with instead [CHATD_API_KEY_SID]")
	fs.StringVar(&cfg.apiKeySecret, "api-key-secret", e.str("CHATD_API_KEY_SECRET", ""), "secret of the API key [CHATD_API_KEY_SECRET]")
	fs.StringVar(&cfg.publicURL, "public-url", e.str("CHATD_PUBLIC_URL", ""), "scheme and host for url, links and paging URLs, when chatd is behind a proxy [CHATD_PUBLIC_URL]")
	fs.StringVar(&cfg.tlsCert, "tls-cert", e.str("CHATD_TLS_CERT", ""), "serve HTTPS with this PEM certificate [CHATD_TLS_CERT]")
	fs.StringVar(&cfg.tlsKey, "tls-key", e.str("CHATD_TLS_KEY", ""), "and this PEM key [CHATD_TLS_KEY]")
	fs.BoolVar(&cfg.tlsSelfSigned, "tls-self-signed", e.boolean("CHATD_TLS_SELF_SIGNED", &bad), "serve HTTPS with a certificate generated at start (its PEM is in the ready line) [CHATD_TLS_SELF_SIGNED]")
	fs.StringVar(&cfg.logFormat, "log-format", e.str("CHATD_LOG_FORMAT", "text"), "log format: text or json [CHATD_LOG_FORMAT]")
	fs.StringVar(&cfg.logLevel, "log-level", e.str("CHATD_LOG_LEVEL", "info"), "log level: debug, info, warn or error [CHATD_LOG_LEVEL]")
	fs.IntVar(&cfg.maxConns, "max-connections", e.integer("CHATD_MAX_CONNECTIONS", 0, &bad),
		fmt.Sprintf("connections open at once, more wait until one closes; 0 means %d [CHATD_MAX_CONNECTIONS]", server.DefaultLimits().MaxConnections))
	fs.BoolVar(&cfg.metricsPublic, "metrics-public", e.boolean("CHATD_METRICS_PUBLIC", &bad), "serve GET /_chatd/metrics without credentials [CHATD_METRICS_PUBLIC]")
	fs.IntVar(&cfg.syncRetention, "sync-retention", e.integer("CHATD_SYNC_RETENTION", 0, &bad),
		fmt.Sprintf("newest events each Sync object keeps for the client SDKs to catch up on when they resubscribe; 0 means %d [CHATD_SYNC_RETENTION]", chat.DefaultSyncRetention))
	cfg.webhooks.define(fs, e, &bad)
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		bad = append(bad, "unexpected arguments: "+strings.Join(fs.Args(), " "))
	}
	bad = append(bad, cfg.check()...)
	if len(bad) > 0 {
		return cfg, errors.New(strings.Join(bad, "; "))
	}
	return cfg, nil
}

// app is the configuration of the chatd that serve starts (without the
// seed, logger and version, which serve adds).
func (cfg serveConfig) app() app.Config {
	return app.Config{
		Addr:          cfg.addr,
		DB:            cfg.db,
		Ephemeral:     cfg.ephemeral,
		OpenURL:       openDatabase,
		AccountSid:    cfg.accountSid,
		AuthToken:     cfg.authToken,
		APIKeySid:     cfg.apiKeySid,
		APIKeySecret:  cfg.apiKeySecret,
		PublicURL:     cfg.publicURL,
		TLSCert:       cfg.tlsCert,
		TLSKey:        cfg.tlsKey,
		TLSSelfSigned: cfg.tlsSelfSigned,
		Limits:        server.Limits{MaxConnections: cfg.maxConns},
		SyncRetention: cfg.syncRetention,
		Webhooks:      cfg.webhooks.options(),
		MetricsPublic: cfg.metricsPublic,
	}
}

// check lists what is wrong with the configuration: the command line's own
// checks, then chatd's (app.Config.Validate).
func (cfg serveConfig) check() []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	if cfg.logFormat != "text" && cfg.logFormat != "json" {
		fail("--log-format must be text or json, not %q", cfg.logFormat)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		fail("--log-level must be debug, info, warn or error, not %q", cfg.logLevel)
	}
	if cfg.maxConns < 0 {
		fail("--max-connections must not be negative, not %d", cfg.maxConns)
	}
	if cfg.syncRetention < 0 {
		fail("--sync-retention must not be negative, not %d", cfg.syncRetention)
	}
	bad = append(bad, cfg.webhooks.check()...)
	if err := cfg.app().Validate(); err != nil {
		bad = append(bad, err.Error())
	}
	for _, f := range []struct{ flag, path string }{{"--tls-cert", cfg.tlsCert}, {"--tls-key", cfg.tlsKey}, {"--seed", cfg.seed}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			fail("%s: %v", f.flag, err)
		}
	}
	return bad
}

// defaultURL is the URL of a chatd serving with the environment's defaults,
// for the healthcheck command.
func defaultURL(e env) string {
	addr := e.str("CHATD_ADDR", "127.0.0.1:8080")
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	scheme := "http"
	if e("CHATD_TLS_CERT") != "" || e.boolean("CHATD_TLS_SELF_SIGNED", new([]string)) {
		scheme = "https"
	}
	return scheme + "://" + addr
}
