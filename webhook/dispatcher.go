package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatd/chatd/model"
)

// Options configure a Dispatcher. Zero values take the defaults.
type Options struct {
	// AuthToken signs every request (X-Twilio-Signature), as Twilio signs
	// with the account's auth token even when API keys are used.
	AuthToken string
	// Workers bounds the requests in flight at once; 8 by default.
	Workers int
	// Timeout bounds one attempt; Twilio's 5 seconds by default.
	Timeout time.Duration
	// Backoff is the wait before the first retry, doubling for each next one
	// up to MaxBackoff; 1 second and 1 minute by default.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Keep bounds the outbox: finished deliveries older than the newest Keep
	// deliveries are forgotten (pending ones never are); 10,000 by default.
	Keep int
	// Client sends the requests; one with no redirects by default.
	Client *http.Client
	Logger *slog.Logger
	Now    func() time.Time
}

// Dispatcher sends the outbox. Each lane (one receiver's events of one
// Channel, see model.Delivery.Lane) has at most one delivery in flight and
// sends in outbox order, so a receiver sees a Channel's events in commit
// order, retries included; lanes proceed independently, up to Workers at a
// time.
type Dispatcher struct {
	store model.Store
	opts  Options

	wake chan struct{}
	stop context.CancelFunc
	done chan struct{}
}

// New returns a Dispatcher of store's outbox; Start runs it.
func New(store model.Store, opts Options) *Dispatcher {
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.Keep <= 0 {
		opts.Keep = 10_000
	}
	if opts.Client == nil {
		opts.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Dispatcher{store: store, opts: opts, wake: make(chan struct{}, 1)}
}

// Wake tells the Dispatcher that new deliveries were committed. It never
// blocks: wakes that arrive while one is pending merge.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Start runs the Dispatcher in the background until Close. Deliveries left
// pending by an earlier run (a restart, a crash) are sent first.
func (d *Dispatcher) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	d.stop, d.done = cancel, make(chan struct{})
	go func() {
		defer close(d.done)
		d.run(ctx)
	}()
	d.Wake()
}

// Close stops the Dispatcher and waits for it. Requests in flight are
// abandoned without being recorded, so they stay pending and are sent again
// by the next run: delivery is at least once.
func (d *Dispatcher) Close() {
	if d.stop == nil {
		return
	}
	d.stop()
	<-d.done
	d.stop = nil
}

// outcome is the end of one attempt.
type outcome struct {
	lane      string
	finished  bool // the delivery left the pending set
	abandoned bool // stopped by Close: nothing was recorded
}

// run is the scheduling loop: it loads pending deliveries into lanes, starts
// the ready head of each idle lane while workers are free, and waits for a
// wake, an attempt's end, or the next retry time.
func (d *Dispatcher) run(ctx context.Context) {
	lanes := map[string][]*model.Delivery{}
	busy := map[string]bool{}
	results := make(chan outcome)
	var inflight sync.WaitGroup
	defer inflight.Wait()
	var loaded uint64
	running, finished := 0, 0
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := d.opts.Now()
		var next time.Time
		for lane, queue := range lanes {
			if running == d.opts.Workers {
				break
			}
			if busy[lane] {
				continue
			}
			head := queue[0]
			if head.NextAttempt.After(now) {
				if next.IsZero() || head.NextAttempt.Before(next) {
					next = head.NextAttempt
				}
				continue
			}
			busy[lane] = true
			running++
			inflight.Add(1)
			go func() {
				defer inflight.Done()
				results <- d.attempt(ctx, head)
			}()
		}
		timer.Reset(time.Hour)
		if !next.IsZero() {
			timer.Reset(max(next.Sub(now), 0))
		}
		select {
		case <-ctx.Done():
			for ; running > 0; running-- {
				<-results
			}
			return
		case <-d.wake:
			var err error
			if loaded, err = d.load(ctx, lanes, loaded); err != nil && ctx.Err() == nil {
				d.opts.Logger.Error("webhook outbox", "err", err)
			}
		case r := <-results:
			running--
			busy[r.lane] = false
			if r.abandoned {
				continue
			}
			if r.finished {
				if lanes[r.lane] = lanes[r.lane][1:]; len(lanes[r.lane]) == 0 {
					delete(lanes, r.lane)
				}
				if finished++; finished%100 == 0 {
					d.trim(ctx)
				}
			}
		case <-timer.C:
		}
	}
}

