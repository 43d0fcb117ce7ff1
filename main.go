// Command chatd serves the Twilio Programmable Chat REST API from an
// embedded bbolt file, or from PostgreSQL.
//
//	chatd [serve] [--addr HOST:PORT] [--db PATH | --db postgres://… | --ephemeral] [--seed FILE]
//	              [--account-sid AC… --auth-token TOKEN] [--api-key-sid SK… --api-key-secret SECRET]
//	              [--public-url URL] [--tls-cert FILE --tls-key FILE | --tls-self-signed]
//	              [--log-format text|json] [--log-level debug|info|warn|error] [--metrics-public]
//	chatd healthcheck [--url URL]
//	chatd backup --out FILE (--url URL [--account-sid AC… --auth-token TOKEN] [--ca-cert FILE | --insecure] | --db PATH)
//	chatd compact --db PATH [--out PATH]
//	chatd migrate --from PATH --to postgres://…
//	chatd bench [--url URL] --account-sid AC… --auth-token TOKEN [--scenario send|read|mixed]
//	            [--clients N] [--duration D] [--warmup D] [--channels N] [--body-size BYTES]
//	            [--keep] [--json] [--ca-cert FILE | --insecure]
//	chatd keys create [--friendly-name NAME] | list | delete SK… (--url URL --account-sid AC… --auth-token TOKEN | --db PATH)
//	chatd token --identity ID --service IS… [--ttl 1h] (--url URL --account-sid AC… --auth-token TOKEN | --db PATH)
//	chatd version
//
// Every flag has a CHATD_* environment default (CHATD_ADDR, CHATD_DB, …);
// flags win.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/internal/app"
	"github.com/chatd/chatd/metrics"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h or --help: the usage is printed, as asked
		}
		fmt.Fprintln(os.Stderr, "chatd:", err)
		os.Exit(1)
	}
}

// shutdownTimeout bounds how long in-flight requests may finish at exit.
const shutdownTimeout = 10 * time.Second

// run is chatd's whole life: pick the command, then run it until ctx is
// done. An error means a non-zero exit.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args, getenv, stderr)
	case "backup":
		return backup(ctx, args, getenv, stdout, stderr)
	case "compact":
		return compact(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, getenv, stdout, stderr)
	case "bench":
		return benchmark(ctx, args, getenv, stdout, stderr)
	case "keys":
		return keys(ctx, args, getenv, stdout, stderr)
	case "token":
		return token(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "chatd", version())
		return nil
	default:
		return fmt.Errorf("unknown command %q (commands: serve, healthcheck, backup, compact, migrate, bench, keys, token, version)", cmd)
	}
}

// readyLine is the one line chatd prints on stdout once it serves: JSON, so
// that a test harness in any language can read the bound URL and the
// credentials from it.
type readyLine struct {
	Ready      bool   `json:"ready"`
	URL        string `json:"url"`
	AccountSid string `json:"account_sid"`
	AuthToken  string `json:"auth_token"`
	DB         string `json:"db"` // the file, or the database URL without its password
	Ephemeral  bool   `json:"ephemeral"`
	// CACert is the PEM of a generated self-signed certificate, for clients
	// to trust.
	CACert string `json:"ca_cert,omitempty"`
}

// serve runs chatd until ctx is done, then shuts down in order: HTTP first
// (in-flight requests finish), then the webhook dispatcher (pending
// deliveries stay in the file), then the file.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, cfg.logLevel, stderr)
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	var seed *chat.Seed
	if cfg.seed != "" {
		if seed, err = chat.ReadSeed(cfg.seed); err != nil {
			return err
		}
	}
	acfg := cfg.app()
	acfg.Seed, acfg.Logger, acfg.Version = seed, log, version()
	acfg.Monitor = appMonitor{metrics.New()}
	a, err := app.Start(ctx, acfg)
	if err != nil {
		return err
	}
	ready, _ := json.Marshal(readyLine{
		Ready: true, URL: a.URL, AccountSid: a.AccountSid, AuthToken: a.AuthToken,
		DB: a.Database, Ephemeral: cfg.ephemeral, CACert: string(a.CertPEM),
	})
	fmt.Fprintf(stdout, "%s\n", ready)
	log.Info("serving", "url", a.URL, "db", a.Database, "store", a.Engine, "generated_credentials", a.Generated)

	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return a.Close(sctx)
}

// defaultGCPercent is the GOGC chatd serves with unless GOGC says
// otherwise. Under load a request's garbage is most of what the heap
// holds: at Go's default of 100, collection takes about a fifth of the CPU
// of sends at 64 clients; at 200 the heap may grow to three times what is
// live instead of twice, which at idle is the same few megabytes.
const defaultGCPercent = 200

// appMonitor is package metrics as the Monitor of the chatd that serve
// starts: it reads the App's state when scraped.
type appMonitor struct{ *metrics.Metrics }

func (m appMonitor) Handler(a *app.App) http.Handler { return m.Metrics.Handler(a) }

// version is the module version chatd was built as, or its VCS revision.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "devel"
}

func newLogger(format, level string, w io.Writer) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level)) // checked by parseServe
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
