package postgres

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/chatd/chatd/model"
)

// The Sync event log (migrations/0002_sync.sql): each Service's events in
// sync_events keyed by ID, each object's bookkeeping in sync_objects, and
// the IDs from the one row of sync_counter, which the reserving
// transaction holds locked until it ends: events become visible in ID
// order, as a tailer of the feed needs. That row is one lock every write
// with Sync events takes; a counter per Service would spread it, at the
// price of IDs that only grow within a Service.

func (t *tx) ReserveSyncEventIDs(service string, n int) (uint64, error) {
	if n < 1 {
		return 0, fmt.Errorf("postgres: reserving %d Sync event IDs", n)
	}
	var last int64
	err := t.write(`UPDATE sync_counter SET last_id = last_id + $2
		WHERE EXISTS (SELECT 1 FROM services WHERE service_sid = $1)
		RETURNING last_id`, []any{service, n}, &last)
	if err != nil {
		return 0, err
	}
	return uint64(last) - uint64(n) + 1, nil
}

func (t *tx) AppendSyncEvents(events []*model.SyncEvent, keep int) error {
	type objectKey struct{ service, object string }
	var reserved int64
	if err := t.read(`SELECT last_id FROM sync_counter`, nil, &reserved); err != nil {
		return err
	}
	services := map[string]bool{}
	var touched []objectKey
	seen := map[objectKey]bool{}
	for _, e := range events {
		if !services[e.ServiceSid] {
			if ok, err := t.exists(`SELECT 1 FROM services WHERE service_sid = $1`, e.ServiceSid); err != nil || !ok {
				return cmp.Or(err, model.ErrNotFound)
			}
			services[e.ServiceSid] = true
		}
		if e.ID == 0 || e.ID > uint64(reserved) {
			return fmt.Errorf("postgres: Sync event ID %d was not reserved", e.ID)
		}
		// The object's row takes the event only when it is above the
		// newest; otherwise no row comes back and the append is refused.
		var id int64
		err := t.write(`INSERT INTO sync_objects (service_sid, object_sid, last_id, events, date_updated)
			VALUES ($1, $2, $3, 1, $4)
			ON CONFLICT (service_sid, object_sid) DO UPDATE
				SET last_id = excluded.last_id, events = sync_objects.events + 1, date_updated = excluded.date_updated
				WHERE sync_objects.last_id < excluded.last_id
			RETURNING last_id`, []any{e.ServiceSid, []byte(e.ObjectSid), int64(e.ID), e.Date}, &id)
		if errors.Is(err, model.ErrNotFound) {
			return fmt.Errorf("postgres: Sync event %d of %s is not above its newest", e.ID, e.ObjectSid)
		}
		if err != nil {
			return err
		}
		if _, err := t.exec(`INSERT INTO sync_events (service_sid, id, object_sid, date, payload) VALUES ($1, $2, $3, $4, $5)`,
			e.ServiceSid, int64(e.ID), []byte(e.ObjectSid), e.Date, e.Payload); err != nil {
			return err
		}
		t.hints.addSync(e.ServiceSid)
		if k := (objectKey{e.ServiceSid, e.ObjectSid}); !seen[k] {
			seen[k] = true
			touched = append(touched, k)
		}
	}
	if keep <= 0 {
		return nil
	}
	for _, k := range touched {
		if err := t.trimSync(k.service, k.object, keep); err != nil {
			return err
		}
	}
	return nil
}

// trimSync drops the oldest events of object until keep are left, in one
// statement: the newest dropped becomes the object's trimmed mark.
func (t *tx) trimSync(service, object string, keep int) error {
	_, err := t.exec(`WITH gone AS (
			DELETE FROM sync_events WHERE service_sid = $1 AND object_sid = $2 AND id <= (
				SELECT id FROM sync_events WHERE service_sid = $1 AND object_sid = $2
				ORDER BY id DESC OFFSET $3 LIMIT 1)
			RETURNING id)
		UPDATE sync_objects SET trimmed = (SELECT max(id) FROM gone), events = events - (SELECT count(*) FROM gone)
		WHERE service_sid = $1 AND object_sid = $2 AND EXISTS (SELECT 1 FROM gone)`, service, []byte(object), keep)
	return err
}

func (t *tx) SyncObjectLog(service, object string) (*model.SyncObjectLog, error) {
	o := &model.SyncObjectLog{ServiceSid: service, ObjectSid: object}
	var last, trimmed int64
	err := t.read(`SELECT last_id, trimmed, events, date_updated FROM sync_objects WHERE service_sid = $1 AND object_sid = $2`,
		[]any{service, []byte(object)}, &last, &trimmed, &o.Events, &o.DateUpdated)
	if err != nil {
		return nil, err
	}
	o.LastEventID, o.Trimmed, o.DateUpdated = uint64(last), uint64(trimmed), o.DateUpdated.UTC()
	return o, nil
}

func (t *tx) SyncEvents(service, object string, after uint64, limit int) ([]*model.SyncEvent, error) {
	return t.syncEvents(`SELECT id, object_sid, date, payload FROM sync_events
		WHERE service_sid = $1 AND object_sid = $2 AND id > $3 ORDER BY id LIMIT $4`,
		service, []byte(object), int64(after), sqlLimit(limit))
}

func (t *tx) SyncFeed(service string, after uint64, limit int) ([]*model.SyncEvent, error) {
	return t.syncEvents(`SELECT id, object_sid, date, payload FROM sync_events
		WHERE service_sid = $1 AND id > $2 ORDER BY id LIMIT $3`,
		service, int64(after), sqlLimit(limit))
}

func (t *tx) SyncHead(service string) (uint64, error) {
	var head int64
	err := t.read(`SELECT coalesce(max(id), 0) FROM sync_events WHERE service_sid = $1`, []any{service}, &head)
	return uint64(head), err
}

// syncEvents reads events, the service its query's first argument.
func (t *tx) syncEvents(sql string, service string, args ...any) ([]*model.SyncEvent, error) {
	rows, err := t.db.Query(t.ctx, sql, append([]any{service}, args...)...)
	if err != nil {
		return nil, t.fail(err)
	}
	defer rows.Close()
	var out []*model.SyncEvent
	for rows.Next() {
		e := &model.SyncEvent{ServiceSid: service}
		var id int64
		var object []byte
		if err := rows.Scan(&id, &object, &e.Date, &e.Payload); err != nil {
			return nil, t.fail(err)
		}
		e.ID, e.ObjectSid, e.Date = uint64(id), string(object), e.Date.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err)
	}
	return out, nil
}

// sqlLimit is a LIMIT for limit: NULL (none) when limit <= 0.
func sqlLimit(limit int) any {
	if limit <= 0 {
		return nil
	}
	return limit
}
