package postgres

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"github.com/chatd/chatd/model"
)

// The Sync event log (migrations/0002_sync.sql): each Service's events in
// sync_events keyed by ID, each object's bookkeeping in sync_objects, and
// the IDs from the one row of sync_counter, which the reserving
// transaction holds locked until it ends: events become visible in ID
// order, as a tailer of the feed needs. That row is one lock every write
// with Sync events takes; a counter per Service would spread it, at the
// price of IDs that only grow within a Service. A group of Updates
// (group.go) takes the row once, with the first reservation of one of its
// fns, and writes the IDs its fns reserved back before its COMMIT.

func (t *tx) ReserveSyncEventIDs(service string, n int) (uint64, error) {
	if n < 1 {
		return 0, fmt.Errorf("postgres: reserving %d Sync event IDs", n)
	}
	g := t.group
	if g == nil {
		return 0, errors.New("postgres: reserving Sync event IDs in a View")
	}
	if !g.ids.held {
		var last int64
		err := t.write(`UPDATE sync_counter SET last_id = last_id + $2
			WHERE EXISTS (SELECT 1 FROM services WHERE service_sid = $1)
			RETURNING last_id`, []any{service, n}, &last)
		if err != nil {
			return 0, err
		}
		t.found(service)
		g.ids = counterState{held: true, last: last, stored: last}
		t.db.pending = append(t.db.pending, "set local lock_timeout = '"+lockTimeout+"'")
		return uint64(last) - uint64(n) + 1, nil
	}
	if !t.present[service] {
		if ok, err := t.exists(`SELECT 1 FROM services WHERE service_sid = $1`, service); err != nil || !ok {
			return 0, cmp.Or(err, model.ErrNotFound)
		}
		t.found(service)
	}
	first := g.ids.last + 1
	g.ids.last += int64(n)
	return uint64(first), nil
}

// reservedSyncIDs is the last Sync event ID reserved so far.
func (t *tx) reservedSyncIDs() (int64, error) {
	if t.group != nil && t.group.ids.held {
		return t.group.ids.last, nil
	}
	var last int64
	err := t.read(`SELECT last_id FROM sync_counter`, nil, &last)
	return last, err
}

// syncBatch is what AppendSyncEvents adds to the log of one object.
type syncBatch struct {
	service, object string
	first, last     int64
	events          int
	date            time.Time
}

