package postgres

import (
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// A delivery's stored record has ID 0: the column id is its ID.

// deliveryRecord is the stored form of d.
func deliveryRecord(d *model.Delivery) ([]byte, error) {
	r := *d
	r.ID = 0
	return record.Delivery.Encode(&r)
}

// EnqueueDelivery is one statement: the outbox's last ID is bumped and the
// delivery inserted under it. The outbox row stays locked until the
// transaction ends, so IDs follow commit order, which the dispatcher's
// cursor relies on; a rolled-back delivery gives its ID back.
func (t *tx) EnqueueDelivery(d *model.Delivery) error {
	v, err := deliveryRecord(d)
	if err != nil {
		return err
	}
	if !d.Finished() {
		t.hints.outbox = true
	}
	return t.write(`WITH o AS (UPDATE outbox SET last_id = last_id + 1 RETURNING last_id)
		INSERT INTO deliveries (id, service_sid, pending, record, lane) SELECT last_id, $1, $2, $3, $4 FROM o
		RETURNING id`, []any{d.ServiceSid, !d.Finished(), v, laneKey(d)}, &d.ID)
}

// scanDelivery reads a row of id and record.
func scanDelivery(t *tx, rows pgx.Rows) (*model.Delivery, error) {
	var id uint64
	var v pgtype.DriverBytes // the driver's own buffer: decoding copies
	if err := rows.Scan(&id, &v); err != nil {
		return nil, t.fail(err)
	}
	d, err := record.Delivery.Decode(v)
	if err != nil {
		return nil, err
	}
	d.ID = id
	return d, nil
}

var pendingKeyset = keyset{cols: "id, record", from: "deliveries WHERE pending", key: "id"}

func (t *tx) PendingDeliveries(after uint64, limit int) ([]*model.Delivery, error) {
	return t.deliveries(pendingKeyset, model.Window{Limit: limit}, int64(after))
}

func (t *tx) PutDelivery(d *model.Delivery) error {
	v, err := deliveryRecord(d)
	if err != nil {
		return err
	}
	return t.one(`UPDATE deliveries SET pending = $2, record = $3 WHERE id = $1`, int64(d.ID), !d.Finished(), v)
}

var (
	allDeliveriesKeyset     = keyset{cols: "id, record", from: "deliveries WHERE true", key: "id"}
	serviceDeliveriesKeyset = keyset{cols: "id, record", from: "deliveries WHERE service_sid = $1", key: "id"}
)

func (t *tx) Deliveries(service string, w model.Window) ([]*model.Delivery, error) {
	after, err := numberAfter(w, "delivery")
	if err != nil {
		return nil, err
	}
	if service == "" {
		return t.deliveries(allDeliveriesKeyset, w, after)
	}
	return t.deliveries(serviceDeliveriesKeyset, w, after, service)
}

func (t *tx) deliveries(k keyset, w model.Window, after any, args ...any) ([]*model.Delivery, error) {
	var out []*model.Delivery
	err := t.window(k, w, after, args, func(rows pgx.Rows) error {
		d, err := scanDelivery(t, rows)
		if err == nil {
			out = append(out, d)
		}
		return err
	})
	return out, err
}

// TrimDeliveries forgets the finished deliveries up to the newest keep of
// the IDs ever given.
func (t *tx) TrimDeliveries(keep int) error {
	_, err := t.exec(`DELETE FROM deliveries WHERE NOT pending AND id <= (SELECT last_id FROM outbox) - $1`, keep)
	return err
}
