package server_test

// The webhook receiver of the wire tests, a local endpoint that records
// every request and answers as the test says, and the checks of what chatd
// sends: signature, request shape, parameters, and the deliveries
// inspector.

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
)

// hookDeadline bounds every wait for a webhook: generous, as a slow CI
// machine may take a while; only a delivery that never comes reaches it.
const hookDeadline = 10 * time.Second

// hookHang is a receiver's answer that holds the request open until the
// test releases it or the sender gives up.
const hookHang = -1

// hookCall is one request a receiver got.
type hookCall struct {
	N      int    // its rank among the receiver's requests, from 0
	Method string // GET or POST
	URL    string // the full URL as addressed: scheme, host, path and query
	Path   string
	Query  url.Values
	Form   url.Values // the form-encoded body
	Body   string
	Header http.Header
	Status int // what the receiver answered (hookHang when held)
}

// params are the webhook's parameters: the form of a POST, the query of a
// GET.
func (c hookCall) params() url.Values {
	if c.Method == http.MethodGet {
		return c.Query
	}
	return c.Form
}

func (c hookCall) String() string {
	p := c.params()
	return fmt.Sprintf("#%d %s %s %s Index=%s RetryCount=%s → %d", c.N, c.Method, c.Path,
		p.Get("EventType"), p.Get("Index"), p.Get("RetryCount"), c.Status)
}

// hookReceiver is a webhook endpoint on a local listener: it records every
// request and answers what respond says for it (200 when respond is nil).
type hookReceiver struct {
	srv     *httptest.Server
	respond func(hookCall) int
	release chan struct{}

	mu       sync.Mutex
	calls    []hookCall
	changed  chan struct{} // closed and replaced at each request
	gate     chan struct{} // when set, requests wait for it to close before answering
	inflight int           // requests not yet answered
	peak     int           // the most in flight at once
}

// newHookReceiver starts a receiver, closed at the end of the test after
// its held requests are released.
func newHookReceiver(t testing.TB, respond func(hookCall) int) *hookReceiver {
	t.Helper()
	r := &hookReceiver{respond: respond, release: make(chan struct{}), changed: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(func() {
		close(r.release)
		r.srv.Close()
	})
	return r
}

// hookAnswers is a receiver script: the n-th request gets codes[n], and every
// later one the last code.
func hookAnswers(codes ...int) func(hookCall) int {
	return func(c hookCall) int { return codes[min(c.N, len(codes)-1)] }
}

func (r *hookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	form, _ := url.ParseQuery(string(body))
	c := hookCall{
		Method: req.Method,
		URL:    "http://" + req.Host + req.URL.RequestURI(),
		Path:   req.URL.Path,
		Query:  req.URL.Query(),
		Form:   form,
		Body:   string(body),
		Header: req.Header.Clone(),
		Status: http.StatusOK,
	}
	r.mu.Lock()
	c.N = len(r.calls)
	if r.respond != nil {
		c.Status = r.respond(c)
	}
	r.calls = append(r.calls, c)
	r.inflight++
	r.peak = max(r.peak, r.inflight)
	gate := r.gate
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inflight--
		r.mu.Unlock()
	}()
	if c.Status == hookHang || gate != nil {
		if gate == nil {
			gate = r.release
		}
		select {
		case <-gate:
		case <-r.release:
		case <-req.Context().Done():
			return
		}
		if c.Status == hookHang {
			return
		}
	}
	w.WriteHeader(c.Status)
}

// hold makes the requests from now on wait until the returned function is
// called; what they answer is decided, and recorded, on arrival.
func (r *hookReceiver) hold() (let func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	gate := make(chan struct{})
	r.gate = gate
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.gate == gate {
			r.gate = nil
		}
		close(gate)
	}
}

// peakInFlight is the most requests the receiver held at once.
func (r *hookReceiver) peakInFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak
}

// url is the receiver's address with path (and query) appended.
func (r *hookReceiver) url(path string) string { return r.srv.URL + path }

// received is what the receiver got so far.
func (r *hookReceiver) received() []hookCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// waitFor waits until done holds for the requests received, failing the
// test after hookDeadline, and returns them.
func (r *hookReceiver) waitFor(t testing.TB, what string, done func([]hookCall) bool) []hookCall {
	t.Helper()
	deadline := time.NewTimer(hookDeadline)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		calls, changed := slices.Clone(r.calls), r.changed
		r.mu.Unlock()
		if done(calls) {
			return calls
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("webhook receiver: no %s after %s; it got %d requests:\n%s", what, hookDeadline, len(calls), hookCallList(calls))
		}
	}
}

