package chat

import (
	"context"
	"strconv"

	"github.com/chatd/chatd/model"
)

// ListDeliveries lists recent webhook deliveries, newest first, those of
// one Service through its index and the others by a walk of the outbox.
func (c *Chat) ListDeliveries(ctx context.Context, f model.DeliveryFilter, p model.Page) (out []*model.Delivery, cur model.Cursor, err error) {
	err = c.store.View(ctx, func(tx model.Tx) (err error) {
		read := func(w model.Window) ([]*model.Delivery, error) { return tx.Deliveries(f.ServiceSid, w) }
		if f.Event != "" || f.Status != "" {
			read = where(read, deliveryKey, func(d *model.Delivery) bool {
				return (f.Event == "" || d.Event == f.Event) && (f.Status == "" || d.Status == f.Status)
			})
		}
		out, cur, err = list[*model.Delivery]{desc: true, read: read, key: deliveryKey, validKey: isIndex}.page(p)
		return err
	})
	return out, cur, err
}

func deliveryKey(d *model.Delivery) string { return strconv.FormatUint(d.ID, 10) }

// FindDelivery finds the delivery with the given ID.
func (c *Chat) FindDelivery(ctx context.Context, id uint64) (d *model.Delivery, err error) {
	err = c.store.View(ctx, func(tx model.Tx) (err error) {
		d, err = findDelivery(tx, id)
		return err
	})
	return d, err
}

func findDelivery(tx model.Tx, id uint64) (*model.Delivery, error) {
	if id == 0 {
		return nil, model.NotFound()
	}
	ds, err := tx.Deliveries("", model.Window{After: strconv.FormatUint(id-1, 10), Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 || ds[0].ID != id {
		return nil, model.NotFound()
	}
	return ds[0], nil
}

// ResendDelivery enqueues a copy of delivery id: the same event, receiver
// and parameters, sent by the dispatcher as a new delivery with its own ID
// (and so its own idempotency token), from its first attempt. A delivery
// chatd cannot make (a Studio flow's) cannot be sent again: 400/20001.
func (c *Chat) ResendDelivery(ctx context.Context, id uint64) (*model.Delivery, error) {
	var copied *model.Delivery
	err := c.update(ctx, func(tx model.Tx) error {
		d, err := findDelivery(tx, id)
		if err != nil {
			return err
		}
		if d.Status == model.DeliveryUndeliverable || d.URL == "" {
			return model.Errorf(model.CodeInvalidParameter, "Delivery %d has no receiver chatd can call: it cannot be sent again", id)
		}
		now := tx.Now()
		copied = &model.Delivery{
			ServiceSid: d.ServiceSid, ChannelSid: d.ChannelSid, Event: d.Event,
			URL: d.URL, Method: d.Method, Params: cloneParams(d.Params),
			WebhookSid: d.WebhookSid, WebhookType: d.WebhookType, MaxRetries: d.MaxRetries,
			Status: model.DeliveryPending, DateCreated: now, DateUpdated: now, NextAttempt: now,
		}
		copied.Params["RetryCount"] = []string{"0"}
		return tx.EnqueueDelivery(copied)
	})
	return copied, err
}
