package model

import (
	"context"
	"time"
)

// DeliveryClaims share one webhook outbox between several chatd nodes
// (processes on one database): each pending delivery is sent by the node
// that claimed it, which holds a lease on it that runs out unless renewed,
// so that the deliveries of a node that stopped are claimed by another.
// A node is named by a string it chooses (the dispatcher takes a new ULID
// each time it starts). Claims are not part of any transaction: each call
// is a write of its own. Leases are measured by the store's clock (for
// PostgreSQL, the database's, which every node shares).
type DeliveryClaims interface {
	// ClaimDeliveries leases to node, for the given time from now, up to
	// limit pending deliveries with an ID after the given one, and returns
	// them in ID order: those on which no node holds a live lease (so
	// node's own live leases are not returned again). Two claims never
	// return one delivery while the first one's lease lasts.
	//
	// A lane's (Delivery.Lane) deliveries are claimed in order and by one
	// node at a time, so that they go out in order whichever node sends
	// them: a claim passes over a delivery whose lane has an earlier
	// pending delivery that another node holds a live lease on, or one at
	// or before the given ID (which this claim does not take) that node
	// holds no lease on.
	ClaimDeliveries(ctx context.Context, node string, after uint64, limit int, lease time.Duration) ([]*Delivery, error)
	// RenewDeliveryClaims extends every lease node holds on a pending
	// delivery to the given time from now.
	RenewDeliveryClaims(ctx context.Context, node string, lease time.Duration) error
	// ReleaseDeliveryClaims ends node's leases on the deliveries of ids,
	// so that any node may claim them at once.
	ReleaseDeliveryClaims(ctx context.Context, node string, ids []uint64) error
}
