package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/internal/testenv"
)

// TestE2EPostgresWebhooksAcrossNodes runs two chatd on one PostgreSQL
// database, with messages sent through both: while both run, each
// message's webhook arrives once; then one is killed with SIGKILL while
// webhooks are on their way to a slow receiver, and the other sends what
// it held once its claims run out: every message's webhook arrives, and
// every delivery ends recorded delivered.
func TestE2EPostgresWebhooksAcrossNodes(t *testing.T) {
	t.Parallel()
	const messages, channels = 200, 8 // messages in each phase
	rcv := &hookLog{seen: map[string][]int{}, tokens: map[string]string{}, delay: 300 * time.Millisecond}
	hooks := httptest.NewServer(rcv)
	t.Cleanup(hooks.Close)
	db := "CHATD_DB=" + pgtest.New(t)
	argv := args(listen, []string{"--log-level", "warn", "--webhook-lease", "3s"})
	a := start(t, argv, db)
	b := start(t, argv, db) // after a, which made the credentials both use
	nodes := []*chatd{a, b}
	svc := a.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services", testenv.Form("FriendlyName", "hooked"))["sid"].(string)
	a.api.Must(t, http.StatusOK, http.MethodPost, "/v2/Services/"+svc, testenv.Form("PostWebhookUrl", hooks.URL+"/hook", "WebhookFilters", "onMessageSent"))
	for ch := range channels {
		a.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services/"+svc+"/Channels", testenv.Form("UniqueName", fmt.Sprint("ch", ch)))
	}
	// send posts the phase's messages, each through one node in turn, from
	// 4 senders.
	send := func(phase int) {
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for s := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := s; i < messages; i += 4 {
					path := fmt.Sprintf("/v2/Services/%s/Channels/ch%d/Messages", svc, i%channels)
					if err := nodes[i/4%2].hookedPost(path, testenv.Form("Body", fmt.Sprint("p", phase, "m", i))); err != nil {
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
	}
	deadline := time.Now().Add(processTimeout)
	waitArrived := func(n int) {
		for rcv.count() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d webhooks arrived", rcv.count(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	send(0)
	waitArrived(messages)
	send(1)
	waitArrived(messages + messages/4)
	if pending := countPending(testenv.ItemsOf(t, b.api.Must(t, http.StatusOK, http.MethodGet, "/_chatd/deliveries?PageSize=1000", nil), "deliveries")); pending == 0 {
		t.Fatal("every delivery was recorded before the kill: the test killed nothing in flight")
	}
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	a.wait(t)
	rcv.mu.Lock()
	rcv.phase = 1
	rcv.mu.Unlock()
	waitArrived(2 * messages)

	var ds []map[string]any
	for {
		ds = testenv.ItemsOf(t, b.api.Must(t, http.StatusOK, http.MethodGet, "/_chatd/deliveries?PageSize=1000", nil), "deliveries")
		pending := countPending(ds)
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still pending", pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.stop(t)
	if len(ds) != 2*messages {
		t.Errorf("%d deliveries recorded, want %d", len(ds), 2*messages)
	}
	for _, d := range ds {
		if d["status"] != "delivered" {
			t.Errorf("delivery %v: %v, want delivered", d["id"], d["status"])
		}
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	again := 0
	for phase := range 2 {
		for i := range messages {
			key := fmt.Sprint("p", phase, "m", i)
			got := rcv.seen[key]
			switch {
			case len(got) == 0:
				t.Errorf("no webhook for %s", key)
			case phase == 0 && len(got) > 1:
				t.Errorf("%s, sent while both nodes ran, arrived %d times", key, len(got))
			case len(got) > 1:
				again++
			}
			if rcv.tokens[key] == "differs" {
				t.Errorf("%s: the requests have different idempotency tokens", key)
			}
		}
	}
	t.Logf("%d webhooks of the second phase sent again after the kill", again)
}

// countPending counts the deliveries of a /_chatd/deliveries list that are
// pending.
func countPending(ds []map[string]any) int {
	n := 0
	for _, d := range ds {
		if d["status"] == "pending" {
			n++
		}
	}
	return n
}
