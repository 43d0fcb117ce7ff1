package main

// The console and the metrics of chatd serve: what the command wires.

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
)

// get fetches path from c with the credentials, or without when user is
// "", and returns the status and body.
func get(t *testing.T, c *chatd, path, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, c.ready.URL+path, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestE2EMetrics(t *testing.T) {
	t.Parallel()
	t.Run("they take the credentials by default", func(t *testing.T) {
		c := start(t, args(listen, []string{"--ephemeral"}))
		if status, _ := get(t, c, "/_chatd/metrics", "", ""); status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d, want 401", status)
		}
		status, body := get(t, c, "/_chatd/metrics", c.ready.AccountSid, c.ready.AuthToken)
		if status != http.StatusOK || !strings.Contains(body, `chatd_http_requests_total{method="GET",route="none",status="401"} 1`) {
			t.Errorf("%d\n%s", status, body)
		}
		c.stop(t)
	})
	for name, how := range map[string][]string{
		"--metrics-public":          {"--metrics-public"},
		"CHATD_METRICS_PUBLIC=true": nil,
	} {
		t.Run(name+" serves them without", func(t *testing.T) {
			var env []string
			if how == nil {
				env = []string{"CHATD_METRICS_PUBLIC=true"}
			}
			c := start(t, args(listen, []string{"--ephemeral"}, how), env...)
			if status, body := get(t, c, "/_chatd/metrics", "", ""); status != http.StatusOK || !strings.Contains(body, "chatd_database_size_bytes") {
				t.Errorf("anonymous: %d\n%s", status, body)
			}
			if status, _ := get(t, c, "/_chatd/console/", "", ""); status != http.StatusUnauthorized {
				t.Errorf("the console without credentials: %d, want 401", status)
			}
			c.stop(t)
		})
	}
}

func TestE2EConsoleLivePageEndsAtShutdown(t *testing.T) {
	t.Parallel()
	c := start(t, args(listen, []string{"--ephemeral"}))
	service := c.api.Create(t, "/v2/Services", map[string][]string{"FriendlyName": {"live"}})["sid"].(string)
	channel := c.api.Create(t, "/v2/Services/"+service+"/Channels", nil)["sid"].(string)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet,
		c.ready.URL+"/_chatd/console/services/"+service+"/channels/"+channel+"/live", nil)
	req.SetBasicAuth(c.ready.AccountSid, c.ready.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if line, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil || line != "retry: 1000\n" {
		t.Fatalf("the stream began %q, %v", line, err)
	}
	// With the stream open, SIGTERM still ends chatd at once and cleanly
	// (stop fails on a non-zero exit, which a shutdown past its deadline
	// is).
	c.stop(t)
}
