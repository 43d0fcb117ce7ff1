package webhook

import (
	"context"
	"errors"
	"time"

	"github.com/chatd/chatd/model"
)

const (
	// page is how many pending deliveries one read of the outbox takes.
	page = 256
	// maxBatch bounds the outcomes one transaction records.
	maxBatch = 1024
	// trimEvery is how many deliveries finish between two trims of the
	// outbox.
	trimEvery = 100
)

// fill reads the outbox: after the cursor when it may hold more, and for
// each host that is behind once its buffer has drained to half. It reads
// one page of each, so that attempts' ends are taken in between; more
// reports whether there is more to read at once.
func (l *loop) fill(now time.Time) (more bool) {
	if l.reading {
		l.reading = l.read(now)
	}
	more = l.reading
	for _, h := range l.hosts {
		if h.behind && h.held <= l.opts.Buffer/2 {
			if err := l.catchUp(h, now); err != nil {
				l.logError(err) // tried again at the next turn of the loop
				continue
			}
			more = more || h.behind && h.held <= l.opts.Buffer/2
		}
		if !h.behind && h.held == 0 {
			delete(l.hosts, h.name)
		}
	}
	return more
}

// read takes the next page of pending deliveries after the cursor. A
// delivery whose host has its buffer full is left in the outbox, and so
// are all of that host's after it, so that catchUp reads them in order.
func (l *loop) read(now time.Time) (more bool) {
	ds, err := l.pending(l.cursor)
	if err != nil {
		l.logError(err)
		return false
	}
	for _, dl := range ds {
		l.cursor = dl.ID
		h := l.host(hostOf(dl.URL))
		switch {
		case h.behind:
		case h.held >= l.opts.Buffer:
			h.behind, h.resume = true, dl.ID-1
		default:
			l.admit(h, dl, now)
		}
	}
	return len(ds) == page
}

// catchUp reads h's deliveries left in the outbox, from where it stopped,
// up to the cursor; from there read takes them again.
func (l *loop) catchUp(h *host, now time.Time) error {
	ds, err := l.pending(h.resume)
	if err != nil {
		return err
	}
	for _, dl := range ds {
		if dl.ID > l.cursor {
			h.behind = false
			return nil
		}
		if hostOf(dl.URL) == h.name {
			if h.held >= l.opts.Buffer {
				return nil
			}
			l.admit(h, dl, now)
		}
		h.resume = dl.ID
	}
	if len(ds) < page {
		h.behind = false
	}
	return nil
}

// pending reads a page of the outbox's pending deliveries after an ID.
func (l *loop) pending(after uint64) (ds []*model.Delivery, err error) {
	err = l.store.View(l.ctx, func(tx model.Tx) error {
		ds, err = tx.PendingDeliveries(after, page)
		return err
	})
	return ds, err
}

// commit is one group of outcomes recorded in one transaction.
type commit struct {
	batch []result
	trim  bool   // trim the outbox in the same transaction
	gone  []bool // by batch index: the delivery is no longer in the outbox
	err   error
}

// commit hands the outcomes known so far to the store in the background,
// unless a commit is under way: those that end meanwhile go in the next.
func (l *loop) commit() {
	if l.committing || len(l.batch) == 0 {
		return
	}
	n := min(len(l.batch), maxBatch)
	c := commit{batch: l.batch[:n:n]}
	l.batch = l.batch[n:]
	for _, r := range c.batch {
		if r.rec.Finished() {
			l.finished++
		}
	}
	if l.finished >= trimEvery {
		c.trim, l.finished = true, 0
	}
	l.committing = true
	go func() { l.committed <- l.record(c) }()
}

// record writes c's outcomes, and trims the outbox if c says so, in one
// transaction. A delivery a reset removed meanwhile is marked gone. The
// write is not abandoned when the Dispatcher closes: the outcomes are
// known.
func (l *loop) record(c commit) commit {
	c.gone = make([]bool, len(c.batch))
	c.err = l.store.Update(context.WithoutCancel(l.ctx), func(tx model.Tx) error {
		clear(c.gone) // the store may run this more than once
		for i, r := range c.batch {
			rec := *r.rec
			err := tx.PutDelivery(&rec)
			if errors.Is(err, model.ErrNotFound) {
				c.gone[i] = true
				continue
			}
			if err != nil {
				return err
			}
		}
		if c.trim {
			return tx.TrimDeliveries(l.opts.Keep)
		}
		return nil
	})
	return c
}

// recorded applies a commit's outcomes: a finished delivery leaves memory,
// a retried one waits for its time. If the store refused the commit, each
// attempt is made again after a back-off, as the same attempt.
func (l *loop) recorded(c commit) {
	l.committing = false
	now := l.opts.Now()
	if c.err != nil {
		l.logError(c.err)
	}
	for i, r := range c.batch {
		e := r.entry
		switch {
		case c.err != nil:
			l.retryAt(e, now.Add(l.opts.Backoff))
		case c.gone[i]:
			l.forget(e)
		default:
			e.d = r.rec
			l.logAttempt(e.d)
			if e.d.Finished() {
				l.forget(e)
			} else {
				l.retryAt(e, e.d.NextAttempt)
			}
		}
	}
}

func (l *loop) logError(err error) {
	if l.ctx.Err() == nil {
		l.opts.Logger.Error("webhook outbox", "err", err)
	}
}

func (l *loop) logAttempt(dl *model.Delivery) {
	l.opts.Logger.Info("webhook", "event", dl.Event, "url", dl.URL, "status", dl.Status,
		"code", dl.ResponseCode, "attempt", dl.Attempts, "duration", dl.Duration, "delivery", dl.ID)
}
