package bolt

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// claims are the leases on the outbox's pending deliveries (see
// model.DeliveryClaims). A bbolt file is open in one process, so they are
// kept in memory: a restart begins with none, as it begins with a new
// dispatcher.
type claims struct {
	mu sync.Mutex
	// leases holds, by ID, the pending deliveries a claim has walked: with
	// the node holding each, if any, and its lane, so that a later claim
	// knows the lanes of those before it without reading them again.
	leases map[uint64]lease
}

// lease is a delivery's claim: by node until until, or none when node is
// "".
type lease struct {
	node  string
	lane  string // the delivery's
	until time.Time
}

func (l lease) live(now time.Time) bool { return l.node != "" && l.until.After(now) }

// ClaimDeliveries walks the pending deliveries in ID order from the first,
// noting the lanes of those that keep the later ones of their lane from
// node, and leases those after the given ID that no live lease holds and
// whose lane is free. Its cost grows with the pending deliveries.
func (d *DB) ClaimDeliveries(ctx context.Context, node string, after uint64, limit int, leaseFor time.Duration) ([]*model.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &d.claims
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.leases == nil {
		c.leases = map[uint64]lease{}
	}
	now := d.now()
	var out []*model.Delivery
	err := d.bolt.View(func(btx *bbolt.Tx) error {
		all := btx.Bucket(bucketDeliveries)
		blocked := map[string]bool{} // lanes with an earlier delivery node may not pass
		cur := btx.Bucket(bucketDeliveriesPending).Cursor()
		for k, _ := cur.First(); k != nil && len(out) < limit; k, _ = cur.Next() {
			id := binary.BigEndian.Uint64(k)
			l, known := c.leases[id]
			if l.node == node && (id <= after || l.live(now)) {
				continue // node's: it keeps nothing from node
			}
			if known && (id <= after || l.live(now)) {
				blocked[l.lane] = true
				continue
			}
			dl, err := deliveryCodec.decode(all.Get(k))
			if err != nil {
				return err
			}
			lane := dl.Lane()
			c.leases[id] = lease{lane: lane}
			if id <= after || blocked[lane] {
				blocked[lane] = true
				continue
			}
			out = append(out, dl)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, dl := range out {
		c.leases[dl.ID] = lease{node: node, lane: dl.Lane(), until: now.Add(leaseFor)}
	}
	return out, nil
}

// RenewDeliveryClaims extends node's leases on pending deliveries, and
// forgets every lease on a delivery that is no longer pending.
func (d *DB) RenewDeliveryClaims(ctx context.Context, node string, leaseFor time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &d.claims
	c.mu.Lock()
	defer c.mu.Unlock()
	until := d.now().Add(leaseFor)
	return d.bolt.View(func(btx *bbolt.Tx) error {
		pending := btx.Bucket(bucketDeliveriesPending)
		for id, l := range c.leases {
			switch {
			case pending.Get(deliveryKey(id)) == nil:
				delete(c.leases, id)
			case l.node == node:
				l.until = until
				c.leases[id] = l
			}
		}
		return nil
	})
}

// ReleaseDeliveryClaims drops node's leases on the deliveries of ids.
func (d *DB) ReleaseDeliveryClaims(ctx context.Context, node string, ids []uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &d.claims
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if l, ok := c.leases[id]; ok && l.node == node {
			c.leases[id] = lease{lane: l.lane}
		}
	}
	return nil
}