// AppendSyncEvents is one statement for all the events: each object's row
// takes its events only when they are all above its newest, and only the
// events of the objects whose rows took them go in. A missing Service is a
// foreign key violation: model.ErrNotFound. The objects that hold more
// than keep events by over a quarter then drop their oldest down to keep,
// in a statement each: an object that gets an event in every write trims
// in one of about keep/4 of them. An object that keeps fewer than four has
// no excess past the write.
func (t *tx) AppendSyncEvents(events []*model.SyncEvent, keep int) error {
	if len(events) == 0 {
		return nil
	}
	reserved, err := t.reservedSyncIDs()
	if err != nil {
		return err
	}
	type objectKey struct{ service, object string }
	var (
		batches []*syncBatch
		of      = map[objectKey]*syncBatch{}
		ev      struct {
			services []string
			ids      []int64
			objects  [][]byte
			dates    []time.Time
			payloads [][]byte
		}
	)
	for _, e := range events {
		if e.ID == 0 || e.ID > uint64(reserved) {
			return fmt.Errorf("postgres: Sync event ID %d was not reserved", e.ID)
		}
		id := int64(e.ID)
		k := objectKey{e.ServiceSid, e.ObjectSid}
		b := of[k]
		switch {
		case b == nil:
			b = &syncBatch{service: e.ServiceSid, object: e.ObjectSid, first: id}
			of[k] = b
			batches = append(batches, b)
		case id <= b.last:
			return fmt.Errorf("postgres: Sync event %d of %s is not above its newest", e.ID, e.ObjectSid)
		}
		b.last, b.events, b.date = id, b.events+1, e.Date
		ev.services = append(ev.services, e.ServiceSid)
		ev.ids = append(ev.ids, id)
		ev.objects = append(ev.objects, []byte(e.ObjectSid))
		ev.dates = append(ev.dates, e.Date)
		ev.payloads = append(ev.payloads, e.Payload)
	}
	var o struct {
		services      []string
		objects       [][]byte
		firsts, lasts []int64
		counts        []int32
		dates         []time.Time
	}
	for _, b := range batches {
		o.services = append(o.services, b.service)
		o.objects = append(o.objects, []byte(b.object))
		o.firsts = append(o.firsts, b.first)
		o.lasts = append(o.lasts, b.last)
		o.counts = append(o.counts, int32(b.events))
		o.dates = append(o.dates, b.date)
	}
	args := []any{o.services, o.objects, o.firsts, o.lasts, o.counts, o.dates,
		ev.services, ev.ids, ev.objects, ev.dates, ev.payloads}
	if err := storable(args); err != nil {
		return err
	}
	t.appended = nil
	rows, err := t.db.Query(t.ctx, `WITH i AS (
			SELECT * FROM unnest($1::text[], $2::bytea[], $3::bigint[], $4::bigint[], $5::integer[], $6::timestamptz[])
				AS i (service_sid, object_sid, first_id, last_id, events, date_updated)),
		o AS (
			INSERT INTO sync_objects AS s (service_sid, object_sid, last_id, events, date_updated)
			SELECT service_sid, object_sid, last_id, events, date_updated FROM i
			ON CONFLICT (service_sid, object_sid) DO UPDATE
				SET last_id = excluded.last_id, events = s.events + excluded.events, date_updated = excluded.date_updated
				WHERE s.last_id < (SELECT first_id FROM i
					WHERE i.service_sid = excluded.service_sid AND i.object_sid = excluded.object_sid)
			RETURNING s.service_sid, s.object_sid, s.events),
		e AS (
			INSERT INTO sync_events (service_sid, id, object_sid, date, payload)
			SELECT e.* FROM unnest($7::text[], $8::bigint[], $9::bytea[], $10::timestamptz[], $11::bytea[])
				AS e (service_sid, id, object_sid, date, payload)
			WHERE EXISTS (SELECT FROM o WHERE o.service_sid = e.service_sid AND o.object_sid = e.object_sid))
		SELECT service_sid, object_sid, events FROM o`, args...)
	if err != nil {
		return t.fail(err)
	}
	defer rows.Close()
	var over []objectKey
	var excess []int
	took := 0
	for rows.Next() {
		var k objectKey
		var object []byte
		var n int
		if err := rows.Scan(&k.service, &object, &n); err != nil {
			return t.fail(err)
		}
		k.object = string(object)
		took++
		if keep > 0 && n > keep+keep/4 {
			over, excess = append(over, k), append(excess, n-keep)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t.fail(err)
	}
	if took < len(batches) {
		return fmt.Errorf("postgres: Sync events not above their object's newest")
	}
	for _, b := range batches {
		t.hints.addSync(b.service)
	}
	for i, k := range over {
		if err := t.trimSync(k.service, k.object, excess[i]); err != nil {
			return err
		}
	}
	return nil
}

// trimSync drops the oldest n events of object, in one statement: the
// newest dropped becomes the object's trimmed mark. It reads the index
// from the oldest event, as far as the n-th.
func (t *tx) trimSync(service, object string, n int) error {
	_, err := t.exec(`WITH gone AS (
			DELETE FROM sync_events WHERE service_sid = $1 AND object_sid = $2 AND id <= (
				SELECT id FROM sync_events WHERE service_sid = $1 AND object_sid = $2
				ORDER BY id OFFSET $3 - 1 LIMIT 1)
			RETURNING id)
		UPDATE sync_objects SET trimmed = (SELECT max(id) FROM gone), events = events - (SELECT count(*) FROM gone)
		WHERE service_sid = $1 AND object_sid = $2 AND EXISTS (SELECT 1 FROM gone)`, service, []byte(object), n)
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
