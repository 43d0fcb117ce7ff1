package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// requestTimeout bounds one request: a server that stops answering ends
// the run with timeouts counted as errors instead of hanging it.
const requestTimeout = 30 * time.Second

// errorBodyLimit is how much of an error answer is read and kept.
const errorBodyLimit = 2 << 10

// client makes the run's requests to chatd.
type client struct {
	base      string // chatd's URL, without a trailing slash
	auth      string // the Authorization header
	http      *http.Client
	transport *http.Transport
}

func newClient(cfg Config) *client {
	t := &http.Transport{
		// Measure chatd, not a proxy named by the environment.
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     cfg.TLS,
		TLSHandshakeTimeout: 10 * time.Second,
		// One kept-alive connection per client: HTTP/1.1, as most
		// application servers talk to an API.
		MaxIdleConns:        cfg.Clients,
		MaxIdleConnsPerHost: cfg.Clients,
		IdleConnTimeout:     90 * time.Second,
	}
	return &client{
		base: strings.TrimRight(cfg.URL, "/"),
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.AccountSid+":"+cfg.AuthToken)),
		http: &http.Client{
			Transport:     t,
			Timeout:       requestTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		transport: t,
	}
}

func (c *client) close() { c.transport.CloseIdleConnections() }

// do sends one request; form, when not nil, is its url-encoded body. It
// returns the status and, for a 2xx answer when keep is set or for any
// other answer, the body (an error body cut at errorBodyLimit). Other
// bodies are read and dropped, so that the connection is reused.
func (c *client) do(ctx context.Context, method, path string, form []byte, keep bool) (int, []byte, error) {
	var body io.Reader
	if form != nil {
		body = bytes.NewReader(form)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", c.auth)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
	var b []byte
	switch {
	case ok && keep:
		b, err = io.ReadAll(resp.Body)
	case !ok:
		b, err = io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
		}
	default:
		_, err = io.Copy(io.Discard, resp.Body)
	}
	return resp.StatusCode, b, err
}

// statusError is a non-2xx answer, with Twilio's error code when its body
// has one.
type statusError struct {
	status  int
	code    int
	message string
}

// answerError returns nil for a 2xx status, a *statusError otherwise.
func answerError(status int, body []byte) error {
	if status >= 200 && status <= 299 {
		return nil
	}
	e := &statusError{status: status}
	var twilio struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &twilio) == nil && twilio.Code != 0 {
		e.code, e.message = twilio.Code, twilio.Message
	} else {
		e.message = snippet(body)
	}
	return e
}

func (e *statusError) Error() string {
	s := fmt.Sprintf("%d %s", e.status, http.StatusText(e.status))
	if e.code != 0 {
		s += fmt.Sprintf(" (code %d)", e.code)
	}
	if e.message != "" {
		s += ": " + e.message
	}
	return s
}

// snippet is a body short enough for one line of a report.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// create POSTs form to path and returns the new resource's sid.
func (c *client) create(ctx context.Context, path string, form url.Values) (string, error) {
	status, body, err := c.do(ctx, http.MethodPost, path, []byte(form.Encode()), true)
	if err != nil {
		return "", err
	}
	if err := answerError(status, body); err != nil {
		return "", err
	}
	var created struct {
		Sid string `json:"sid"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.Sid == "" {
		return "", fmt.Errorf("POST %s answered %d without a sid: %s", path, status, snippet(body))
	}
	return created.Sid, nil
}

func servicePath(svc string) string { return "/v2/Services/" + url.PathEscape(svc) }

func channelPath(svc, ch string) string {
	return servicePath(svc) + "/Channels/" + url.PathEscape(ch)
}

func (c *client) createService(ctx context.Context, name string) (string, error) {
	return c.create(ctx, "/v2/Services", url.Values{"FriendlyName": {name}})
}

func (c *client) createChannel(ctx context.Context, svc, name string) (string, error) {
	return c.create(ctx, servicePath(svc)+"/Channels", url.Values{"FriendlyName": {name}})
}

// benchIdentity is the identity of the client SignIn signs in.
const benchIdentity = "chatd-bench"

// signIn signs identity in to the Service as a client SDK does when it
// connects: with an access token from chatd's /_chatd/tokens, a request of
// the Client API.
func (c *client) signIn(ctx context.Context, svc, identity string) error {
	form := url.Values{"Identity": {identity}, "ServiceSid": {svc}}
	status, body, err := c.do(ctx, http.MethodPost, "/_chatd/tokens", []byte(form.Encode()), true)
	if err != nil {
		return err
	}
	if err := answerError(status, body); err != nil {
		return err
	}
	var minted struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &minted); err != nil || minted.Token == "" {
		return fmt.Errorf("POST /_chatd/tokens answered %d without a token: %s", status, snippet(body))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/Client/v1/Configuration", nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Twilio-Token", minted.Token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	if err != nil {
		return err
	}
	return answerError(resp.StatusCode, b)
}

// sendMessage POSTs a message (a url-encoded form) to a Messages path.
func (c *client) sendMessage(ctx context.Context, path string, form []byte) error {
	status, body, err := c.do(ctx, http.MethodPost, path, form, false)
	if err != nil {
		return err
	}
	return answerError(status, body)
}

// deleteService deletes the Service and everything in it. A Service
// already gone counts as deleted.
func (c *client) deleteService(ctx context.Context, svc string) error {
	status, body, err := c.do(ctx, http.MethodDelete, servicePath(svc), nil, false)
	if err != nil {
		return err
	}
	if status == http.StatusNotFound {
		return nil
	}
	return answerError(status, body)
}

// parallel runs job(ctx, i) for i in [0, n) on up to workers goroutines
// and returns the first error, which stops the jobs not yet started.
func parallel(ctx context.Context, n, workers int, job func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan int)
	done := make(chan struct{})
	workers = min(workers, n)
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range jobs {
				if err := job(ctx, i); err != nil {
					cancel(err)
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	for range workers {
		<-done
	}
	return context.Cause(ctx) // nil unless a job failed or ctx is done
}
