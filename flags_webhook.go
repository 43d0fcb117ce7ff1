package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/chatd/chatd/webhook"
)

// webhookFlags are chatd serve's settings of the webhook dispatcher.
type webhookFlags struct {
	workers     int
	hostWorkers int // 0: half of workers
	window      int
	buffer      int
	lease       time.Duration
}

// define adds the webhook flags to fs, with their CHATD_* defaults; a
// malformed default is added to bad.
func (w *webhookFlags) define(fs *flag.FlagSet, e env, bad *[]string) {
	fs.IntVar(&w.workers, "webhook-workers", e.integer("CHATD_WEBHOOK_WORKERS", webhook.DefaultWorkers, bad),
		"webhook requests in flight at once, all receivers [CHATD_WEBHOOK_WORKERS]")
	fs.IntVar(&w.hostWorkers, "webhook-host-workers", e.integer("CHATD_WEBHOOK_HOST_WORKERS", 0, bad),
		"webhook requests in flight at once to one receiver host; 0 is half of --webhook-workers [CHATD_WEBHOOK_HOST_WORKERS]")
	fs.IntVar(&w.window, "webhook-window", e.integer("CHATD_WEBHOOK_WINDOW", webhook.DefaultWindow, bad),
		"webhook requests in flight at once per Channel and receiver; 1 is strict commit order, retries included [CHATD_WEBHOOK_WINDOW]")
	fs.IntVar(&w.buffer, "webhook-buffer", e.integer("CHATD_WEBHOOK_BUFFER", webhook.DefaultBuffer, bad),
		"pending webhook deliveries held in memory per receiver host; the rest wait in the file [CHATD_WEBHOOK_BUFFER]")
	fs.DurationVar(&w.lease, "webhook-lease", e.duration("CHATD_WEBHOOK_LEASE", webhook.DefaultLease, bad),
		"how long this chatd's claim on a webhook delivery lasts unless renewed: with several chatd on one database, how soon another sends the deliveries of one that stopped [CHATD_WEBHOOK_LEASE]")
}

// check lists what is wrong with the webhook flags.
func (w webhookFlags) check() []string {
	var bad []string
	for _, f := range []struct {
		name         string
		value, least int
	}{
		{"--webhook-workers", w.workers, 1},
		{"--webhook-host-workers", w.hostWorkers, 0},
		{"--webhook-window", w.window, 1},
		{"--webhook-buffer", w.buffer, 1},
	} {
		if f.value < f.least {
			bad = append(bad, fmt.Sprintf("%s must be at least %d, not %d", f.name, f.least, f.value))
		}
	}
	if w.lease < time.Second {
		bad = append(bad, fmt.Sprintf("--webhook-lease must be at least 1s, not %s", w.lease))
	}
	return bad
}

// options are the dispatcher's options the flags set.
func (w webhookFlags) options() webhook.Options {
	return webhook.Options{Workers: w.workers, HostWorkers: w.hostWorkers, Window: w.window, Buffer: w.buffer, Lease: w.lease}
}