// wait waits for the n-th request and returns all of them.
func (r *hookReceiver) wait(t testing.TB, n int) []hookCall {
	t.Helper()
	return r.waitFor(t, fmt.Sprintf("request #%d", n), func(c []hookCall) bool { return len(c) >= n })
}

func hookCallList(calls []hookCall) string {
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "\t%s\n", c)
	}
	return b.String()
}

func hookEventTypes(calls []hookCall) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.params().Get("EventType")
	}
	return out
}

// sameInAnyOrder reports whether got and want hold the same values, in any
// order: with more than one request in flight, a receiver may get events in
// another order than their commits.
func sameInAnyOrder(got, want []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want)))
}

// hookEnabled is the header that asks for post-event webhooks.
var hookEnabled = http.Header{"X-Twilio-Webhook-Enabled": {"true"}}

// hooked sends a request with X-Twilio-Webhook-Enabled: true and fails the
// test unless it answers want.
func (h *harness) hooked(want int, method, path string, f url.Values) map[string]any {
	h.t.Helper()
	r := h.doHeader(method, path, f, testAccount, testToken, hookEnabled)
	if r.Status != want {
		h.t.Fatalf("%s %s with webhooks: status %d, want %d\n%s", method, path, r.Status, want, r.Raw)
	}
	return r.Body
}

// deliveries lists GET /_chatd/deliveries of service ("" for all) through
// every page.
func (h *harness) deliveries(service string) []map[string]any {
	h.t.Helper()
	path := "/_chatd/deliveries"
	if service != "" {
		path += "?ServiceSid=" + service
	}
	return h.walk(path)
}

// settled waits until service has n deliveries and none is pending any
// more, and returns them, newest first.
func (h *harness) settled(t testing.TB, service string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(hookDeadline)
	for {
		ds := h.deliveries(service)
		pending := 0
		for _, d := range ds {
			if d["status"] == "pending" {
				pending++
			}
		}
		if len(ds) >= n && pending == 0 {
			if len(ds) != n {
				t.Fatalf("%d deliveries, want %d:\n%s", len(ds), n, deliverySummary(ds))
			}
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries not settled after %s: %d of %d, %d pending:\n%s", hookDeadline, len(ds), n, pending, deliverySummary(ds))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func deliverySummary(ds []map[string]any) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\t#%v %v %v %v %v attempts=%v code=%v error=%v\n", d["id"], d["event"], d["url"],
			d["webhook_type"], d["status"], d["attempts"], d["response_code"], d["error"])
	}
	return b.String()
}

// checkHookSigned checks the request as a backend would: its X-Twilio-Signature
// validates with twilio-go's RequestValidator over the full URL and the form
// parameters (none for a GET, whose parameters are in the URL).
func checkHookSigned(t testing.TB, c hookCall) {
	t.Helper()
	sig := c.Header.Get("X-Twilio-Signature")
	if sig == "" {
		t.Errorf("%s: no X-Twilio-Signature", c)
		return
	}
	v := client.NewRequestValidator(testToken)
	if !v.Validate(c.URL, hookSignedParams(c), sig) {
		t.Errorf("%s: X-Twilio-Signature %q does not validate for %s", c, sig, c.URL)
	}
}

// hookSignedParams are the parameters a validator is given: the form of a POST,
// none for a GET.
func hookSignedParams(c hookCall) map[string]string {
	params := map[string]string{}
	if c.Method == http.MethodPost {
		for k, vs := range c.Form {
			params[k] = vs[0]
		}
	}
	return params
}

var hookTokenRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// checkHookRequest checks what every webhook request carries: its signature,
// the method's encoding, Twilio's User-Agent and an idempotency token.
func checkHookRequest(t testing.TB, c hookCall, method string) {
	t.Helper()
	checkHookSigned(t, c)
	if c.Method != method {
		t.Errorf("%s: method %s, want %s", c, c.Method, method)
	}
	switch method {
	case http.MethodPost:
		if ct := c.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("%s: Content-Type %q", c, ct)
		}
	case http.MethodGet:
		if c.Body != "" {
			t.Errorf("%s: a GET with a body: %q", c, c.Body)
		}
		if ct := c.Header.Get("Content-Type"); ct != "" {
			t.Errorf("%s: a GET with Content-Type %q", c, ct)
		}
	}
	if ua := c.Header.Get("User-Agent"); ua != "TwilioProxy/1.1" {
		t.Errorf("%s: User-Agent %q", c, ua)
	}
	if tok := c.Header.Get("I-Twilio-Idempotency-Token"); !hookTokenRe.MatchString(tok) {
		t.Errorf("%s: I-Twilio-Idempotency-Token %q", c, tok)
	}
}

