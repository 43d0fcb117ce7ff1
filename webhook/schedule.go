package webhook

import (
	"container/heap"
	"net/url"
	"time"

	"github.com/chatd/chatd/model"
)

// entry is a pending delivery held in memory. It is in exactly one place:
// its lane's ready queue, in flight, on its way to the store, or waiting
// for its retry time.
type entry struct {
	d       *model.Delivery
	lane    *lane
	due     time.Time // when it may be sent again
	waiting bool      // will be retried: counted in lane.waiting
}

// lane is one receiver's deliveries of one Channel.
type lane struct {
	key     string
	host    *host
	ready   byID // may be sent now, lowest ID first
	sending int  // attempts in flight
	waiting int  // entries that will be retried
	held    int  // entries in memory
	listed  bool // in host.runnable
}

// host is one receiver host (scheme, host and port): the unit of fairness
// and of the memory bound.
type host struct {
	name     string
	sending  int
	held     int
	runnable []*lane // lanes that may send, in turn
	// behind is set when the host's share of the buffer was full as the
	// outbox was claimed: its deliveries after resume are not in memory,
	// but handed back, and are claimed by catchUp, in order, as the buffer
	// drains.
	behind bool
	resume uint64
}

// hostOf is the receiver host of a delivery's URL.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

func (l *loop) host(name string) *host {
	h := l.hosts[name]
	if h == nil {
		h = &host{name: name}
		l.hosts[name] = h
	}
	return h
}

// admit holds dl in memory, ready or waiting for its retry time.
func (l *loop) admit(h *host, dl *model.Delivery, now time.Time) {
	key := dl.Lane()
	ln := l.lanes[key]
	if ln == nil {
		ln = &lane{key: key, host: h}
		l.lanes[key] = ln
	}
	ln.held++
	h.held++
	l.held[dl.ID] = true
	e := &entry{d: dl, lane: ln}
	if dl.Attempts > 0 && dl.NextAttempt.After(now) {
		l.retryAt(e, dl.NextAttempt)
		return
	}
	heap.Push(&ln.ready, e)
	l.list(ln)
}

// canSend reports whether ln has a delivery to send and room in its window.
func (l *loop) canSend(ln *lane) bool {
	if ln.ready.Len() == 0 || ln.sending >= l.opts.Window {
		return false
	}
	// In strict order, a retry holds the lane.
	return l.opts.Window > 1 || ln.waiting == 0
}

// list puts ln in its host's turn if it may send.
func (l *loop) list(ln *lane) {
	if !ln.listed && l.canSend(ln) {
		ln.listed = true
		ln.host.runnable = append(ln.host.runnable, ln)
	}
}

// dispatch starts attempts while workers are free: one per host in turn,
// each host's lanes in turn, each lane's lowest ID first.
func (l *loop) dispatch() {
	for l.running < l.opts.Workers {
		started := false
		for _, h := range l.hosts {
			if l.running == l.opts.Workers {
				return
			}
			if h.sending >= l.opts.HostWorkers {
				continue
			}
			if ln := l.nextLane(h); ln != nil {
				l.start(heap.Pop(&ln.ready).(*entry))
				l.list(ln)
				started = true
			}
		}
		if !started {
			return
		}
	}
}

// nextLane takes the next lane of h's turn that may send.
func (l *loop) nextLane(h *host) *lane {
	for len(h.runnable) > 0 {
		ln := h.runnable[0]
		h.runnable[0] = nil
		h.runnable = h.runnable[1:]
		ln.listed = false
		if l.canSend(ln) {
			return ln
		}
	}
	return nil
}

// start sends e in the background; its result comes back on l.results.
func (l *loop) start(e *entry) {
	ln := e.lane
	ln.sending++
	ln.host.sending++
	l.running++
	dl := e.d
	go func() { l.results <- l.d.attempt(l.ctx, e, dl) }()
}

// ended takes the result of an attempt: the lane's slot is free again at
// once; the outcome waits for the next commit.
func (l *loop) ended(r result) {
	e := r.entry
	ln := e.lane
	ln.sending--
	ln.host.sending--
	l.running--
	switch {
	case r.gone:
		l.forget(e)
	case r.rec == nil:
		// Not sent: the store could not tell whether it is still pending.
		l.retryAt(e, l.opts.Now().Add(l.opts.Backoff))
	default:
		if !r.rec.Finished() {
			l.hold(e) // the lane's strict order counts it from now
		}
		l.batch = append(l.batch, r)
	}
	l.list(ln)
}

// hold counts e as a delivery that will be retried.
func (l *loop) hold(e *entry) {
	if !e.waiting {
		e.waiting = true
		e.lane.waiting++
	}
}

// retryAt puts e aside until t.
func (l *loop) retryAt(e *entry, t time.Time) {
	l.hold(e)
	e.due = t
	heap.Push(&l.retries, e)
}

// nextRetry is the soonest retry time, if any.
func (l *loop) nextRetry() (time.Time, bool) {
	if len(l.retries) == 0 {
		return time.Time{}, false
	}
	return l.retries[0].due, true
}

// due makes the retries whose time has come ready again.
func (l *loop) due(now time.Time) {
	for len(l.retries) > 0 && !l.retries[0].due.After(now) {
		e := heap.Pop(&l.retries).(*entry)
		e.waiting = false
		e.lane.waiting--
		heap.Push(&e.lane.ready, e)
		l.list(e.lane)
	}
}

// forget drops e, which left the pending set, and its lane and host once
// they hold nothing.
func (l *loop) forget(e *entry) {
	ln := e.lane
	if e.waiting {
		e.waiting = false
		ln.waiting--
	}
	ln.held--
	ln.host.held--
	delete(l.held, e.d.ID)
	if ln.held == 0 {
		delete(l.lanes, ln.key)
	}
	if h := ln.host; h.held == 0 && !h.behind {
		delete(l.hosts, h.name)
	}
	l.list(ln)
}

// byID is a heap of entries, lowest delivery ID first.
type byID []*entry

func (q byID) Len() int           { return len(q) }
func (q byID) Less(i, j int) bool { return q[i].d.ID < q[j].d.ID }
func (q byID) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *byID) Push(x any)        { *q = append(*q, x.(*entry)) }
func (q *byID) Pop() any          { return pop(q) }

// byDue is a heap of entries, soonest retry first.
type byDue []*entry

func (q byDue) Len() int           { return len(q) }
func (q byDue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q byDue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *byDue) Push(x any)        { *q = append(*q, x.(*entry)) }
func (q *byDue) Pop() any          { return pop(q) }

func pop[Q ~[]*entry](q *Q) any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return e
}
