package webhook

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/chatd/chatd/model"
)

// Defaults of Options.
const (
	DefaultWorkers = 64
	DefaultWindow  = 32
	DefaultBuffer  = 10_000
	// DefaultTimeout bounds one attempt of a post-event or a pre-event:
	// Twilio's 5 seconds.
	DefaultTimeout = 5 * time.Second
	// DefaultLease is how long a Dispatcher's claim on a delivery lasts
	// unless renewed.
	DefaultLease = 30 * time.Second
)

// Options configure a Dispatcher. Zero values take the defaults.
type Options struct {
	// AuthToken signs every request (X-Twilio-Signature), as Twilio signs
	// with the account's auth token even when API keys are used.
	AuthToken string
	// Workers bounds the requests in flight at once; DefaultWorkers by
	// default.
	Workers int
	// HostWorkers bounds the requests in flight at once to one receiver
	// host (scheme, host and port), so that a slow or dead receiver leaves
	// workers to the others; half of Workers by default.
	HostWorkers int
	// Window bounds the requests in flight at once in one lane (one
	// receiver's events of one Channel, see model.Delivery.Lane);
	// DefaultWindow by default. A Window of 1 is strict order: a lane sends
	// one delivery at a time, and a delivery waiting for its retry holds
	// back the ones behind it.
	Window int
	// Buffer bounds the pending deliveries held in memory per receiver
	// host; the others wait in the outbox and are read as those drain.
	// DefaultBuffer by default.
	Buffer int
	// Timeout bounds one attempt, of a post-event and of a pre-event (a
	// pre-event that gets no answer in time lets its action through);
	// DefaultTimeout by default.
	Timeout time.Duration
	// Backoff is the wait before the first retry, doubling for each next one
	// up to MaxBackoff; 1 second and 10 seconds (or Backoff, if longer) by
	// default, so that the attempts of a delivery end within about 30
	// seconds.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Scan is how often the outbox is read without a Wake, a backstop for
	// deliveries committed without one; 1 second by default.
	Scan time.Duration
	// Lease is how long the Dispatcher's claim on a delivery it holds lasts
	// unless renewed (see model.DeliveryClaims): when chatd nodes share a
	// database, how long the deliveries of a node that stopped without
	// handing them back wait before another node sends them. Claims are
	// renewed every third of it, and as often the outbox is read again from
	// its start, for deliveries whose node's claims ran out. DefaultLease by
	// default.
	Lease time.Duration
	// Keep bounds the outbox: finished deliveries older than the newest Keep
	// deliveries are forgotten (pending ones never are); 10,000 by default.
	Keep int
	// Client sends the requests; by default one that follows no redirects
	// and keeps HostWorkers connections per host alive.
	Client *http.Client
	Logger *slog.Logger
	Now    func() time.Time
	// Observer, when set, hears of every attempt, post-event and
	// pre-event, as it ends.
	Observer Observer
}

// withDefaults is o with every zero value replaced by its default.
func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.HostWorkers <= 0 {
		o.HostWorkers = max(o.Workers/2, 1)
	}
	o.HostWorkers = min(o.HostWorkers, o.Workers)
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = max(10*time.Second, o.Backoff)
	}
	if o.Scan <= 0 {
		o.Scan = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Keep <= 0 {
		o.Keep = 10_000
	}
	if o.Client == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConnsPerHost = o.HostWorkers
		transport.MaxIdleConns = max(transport.MaxIdleConns, o.Workers)
		o.Client = &http.Client{
			Transport:     transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Dispatcher sends the outbox.
//
// Each lane (one receiver's events of one Channel) sends its deliveries in
// outbox order, that is commit order, with up to Window of them in flight;
// lanes proceed independently, up to HostWorkers at a time per receiver host
// and Workers in all. An attempt that fails and will be retried steps aside
// until its retry time and the deliveries behind it go on (unless Window is
// 1). The outcomes of attempts are recorded in groups, one transaction for
// all those that ended while the last one committed. At most Buffer pending
// deliveries per receiver host are held in memory; the outbox is read as
// they drain, when Wake says there is more, and every Scan as a backstop.
//
// The Dispatcher sends only the deliveries it claimed (model.DeliveryClaims),
// under a name of its own taken at Start, so that several chatd nodes on one
// database share the outbox: each delivery is sent by one node at a time,
// and a lane's deliveries go out in order whichever nodes send them, since
// a node claims none of a lane while another holds an earlier one. The
// claims are renewed while the Dispatcher runs and handed back by Close;
// those of a node that stopped otherwise run out after Lease, and another
// node sends the deliveries again: delivery is at least once.
type Dispatcher struct {
	store model.Store
	opts  Options

	wake chan struct{}
	stop context.CancelFunc
	done chan struct{}
}

// New returns a Dispatcher of store's outbox; Start runs it.
func New(store model.Store, opts Options) *Dispatcher {
	return &Dispatcher{store: store, opts: opts.withDefaults(), wake: make(chan struct{}, 1)}
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
// pending by an earlier run (a restart, a crash) are sent first, once the
// claims of the run that crashed, if it left any, have run out.
func (d *Dispatcher) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	d.stop, d.done = cancel, make(chan struct{})
	l := newLoop(ctx, d, ulid.Make().String())
	go func() {
		defer close(d.done)
		l.run()
	}()
}

// Close stops the Dispatcher and waits for it. Requests in flight are
// abandoned without being recorded, so they stay pending and are sent again
// by the next run or another node: delivery is at least once. Outcomes
// already known are recorded, and the claims on the deliveries still
// pending handed back, before Close returns.
func (d *Dispatcher) Close() {
	if d.stop == nil {
		return
	}
	d.stop()
	<-d.done
	d.stop = nil
}