// load appends the pending deliveries after ID after to their lanes and
// returns the last ID it saw.
func (d *Dispatcher) load(ctx context.Context, lanes map[string][]*model.Delivery, after uint64) (uint64, error) {
	const batch = 1000
	for {
		var ds []*model.Delivery
		err := d.store.View(ctx, func(tx model.Tx) (err error) {
			ds, err = tx.PendingDeliveries(after, batch)
			return err
		})
		if err != nil {
			return after, err
		}
		for _, dl := range ds {
			lanes[dl.Lane()] = append(lanes[dl.Lane()], dl)
			after = dl.ID
		}
		if len(ds) < batch {
			return after, nil
		}
	}
}

// trim forgets old finished deliveries.
func (d *Dispatcher) trim(ctx context.Context) {
	if err := d.store.Update(ctx, func(tx model.Tx) error { return tx.TrimDeliveries(d.opts.Keep) }); err != nil && ctx.Err() == nil {
		d.opts.Logger.Error("webhook outbox trim", "err", err)
	}
}

// attempt sends dl once and records the result: delivered on a 2xx; on a
// timeout, a failed connection or a 429/503/504 (the answers Twilio retries)
// pending again after a back-off while retries remain; failed otherwise.
func (d *Dispatcher) attempt(ctx context.Context, dl *model.Delivery) outcome {
	out := outcome{lane: dl.Lane()}
	switch gone, err := d.gone(ctx, dl); {
	case err != nil:
		// The store cannot tell: try again after a back-off.
		if ctx.Err() == nil {
			dl.NextAttempt = d.opts.Now().Add(d.opts.Backoff)
		}
		out.abandoned = true
		return out
	case gone:
		// A reset removed it: nothing to send.
		out.finished = true
		return out
	}
	attempt := *dl
	attempt.Attempts++
	start := d.opts.Now()
	code, err := d.send(ctx, &attempt)
	if ctx.Err() != nil {
		out.abandoned = true
		return out
	}
	attempt.ResponseCode, attempt.Duration, attempt.DateUpdated = code, d.opts.Now().Sub(start), d.opts.Now()
	attempt.Error = ""
	switch {
	case err == nil && code >= 200 && code < 300:
		attempt.Status = model.DeliveryDelivered
	case retryable(code, err) && attempt.Attempts <= attempt.MaxRetries:
		attempt.Status = model.DeliveryPending
		attempt.NextAttempt = attempt.DateUpdated.Add(d.backoff(attempt.Attempts))
	default:
		attempt.Status = model.DeliveryFailed
	}
	if err != nil {
		attempt.Error = err.Error()
	} else if attempt.Status != model.DeliveryDelivered {
		attempt.Error = fmt.Sprintf("receiver answered %d", code)
	}
	if err := d.store.Update(ctx, func(tx model.Tx) error {
		rec := attempt
		return tx.PutDelivery(&rec)
	}); err != nil {
		if ctx.Err() == nil {
			// The store refused the record: try again after a back-off
			// rather than at once.
			d.opts.Logger.Error("webhook outbox", "err", err, "delivery", dl.ID)
			dl.NextAttempt = d.opts.Now().Add(d.opts.Backoff)
		}
		out.abandoned = true
		return out
	}
	*dl = attempt
	d.opts.Logger.Info("webhook", "event", dl.Event, "url", dl.URL, "status", dl.Status,
		"code", code, "attempt", dl.Attempts, "duration", dl.Duration, "delivery", dl.ID)
	out.finished = dl.Finished()
	return out
}

// gone reports whether dl has left the outbox's pending set since it was
// loaded (a reset wiped it): it must not be sent then.
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
// before this one, and signed.
func (d *Dispatcher) send(ctx context.Context, dl *model.Delivery) (int, error) {
	params := url.Values{}
	for k, vs := range dl.Params {
		params[k] = vs
	}
	params.Set("RetryCount", strconv.Itoa(dl.Attempts-1))
	target, body, signed := dl.URL, "", map[string][]string(params)
	if dl.Method == http.MethodGet {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + params.Encode()
		signed = nil
	} else {
		body = params.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, dl.Method, target, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	if dl.Method != http.MethodGet {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Twilio-Signature", Sign(d.opts.AuthToken, target, signed))
	req.Header.Set("I-Twilio-Idempotency-Token", idempotencyToken(dl))
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("timed out after %s", d.opts.Timeout)
		}
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// idempotencyToken is the same on every attempt of a delivery, so that a
// receiver can tell a retry (or a resend after a restart) from a new event.
func idempotencyToken(dl *model.Delivery) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", dl.ServiceSid, dl.ID)))
	return hex.EncodeToString(sum[:16])
}
