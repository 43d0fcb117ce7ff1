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
//
// A group of Updates (group.go) takes the row once, as late as it can:
// its fns append drafts (events without IDs, model.SyncEvent.Render),
// which wait in the group; the row is taken in the round trip of the
// group's last append, or in one of its own before the COMMIT's, and the
// drafts get their IDs and payloads then. Until then, the groups of other
// nodes run their statements side by side with it, rather than wait for
// the row. The group writes the IDs its fns reserved back, and the events
// they appended (sync_stage.go), before its COMMIT.

func (t *tx) ReserveSyncEventIDs(service string, n int) (uint64, error) {
	if n < 1 {
		return 0, fmt.Errorf("postgres: reserving %d Sync event IDs", n)
	}
	g := t.group
	if g == nil {
		return 0, errors.New("postgres: reserving Sync event IDs in a View")
	}
	if t.db.wave != nil {
		// Its events would be in the order of the fns' rounds, not of
		// their appends: the group runs again one fn after another.
		return 0, errors.New("postgres: reserving Sync event IDs in a wave")
	}
	if !g.ids.held {
		// The drafts waiting in the group get theirs first, below these.
		drafts := len(g.sync)
		var last int64
		err := t.write(`UPDATE sync_counter SET last_id = last_id + $2
			WHERE EXISTS (SELECT 1 FROM services WHERE service_sid = $1)
			RETURNING last_id`, []any{service, n + drafts}, &last)
		if err != nil {
			return 0, err
		}
		t.found(service)
		if err := t.holdCounter(last-int64(n+drafts)+1, last, last); err != nil {
			return 0, err
		}
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

// lockCounterQuery takes the row of sync_counter without reserving, when
// the Sync log of Service $1 is started (as the append just before it
// read, sync_log.go), for only then does the send append events: the
// group's last append sends it in its own round trip, after which its
// Sync events are rendered (sync.go), which spares the group one. The
// locks are taken in the same order as without it: the Channel's and the
// Member's rows first, the counter's last.
const lockCounterQuery = `SELECT last_id FROM sync_counter
	WHERE (SELECT sync_log FROM services WHERE service_sid = $1) FOR NO KEY UPDATE`

// takeCounterQuery takes the row of sync_counter for n drafts, before
// the group's COMMIT, when no fn took it.
const takeCounterQuery = `update sync_counter set last_id = last_id + $1 returning last_id`

// holdCounter notes that the group's transaction holds the row of
// sync_counter, whose last_id it left at stored, and has reserved the IDs
// from first to last: the drafts staged so far, which are every event
// staged so far (an event with an ID needs the row held), get the first of
// them, in order. From now on, a statement waits for a row lock no longer
// than lockTimeout.
//
// In a wave the drafts wait for its end all the same (wave.go).
func (t *tx) holdCounter(first, last, stored int64) error {
	g := t.group
	t.db.pending = append(t.db.pending, "set local lock_timeout = '"+lockTimeout+"'")
	if t.db.wave != nil {
		g.ids = counterState{held: true, first: first, last: first - 1, stored: stored}
		return nil
	}
	g.ids = counterState{held: true, first: first, last: last, stored: stored}
	return g.render(first)
}

// render gives the drafts staged, all of them, their IDs from first on,
// and their payloads.
func (g *groupTx) render(first int64) error {
	for i, e := range g.sync {
		id := uint64(first) + uint64(i)
		payload, err := e.Render(id)
		if err != nil {
			return err
		}
		e.ID, e.Payload = id, payload
	}
	return nil
}

// AppendSyncEvents stages the events in the group's transaction: the
// group writes the events of all its fns in one statement before its
// COMMIT (sync_stage.go), which spares every write a round trip of its
// own. A draft waits there for its ID while the group does not hold the
// counter. The events are checked here: each ID reserved by the group, and
// so above every event committed before, and above the events staged of
// its object; each Service present.
func (t *tx) AppendSyncEvents(events []*model.SyncEvent, keep int) error {
	if len(events) == 0 {
		return nil
	}
	g := t.group
	if t.readOnly || g == nil {
		return errReadOnly
	}
	staged := len(g.sync)
	var round, fn int
	if w := t.db.wave; w != nil {
		round, fn = t.appendRound, w.i
	}
	for _, e := range events {
		draft := e.ID == 0 && e.Render != nil
		switch {
		case t.db.wave != nil && !draft:
			g.sync = g.sync[:staged]
			return errors.New("postgres: a Sync event with an ID in a wave")
		case t.db.wave != nil:
			// It waits for the wave's end, whether the counter is held.
		case draft && g.ids.held:
			id := g.ids.last + 1
			payload, err := e.Render(uint64(id))
			if err != nil {
				g.sync = g.sync[:staged]
				return err
			}
			e.ID, e.Payload = uint64(id), payload
			g.ids.last = id
		case draft:
		case !g.ids.held:
			return errors.New("postgres: Sync events without reserved IDs")
		case e.ID < uint64(g.ids.first) || e.ID > uint64(g.ids.last):
			g.sync = g.sync[:staged]
			return fmt.Errorf("postgres: Sync event ID %d was not reserved", e.ID)
		default:
			if newest := g.newestStaged(e.ServiceSid, e.ObjectSid); e.ID <= newest {
				g.sync = g.sync[:staged]
				return fmt.Errorf("postgres: Sync event %d of %s is not above its newest", e.ID, e.ObjectSid)
			}
		}
		if !t.present[e.ServiceSid] {
			if ok, err := t.exists(`SELECT 1 FROM services WHERE service_sid = $1`, e.ServiceSid); err != nil || !ok {
				g.sync = g.sync[:staged]
				return cmp.Or(err, model.ErrNotFound)
			}
			t.found(e.ServiceSid)
		}
		g.sync = append(g.sync, stagedEvent{e, keep, round, fn})
	}
	t.appended = nil
	for _, e := range events {
		t.hints.addSync(e.ServiceSid)
	}
	return nil
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
