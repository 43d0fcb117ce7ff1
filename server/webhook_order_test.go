package server_test

// Wire tests of webhook durability and order: retries and what each attempt
// records, a restart in the middle of a retry, a chatd killed after it
// answered 2xx but before it sent, a receiver that hangs, and the commit
// order of each Channel's events under concurrent writes and failing
// attempts, with the default window and with strict order (a window of 1).
// The receiver is in webhook_receiver_test.go.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookRetryCounts are the RetryCount parameters of calls, in order.
func hookRetryCounts(calls []hookCall) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.params().Get("RetryCount")
	}
	return out
}

// hookCountTo is "0", "1", … up to n-1.
func hookCountTo(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}

// sameHookDelivery checks that calls are attempts of one delivery: one
// idempotency token, each signed.
func sameHookDelivery(t testing.TB, calls []hookCall) {
	t.Helper()
	for _, c := range calls {
		checkHookSigned(t, c)
		if tok := c.Header.Get("I-Twilio-Idempotency-Token"); tok != calls[0].Header.Get("I-Twilio-Idempotency-Token") {
			t.Errorf("%s: idempotency token %q, the first attempt's was %q", c, tok, calls[0].Header.Get("I-Twilio-Idempotency-Token"))
		}
	}
}

// hookRefusedURL is the URL of a local port that nothing listens on.
func hookRefusedURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/refused"
}

// TestHookRetries checks which answers are retried (429, 503, 504, a
// failed connection) and which are not, that retries stop at the
// configured count, that each attempt sends RetryCount, and what
// /_chatd/deliveries records.
func TestHookRetries(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		name     string
		retries  string
		answers  []int // nil: nothing listens
		status   string
		attempts int
		code     int // of the last attempt; 0 for none
	}{
		{"ServiceUnavailableThenOK", "3", []int{503, 503, 200}, "delivered", 3, 200},
		{"TooManyRequestsAndGatewayTimeoutRetried", "3", []int{429, 504, 200}, "delivered", 3, 200},
		{"OKFirstTime", "3", []int{200}, "delivered", 1, 200},
		{"NoContentIsSuccess", "3", []int{204}, "delivered", 1, 204},
		{"ServerErrorNotRetried", "3", []int{500}, "failed", 1, 500},
		{"NotFoundNotRetried", "3", []int{404}, "failed", 1, 404},
		{"RedirectNotFollowed", "3", []int{302}, "failed", 1, 302},
		{"OutOfRetries", "1", []int{503}, "failed", 2, 503},
		{"NoRetriesConfigured", "0", []int{503}, "failed", 1, 503},
		{"ConnectionRefusedRetried", "2", nil, "failed", 3, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc := h.newService()
			service := mediaServiceSid(svc)
			var rcv *hookReceiver
			target := hookRefusedURL(t)
			if c.answers != nil {
				rcv = newHookReceiver(t, hookAnswers(c.answers...))
				target = rcv.url("/retried")
			}
			h.update(svc, form("PostWebhookUrl", target, "PostWebhookRetryCount", c.retries))
			h.hooked(201, "POST", svc+"/Channels", form("UniqueName", "retried"))

			d := h.settled(t, service, 1)[0]
			if d["status"] != c.status || num(d["attempts"]) != c.attempts || itoa(num(d["max_retries"])) != c.retries {
				t.Errorf("status %v after %v attempts (max_retries %v), want %s after %d", d["status"], d["attempts"], d["max_retries"], c.status, c.attempts)
			}
			switch {
			case c.code != 0 && num(d["response_code"]) != c.code:
				t.Errorf("response_code = %v, want %d", d["response_code"], c.code)
			case c.code == 0 && d["response_code"] != nil:
				t.Errorf("response_code = %v, want null", d["response_code"])
			}
			switch {
			case c.status == "delivered" && d["error"] != nil:
				t.Errorf("error = %v on a delivery", d["error"])
			case c.code != 0 && c.status == "failed" && d["error"] != fmt.Sprintf("receiver answered %d", c.code):
				t.Errorf("error = %v", d["error"])
			case c.code == 0 && str(d["error"]) == "":
				t.Errorf("no error recorded for a refused connection")
			}
			if d["next_attempt"] != nil {
				t.Errorf("next_attempt = %v on a finished delivery", d["next_attempt"])
			}
			if rcv == nil {
				return
			}
			calls := rcv.wait(t, c.attempts)
			if len(calls) != c.attempts {
				t.Errorf("%d requests for %d attempts:\n%s", len(calls), c.attempts, hookCallList(calls))
			}
			if got := hookRetryCounts(calls); !slices.Equal(got, hookCountTo(c.attempts)) {
				t.Errorf("RetryCount %v, want %v", got, hookCountTo(c.attempts))
			}
			sameHookDelivery(t, calls)
		})
	}
}

