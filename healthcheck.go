package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthcheck exits 0 when the chatd at --url answers its health check, 1
// otherwise: a probe for container images without curl.
//
// It does not verify the server's certificate. It sends no credentials and
// learns nothing but "up" or "not up", and it addresses the chatd of its
// own container, whose --tls-self-signed certificate is new at every start,
// so there is nothing stable for it to trust and nothing to protect.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	e := env(getenv)
	fs := flag.NewFlagSet("chatd healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", e.str("CHATD_URL", defaultURL(e)), "base URL of the chatd to check [CHATD_URL]")
	timeout := fs.String("timeout", e.str("CHATD_HEALTHCHECK_TIMEOUT", "5s"), "how long to wait for the answer [CHATD_HEALTHCHECK_TIMEOUT]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	wait, err := time.ParseDuration(*timeout)
	if err != nil || wait <= 0 {
		return fmt.Errorf("healthcheck: --timeout %q is not a positive duration", *timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *base+"/_chatd/health", nil)
	if err != nil {
		return err
	}
	probe := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := probe.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	var body struct{ Status string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.Status != "ok" {
		return fmt.Errorf("healthcheck: %s answered %s", *base, resp.Status)
	}
	return nil
}
