package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/chatd/chatd/model"
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

// parseServe reads chatd serve's flags; each defaults to its CHATD_*
// environment variable, and a bad value stops start-up with a message
// naming it.
func parseServe(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	e := env(getenv)
	var bad []string
	var cfg serveConfig
	fs := flag.NewFlagSet("chatd serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", e.str("CHATD_ADDR", "127.0.0.1:8080"), "listen address, HOST:PORT (`:0` picks a free port) [CHATD_ADDR]")
	fs.StringVar(&cfg.db, "db", e.str("CHATD_DB", "chatd.db"), "bbolt database file [CHATD_DB]")
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

// check lists what is wrong with the configuration.
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
	switch {
	case (cfg.accountSid == "") != (cfg.authToken == ""):
		fail("--account-sid and --auth-token go together: give both or neither")
	case cfg.accountSid != "" && !model.IsSID(model.PrefixAccount, cfg.accountSid):
		fail("--account-sid %q is not an Account SID (AC and 32 hex digits)", cfg.accountSid)
	case cfg.authToken != "" && !isAlphanumeric(cfg.authToken):
		// The helper libraries refuse to send other characters.
		fail("--auth-token must be letters and digits only")
	}
	switch {
	case (cfg.apiKeySid == "") != (cfg.apiKeySecret == ""):
		fail("--api-key-sid and --api-key-secret go together: give both or neither")
	case cfg.apiKeySid != "" && !model.IsSID(model.PrefixAPIKey, cfg.apiKeySid):
		fail("--api-key-sid %q is not an API key SID (SK and 32 hex digits)", cfg.apiKeySid)
	case cfg.apiKeySecret != "" && !isAlphanumeric(cfg.apiKeySecret):
		fail("--api-key-secret must be letters and digits only")
	}
	if cfg.publicURL != "" {
		if u, err := url.Parse(cfg.publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fail("--public-url %q is not an http(s) URL", cfg.publicURL)
		}
	}
	switch {
	case (cfg.tlsCert == "") != (cfg.tlsKey == ""):
		fail("--tls-cert and --tls-key go together: give both or neither")
	case cfg.tlsCert != "" && cfg.tlsSelfSigned:
		fail("--tls-self-signed and --tls-cert exclude each other")
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

func isAlphanumeric(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// defaultURL is the URL of a chatd serving with the environment's defaults,
// for the healthcheck and backup commands.
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
