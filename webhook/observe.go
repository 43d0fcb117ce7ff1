package webhook

import "time"

// Observer hears of every attempt to send a webhook as it ends, for
// metrics: its kind (KindPost or KindPre), its outcome and how long it
// took. The outcome is model.DeliveryDelivered (a 2xx answer),
// model.DeliveryPending (no answer or a 429/503/504, to be tried again)
// or model.DeliveryFailed (any other answer, or the last try). It is
// called from the goroutine that made the attempt, so it must be safe
// for concurrent use, and return quickly.
type Observer interface {
	ObserveWebhook(kind, outcome string, d time.Duration)
}

// Kinds of webhook attempts.
const (
	KindPost = "post" // a post-event delivery, sent from the outbox
	KindPre  = "pre"  // a pre-event call, which a first-person action waits on
)

func (d *Dispatcher) observe(kind, outcome string, took time.Duration) {
	if d.opts.Observer != nil {
		d.opts.Observer.ObserveWebhook(kind, outcome, took)
	}
}