// TestHookRestartMidRetry restarts chatd while a delivery is between
// attempts (its retry held by the receiver): the next run sends it again,
// continuing its attempt count, until it is delivered.
func TestHookRestartMidRetry(t *testing.T) {
	// The held attempt must last until the restart ends it.
	h := newHarnessWith(t, func(h *harness) { h.hookOptions.Timeout = hookDeadline })
	rcv := newHookReceiver(t, hookAnswers(503, hookHang, 200))
	svc := h.newService()
	service := mediaServiceSid(svc)
	h.update(svc, form("PostWebhookUrl", rcv.url("/restart"), "PostWebhookRetryCount", "3"))
	h.hooked(201, "POST", svc+"/Channels", form("UniqueName", "durable"))

	rcv.wait(t, 2) // the retry is held: the first attempt is recorded
	d := h.deliveries(service)[0]
	if d["status"] != "pending" || num(d["attempts"]) != 1 || num(d["response_code"]) != 503 || d["error"] != "receiver answered 503" {
		t.Fatalf("before the restart: %v", d)
	}

	h.restart()
	calls := rcv.wait(t, 3)
	d = h.settled(t, service, 1)[0]
	if d["status"] != "delivered" || num(d["attempts"]) != 2 || num(d["response_code"]) != 200 || d["error"] != nil {
		t.Errorf("after the restart: %v", d)
	}
	// The held attempt was abandoned, not recorded: it is sent again with
	// the same RetryCount.
	if got, want := hookRetryCounts(calls), []string{"0", "1", "1"}; !slices.Equal(got, want) {
		t.Errorf("RetryCount %v, want %v", got, want)
	}
	for _, c := range calls {
		if c.params().Get("EventType") != "onChannelAdded" || c.params().Get("UniqueName") != "durable" {
			t.Errorf("%s: %v", c, c.params())
		}
	}
	sameHookDelivery(t, calls)
	if n := len(rcv.received()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

// TestHookKilledAfterCommit answers REST changes while the sender is
// stopped, as if chatd died right after answering 2xx: when it starts
// again, every webhook arrives, once; in commit order with a window of 1.
func TestHookKilledAfterCommit(t *testing.T) {
	for _, c := range []struct {
		name   string
		window int
	}{{"DefaultWindow", 0}, {"StrictOrder", 1}} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarnessWith(t, func(h *harness) {
				h.noHooks = true
				h.hookOptions.Window = c.window
			})
			hookKilledAfterCommit(t, h, c.window == 1)
		})
	}
}

