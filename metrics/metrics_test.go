package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/app"
	"github.com/chatd/chatd/metrics"
	"github.com/chatd/chatd/webhook"
)

const (
	accountSid = "AC00000000000000000000000000000001"
	authToken  = "secrettoken0123456789"
)

// monitor is package metrics as app's Monitor, as the chatd command
// makes it.
type monitor struct{ *metrics.Metrics }

func (m monitor) Handler(a *app.App) http.Handler { return m.Metrics.Handler(a) }

// chatd is one started chatd with metrics, on a file of the test's.
type chatd struct {
	*app.App
	t *testing.T
}

func start(t *testing.T, cfg app.Config) *chatd {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = filepath.Join(t.TempDir(), "chatd.db")
	cfg.AccountSid, cfg.AuthToken = accountSid, authToken
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Webhooks = webhook.Options{Backoff: 20 * time.Millisecond, Timeout: 2 * time.Second, Logger: cfg.Logger}
	cfg.Monitor = monitor{metrics.New()}
	a, err := app.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	return &chatd{a, t}
}

// do sends a request, with the credentials unless anonymous, and returns
// the status and body.
func (c *chatd) do(method, path string, form url.Values, anonymous bool, header ...string) (int, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequestWithContext(c.t.Context(), method, c.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if !anonymous {
		req.SetBasicAuth(accountSid, authToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// must is do that fails the test unless the status is want, and returns
// the JSON field sid of the answer, if any.
func (c *chatd) must(want int, method, path string, form url.Values, header ...string) string {
	c.t.Helper()
	status, body := c.do(method, path, form, false, header...)
	if status != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, status, want, body)
	}
	m := regexp.MustCompile(`"sid": ?"([A-Z]{2}[0-9a-f]{32})"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// scrape reads the metrics: each sample's value by its name and labels as
// the text format writes them.
func (c *chatd) scrape(anonymous bool) (int, map[string]float64) {
	c.t.Helper()
	status, body := c.do(http.MethodGet, "/_chatd/metrics", nil, anonymous)
	samples := map[string]float64{}
	if status != http.StatusOK {
		return status, samples
	}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			c.t.Fatalf("sample %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	return status, samples
}

// waitPending waits until the outbox holds n pending deliveries.
func (c *chatd) waitPending(n int) {
	c.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got, err := c.PendingDeliveries(c.t.Context())
		if err != nil {
			c.t.Fatal(err)
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%d deliveries pending, want %d", got, n)
		}
	}
}

func TestMetricsCountTheTraffic(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer receiver.Close()
	c := start(t, app.Config{})

	// The traffic: each route a known number of times.
	service := c.must(http.StatusCreated, http.MethodPost, "/v2/Services", url.Values{"FriendlyName": {"metrics"}})
	c.must(http.StatusOK, http.MethodPost, "/v2/Services/"+service, url.Values{"PostWebhookUrl": {receiver.URL}})
	channel := c.must(http.StatusCreated, http.MethodPost, "/v2/Services/"+service+"/Channels", url.Values{})
	for range 3 {
		c.must(http.StatusOK, http.MethodGet, "/v2/Services", nil)
	}
	for range 2 {
		c.must(http.StatusNotFound, http.MethodGet, "/v2/Services/IS00000000000000000000000000000000", nil)
	}
	for range 2 {
		c.must(http.StatusCreated, http.MethodPost, "/v2/Services/"+service+"/Channels/"+channel+"/Messages",
			url.Values{"Body": {"hi"}}, "X-Twilio-Webhook-Enabled", "true")
	}
	if status, _ := c.do(http.MethodGet, "/v2/Services", nil, true); status != http.StatusUnauthorized {
		t.Fatalf("an anonymous request: %d", status)
	}
	c.do("BREW", "/v2/Services", nil, false)
	c.waitPending(0)

	t.Run("the metrics take the credentials", func(t *testing.T) {
		if status, _ := c.scrape(true); status != http.StatusUnauthorized {
			t.Errorf("an anonymous scrape: %d, want 401", status)
		}
	})
	status, m := c.scrape(false)
	if status != http.StatusOK {
		t.Fatalf("scrape: %d", status)
	}
	_, again := c.scrape(false)

	t.Run("requests by route, method and status", func(t *testing.T) {
		for sample, want := range map[string]float64{
			`chatd_http_requests_total{method="POST",route="/v2/Services",status="201"}`:                                     1,
			`chatd_http_requests_total{method="POST",route="/v2/Services/:service",status="200"}`:                            1,
			`chatd_http_requests_total{method="POST",route="/v2/Services/:service/Channels",status="201"}`:                   1,
			`chatd_http_requests_total{method="GET",route="/v2/Services",status="200"}`:                                      3,
			`chatd_http_requests_total{method="GET",route="/v2/Services/:service",status="404"}`:                             2,
			`chatd_http_requests_total{method="POST",route="/v2/Services/:service/Channels/:channel/Messages",status="201"}`: 2,
			`chatd_http_requests_total{method="GET",route="none",status="401"}`:                                              2, // one scrape too
			`chatd_http_requests_total{method="other",route="none",status="405"}`:                                            1,
			`chatd_http_request_duration_seconds_count{method="GET",route="/v2/Services"}`:                                   3,
			`chatd_http_request_duration_seconds_bucket{method="GET",route="/v2/Services",le="+Inf"}`:                        3,
		} {
			if got := m[sample]; got != want {
				t.Errorf("%s = %v, want %v", sample, got, want)
			}
		}
		// A scrape is counted once it is answered: the next scrape shows it.
		if got := again[`chatd_http_requests_total{method="GET",route="/_chatd/metrics",status="200"}`]; got != 1 {
			t.Errorf("the scrape was counted %v times, want 1", got)
		}
	})
	t.Run("webhook attempts by outcome", func(t *testing.T) {
		if got := m[`chatd_webhook_attempts_total{kind="post",outcome="delivered"}`]; got != 2 {
			t.Errorf("delivered attempts = %v, want 2", got)
		}
		if got := m[`chatd_webhook_attempt_duration_seconds_count{kind="post",outcome="delivered"}`]; got != 2 {
			t.Errorf("timed attempts = %v, want 2", got)
		}
		if got, ok := m[`chatd_webhook_pending_deliveries`]; !ok || got != 0 {
			t.Errorf("pending deliveries = %v (%v), want 0", got, ok)
		}
	})
	t.Run("commits", func(t *testing.T) {
		commits, writes := m["chatd_store_commit_duration_seconds_count"], m["chatd_store_commit_writes_sum"]
		// Six writes of the API and the two deliveries' outcomes, which the
		// outbox records in one write when both are known by then, grouped
		// into as many commits or fewer.
		if writes < 7 || commits < 1 || commits > writes || m["chatd_store_commit_writes_count"] != commits {
			t.Errorf("%v commits of %v writes", commits, writes)
		}
	})
	t.Run("the file and the runtime", func(t *testing.T) {
		st, err := os.Stat(c.DBPath)
		if err != nil {
			t.Fatal(err)
		}
		if got := m["chatd_database_size_bytes"]; got != float64(st.Size()) {
			t.Errorf("database size = %v, want %d", got, st.Size())
		}
		if got, ok := m["chatd_realtime_connections"]; !ok || got != 0 {
			t.Errorf("realtime connections = %v (%v), want 0", got, ok)
		}
		for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
			if _, ok := m[name]; !ok {
				t.Errorf("no %s", name)
			}
		}
	})
}

func TestPublicMetricsAndPendingDeliveries(t *testing.T) {
	c := start(t, app.Config{MetricsPublic: true, HoldWebhooks: true})
	service := c.must(http.StatusCreated, http.MethodPost, "/v2/Services", url.Values{"FriendlyName": {"held"}})
	c.must(http.StatusOK, http.MethodPost, "/v2/Services/"+service, url.Values{"PostWebhookUrl": {"http://127.0.0.1:9/hook"}})
	channel := c.must(http.StatusCreated, http.MethodPost, "/v2/Services/"+service+"/Channels", url.Values{})
	for range 3 {
		c.must(http.StatusCreated, http.MethodPost, "/v2/Services/"+service+"/Channels/"+channel+"/Messages",
			url.Values{"Body": {"held"}}, "X-Twilio-Webhook-Enabled", "true")
	}
	status, m := c.scrape(true)
	if status != http.StatusOK {
		t.Fatalf("an anonymous scrape of public metrics: %d", status)
	}
	if got := m["chatd_webhook_pending_deliveries"]; got != 3 {
		t.Errorf("pending deliveries = %v, want 3", got)
	}
	// Only the metrics are public.
	if status, _ := c.do(http.MethodGet, "/v2/Services", nil, true); status != http.StatusUnauthorized {
		t.Errorf("the API without credentials: %d", status)
	}
}
