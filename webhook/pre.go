package webhook

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chatd/chatd/model"
)

// maxPreAnswer bounds the body read from a pre-event answer: room for a
// message body and its attributes, JSON-escaped, several times over.
const maxPreAnswer = 256 << 10

// PreSender makes pre-event webhook calls. Unlike post-events they are not
// queued: the first-person action waits for the answer, which may refuse or
// change it. Each attempt is signed as a post-event is and bounded by the
// same timeout; an attempt that times out, fails to connect or is answered
// 429, 503 or 504 is tried again at once, RetryCount one higher, while the
// call's retries last.
type PreSender struct {
	authToken string
	timeout   time.Duration
	client    *http.Client
	observer  Observer
}

// NewPreSender returns a PreSender with the AuthToken, Timeout and Client
// of opts, the Dispatcher's options: DefaultTimeout when Timeout is zero.
func NewPreSender(opts Options) *PreSender {
	s := &PreSender{authToken: opts.AuthToken, timeout: opts.Timeout, client: opts.Client, observer: opts.Observer}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.client == nil {
		s.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return s
}

// Send makes call and returns how it ended. It stops early, with ctx's
// error, when ctx is done.
func (s *PreSender) Send(ctx context.Context, call model.PreEventCall) model.PreEventAnswer {
	start := time.Now()
	idempotency := newIdempotencyToken()
	var ans model.PreEventAnswer
	for {
		ans.Attempts++
		try := model.DeliveryAttempt{Start: time.Now()}
		ans.Status, ans.Body, ans.Err = s.attempt(ctx, call, ans.Attempts-1, idempotency, &try)
		try.Duration, try.Status, try.Response = time.Since(try.Start), ans.Status, ans.Body
		if ans.Err != nil {
			try.Error = ans.Err.Error()
		}
		ans.TimedOut = errors.Is(ans.Err, errTimedOut)
		last := ctx.Err() != nil || !retryable(ans.Status, ans.Err) || ans.Attempts > call.Retries
		s.observe(ans.Status, last, try.Duration)
		// The Log is a Delivery's: its bound applies.
		d := model.Delivery{Log: ans.Log}
		d.LogAttempt(try)
		ans.Log = d.Log
		if last {
			break
		}
	}
	ans.Duration = time.Since(start)
	return ans
}

// observe tells the Observer how an attempt ended: retried, or the
// call's outcome when it was the last.
func (s *PreSender) observe(status int, last bool, took time.Duration) {
	if s.observer == nil {
		return
	}
	outcome := model.DeliveryPending
	switch {
	case status >= 200 && status < 300:
		outcome = model.DeliveryDelivered
	case last:
		outcome = model.DeliveryFailed
	}
	s.observer.ObserveWebhook(KindPre, outcome, took)
}

// errTimedOut marks an attempt that got no answer within the timeout.
var errTimedOut = errors.New("timed out")

// attempt makes one request of call and reads the answer.
func (s *PreSender) attempt(ctx context.Context, call model.PreEventCall, retry int, idempotency string, try *model.DeliveryAttempt) (int, []byte, error) {
	params := url.Values{}
	for k, vs := range call.Params {
		params[k] = vs
	}
	params.Set("RetryCount", strconv.Itoa(retry))
	attemptCtx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := signedRequest(attemptCtx, s.authToken, call.Method, call.URL, params)
	if err != nil {
		return 0, nil, err
	}
	try.Signature = req.Header.Get("X-Twilio-Signature")
	req.Header.Set("I-Twilio-Idempotency-Token", idempotency)
	resp, err := s.client.Do(req)
	if err == nil {
		defer resp.Body.Close()
		var body []byte
		if body, err = io.ReadAll(io.LimitReader(resp.Body, maxPreAnswer)); err == nil {
			return resp.StatusCode, body, nil
		}
	}
	if ctx.Err() == nil && errors.Is(attemptCtx.Err(), context.DeadlineExceeded) {
		return 0, nil, fmt.Errorf("%w after %s", errTimedOut, s.timeout)
	}
	return 0, nil, err
}

// signedRequest is a Chat webhook request: params form-encoded in the body
// of a POST or added to the query of a GET, with X-Twilio-Signature
// computed over what is sent, and Twilio's User-Agent.
func signedRequest(ctx context.Context, authToken, method, target string, params url.Values) (*http.Request, error) {
	body, signed := "", map[string][]string(params)
	if method == http.MethodGet {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + params.Encode()
		signed = nil
	} else {
		body = params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Twilio-Signature", Sign(authToken, target, signed))
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	return req, nil
}

// newIdempotencyToken is the I-Twilio-Idempotency-Token of one pre-event
// call, the same on each of its attempts.
func newIdempotencyToken() string {
	var b [16]byte
	crand.Read(b[:])
	return hex.EncodeToString(b[:])
}