func hookKilledAfterCommit(t *testing.T, h *harness, strict bool) {
	rcv := newHookReceiver(t, nil)
	svc := h.newService()
	service := mediaServiceSid(svc)
	h.update(svc, form("PostWebhookUrl", rcv.url("/after-crash")))

	var want []string // the Channel's events, in commit order
	h.hooked(201, "POST", svc+"/Users", form("Identity", "alice"))
	h.hooked(201, "POST", svc+"/Channels", form("UniqueName", "crash"))
	want = append(want, "onChannelAdded")
	h.hooked(201, "POST", svc+"/Channels/crash/Members", form("Identity", "alice"))
	want = append(want, "onMemberAdded")
	var last map[string]any
	for i := range 5 {
		last = h.hooked(201, "POST", svc+"/Channels/crash/Messages", form("Body", "m"+strconv.Itoa(i), "From", "alice"))
		want = append(want, "onMessageSent")
	}
	h.hooked(200, "POST", svc+"/Channels/crash/Messages/"+str(last["sid"]), form("Body", "edited"))
	want = append(want, "onMessageUpdated")
	h.hooked(200, "POST", svc+"/Users/alice", form("FriendlyName", "Alice"))
	h.hooked(200, "POST", svc+"/Channels/crash", form("FriendlyName", "Crash"))
	want = append(want, "onChannelUpdated")
	total := len(want) + 2 // and the two User events

	ds := h.deliveries(service)
	if len(ds) != total {
		t.Fatalf("%d deliveries recorded, want %d:\n%s", len(ds), total, deliverySummary(ds))
	}
	for _, d := range ds {
		if d["status"] != "pending" || num(d["attempts"]) != 0 {
			t.Errorf("with the sender stopped: %v", d)
		}
	}
	if n := len(rcv.received()); n != 0 {
		t.Fatalf("%d requests with the sender stopped", n)
	}

	h.noHooks = false
	h.restart()
	calls := rcv.wait(t, total)
	for _, d := range h.settled(t, service, total) {
		if d["status"] != "delivered" || num(d["attempts"]) != 1 {
			t.Errorf("after the restart: %v", d)
		}
	}
	var channel, users []hookCall
	var bodies []string
	for _, c := range calls {
		checkHookRequest(t, c, http.MethodPost)
		if c.params().Has("ChannelSid") {
			channel = append(channel, c)
		} else {
			users = append(users, c)
		}
		if c.params().Get("EventType") == "onMessageSent" {
			bodies = append(bodies, c.params().Get("Body"))
		}
	}
	same := sameInAnyOrder
	if strict {
		same = slices.Equal[[]string]
	}
	if got := hookEventTypes(channel); !same(got, want) {
		t.Errorf("the Channel's events arrived as %v, want %v", got, want)
	}
	if want := []string{"m0", "m1", "m2", "m3", "m4"}; !same(bodies, want) {
		t.Errorf("messages arrived as %v, want %v", bodies, want)
	}
	if got := hookEventTypes(users); !same(got, []string{"onUserAdded", "onUserUpdated"}) {
		t.Errorf("the User events arrived as %v", got)
	}
	if n := len(rcv.received()); n != total {
		t.Errorf("%d requests for %d deliveries", n, total)
	}
}

