// Package bench loads a running chatd through its REST API, as an
// application's servers would, and measures throughput and latency: the
// engine of chatd bench, for sizing a deployment.
//
// A run creates its own Service and Channels, fills the Channels with a
// page of messages when the scenario reads, runs a warm-up and then the
// measured load with concurrent clients over keep-alive connections, and
// deletes the Service at the end. It sends no X-Twilio-Webhook-Enabled
// header, so no webhook fires.
package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"
)

// Scenario names a load.
type Scenario string

// The scenarios. Read is what a client opening a Channel asks for: its
// newest page of messages and the Channel itself. Mixed is a chat room's
// usual shape, far more reads than sends.
const (
	Send  Scenario = "send"  // POST a message, round-robin over the Channels
	Read  Scenario = "read"  // a page of 50 messages and a Channel fetch in turn
	Mixed Scenario = "mixed" // 1 send : 9 reads (5 pages, 4 Channel fetches)
)

// ParseScenario checks the name of a scenario.
func ParseScenario(name string) (Scenario, error) {
	switch s := Scenario(name); s {
	case Send, Read, Mixed:
		return s, nil
	}
	return "", fmt.Errorf("unknown scenario %q (send, read or mixed)", name)
}

// Mix describes the requests a scenario makes.
func (s Scenario) Mix() string {
	switch s {
	case Send:
		return "sends only"
	case Read:
		return "a page of 50 and a Channel fetch in turn"
	default:
		return "1 send : 9 reads (5 pages of 50, 4 Channel fetches)"
	}
}

// op returns the operation of a client's i-th request.
func (s Scenario) op(i int) op {
	switch {
	case s == Send || s == Mixed && i%10 == 0:
		return opSend
	case s == Read && i%2 == 0 || s == Mixed && i%2 == 1:
		return opPage
	}
	return opChannel
}

// PageSize is the PageSize of the page reads, and how many messages each
// Channel holds before a scenario that reads starts.
const PageSize = 50

// Bounds of a run's configuration.
const (
	MaxClients  = 10_000
	MaxChannels = 10_000
	MaxBodySize = 32 << 10 // chatd's own limit on a message Body
)

// Config is one run.
type Config struct {
	URL                   string // chatd's base URL, http or https
	AccountSid, AuthToken string // HTTP Basic credentials
	Scenario              Scenario
	Clients               int           // concurrent clients, each with its own connection
	Duration              time.Duration // measured load
	Warmup                time.Duration // load before it, not measured
	Channels              int           // Channels the requests are spread over
	BodySize              int           // bytes of each message Body
	Keep                  bool          // keep the Service at the end
	// SignIn signs a client in to the Service before the load, as an app
	// whose users run the client SDKs has: from then on every send also
	// appends the Sync events the SDKs replay. Without it, the Service is
	// one that only the REST API writes to.
	SignIn bool
	// TLS verifies https URLs; nil uses the system's roots.
	TLS *tls.Config
	// Progress receives what the run is doing and, once a second, its
	// request count and rate; nil discards them. Live rewrites the rate
	// line in place (for a terminal) instead of adding a line a second.
	Progress io.Writer
	Live     bool
}

// Validate reports what is wrong with cfg, every problem at once.
func (cfg Config) Validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fail("the URL must be http:// or https:// and a host, not %q", cfg.URL)
	}
	if cfg.AccountSid == "" || cfg.AuthToken == "" {
		fail("the Account SID and auth token are needed")
	}
	if _, err := ParseScenario(string(cfg.Scenario)); err != nil {
		errs = append(errs, err)
	}
	if cfg.Clients < 1 || cfg.Clients > MaxClients {
		fail("clients must be 1 to %d, not %d", MaxClients, cfg.Clients)
	}
	if cfg.Duration <= 0 {
		fail("the duration must be positive, not %v", cfg.Duration)
	}
	if cfg.Warmup < 0 {
		fail("the warm-up cannot be negative (%v)", cfg.Warmup)
	}
	if cfg.Channels < 1 || cfg.Channels > MaxChannels {
		fail("channels must be 1 to %d, not %d", MaxChannels, cfg.Channels)
	}
	if cfg.BodySize < 1 || cfg.BodySize > MaxBodySize {
		fail("the body size must be 1 to %d bytes, not %d", MaxBodySize, cfg.BodySize)
	}
	return errors.Join(errs...)
}

// deleteTimeout bounds the final deletion of the Service, which runs even
// when the run was interrupted.
const deleteTimeout = time.Minute

// Run benchmarks the chatd at cfg.URL. It returns the measured result, or
// an error when the run could not be set up. When ctx is done during the
// load, Run stops it and returns what was measured, marked Interrupted.
// Unless cfg.Keep, the Service is deleted in every case; a failure to
// delete it is returned with the result.
func Run(ctx context.Context, cfg Config) (res *Result, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	c := newClient(cfg)
	defer c.close()
	p := &progress{w: cfg.Progress, live: cfg.Live}

	name := "chatd bench " + time.Now().UTC().Format(time.RFC3339)
	svc, err := c.createService(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("create the Service: %w", err)
	}
	p.printf("created Service %s %q", svc, name)
	defer func() {
		if cfg.Keep {
			p.printf("kept Service %s", svc)
			return
		}
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deleteTimeout)
		defer cancel()
		if derr := c.deleteService(dctx, svc); derr != nil {
			err = errors.Join(err, fmt.Errorf("delete the Service %s: %w", svc, derr))
			return
		}
		p.printf("deleted Service %s", svc)
	}()

	if cfg.SignIn {
		if err := c.signIn(ctx, svc, benchIdentity); err != nil {
			return nil, fmt.Errorf("sign a client in: %w", err)
		}
		p.printf("signed %s in to the Service: its sends keep a Sync log", benchIdentity)
	}
	l, err := setUp(ctx, cfg, c, svc, p)
	if err != nil {
		return nil, err
	}
	if cfg.Warmup > 0 {
		l.run(ctx, "warm-up", cfg.Warmup, p)
	}
	t, elapsed := l.run(ctx, "measure", cfg.Duration, p)
	return newResult(cfg, svc, t, elapsed, ctx.Err() != nil), nil
}

// setUp creates the Channels and, for scenarios that read, fills each
// with a page of messages, using the run's clients in parallel.
func setUp(ctx context.Context, cfg Config, c *client, svc string, p *progress) (*load, error) {
	start := time.Now()
	chans := make([]string, cfg.Channels)
	err := parallel(ctx, cfg.Channels, cfg.Clients, func(ctx context.Context, i int) (err error) {
		chans[i], err = c.createChannel(ctx, svc, fmt.Sprintf("bench %d", i+1))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create the Channels: %w", err)
	}
	p.printf("created %d Channels in %.1fs", cfg.Channels, time.Since(start).Seconds())
	l := newLoad(cfg, c, svc, chans)
	if cfg.Scenario == Send {
		return l, nil
	}
	start = time.Now()
	err = parallel(ctx, cfg.Channels*PageSize, cfg.Clients, func(ctx context.Context, i int) error {
		return c.sendMessage(ctx, l.sends[i%len(chans)], l.message)
	})
	if err != nil {
		return nil, fmt.Errorf("fill the Channels: %w", err)
	}
	p.printf("sent %d messages to each Channel in %.1fs", PageSize, time.Since(start).Seconds())
	return l, nil
}
