package model

import (
	"context"
	"time"
)

// Delivery states.
const (
	DeliveryPending       = "pending"       // not yet sent, or to be retried
	DeliveryDelivered     = "delivered"     // the receiver answered 2xx
	DeliveryFailed        = "failed"        // refused, or out of retries
	DeliveryUndeliverable = "undeliverable" // a target chatd cannot call (Studio)
)

// Delivery is one webhook request to make: an entry of the outbox, written in
// the same transaction as the change that caused it and sent after commit,
// so that no acknowledged change loses its webhook. ID orders deliveries by
// commit; a Lane's deliveries are sent in ID order.
//
// A pre-event webhook (Event is a pre-event name such as onMessageSend) is
// sent before the action it may refuse, not through the outbox; it is
// recorded here, finished, once its attempts are over, so that the log
// shows it too.
type Delivery struct {
	ID         uint64 // assigned by the store, in commit order
	ServiceSid string
	ChannelSid string // "" for events outside a Channel (Users)
	Event      string // e.g. onMessageSent
	URL        string
	Method     string              // GET or POST
	Params     map[string][]string // the form (POST) or query (GET) parameters
	// WebhookSid and WebhookType name the Channel webhook that asked for
	// this delivery; both are "" for the Service's own webhooks.
	WebhookSid  string
	WebhookType string
	MaxRetries  int

	Status       string
	Attempts     int
	ResponseCode int    // of the last attempt; 0 when it got no answer
	Error        string // why the last attempt failed, if it did
	// ErrorCode is the Twilio error code of that failure when it has one
	// (a pre-event's 50056, 50057 or 50076), 0 otherwise. An int rather
	// than a Code: it is read back from storage.
	ErrorCode   int
	Duration    time.Duration
	DateCreated time.Time
	DateUpdated time.Time
	NextAttempt time.Time // when a pending delivery may be sent
	// Log is the attempts made so far, oldest first: at most
	// MaxLoggedAttempts of them, the latest.
	Log []DeliveryAttempt
}

// DeliveryAttempt is one request made of a Delivery and how it ended, as
// the console shows it.
type DeliveryAttempt struct {
	Start    time.Time
	Duration time.Duration
	// Status is the HTTP status answered; 0 when there was no answer.
	Status int
	Error  string // why there was no answer, if there was none
	// Signature is the X-Twilio-Signature the request carried.
	Signature string
	// Response is the first bytes of the answer's body, at most
	// MaxLoggedResponse of them.
	Response []byte
}

// Bounds of a Delivery's Log: a delivery is attempted at most
// MaxRetryCount+1 times, and the start of an answer is enough to tell
// what the receiver said.
const (
	MaxLoggedAttempts = MaxRetryCount + 1
	MaxLoggedResponse = 1024
)

// LogAttempt appends a to d's Log, dropping the oldest attempts beyond
// MaxLoggedAttempts and the bytes of the answer beyond MaxLoggedResponse.
func (d *Delivery) LogAttempt(a DeliveryAttempt) {
	if len(a.Response) > MaxLoggedResponse {
		a.Response = a.Response[:MaxLoggedResponse]
	}
	log := append(d.Log[:len(d.Log):len(d.Log)], a)
	d.Log = log[max(len(log)-MaxLoggedAttempts, 0):]
}

// Lane is the ordering key of a Delivery: one receiver's events of one
// Channel (or, for User events, of one Service) are sent in commit order.
func (d *Delivery) Lane() string {
	scope := d.ChannelSid
	if scope == "" {
		scope = d.ServiceSid
	}
	return d.URL + " " + scope
}

// Finished reports whether d will not be sent again.
func (d *Delivery) Finished() bool { return d.Status != DeliveryPending }

// PreEventCall is a pre-event webhook to make: the synchronous call to the
// app's server before a first-person action, which may refuse or change
// it. Params hold every parameter but RetryCount, which each attempt sets.
type PreEventCall struct {
	URL    string
	Method string // GET or POST
	Params map[string][]string
	// Retries is how many more attempts follow one that timed out, failed
	// to connect or was answered 429, 503 or 504.
	Retries int
}

// PreEventAnswer is how a PreEventCall ended: the last attempt's answer,
// or why it got none.
type PreEventAnswer struct {
	Attempts int
	Status   int    // the HTTP status answered; 0 when there was no answer
	Body     []byte // the answer's body, up to a bound
	TimedOut bool   // no answer came in time
	Err      error  // why there was no answer; nil when Status is set
	Duration time.Duration
	// Log is the attempts made, as a Delivery logs them.
	Log []DeliveryAttempt
}

// DeliveryFilter narrows ListDeliveries: to one Service's deliveries, one
// event's, and those in one Status; an empty field does not narrow.
type DeliveryFilter struct {
	ServiceSid string
	Event      string
	Status     string
}

// DeliveryService is chatd's inspection of recent webhook deliveries
// (GET /_chatd/deliveries and the console).
type DeliveryService interface {
	// ListDeliveries lists the deliveries f accepts, newest first.
	ListDeliveries(ctx context.Context, f DeliveryFilter, p Page) ([]*Delivery, Cursor, error)
	// FindDelivery finds a delivery by ID (404 when it was trimmed).
	FindDelivery(ctx context.Context, id uint64) (*Delivery, error)
	// ResendDelivery enqueues a copy of a delivery as a new pending one,
	// to be sent as if for the first time, and returns the copy.
	ResendDelivery(ctx context.Context, id uint64) (*Delivery, error)
}
