package webhook

import (
	"context"
	"time"

	"github.com/chatd/chatd/model"
)

// loop is the state of a running Dispatcher, owned by its run goroutine:
// the pending deliveries held in memory, by receiver host and lane, and the
// outcomes on their way to the store.
type loop struct {
	d     *Dispatcher
	opts  Options
	store model.Store
	ctx   context.Context

	hosts   map[string]*host
	lanes   map[string]*lane
	retries byDue // entries waiting for their retry time, soonest first

	cursor  uint64 // the outbox is read up to this ID
	reading bool   // the outbox may hold more after cursor

	running int // attempts in flight
	results chan result

	batch      []result // outcomes for the next commit
	committing bool
	committed  chan commit
	finished   int // deliveries finished since the last trim
}

func newLoop(ctx context.Context, d *Dispatcher) *loop {
	return &loop{
		d:         d,
		ctx:       ctx,
		opts:      d.opts,
		store:     d.store,
		hosts:     map[string]*host{},
		lanes:     map[string]*lane{},
		results:   make(chan result, d.opts.Workers),
		committed: make(chan commit, 1),
	}
}

// run is the scheduling loop: it starts the ready deliveries while workers
// are free, reads the outbox when there may be more, hands the known
// outcomes to the store, and waits for an attempt's end, a commit, a wake,
// the next retry time or the backstop scan.
func (l *loop) run() {
	defer l.shutdown()
	scan := time.NewTicker(l.opts.Scan)
	defer scan.Stop()
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
		case r := <-l.results:
			l.ended(r)
		case c := <-l.committed:
			l.recorded(c)
		case <-timer.C:
		}
	}
}

// shutdown ends a run: it waits for the attempts in flight (abandoned,
// unless their answer was in), then records every outcome known.
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
}
