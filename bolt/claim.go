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
	mu     sync.Mutex
	leases map[uint64]lease // by delivery ID
}

// lease is one node's claim on a delivery.
type lease struct {
	node  string
	lane  string // the delivery's
	until time.Time
}

func (l lease) live(now time.Time) bool { return l.until.After(now) }

// ClaimDeliveries walks the pending deliveries after the given ID and
// leases those that no live lease holds, nor an earlier one of their lane
// that another node holds.
func (d *DB) ClaimDeliveries(ctx context.Context, node string, after uint64, limit int, leaseFor time.Duration) ([]*model.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &d.claims
	c.mu.Lock()
	defer c.mu.Unlock()
	now := d.now()
	var out []*model.Delivery
	err := d.bolt.View(func(btx *bbolt.Tx) error {
		pending := btx.Bucket(bucketDeliveriesPending)
		c.forgetFinished(pending)
		// The lowest ID of each lane that another node holds.
		held := map[string]uint64{}
		for id, l := range c.leases {
			if l.node != node && l.live(now) {
				if first, ok := held[l.lane]; !ok || id < first {
					held[l.lane] = id
				}
			}
		}
		all := btx.Bucket(bucketDeliveries)
		cur := pending.Cursor()
		for k, _ := cur.Seek(deliveryKey(after + 1)); k != nil && len(out) < limit; k, _ = cur.Next() {
			id := binary.BigEndian.Uint64(k)
			if l, ok := c.leases[id]; ok && l.live(now) {
				continue
			}
			dl, err := deliveryCodec.decode(all.Get(k))
			if err != nil {
				return err
			}
			if first, ok := held[dl.Lane()]; ok && first < id {
				continue
			}
			out = append(out, dl)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c.leases == nil {
		c.leases = map[uint64]lease{}
	}
	for _, dl := range out {
		c.leases[dl.ID] = lease{node: node, lane: dl.Lane(), until: now.Add(leaseFor)}
	}
	return out, nil
}

// forgetFinished drops the leases on deliveries no longer pending.
func (c *claims) forgetFinished(pending *bbolt.Bucket) {
	for id := range c.leases {
		if pending.Get(deliveryKey(id)) == nil {
			delete(c.leases, id)
		}
	}
}

// RenewDeliveryClaims extends node's leases. Those on deliveries finished
// meanwhile are extended too, harmlessly, until the next claim forgets
// them.
func (d *DB) RenewDeliveryClaims(ctx context.Context, node string, leaseFor time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &d.claims
	c.mu.Lock()
	defer c.mu.Unlock()
	until := d.now().Add(leaseFor)
	for id, l := range c.leases {
		if l.node == node {
			l.until = until
			c.leases[id] = l
		}
	}
	return nil
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
			delete(c.leases, id)
		}
	}
	return nil
}
