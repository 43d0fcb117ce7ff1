package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/chatd/chatd/model"
)

// stagedEvent is a Sync event a fn of a group appended, with the keep it
// was appended under.
type stagedEvent struct {
	*model.SyncEvent
	keep int
	// In a wave, where the fn that staged it appended its Message: the
	// round of the append, then the fn's place in the group (wave.go).
	round, fn int
}

// newestStaged is the ID of the newest event staged of an object; 0 for
// none.
func (g *groupTx) newestStaged(service, object string) uint64 {
	for i := len(g.sync) - 1; i >= 0; i-- {
		if e := g.sync[i]; e.ServiceSid == service && e.ObjectSid == object {
			return e.ID
		}
	}
	return 0
}

// syncBatch is what a group adds to the log of one object.
type syncBatch struct {
	service, object string
	first, last     int64
	events          int
	date            time.Time
	keep            int // the keep of its last event
}

// writeSync writes the events the group's fns staged, in one statement:
// each object's row takes its events only when they are all above its
// newest, and only the events of the objects whose rows took them go in.
// A missing Service is a foreign key violation (model.ErrNotFound); a
// Service whose log was not started has it started (chat appends only to
// started logs: this is for a store's other users). It
// returns the statements that trim the logs that now hold more than keep
// events by over a quarter, down to keep, for the COMMIT's round trip: an
// object that gets an event in every write trims in one of about keep/4
// of them, and one that keeps fewer than four has no excess past the
// write.
func (g *groupTx) writeSync(ctx context.Context) ([]statement, error) {
	if len(g.sync) == 0 {
		return nil, nil
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
	for _, e := range g.sync {
		id := int64(e.ID)
		k := objectKey{e.ServiceSid, e.ObjectSid}
		b := of[k]
		switch {
		case b == nil:
			b = &syncBatch{service: e.ServiceSid, object: e.ObjectSid, first: id}
			of[k] = b
			batches = append(batches, b)
		case id <= b.last:
			return nil, fmt.Errorf("postgres: Sync event %d of %s is not above its newest", e.ID, e.ObjectSid)
		}
		b.last, b.events, b.date, b.keep = id, b.events+1, e.Date, e.keep
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
	rows, err := g.conn.Query(ctx, `WITH i AS (
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
		s AS (
			UPDATE services SET sync_log = true WHERE service_sid = ANY($1) AND NOT sync_log),
		e AS (
			INSERT INTO sync_events (service_sid, id, object_sid, date, payload)
			SELECT e.* FROM unnest($7::text[], $8::bigint[], $9::bytea[], $10::timestamptz[], $11::bytea[])
				AS e (service_sid, id, object_sid, date, payload)
			WHERE EXISTS (SELECT FROM o WHERE o.service_sid = e.service_sid AND o.object_sid = e.object_sid))
		SELECT service_sid, object_sid, events FROM o`,
		o.services, o.objects, o.firsts, o.lasts, o.counts, o.dates,
		ev.services, ev.ids, ev.objects, ev.dates, ev.payloads)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var trims []statement
	took := 0
	for rows.Next() {
		var k objectKey
		var object []byte
		var n int
		if err := rows.Scan(&k.service, &object, &n); err != nil {
			return nil, err
		}
		k.object = string(object)
		took++
		if keep := of[k].keep; keep > 0 && n > keep+keep/4 {
			trims = append(trims, trimSync(k.service, k.object, n-keep))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if took < len(batches) {
		return nil, fmt.Errorf("postgres: Sync events not above their object's newest")
	}
	return trims, nil
}

// syncRefused is the error of a group whose Sync events the database
// refused: a missing Service (a foreign key violation) is
// model.ErrNotFound.
func syncRefused(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" {
		return model.ErrNotFound
	}
	return fmt.Errorf("postgres: Sync events: %w", err)
}

// trimSync drops the oldest n events of object, in one statement: the
// newest dropped becomes the object's trimmed mark. It reads the index
// from the oldest event, as far as the n-th.
func trimSync(service, object string, n int) statement {
	return statement{`WITH gone AS (
			DELETE FROM sync_events WHERE service_sid = $1 AND object_sid = $2 AND id <= (
				SELECT id FROM sync_events WHERE service_sid = $1 AND object_sid = $2
				ORDER BY id OFFSET $3 - 1 LIMIT 1)
			RETURNING id)
		UPDATE sync_objects SET trimmed = (SELECT max(id) FROM gone), events = events - (SELECT count(*) FROM gone)
		WHERE service_sid = $1 AND object_sid = $2 AND EXISTS (SELECT 1 FROM gone)`, []any{service, []byte(object), n}}
}
