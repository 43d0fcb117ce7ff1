package main

// End-to-end tests of webhooks through the real binary: deliveries survive
// a kill -9.

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/testenv"
)

// hookLog is a webhook receiver that answers 200 after a while and notes,
// by message Body, the phase of the test in which each request came.
type hookLog struct {
	mu     sync.Mutex
	phase  int
	seen   map[string][]int // Body → the phase of each request
	tokens map[string]string
	delay  time.Duration
}

func (l *hookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	l.mu.Lock()
	key := form.Get("Body")
	l.seen[key] = append(l.seen[key], l.phase)
	if tok := r.Header.Get("I-Twilio-Idempotency-Token"); l.tokens[key] == "" {
		l.tokens[key] = tok
	} else if l.tokens[key] != tok {
		l.tokens[key] = "differs"
	}
	l.mu.Unlock()
	time.Sleep(l.delay)
}

// count is how many distinct messages arrived.
func (l *hookLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.seen)
}

// hookedPost posts a form to chatd with X-Twilio-Webhook-Enabled: true.
func (c *chatd) hookedPost(path string, f url.Values) error {
	req, err := http.NewRequest(http.MethodPost, c.ready.URL+path, strings.NewReader(f.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Webhook-Enabled", "true")
	req.SetBasicAuth(c.ready.AccountSid, c.ready.AuthToken)
	resp, err := c.api.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, b)
	}
	return nil
}

// TestE2EWebhooksSurviveKill9 kills chatd with SIGKILL while webhooks are
// being sent to a slow receiver, and starts it again on the same file: every
// acknowledged message's webhook arrives (at least once, with one
// idempotency token), every delivery ends recorded delivered, and none that
// was recorded delivered before the kill is sent again.
func TestE2EWebhooksSurviveKill9(t *testing.T) {
	t.Parallel()
	const messages, senders = 400, 8
	rcv := &hookLog{seen: map[string][]int{}, tokens: map[string]string{}, delay: 200 * time.Millisecond}
	hooks := httptest.NewServer(rcv)
	t.Cleanup(hooks.Close)
	db := filepath.Join(t.TempDir(), "chatd.db")
	argv := args(listen, []string{"--db", db, "--log-level", "warn"})
	c := start(t, argv)
	svc := c.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services", testenv.Form("FriendlyName", "hooked"))["sid"].(string)
	c.api.Must(t, http.StatusOK, http.MethodPost, "/v2/Services/"+svc, testenv.Form("PostWebhookUrl", hooks.URL+"/hook", "WebhookFilters", "onMessageSent"))
	c.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services/"+svc+"/Channels", testenv.Form("UniqueName", "busy"))

	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := s; i < messages; i += senders {
				if err := c.hookedPost("/v2/Services/"+svc+"/Channels/busy/Messages", testenv.Form("Body", fmt.Sprint("m", i))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	deadline := time.Now().Add(processTimeout)
	for rcv.count() < messages/4 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d webhooks arrived in %v", rcv.count(), processTimeout)
		}
		time.Sleep(time.Millisecond)
	}
	before := c.api.Must(t, http.StatusOK, http.MethodGet, "/_chatd/deliveries?PageSize=1000", nil)
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	c.wait(t)
	rcv.mu.Lock()
	rcv.phase = 1
	rcv.mu.Unlock()
	recorded := map[string]bool{} // Bodies recorded delivered before the kill
	for _, d := range testenv.ItemsOf(t, before, "deliveries") {
		if d["status"] == "delivered" {
			recorded[d["params"].(map[string]any)["Body"].(string)] = true
		}
	}
	if len(recorded) == messages {
		t.Fatalf("every delivery was recorded before the kill: the test killed nothing in flight")
	}

	again := start(t, argv)
	for rcv.count() < messages {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d webhooks arrived after the restart", rcv.count(), messages)
		}
		time.Sleep(5 * time.Millisecond)
	}
	var ds []map[string]any
	for {
		ds = testenv.ItemsOf(t, again.api.Must(t, http.StatusOK, http.MethodGet, "/_chatd/deliveries?PageSize=1000", nil), "deliveries")
		pending := 0
		for _, d := range ds {
			if d["status"] == "pending" {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still pending after the restart", pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
	again.stop(t)

	if len(ds) != messages {
		t.Errorf("%d deliveries recorded, want %d", len(ds), messages)
	}
	for _, d := range ds {
		if d["status"] != "delivered" || d["attempts"] != float64(1) {
			t.Errorf("delivery %v: %v after %v attempts, want delivered after 1", d["id"], d["status"], d["attempts"])
		}
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	again1 := 0
	for i := range messages {
		key := fmt.Sprint("m", i)
		phases := rcv.seen[key]
		if len(phases) == 0 {
			t.Errorf("no webhook for %s", key)
		}
		if rcv.tokens[key] == "differs" {
			t.Errorf("%s: the requests have different idempotency tokens", key)
		}
		if len(phases) > 1 {
			again1++
		}
		if recorded[key] && phases[len(phases)-1] == 1 {
			t.Errorf("%s was recorded delivered before the kill, and sent again after it", key)
		}
	}
	t.Logf("%d webhooks recorded delivered before the kill; %d sent again after it", len(recorded), again1)
}
