package webhook

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/chatd/chatd/model"
)

// loop is the state of a running Dispatcher, owned by its run goroutine:
// the pending deliveries it claimed and holds in memory, by receiver host
// and lane, and the outcomes on their way to the store.
type loop struct {
	d     *Dispatcher
	opts  Options
	store model.Store
	ctx   context.Context
	node  string // the name the claims are made under

	hosts   map[string]*host
	lanes   map[string]*lane
	held    map[uint64]bool // the IDs of the deliveries in memory
	retries byDue           // entries waiting for their retry time, soonest first

	cursor    uint64   // the outbox is claimed up to this ID
	reading   bool     // the outbox may hold more after cursor
	unclaimed []uint64 // claimed but not held: to hand back

	running int // attempts in flight
	results chan result

	batch      []result // outcomes for the next commit
	committing bool
	committed  chan commit
	finished   int // deliveries finished since the last trim
}

func newLoop(ctx context.Context, d *Dispatcher, node string) *loop {
	return &loop{
		d:         d,
		ctx:       ctx,
		opts:      d.opts,
		store:     d.store,
		node:      node,
		hosts:     map[string]*host{},
		lanes:     map[string]*lane{},
		held:      map[uint64]bool{},
		results:   make(chan result, d.opts.Workers),
		committed: make(chan commit, 1),
	}
}

// run is the scheduling loop: it starts the ready deliveries while workers
// are free, claims from the outbox when there may be more, hands the known
// outcomes to the store, and waits for an attempt's end, a commit, a wake,
// the next retry time, the backstop scan or the renewal of its claims.
func (l *loop) run() {
	defer l.shutdown()
	scan := time.NewTicker(l.opts.Scan)
	defer scan.Stop()
	renew := time.NewTicker(l.opts.Lease / 3)
	defer renew.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	l.reading = true // what an earlier run left pending
	for {
		now := l.opts.Now()
		l.due(now)
		busy := l.fill(now)
		l.dispatch()
		l.commit()
		wait := time.Hour
		if next, ok := l.nextRetry(); ok {
			wait = max(next.Sub(now), 0)
		}
		if busy {
			wait = 0 // more of the outbox to read: after a look at what came in
		}
		timer.Reset(wait)
		select {
		case <-l.ctx.Done():
			return
		case <-l.d.wake:
			l.reading = true
		case <-scan.C:
			l.reading = true
		case <-renew.C:
			l.renew()
			// Claims of a node that stopped have run out meanwhile,
			// perhaps before the cursor.
			l.cursor, l.reading = 0, true
		case r := <-l.results:
			l.ended(r)
		case c := <-l.committed:
			l.recorded(c)
		case <-timer.C:
		}
	}
}

// shutdown ends a run: it waits for the attempts in flight (abandoned,
// unless their answer was in), records every outcome known, and hands
// back the claims on the deliveries still pending, so that another node
// may send them at once.
func (l *loop) shutdown() {
	for l.running > 0 {
		l.ended(<-l.results)
	}
	if l.committing {
		l.recorded(<-l.committed)
	}
	for len(l.batch) > 0 {
		l.commit()
		l.recorded(<-l.committed)
	}
	ids := append(slices.Sorted(maps.Keys(l.held)), l.unclaimed...) // with what a failed handBack kept
	if err := l.store.ReleaseDeliveryClaims(context.WithoutCancel(l.ctx), l.node, ids); err != nil {
		l.opts.Logger.Error("webhook outbox: handing back claims", "err", err)
	}
}
