// Command chatd serves the Twilio Programmable Chat REST API from an
// embedded bbolt file.
//
//	chatd [serve] [--addr HOST:PORT] [--db PATH] [--account-sid AC…] [--auth-token TOKEN]
//	              [--api-key-sid SK… --api-key-secret SECRET] [--public-url URL]
//	              [--log-format text|json]
//
// Every flag has a CHATD_* environment default (CHATD_ADDR, CHATD_DB, …);
// flags win.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/server"
	"github.com/chatd/chatd/webhook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chatd:", err)
		os.Exit(1)
	}
}

// config is chatd's command line.
type config struct {
	addr         string
	db           string
	accountSid   string
	authToken    string
	apiKeySid    string
	apiKeySecret string
	publicURL    string
	logFormat    string
}

// shutdownTimeout bounds how long in-flight requests may finish at exit.
const shutdownTimeout = 10 * time.Second

// run is chatd's whole life: parse the command line, open the file, serve
// until ctx is done, then shut down in order (HTTP first, the file last).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch cmd := args[0]; cmd {
		case "serve":
			args = args[1:]
		default:
			return fmt.Errorf("unknown command %q (commands: serve)", cmd)
		}
	}
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, stderr)

	db, err := bolt.Open(cfg.db, bolt.Options{})
	if err != nil {
		return err
	}
	defer db.Close()

	generated, err := credentials(ctx, db, &cfg)
	if err != nil {
		return err
	}
	hooks := webhook.New(db, webhook.Options{AuthToken: cfg.authToken, Logger: log})
	srv := server.New(chat.New(db, chat.Options{AccountSid: cfg.accountSid, Wake: hooks.Wake}), server.Config{
		AccountSid:   cfg.accountSid,
		AuthToken:    cfg.authToken,
		APIKeySid:    cfg.apiKeySid,
		APIKeySecret: cfg.apiKeySecret,
		PublicURL:    cfg.publicURL,
		Logger:       log,
	})
	hooks.Start()
	defer hooks.Close()
	if err := srv.Open(cfg.addr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "chatd serving %s on %s\n", cfg.db, srv.URL())
	if generated {
		fmt.Fprintf(stdout, "development credentials: account SID %s, auth token %s\n", cfg.accountSid, cfg.authToken)
	}

	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Close(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	// Deliveries still pending stay in the outbox for the next start.
	hooks.Close()
	return db.Close()
}

// parseFlags reads the command line; each flag defaults to its CHATD_*
// environment variable.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var cfg config
	fs := flag.NewFlagSet("chatd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", env("CHATD_ADDR", "127.0.0.1:8080"), "listen address, HOST:PORT (`:0` picks a free port) [CHATD_ADDR]")
	fs.StringVar(&cfg.db, "db", env("CHATD_DB", "chatd.db"), "bbolt database file [CHATD_DB]")
	fs.StringVar(&cfg.accountSid, "account-sid", env("CHATD_ACCOUNT_SID", ""), "Account SID clients authenticate with [CHATD_ACCOUNT_SID]")
	fs.StringVar(&cfg.authToken, "auth-token", env("CHATD_AUTH_TOKEN", ""), "auth token clients authenticate with [CHATD_AUTH_TOKEN]")
	fs.StringVar(&cfg.apiKeySid, "api-key-sid", env("CHATD_API_KEY_SID", ""), "API key SID (SK…) clients may authenticate with instead [CHATD_API_KEY_SID]")
	fs.StringVar(&cfg.apiKeySecret, "api-key-secret", env("CHATD_API_KEY_SECRET", ""), "secret of the API key [CHATD_API_KEY_SECRET]")
	fs.StringVar(&cfg.publicURL, "public-url", env("CHATD_PUBLIC_URL", ""), "scheme and host for url, links and paging URLs, when chatd is behind a proxy [CHATD_PUBLIC_URL]")
	fs.StringVar(&cfg.logFormat, "log-format", env("CHATD_LOG_FORMAT", "text"), "log format: text or json [CHATD_LOG_FORMAT]")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	switch {
	case cfg.logFormat != "text" && cfg.logFormat != "json":
		return cfg, fmt.Errorf("--log-format must be text or json, not %q", cfg.logFormat)
	case (cfg.accountSid == "") != (cfg.authToken == ""):
		return cfg, errors.New("--account-sid and --auth-token go together: give both or neither")
	case cfg.accountSid != "" && !model.IsSID(model.PrefixAccount, cfg.accountSid):
		return cfg, fmt.Errorf("--account-sid %q is not an Account SID (AC and 32 hex digits)", cfg.accountSid)
	case cfg.authToken != "" && !isAlphanumeric(cfg.authToken):
		// The helper libraries refuse to send other characters.
		return cfg, errors.New("--auth-token must be letters and digits only")
	case (cfg.apiKeySid == "") != (cfg.apiKeySecret == ""):
		return cfg, errors.New("--api-key-sid and --api-key-secret go together: give both or neither")
	case cfg.apiKeySid != "" && !model.IsSID(model.PrefixAPIKey, cfg.apiKeySid):
		return cfg, fmt.Errorf("--api-key-sid %q is not an API key SID (SK and 32 hex digits)", cfg.apiKeySid)
	case cfg.apiKeySecret != "" && !isAlphanumeric(cfg.apiKeySecret):
		return cfg, errors.New("--api-key-secret must be letters and digits only")
	}
	if cfg.publicURL != "" {
		if u, err := url.Parse(cfg.publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return cfg, fmt.Errorf("--public-url %q is not an http(s) URL", cfg.publicURL)
		}
	}
	return cfg, nil
}

func isAlphanumeric(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// Settings under which the development credentials are kept in the file.
const (
	settingDevAccountSid = "dev_account_sid"
	settingDevAuthToken  = "dev_auth_token"
)

// credentials fills in the development credentials when none are
// configured: generated on the first start and kept in the database file,
// so that a restarted chatd accepts the same pair. It reports whether it
// did so.
func credentials(ctx context.Context, db model.Store, cfg *config) (bool, error) {
	if cfg.accountSid != "" {
		return false, nil
	}
	err := db.Update(ctx, func(tx model.Tx) error {
		sid, err := tx.Setting(settingDevAccountSid)
		if err != nil {
			return err
		}
		token, err := tx.Setting(settingDevAuthToken)
		if err != nil {
			return err
		}
		if sid == "" || token == "" {
			sid, token = model.PrefixAccount+randomHex(16), randomHex(16)
			if err := tx.PutSetting(settingDevAccountSid, sid); err != nil {
				return err
			}
			if err := tx.PutSetting(settingDevAuthToken, token); err != nil {
				return err
			}
		}
		cfg.accountSid, cfg.authToken = sid, token
		return nil
	})
	return err == nil, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
