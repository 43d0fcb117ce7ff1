package model

import "context"

// SharedStore is a Store that several chatd processes, its nodes, run on at
// once, as PostgreSQL's can (bbolt's file belongs to one process). What a
// node holds in memory of the store (the position of its Sync tailers, of
// its webhook dispatcher) moves with its own commits at once; of the other
// nodes' commits it hears through Join, as hints.
type SharedStore interface {
	Store
	// Join makes this process one of the store's nodes until leave is
	// called, and passes it the hints of the other nodes' commits from
	// then on. When no other node has joined, alone runs first, while
	// nodes that join meanwhile wait for it: what a node that is the only
	// one does at start (setting every User offline). Join fails when
	// alone fails or the store cannot be reached.
	Join(ctx context.Context, h Hints, alone func(context.Context) error) (leave func(), err error)
}

// Hints are what a node hears of the other nodes' commits: only that there
// is something to read, never what, which the node reads from the store. A
// hint comes after its commit, but it may come late, be merged with others,
// or be lost (while the store cannot be reached: Missed is called once it
// can again), so a reader that waits for hints also reads now and then on
// its own. The functions run on one goroutine and must return quickly; nil
// ones are not called.
type Hints struct {
	// Sync: a commit appended events to the Sync log of service.
	Sync func(service string)
	// SyncReset: a commit removed the Sync log of service (deleted it, or
	// reset it), or of every Service when service is "".
	SyncReset func(service string)
	// Outbox: a commit enqueued webhook deliveries.
	Outbox func()
	// Missed: hints may have been lost; every reader should look again.
	Missed func()
}