// hookDateRe is the date format of webhook parameters: milliseconds.
var hookDateRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// wantHookParams checks that got holds exactly the parameters of want, each
// once. A Date* parameter is compared with the whole-second date of the
// resource JSON given in want: the webhook's has milliseconds.
func wantHookParams(t testing.TB, what string, got url.Values, want map[string]string) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		vs, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s: no %s, want %q", what, k, want[k])
		case len(vs) != 1:
			t.Errorf("%s: %s sent %d times: %q", what, k, len(vs), vs)
		case strings.HasPrefix(k, "Date"):
			if !hookDateRe.MatchString(vs[0]) || vs[0][:19]+"Z" != want[k] {
				t.Errorf("%s: %s = %q, want %q with milliseconds", what, k, vs[0], want[k])
			}
		case vs[0] != want[k]:
			t.Errorf("%s: %s = %q, want %q", what, k, vs[0], want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected parameter %s = %q", what, k, got[k])
		}
	}
}

// hookCommon are the parameters every Chat webhook carries, with the event's
// own added.
func hookCommon(event, service, identity string, own map[string]string) map[string]string {
	out := map[string]string{
		"EventType": event, "AccountSid": testAccount, "InstanceSid": service,
		"ClientIdentity": identity, "Source": "API", "RetryCount": "0",
	}
	maps.Copy(out, own)
	return out
}

// Per-event parameters, read from the resource JSON as the API answered it.

// hookSetNonNull sets key to the JSON value v unless it is null: Twilio leaves
// out the parameters of null fields.
func hookSetNonNull(p map[string]string, key string, v any) {
	if v != nil {
		p[key] = str(v)
	}
}

func hookChannelParams(ch map[string]any, updated bool) map[string]string {
	p := map[string]string{
		"ChannelSid": str(ch["sid"]), "ChannelType": str(ch["type"]), "Attributes": str(ch["attributes"]),
		"CreatedBy": str(ch["created_by"]), "DateCreated": str(ch["date_created"]),
	}
	hookSetNonNull(p, "FriendlyName", ch["friendly_name"])
	hookSetNonNull(p, "UniqueName", ch["unique_name"])
	if updated {
		p["DateUpdated"] = str(ch["date_updated"])
	}
	return p
}

func hookMemberParams(m map[string]any, event string) map[string]string {
	p := map[string]string{
		"ChannelSid": str(m["channel_sid"]), "MemberSid": str(m["sid"]), "Identity": str(m["identity"]),
		"DateCreated": str(m["date_created"]),
	}
	if event != "onMemberRemoved" {
		p["RoleSid"] = str(m["role_sid"])
	}
	if event == "onMemberUpdated" {
		p["LastConsumedMessageIndex"] = itoa(num(m["last_consumed_message_index"]))
		p["Attributes"] = str(m["attributes"])
		p["DateUpdated"] = str(m["date_updated"])
	}
	return p
}

func hookMessageParams(m map[string]any, event string) map[string]string {
	p := map[string]string{
		"ChannelSid": str(m["channel_sid"]), "MessageSid": str(m["sid"]), "Body": str(m["body"]),
		"Attributes": str(m["attributes"]), "From": str(m["from"]), "To": str(m["to"]),
		"Index": itoa(num(m["index"])), "DateCreated": str(m["date_created"]),
	}
	if event == "onMessageUpdated" {
		p["DateUpdated"] = str(m["date_updated"])
		p["ModifiedBy"] = str(m["last_updated_by"])
	}
	if md := obj(m["media"]); md != nil {
		p["MediaSid"] = str(md["sid"])
		p["MediaContentType"] = str(md["content_type"])
		p["MediaSize"] = itoa(num(md["size"]))
		p["MediaFilename"] = str(md["filename"])
	}
	return p
}

func hookUserParams(u map[string]any, updated bool) map[string]string {
	p := map[string]string{
		"UserSid": str(u["sid"]), "Identity": str(u["identity"]), "Attributes": str(u["attributes"]),
		"RoleSid": str(u["role_sid"]), "DateCreated": str(u["date_created"]),
	}
	hookSetNonNull(p, "FriendlyName", u["friendly_name"])
	if updated {
		p["DateUpdated"] = str(u["date_updated"])
	}
	return p
}