// TestHookHangingReceiver checks that a receiver that never answers holds
// up neither the API nor another receiver, even with events of several
// Channels to send it, and that its deliveries end as failed, timed out,
// after their retries.
func TestHookHangingReceiver(t *testing.T) {
	h := newHarnessWith(t, func(h *harness) {
		h.hookOptions.Timeout = 200 * time.Millisecond
		h.hookOptions.Workers = 2 // one of them, at most, for the stuck receiver's host
	})
	stuck := newHookReceiver(t, func(hookCall) int { return hookHang })
	free := newHookReceiver(t, nil)
	svc := h.newService()
	service := mediaServiceSid(svc)
	for _, c := range []struct{ channel, url, retries string }{
		{"stuck1", stuck.url("/stuck"), "2"},
		{"stuck2", stuck.url("/stuck"), "2"},
		{"free", free.url("/free"), "0"},
	} {
		h.create(svc+"/Channels", form("UniqueName", c.channel))
		h.create(svc+"/Channels/"+c.channel+"/Webhooks", form("Type", "webhook", "Configuration.Url", c.url,
			"Configuration.Filters", "onMessageSent", "Configuration.RetryCount", c.retries))
	}
	const stuckMessages, freeMessages = 4, 4
	stuckAttempts := stuckMessages * 3

	// The API answers at once while the stuck receiver holds its request.
	for i := range stuckMessages {
		h.hooked(201, "POST", svc+"/Channels/stuck"+strconv.Itoa(1+i%2)+"/Messages", form("Body", "s"+strconv.Itoa(i)))
	}
	stuck.wait(t, 1)
	for i := range freeMessages {
		h.hooked(201, "POST", svc+"/Channels/free/Messages", form("Body", "f"+strconv.Itoa(i)))
		h.hooked(200, "POST", svc+"/Channels/stuck1", form("FriendlyName", "still answering "+strconv.Itoa(i)))
	}

	// The free Channel's receiver gets its events while the stuck one's
	// are still being tried: each of those attempts lasts the whole timeout.
	calls := free.wait(t, freeMessages)
	if n := len(stuck.received()); n >= stuckAttempts {
		t.Errorf("the free receiver got its events only after the stuck one's %d attempts", n)
	}
	var bodies []string
	for _, c := range calls {
		bodies = append(bodies, c.params().Get("Body"))
	}
	// One request at a time to the free receiver's host: in commit order.
	if want := []string{"f0", "f1", "f2", "f3"}; !slices.Equal(bodies, want) {
		t.Errorf("the free receiver got %v, want %v", bodies, want)
	}

	ds := h.settled(t, service, stuckMessages+freeMessages)
	for _, d := range ds {
		switch d["url"] {
		case stuck.url("/stuck"):
			if d["status"] != "failed" || num(d["attempts"]) != 3 || d["response_code"] != nil || d["error"] != "timed out after 200ms" {
				t.Errorf("stuck delivery: %v", d)
			}
		default:
			if d["status"] != "delivered" || num(d["attempts"]) != 1 {
				t.Errorf("free delivery: %v", d)
			}
		}
	}
	held := stuck.wait(t, stuckAttempts)
	retries := map[string][]string{}
	for _, c := range held {
		body := c.params().Get("Body")
		retries[body] = append(retries[body], c.params().Get("RetryCount"))
	}
	for i := range stuckMessages {
		if got := retries["s"+strconv.Itoa(i)]; !slices.Equal(got, hookCountTo(3)) {
			t.Errorf("the stuck receiver got s%d with RetryCount %v, want %v", i, got, hookCountTo(3))
		}
	}
}

