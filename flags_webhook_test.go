package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/webhook"
)

// defaultWebhookFlags are the webhook flags of a command line that gives
// none.
var defaultWebhookFlags = webhookFlags{workers: webhook.DefaultWorkers, window: webhook.DefaultWindow, buffer: webhook.DefaultBuffer,
	lease: webhook.DefaultLease}

func TestParseWebhookFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want webhookFlags
	}{
		{"Defaults", nil, nil, defaultWebhookFlags},
		{"Flags", []string{"--webhook-workers", "8", "--webhook-host-workers", "3", "--webhook-window", "1", "--webhook-buffer", "500",
			"--webhook-lease", "10s"}, nil,
			webhookFlags{workers: 8, hostWorkers: 3, window: 1, buffer: 500, lease: 10 * time.Second}},
		{"Env", nil, map[string]string{"CHATD_WEBHOOK_WORKERS": "16", "CHATD_WEBHOOK_HOST_WORKERS": "4",
			"CHATD_WEBHOOK_WINDOW": "2", "CHATD_WEBHOOK_BUFFER": "100", "CHATD_WEBHOOK_LEASE": "2m"},
			webhookFlags{workers: 16, hostWorkers: 4, window: 2, buffer: 100, lease: 2 * time.Minute}},
		{"FlagWinsOverEnv", []string{"--webhook-window", "5"}, map[string]string{"CHATD_WEBHOOK_WINDOW": "7"},
			webhookFlags{workers: webhook.DefaultWorkers, window: 5, buffer: webhook.DefaultBuffer, lease: webhook.DefaultLease}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parseServe(c.args, func(k string) string { return c.env[k] }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.webhooks != c.want {
				t.Errorf("got %+v, want %+v", cfg.webhooks, c.want)
			}
			opts := cfg.app().Webhooks
			if opts.Workers != c.want.workers || opts.HostWorkers != c.want.hostWorkers || opts.Window != c.want.window || opts.Buffer != c.want.buffer ||
				opts.Lease != c.want.lease {
				t.Errorf("dispatcher options %+v from %+v", opts, c.want)
			}
		})
	}
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want string // in the error
	}{
		{"ErrZeroWindow", []string{"--webhook-window", "0"}, nil, "--webhook-window must be at least 1"},
		{"ErrZeroWorkers", []string{"--webhook-workers", "0"}, nil, "--webhook-workers must be at least 1"},
		{"ErrNegativeHostWorkers", []string{"--webhook-host-workers", "-1"}, nil, "--webhook-host-workers must be at least 0"},
		{"ErrZeroBuffer", []string{"--webhook-buffer", "0"}, nil, "--webhook-buffer must be at least 1"},
		{"ErrBadFlag", []string{"--webhook-window", "many"}, nil, "webhook-window"},
		{"ErrShortLease", []string{"--webhook-lease", "500ms"}, nil, "--webhook-lease must be at least 1s, not 500ms"},
		{"ErrBadLease", nil, map[string]string{"CHATD_WEBHOOK_LEASE": "soon"}, `CHATD_WEBHOOK_LEASE="soon" is not a duration`},
		{"ErrBadEnv", nil, map[string]string{"CHATD_WEBHOOK_BUFFER": "lots"}, `CHATD_WEBHOOK_BUFFER="lots" is not a whole number`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseServe(c.args, func(k string) string { return c.env[k] }, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}
