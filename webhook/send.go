package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/chatd/chatd/model"
)

// result is the end of one attempt: the record to store (rec), or nothing
// to record because the delivery left the outbox (gone) or because it was
// not sent (rec nil: the store could not tell, or the Dispatcher closed).
type result struct {
	entry *entry
	rec   *model.Delivery
	gone  bool
}

// attempt sends dl once and works out its record: delivered on a 2xx; on a
// timeout, a failed connection or a 429/503/504 (the answers Twilio retries)
// pending again after a back-off while retries remain; failed otherwise.
// The attempt is added to the record's Log.
func (d *Dispatcher) attempt(ctx context.Context, e *entry, dl *model.Delivery) result {
	out := result{entry: e}
	gone, err := d.gone(ctx, dl)
	if err != nil || gone {
		out.gone = gone
		return out
	}
	rec := *dl
	rec.Attempts++
	try := model.DeliveryAttempt{Start: d.opts.Now()}
	err = d.send(ctx, &rec, &try)
	if ctx.Err() != nil {
		return out
	}
	rec.DateUpdated = d.opts.Now()
	try.Duration = rec.DateUpdated.Sub(try.Start)
	rec.ResponseCode, rec.Duration = try.Status, try.Duration
	rec.Error = ""
	code := try.Status
	switch {
	case err == nil && code >= 200 && code < 300:
		rec.Status = model.DeliveryDelivered
	case retryable(code, err) && rec.Attempts <= rec.MaxRetries:
		rec.Status = model.DeliveryPending
		rec.NextAttempt = rec.DateUpdated.Add(d.backoff(rec.Attempts))
	default:
		rec.Status = model.DeliveryFailed
	}
	if err != nil {
		rec.Error, try.Error = err.Error(), err.Error()
	} else if rec.Status != model.DeliveryDelivered {
		rec.Error = fmt.Sprintf("receiver answered %d", code)
	}
	rec.LogAttempt(try)
	d.observe(KindPost, rec.Status, try.Duration)
	out.rec = &rec
	return out
}

// gone reports whether dl has left the outbox's pending set since it was
// read (a reset wiped it): it must not be sent then.
func (d *Dispatcher) gone(ctx context.Context, dl *model.Delivery) (bool, error) {
	var ds []*model.Delivery
	err := d.store.View(ctx, func(tx model.Tx) (err error) {
		ds, err = tx.PendingDeliveries(dl.ID-1, 1)
		return err
	})
	return err == nil && (len(ds) == 0 || ds[0].ID != dl.ID), err
}

// retryable reports whether Twilio retries an attempt with this result.
func retryable(code int, err error) bool {
	return err != nil || code == http.StatusTooManyRequests ||
		code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

func (d *Dispatcher) backoff(attempts int) time.Duration {
	wait := d.opts.Backoff
	for i := 1; i < attempts && wait < d.opts.MaxBackoff; i++ {
		wait *= 2
	}
	return min(wait, d.opts.MaxBackoff)
}

// send makes one HTTP request of dl: its parameters form-encoded in the body
// of a POST or in the query of a GET, RetryCount counting the attempts
// before this one, and signed. It notes the signature, the status and the
// start of the answer in try.
func (d *Dispatcher) send(ctx context.Context, dl *model.Delivery, try *model.DeliveryAttempt) error {
	params := url.Values{}
	for k, vs := range dl.Params {
		params[k] = vs
	}
	params.Set("RetryCount", strconv.Itoa(dl.Attempts-1))
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	req, err := signedRequest(ctx, d.opts.AuthToken, dl.Method, dl.URL, params)
	if err != nil {
		return err
	}
	try.Signature = req.Header.Get("X-Twilio-Signature")
	req.Header.Set("I-Twilio-Idempotency-Token", idempotencyToken(dl))
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("timed out after %s", d.opts.Timeout)
		}
		return err
	}
	defer resp.Body.Close()
	try.Status = resp.StatusCode
	try.Response, _ = io.ReadAll(io.LimitReader(resp.Body, model.MaxLoggedResponse))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return nil
}

// idempotencyToken is the same on every attempt of a delivery, so that a
// receiver can tell a retry (or a resend after a restart) from a new event.
func idempotencyToken(dl *model.Delivery) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", dl.ServiceSid, dl.ID)))
	return hex.EncodeToString(sum[:16])
}
