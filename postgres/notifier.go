package postgres

import (
	"context"
	"log/slog"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// notifier sends a node's hints to the other nodes: commits leave theirs
// with add, which never waits, and one goroutine sends what has gathered,
// all of it at once, in a transaction of its own; hints left while it sends
// go together in the next. A send that fails loses its hints, as hints may
// be: the nodes read on their own too.
type notifier struct {
	node string
	send func(ctx context.Context, payloads []string) error
	log  *slog.Logger

	mu      sync.Mutex
	pending hintSet

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// newNotifier starts the notifier of node, which sends the payloads of its
// hints with send.
func newNotifier(node string, send func(ctx context.Context, payloads []string) error, log *slog.Logger) *notifier {
	ctx, cancel := context.WithCancel(context.Background())
	n := &notifier{node: node, send: send, log: log, wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go n.run(ctx)
	return n
}

// add leaves the hints of a commit to be sent.
func (n *notifier) add(h *hintSet) {
	if h.empty() {
		return
	}
	n.mu.Lock()
	n.pending.merge(h)
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *notifier) run(ctx context.Context) {
	defer close(n.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		}
		n.mu.Lock()
		h := n.pending
		n.pending = hintSet{}
		n.mu.Unlock()
		if h.empty() {
			continue
		}
		if err := n.send(ctx, h.payloads(n.node)); err != nil && ctx.Err() == nil {
			n.log.Warn("hints to the other chatd nodes not sent", "err", err)
		}
	}
}

// close stops the notifier; hints not sent yet are dropped.
func (n *notifier) close() {
	n.cancel()
	<-n.done
}

// notify sends payloads on channel in one transaction, in one round trip.
// The transaction does not wait for its commit to reach the disk: a hint
// lost in a crash is a hint lost.
func notify(pool *pgxpool.Pool, channel string) func(ctx context.Context, payloads []string) error {
	return func(ctx context.Context, payloads []string) error {
		b := &pgx.Batch{}
		b.Queue("begin")
		b.Queue("set local synchronous_commit = off")
		for _, p := range payloads {
			b.Queue("select pg_notify($1, $2)", channel, p)
		}
		b.Queue("commit")
		return pool.SendBatch(ctx, b).Close()
	}
}
