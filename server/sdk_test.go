package server_test

// End-to-end tests through the official twilio-go helper library (the
// sdk_*_test.go files; this one holds their helpers): chatd's whole point is
// that the SDK works against it unchanged, with only its requests routed to
// chatd (testenv.Env.SDK). Every request in them is made by the SDK; the
// harness is used only to start and restart the server.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/twilio/twilio-go/client"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/chatd/chatd/internal/testenv"
)

// sdkRecorder sits between the SDK and the Env's transport and records the
// URL of every request the SDK sends, as the SDK sends it.
type sdkRecorder struct {
	next http.RoundTripper

	mu   sync.Mutex
	sent []*url.URL
}

func (rw *sdkRecorder) wrap(next http.RoundTripper) http.RoundTripper {
	rw.next = next
	return rw
}

func (rw *sdkRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	rw.mu.Lock()
	u := *req.URL
	rw.sent = append(rw.sent, &u)
	rw.mu.Unlock()
	return rw.next.RoundTrip(req)
}

// reset forgets the requests sent so far.
func (rw *sdkRecorder) reset() {
	rw.mu.Lock()
	rw.sent = nil
	rw.mu.Unlock()
}

// requests returns the URLs of the requests sent since the last reset.
func (rw *sdkRecorder) requests() []*url.URL {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return append([]*url.URL(nil), rw.sent...)
}

// sdk is the Chat v2 API of the official helper library, pointed at chatd.
type sdk struct {
	*chatv2.ApiService
	rw *sdkRecorder
}

// newSDK is the Chat v2 API on the harness's twilio-go client (opts may
// change its credentials), recording the requests it sends.
func newSDK(t testing.TB, h *harness, opts ...testenv.SDKOption) *sdk {
	t.Helper()
	rw := &sdkRecorder{}
	c := h.srv.SDK(t, append(opts, testenv.SDKWrap(rw.wrap))...)
	return &sdk{ApiService: chatv2.NewApiServiceWithClient(c), rw: rw}
}

// newSDKHarness starts chatd and returns it with an SDK pointed at it.
func newSDKHarness(t testing.TB) (*harness, *sdk) {
	t.Helper()
	h := newHarness(t)
	return h, newSDK(t, h)
}

// sdkResult is the outcome of an SDK call, so that a call's two results can
// be checked in one expression: sdkCall(api.FetchService(sid)).must(t).
type sdkResult[T any] struct {
	v   T
	err error
}

func sdkCall[T any](v T, err error) sdkResult[T] { return sdkResult[T]{v, err} }

// must fails the test if the call failed and returns its result.
func (r sdkResult[T]) must(t testing.TB) T {
	t.Helper()
	if r.err != nil {
		t.Fatalf("SDK call failed: %v", r.err)
	}
	return r.v
}

// sdkOK fails the test on err.
func sdkOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("SDK call failed: %v", err)
	}
}

// wantSDKError checks that err is the SDK's *client.TwilioRestError with
// Twilio's status and code.
func wantSDKError(t testing.TB, err error, status, code int) {
	t.Helper()
	if err == nil {
		t.Fatalf("SDK call succeeded; want error %d (status %d)", code, status)
	}
	var te *client.TwilioRestError
	if !errors.As(err, &te) {
		t.Fatalf("error is %T (%v); want *client.TwilioRestError", err, err)
	}
	if te.Code != code || te.Status != status {
		t.Fatalf("got code %d status %d (%q); want code %d status %d", te.Code, te.Status, te.Message, code, status)
	}
	if want := "https://www.twilio.com/docs/errors/" + strconv.Itoa(code); te.MoreInfo != want {
		t.Errorf("MoreInfo = %q, want %q", te.MoreInfo, want)
	}
	if te.Message == "" {
		t.Error("empty error message")
	}
}

// sdkVal dereferences an optional SDK field, "" or zero when it is nil.
func sdkVal[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// sdkShow renders an optional SDK field for a failure message: its value, or
// null.
func sdkShow[T any](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// sdkWantEqual fails the test unless got equals want.
func sdkWantEqual[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// sdkNoDuplicates fails the test if keys holds one twice.
func sdkNoDuplicates(t testing.TB, keys []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("%s listed twice in %v", k, keys)
		}
		seen[k] = true
	}
}

// Fixtures, each created through the SDK.

func sdkService(t testing.TB, api *sdk) *chatv2.ChatV2Service {
	t.Helper()
	return sdkCall(api.CreateService((&chatv2.CreateServiceParams{}).SetFriendlyName("sdk service"))).must(t)
}

func sdkUser(t testing.TB, api *sdk, service, identity string) *chatv2.ChatV2User {
	t.Helper()
	return sdkCall(api.CreateUser(service, (&chatv2.CreateUserParams{}).SetIdentity(identity))).must(t)
}

func sdkChannel(t testing.TB, api *sdk, service, uniqueName string) *chatv2.ChatV2Channel {
	t.Helper()
	p := &chatv2.CreateChannelParams{}
	if uniqueName != "" {
		p.SetUniqueName(uniqueName)
	}
	return sdkCall(api.CreateChannel(service, p)).must(t)
}

func sdkMember(t testing.TB, api *sdk, service, channel, identity string) *chatv2.ChatV2Member {
	t.Helper()
	return sdkCall(api.CreateMember(service, channel, (&chatv2.CreateMemberParams{}).SetIdentity(identity))).must(t)
}

func sdkMessage(t testing.TB, api *sdk, service, channel, body string) *chatv2.ChatV2Message {
	t.Helper()
	return sdkCall(api.CreateMessage(service, channel, (&chatv2.CreateMessageParams{}).SetBody(body))).must(t)
}
