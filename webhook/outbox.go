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

// fill claims from the outbox: after the cursor when it may hold more, and
// for each host that is behind once its buffer has drained to half. It
// claims one page of each, so that attempts' ends are taken in between;
// more reports whether there is more to claim at once. What was claimed
// but not held is handed back.
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
	if err := l.handBack(); err != nil {
		l.logError(err) // handed back before the next claim, or they run out
	}
	return more
}

// read claims the next page of pending deliveries after the cursor.
func (l *loop) read(now time.Time) (more bool) {
	ds, err := l.claim(l.cursor)
	if err != nil {
		l.logError(err)
		return false
	}
	for _, dl := range ds {
		l.cursor = dl.ID
		l.take(dl, now)
	}
	return len(ds) == page
}

// take holds a claimed delivery in memory, unless it is held already (its
// claim ran out and was made again). A delivery whose host has its buffer
// full is handed back, and so are all of that host's after it, so that
// catchUp claims them again in order.
func (l *loop) take(dl *model.Delivery, now time.Time) {
	if l.held[dl.ID] {
		return
	}
	h := l.host(hostOf(dl.URL))
	if h.behind && dl.ID > h.resume || h.held >= l.opts.Buffer {
		if !h.behind || dl.ID <= h.resume {
			h.behind, h.resume = true, dl.ID-1
		}
		l.unclaimed = append(l.unclaimed, dl.ID)
		return
	}
	l.admit(h, dl, now)
}

// catchUp claims h's deliveries handed back, from where it stopped, up to
// the cursor; from there read takes them. The deliveries of other hosts it
// claims on the way are taken as read takes them.
func (l *loop) catchUp(h *host, now time.Time) error {
	ds, err := l.claim(h.resume)
	if err != nil {
		return err
	}
	for _, dl := range ds {
		if h.held < l.opts.Buffer {
			h.resume = dl.ID
		}
		l.take(dl, now)
	}
	roomForAll := len(ds) == 0 || h.resume == ds[len(ds)-1].ID
	if roomForAll && (len(ds) < page || h.resume >= l.cursor) {
		h.behind = false
	}
	return nil
}

// claim claims a page of the outbox's pending deliveries after an ID. It
// first hands back what earlier claims took but did not hold: a claim
// passes over the node's own leases, so a delivery still leased but not
// held would be passed over, and catchUp would resume after it, sending
// the later ones of its lane first.
func (l *loop) claim(after uint64) ([]*model.Delivery, error) {
	if err := l.handBack(); err != nil {
		return nil, err
	}
	return l.store.ClaimDeliveries(l.ctx, l.node, after, page, l.opts.Lease)
}

// handBack releases the claims on the deliveries claimed but not held. If
// that fails, they are kept to be handed back by the next try.
func (l *loop) handBack() error {
	if len(l.unclaimed) == 0 {
		return nil
	}
	if err := l.store.ReleaseDeliveryClaims(l.ctx, l.node, l.unclaimed); err != nil {
		return err
	}
	l.unclaimed = l.unclaimed[:0]
	return nil
}

// renew extends the claims on the deliveries held. If that fails, the
// next renewal may come in time.
func (l *loop) renew() {
	if err := l.store.RenewDeliveryClaims(l.ctx, l.node, l.opts.Lease); err != nil {
		l.logError(err)
	}
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
