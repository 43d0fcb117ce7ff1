package server_test

// Wire tests of webhooks that keep pace: a retried event steps aside for
// the events behind it, and a slow receiver gets a window of requests at
// once. A dead receiver beside a healthy one is TestHookHangingReceiver.

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// hookClock is the dispatcher's clock in a test: it stands still until the
// test moves it.
type hookClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *hookClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *hookClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestHookRetryStepsAside answers 503 to the first message's first attempt:
// the messages after it are delivered while it waits for its retry, which
// comes when its time does, with RetryCount 1.
func TestHookRetryStepsAside(t *testing.T) {
	clock := &hookClock{now: time.Now()}
	h := newHarnessWith(t, func(h *harness) {
		h.hookOptions.Now = clock.Now
		h.hookOptions.Backoff, h.hookOptions.MaxBackoff = time.Minute, time.Minute
		h.hookOptions.Scan = 10 * time.Millisecond // what notices the clock moved
	})
	rcv := newHookReceiver(t, func(c hookCall) int {
		if p := c.params(); p.Get("Body") == "m0" && p.Get("RetryCount") == "0" {
			return 503
		}
		return 200
	})
	svc := h.newService()
	service := mediaServiceSid(svc)
	h.update(svc, form("PostWebhookUrl", rcv.url("/aside"), "PostWebhookRetryCount", "3", "WebhookFilters", "onMessageSent"))
	h.create(svc+"/Channels", form("UniqueName", "aside"))
	const messages = 5
	for i := range messages {
		h.hooked(201, "POST", svc+"/Channels/aside/Messages", form("Body", "m"+strconv.Itoa(i)))
	}

	delivered := func(calls []hookCall) map[string]bool {
		out := map[string]bool{}
		for _, c := range calls {
			if c.Status == 200 {
				out[c.params().Get("Body")] = true
			}
		}
		return out
	}
	rcv.waitFor(t, "the messages behind the retry", func(calls []hookCall) bool { return len(delivered(calls)) == messages-1 })
	var retried map[string]any
	for deadline := time.Now().Add(hookDeadline); ; time.Sleep(5 * time.Millisecond) {
		ds, behind := h.deliveries(service), 0
		for _, d := range ds {
			switch {
			case obj(d["params"])["Body"] == "m0":
				retried = d
			case d["status"] == "delivered":
				behind++
			}
		}
		if behind == messages-1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deliveries behind the retry are not recorded delivered:\n%s", deliverySummary(ds))
		}
	}
	if retried["status"] != "pending" || num(retried["attempts"]) != 1 || num(retried["response_code"]) != 503 {
		t.Fatalf("the retried delivery: %v", retried)
	}
	updated, err1 := time.Parse("2006-01-02T15:04:05.000Z", str(retried["date_updated"]))
	next, err2 := time.Parse("2006-01-02T15:04:05.000Z", str(retried["next_attempt"]))
	if err1 != nil || err2 != nil || next.Sub(updated) != time.Minute {
		t.Errorf("date_updated %v, next_attempt %v: want the retry a minute after the attempt", retried["date_updated"], retried["next_attempt"])
	}

	clock.advance(time.Minute)
	calls := rcv.waitFor(t, "the retry", func(calls []hookCall) bool { return delivered(calls)["m0"] })
	last := calls[len(calls)-1].params()
	if last.Get("Body") != "m0" || last.Get("RetryCount") != "1" {
		t.Errorf("the last request is %s, want the retry of m0:\n%s", calls[len(calls)-1], hookCallList(calls))
	}
	if len(calls) != messages+1 {
		t.Errorf("%d requests, want %d:\n%s", len(calls), messages+1, hookCallList(calls))
	}
	for _, d := range h.settled(t, service, messages) {
		if d["status"] != "delivered" {
			t.Errorf("after the retry: %v", d)
		}
	}
}

// TestHookWindowToSlowReceiver holds a receiver's answers: a Channel's
// first messages are all in flight at once, a window of them, and no more
// until it answers.
func TestHookWindowToSlowReceiver(t *testing.T) {
	const window, messages = 4, 10
	h := newHarnessWith(t, func(h *harness) {
		h.hookOptions.Window = window
		h.hookOptions.Timeout = 2 * hookDeadline // the held requests wait for the test
	})
	rcv := newHookReceiver(t, nil)
	let := rcv.hold()
	svc := h.newService()
	service := mediaServiceSid(svc)
	h.update(svc, form("PostWebhookUrl", rcv.url("/slow"), "WebhookFilters", "onMessageSent"))
	h.create(svc+"/Channels", form("UniqueName", "slow"))
	for i := range messages {
		h.hooked(201, "POST", svc+"/Channels/slow/Messages", form("Body", "m"+strconv.Itoa(i)))
	}

	held := rcv.wait(t, window)
	if len(held) != window {
		t.Errorf("%d requests held at once, want the window of %d:\n%s", len(held), window, hookCallList(held))
	}
	var first []string
	for _, c := range held {
		first = append(first, c.params().Get("Body"))
	}
	if want := []string{"m0", "m1", "m2", "m3"}; !sameInAnyOrder(first, want) {
		t.Errorf("the window holds %v, want the first messages %v", first, want)
	}

	let()
	calls := rcv.wait(t, messages)
	for _, d := range h.settled(t, service, messages) {
		if d["status"] != "delivered" || num(d["attempts"]) != 1 {
			t.Errorf("delivery %v", d)
		}
	}
	var bodies []string
	for _, c := range calls {
		bodies = append(bodies, c.params().Get("Body"))
	}
	var want []string
	for i := range messages {
		want = append(want, "m"+strconv.Itoa(i))
	}
	if !sameInAnyOrder(bodies, want) || len(calls) != messages {
		t.Errorf("received %v, want each of %v once", bodies, want)
	}
	if n := rcv.peakInFlight(); n != window {
		t.Errorf("up to %d requests in flight at once, want the window of %d", n, window)
	}
}
