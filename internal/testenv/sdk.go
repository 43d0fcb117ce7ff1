package testenv

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"

	"github.com/chatd/chatd/chatdtest"
)

// SDKOption configures the client SDK returns.
type SDKOption func(*sdkOptions)

type sdkOptions struct {
	user, pass string
	wrap       func(http.RoundTripper) http.RoundTripper
}

// SDKCredentials makes the client authenticate as user with pass instead
// of the Env's Account SID and auth token (a wrong token, an API key).
func SDKCredentials(user, pass string) SDKOption {
	return func(o *sdkOptions) { o.user, o.pass = user, pass }
}

// SDKWrap puts wrap's RoundTripper between the client and the Env's
// transport: it sees each request as the SDK sends it (to chat.twilio.com)
// and each answer after the spec check, to record or count them.
func SDKWrap(wrap func(next http.RoundTripper) http.RoundTripper) SDKOption {
	return func(o *sdkOptions) { o.wrap = wrap }
}

// SDK returns a client of twilio-go, set up as an application sets it up
// with the Env's credentials, whose requests for Twilio's Chat and media
// hosts reach this chatd (through chatdtest's routing transport), also
// after a Restart. Build the API services on it:
// chatv2.NewApiServiceWithClient(env.SDK(t)). Every answer is checked
// against the spec, and each mismatch reported on t.
func (e *Env) SDK(t testing.TB, opts ...SDKOption) *client.Client {
	o := sdkOptions{user: e.AccountSid, pass: e.AuthToken}
	for _, opt := range opts {
		opt(&o)
	}
	var rt http.RoundTripper = sdkTransport{env: e, t: t}
	if o.wrap != nil {
		rt = o.wrap(rt)
	}
	c := &client.Client{
		Credentials: client.NewCredentials(o.user, o.pass),
		HTTPClient:  &http.Client{Transport: rt},
	}
	c.SetAccountSid(e.AccountSid)
	return c
}

// sdkTransport routes the SDK's requests to the Env's chatd of the moment
// and checks each answer against the spec.
type sdkTransport struct {
	env *Env
	t   testing.TB
}

func (st sdkTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	target, err := url.Parse(st.env.URL)
	if err != nil {
		return nil, err
	}
	resp, err := chatdtest.RouteTo(target, st.env.transport).RoundTrip(req)
	if err != nil || st.env.Spec == nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	st.env.Spec.Report(st.t, req.Method, req.URL.String(), resp.StatusCode, body)
	return resp, nil
}
