package bolt

import (
	"encoding/binary"

	"github.com/chatd/chatd/model"
)

func deliveryKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

func (t *tx) EnqueueDelivery(d *model.Delivery) error {
	all := appendOnly(t.btx.Bucket(bucketDeliveries))
	id, err := all.NextSequence()
	if err != nil {
		return err
	}
	d.ID = id
	key := deliveryKey(id)
	if !d.Finished() {
		if err := appendOnly(t.btx.Bucket(bucketDeliveriesPending)).Put(key, []byte{}); err != nil {
			return err
		}
	}
	if d.ServiceSid != "" {
		byService, err := t.btx.Bucket(bucketDeliveriesByService).CreateBucketIfNotExists([]byte(d.ServiceSid))
		if err != nil {
			return err
		}
		if err := appendOnly(byService).Put(key, []byte{}); err != nil {
			return err
		}
	}
	return deliveryCodec.put(all, key, d)
}

func (t *tx) PendingDeliveries(after uint64, limit int) ([]*model.Delivery, error) {
	all := t.btx.Bucket(bucketDeliveries)
	var out []*model.Delivery
	c := t.btx.Bucket(bucketDeliveriesPending).Cursor()
	for k, _ := c.Seek(deliveryKey(after + 1)); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
		d, err := deliveryCodec.decode(all.Get(k))
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (t *tx) PutDelivery(d *model.Delivery) error {
	all := appendOnly(t.btx.Bucket(bucketDeliveries))
	key := deliveryKey(d.ID)
	if all.Get(key) == nil {
		return model.ErrNotFound
	}
	if d.Finished() {
		if err := t.btx.Bucket(bucketDeliveriesPending).Delete(key); err != nil {
			return err
		}
	}
	return deliveryCodec.put(all, key, d)
}

func (t *tx) Deliveries(service string, w model.Window) ([]*model.Delivery, error) {
	after, err := parseIndexKey(w.After)
	if err != nil {
		return nil, err
	}
	all := t.btx.Bucket(bucketDeliveries)
	index := all
	if service != "" {
		if index = t.btx.Bucket(bucketDeliveriesByService).Bucket([]byte(service)); index == nil {
			return nil, nil
		}
	}
	var out []*model.Delivery
	err = walk(index, after, w, func(k, _ []byte) error {
		d, err := deliveryCodec.decode(all.Get(k))
		if err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

// TrimDeliveries walks from the oldest delivery up to the newest keep and
// deletes the finished ones, so its cost is what it deletes plus the
// pending deliveries it passes.
func (t *tx) TrimDeliveries(keep int) error {
	all := t.btx.Bucket(bucketDeliveries)
	last := all.Sequence()
	if last <= uint64(keep) {
		return nil
	}
	pending, byService := t.btx.Bucket(bucketDeliveriesPending), t.btx.Bucket(bucketDeliveriesByService)
	var doomed []*model.Delivery
	c := all.Cursor()
	for k, v := c.First(); k != nil && binary.BigEndian.Uint64(k) <= last-uint64(keep); k, v = c.Next() {
		if pending.Get(k) != nil {
			continue
		}
		d, err := deliveryCodec.decode(v)
		if err != nil {
			return err
		}
		doomed = append(doomed, d)
	}
	for _, d := range doomed {
		key := deliveryKey(d.ID)
		if err := all.Delete(key); err != nil {
			return err
		}
		if b := byService.Bucket([]byte(d.ServiceSid)); b != nil {
			if err := b.Delete(key); err != nil {
				return err
			}
		}
	}
	return nil
}