// flakyAnswer fails some attempts with 503, by a fixed pseudo-random
// function of the message Index and the RetryCount, never the fourth.
func flakyAnswer(index, retry int) int {
	if retry >= 3 {
		return http.StatusOK
	}
	x := uint32(index)*2654435761 ^ uint32(retry+1)*2246822519
	x ^= x >> 15
	x *= 2246822519
	x ^= x >> 13
	if x%3 == 0 {
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

// flakyAttempts is how many attempts flakyAnswer takes to accept index.
func flakyAttempts(index int) int {
	n := 1
	for flakyAnswer(index, n-1) != http.StatusOK {
		n++
	}
	return n
}

// postHooked sends a form with the header from any goroutine and reports a
// failure as an error.
func (h *harness) postHooked(client *http.Client, path string, f url.Values) error {
	req, err := http.NewRequest(http.MethodPost, h.URL()+path, strings.NewReader(f.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Webhook-Enabled", "true")
	req.SetBasicAuth(testAccount, testToken)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: status %d: %s", path, resp.StatusCode, body)
	}
	return nil
}

// TestHookChannelOrder sends messages concurrently into two Channels to a
// receiver that fails some attempts. Each message is delivered once, its
// attempts in RetryCount order. With a window of N, a message is sent only
// once all but N-1 of the messages before it have been answered; with a
// window of 1, strict order: Index order, a message retried before the
// next one is sent.
func TestHookChannelOrder(t *testing.T) {
	for _, c := range []struct {
		name   string
		window int
	}{{"Window", 4}, {"StrictOrder", 1}} {
		t.Run(c.name, func(t *testing.T) { hookChannelOrder(t, c.window) })
	}
}

func hookChannelOrder(t *testing.T, window int) {
	h := newHarnessWith(t, func(h *harness) { h.hookOptions.Window = window })
	rcv := newHookReceiver(t, func(c hookCall) int {
		p := c.params()
		index, _ := strconv.Atoi(p.Get("Index"))
		retry, _ := strconv.Atoi(p.Get("RetryCount"))
		return flakyAnswer(index, retry)
	})
	svc := h.newService()
	service := mediaServiceSid(svc)
	h.update(svc, form("PostWebhookUrl", rcv.url("/ordered"), "PostWebhookRetryCount", "3"))
	const senders, each = 3, 8
	const perChannel = senders * each
	channels := map[string]string{} // SID → name
	for _, name := range []string{"left", "right"} {
		channels[str(h.create(svc+"/Channels", form("UniqueName", name))["sid"])] = name
	}

	client := h.srv.Client()
	var wg sync.WaitGroup
	errs := make(chan error, 2*senders)
	for _, name := range channels {
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					f := form("Body", fmt.Sprintf("%s-%d-%d", name, s, i), "From", "sender"+strconv.Itoa(s))
					if err := h.postHooked(client, svc+"/Channels/"+name+"/Messages", f); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}

	wantAttempts := 0
	for i := range perChannel {
		wantAttempts += flakyAttempts(i)
	}
	if wantAttempts == perChannel {
		t.Fatal("flakyAnswer fails no attempt: the test would not retry")
	}
	wantAttempts *= len(channels)
	calls := rcv.wait(t, wantAttempts)
	for _, d := range h.settled(t, service, len(channels)*perChannel) {
		if d["status"] != "delivered" {
			t.Errorf("delivery %v", d)
		}
	}
	if len(calls) != wantAttempts {
		t.Errorf("%d requests, want %d", len(calls), wantAttempts)
	}

	for sid, name := range channels {
		t.Run(name, func(t *testing.T) {
			var lane []hookCall
			for _, c := range calls {
				if c.params().Get("ChannelSid") == sid {
					lane = append(lane, c)
				}
			}
			if window == 1 {
				wantStrictOrder(t, lane, perChannel)
			} else {
				wantWindowOrder(t, lane, perChannel, window)
			}
		})
	}
}

// wantStrictOrder checks a lane's requests in strict order: Index by Index,
// each retried until answered 200 before the next is sent.
func wantStrictOrder(t *testing.T, lane []hookCall, messages int) {
	t.Helper()
	next, retry := 0, 0 // the Index to deliver next and its attempts so far
	for _, c := range lane {
		p := c.params()
		if p.Get("EventType") != "onMessageSent" || p.Get("Index") != strconv.Itoa(next) || p.Get("RetryCount") != strconv.Itoa(retry) {
			t.Fatalf("got %s while Index %d was at attempt %d\n%s", c, next, retry+1, hookCallList(lane))
		}
		if c.Status == http.StatusOK {
			next, retry = next+1, 0
		} else {
			retry++
		}
	}
	if next != messages {
		t.Errorf("%d messages delivered, want %d", next, messages)
	}
}

// wantWindowOrder checks a lane's requests with a window: each message's
// first attempt is sent once all but window-1 of the messages before it
// have been answered, its attempts come in RetryCount order, and it is
// answered 200 once.
func wantWindowOrder(t *testing.T, lane []hookCall, messages, window int) {
	t.Helper()
	answered := map[int]bool{} // Indexes whose first attempt came before
	attempts := map[int]int{}
	delivered := map[int]int{}
	for _, c := range lane {
		p := c.params()
		index, _ := strconv.Atoi(p.Get("Index"))
		if p.Get("EventType") != "onMessageSent" || p.Get("RetryCount") != strconv.Itoa(attempts[index]) {
			t.Errorf("got %s after %d attempts of Index %d", c, attempts[index], index)
		}
		if attempts[index] == 0 {
			done := 0
			for i := range index {
				if answered[i] {
					done++
				}
			}
			if done < index-(window-1) {
				t.Errorf("got %s with only %d of the %d messages before it answered", c, done, index)
			}
			answered[index] = true
		}
		attempts[index]++
		if c.Status == http.StatusOK {
			delivered[index]++
		}
	}
	for i := range messages {
		if delivered[i] != 1 {
			t.Errorf("Index %d answered 200 %d times, want once", i, delivered[i])
		}
	}
	if t.Failed() {
		t.Logf("requests:\n%s", hookCallList(lane))
	}
}
