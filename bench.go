package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/chatd/chatd/internal/bench"
)

// benchmark is chatd bench: it loads the chatd at --url with a scenario
// for --duration and prints throughput and latency, to size a deployment.
// It exits non-zero when no request succeeded.
func benchmark(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, asJSON, err := parseBench(args, getenv, stderr)
	if err != nil {
		return err
	}
	cfg.Progress, cfg.Live = stderr, isTerminal(stderr)
	res, err := bench.Run(ctx, cfg)
	if res != nil {
		write := res.WriteTable
		if asJSON {
			write = res.WriteJSON
		}
		if werr := write(stdout); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	switch {
	case err != nil:
		return fmt.Errorf("bench: %w", err)
	case res.Interrupted:
		return errors.New("bench: interrupted")
	case res.Total.OK() == 0:
		return fmt.Errorf("bench: none of the %d requests succeeded", res.Total.Requests)
	}
	return nil
}

// parseBench reads chatd bench's flags, each with a CHATD_* default.
func parseBench(args []string, getenv func(string) string, stderr io.Writer) (cfg bench.Config, asJSON bool, err error) {
	e := env(getenv)
	var bad []string
	fs := flag.NewFlagSet("chatd bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.URL, "url", e.str("CHATD_URL", defaultURL(e)), "base URL of the chatd to load [CHATD_URL]")
	fs.StringVar(&cfg.AccountSid, "account-sid", e.str("CHATD_ACCOUNT_SID", ""), "credentials of that chatd [CHATD_ACCOUNT_SID]")
	fs.StringVar(&cfg.AuthToken, "auth-token", e.str("CHATD_AUTH_TOKEN", ""), "[CHATD_AUTH_TOKEN]")
	scenario := fs.String("scenario", e.str("CHATD_BENCH_SCENARIO", string(bench.Mixed)),
		"send, read (a page of 50 and a Channel fetch in turn) or mixed (1 send : 9 reads) [CHATD_BENCH_SCENARIO]")
	fs.IntVar(&cfg.Clients, "clients", e.integer("CHATD_BENCH_CLIENTS", 16, &bad), "concurrent clients, each on a keep-alive connection [CHATD_BENCH_CLIENTS]")
	fs.DurationVar(&cfg.Duration, "duration", e.duration("CHATD_BENCH_DURATION", 10*time.Second, &bad), "measured load [CHATD_BENCH_DURATION]")
	fs.DurationVar(&cfg.Warmup, "warmup", e.duration("CHATD_BENCH_WARMUP", time.Second, &bad), "load before it, not measured [CHATD_BENCH_WARMUP]")
	fs.IntVar(&cfg.Channels, "channels", e.integer("CHATD_BENCH_CHANNELS", 16, &bad), "Channels the requests are spread over [CHATD_BENCH_CHANNELS]")
	fs.IntVar(&cfg.BodySize, "body-size", e.integer("CHATD_BENCH_BODY_SIZE", 100, &bad), "bytes of each message Body [CHATD_BENCH_BODY_SIZE]")
	fs.BoolVar(&cfg.Keep, "keep", e.boolean("CHATD_BENCH_KEEP", &bad), "keep the Service the run created [CHATD_BENCH_KEEP]")
	fs.BoolVar(&cfg.SignIn, "sign-in", e.boolean("CHATD_BENCH_SIGN_IN", &bad),
		"sign a client in to the Service first, as the client SDKs do: sends then keep its Sync log [CHATD_BENCH_SIGN_IN]")
	fs.BoolVar(&asJSON, "json", e.boolean("CHATD_BENCH_JSON", &bad), "print the result as one JSON object [CHATD_BENCH_JSON]")
	caCert := fs.String("ca-cert", e.str("CHATD_CA_CERT", ""), "trust this PEM certificate for https (e.g. the ready line's ca_cert) [CHATD_CA_CERT]")
	insecure := fs.Bool("insecure", e.boolean("CHATD_INSECURE", &bad), "do not verify the https certificate [CHATD_INSECURE]")
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	if fs.NArg() > 0 {
		bad = append(bad, "unexpected arguments: "+strings.Join(fs.Args(), " "))
	}
	cfg.Scenario = bench.Scenario(*scenario)
	if cfg.TLS, err = clientTLS(*caCert, *insecure); err != nil {
		bad = append(bad, err.Error())
	}
	if err := cfg.Validate(); err != nil {
		bad = append(bad, strings.Split(err.Error(), "\n")...)
	}
	if len(bad) > 0 {
		return cfg, false, errors.New("bench: " + strings.Join(bad, "; "))
	}
	return cfg, asJSON, nil
}

// clientTLS is how a command that calls a chatd over https trusts it: the
// system's roots by default, plus the PEM certificates of caCert (such as
// the self-signed certificate of chatd --tls-self-signed), or no check at
// all with insecure.
func clientTLS(caCert string, insecure bool) (*tls.Config, error) {
	switch {
	case insecure && caCert != "":
		return nil, errors.New("--ca-cert and --insecure contradict each other")
	case insecure:
		return &tls.Config{InsecureSkipVerify: true}, nil
	case caCert == "":
		return nil, nil
	}
	pem, err := os.ReadFile(caCert)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-cert: no PEM certificate in %s", caCert)
	}
	return &tls.Config{RootCAs: roots}, nil
}

// isTerminal reports whether w is a terminal, where a progress line can be
// rewritten in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
