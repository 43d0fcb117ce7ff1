package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// A Channel's stored record has its derived counts at zero: the columns
// members_count, messages_count and last_message_sid are the counts, moved
// in the statements that change what they count.

// channelCols are the columns a Channel is read from, the record last.
const channelCols = "members_count, messages_count, last_message_sid, record"

// channelRecord is the stored form of c.
func channelRecord(c *model.Channel) ([]byte, error) {
	r := *c
	r.MembersCount, r.MessagesCount, r.LastMessageSid = 0, 0, ""
	return record.Channel.Encode(&r)
}

// channelRow is a Channel as its columns are scanned.
type channelRow struct {
	members, messages int
	last              string
	v                 []byte
}

func (r *channelRow) dest() []any { return []any{&r.members, &r.messages, &r.last, &r.v} }

// channelRowOf reads a row whose columns from first on are channelCols;
// its record is the driver's buffer, valid until the next row.
func channelRowOf(raw rawRow, first int) (r channelRow, err error) {
	if r.members, err = raw.int(first); err != nil {
		return r, err
	}
	if r.messages, err = raw.int(first + 1); err != nil {
		return r, err
	}
	r.last = raw.text(first + 2)
	r.v, err = raw.bytes(first + 3)
	return r, err
}

func (r *channelRow) channel() (*model.Channel, error) {
	c, err := record.Channel.Decode(r.v)
	if err != nil {
		return nil, err
	}
	c.MembersCount, c.MessagesCount, c.LastMessageSid = r.members, r.messages, r.last
	return c, nil
}

// appendedChannel is a Channel as the transaction's last write, a
// Message's append, left it, with the record of the Member its author
// names (nil: none) as read right after.
type appendedChannel struct {
	service, sid string
	row          channelRow
	author       string
	member       []byte
}

// Channel finds the key as a SID first, then as a unique name (the first
// branch of the UNION ALL comes out first). It locks nothing: an Update
// notes what it read, for the writes that depend on it (see tx).
func (t *tx) Channel(service, key string) (*model.Channel, error) {
	if a := t.appended; a != nil && a.service == service && a.sid == key {
		// Locked by the append: no version to note.
		return a.row.channel()
	}
	sql := channelQuery
	if t.writable {
		sql = channelVersionQuery
	}
	var c *model.Channel
	var version string
	err := t.readRow(sql, []any{service, key}, func(raw rawRow) error {
		r, err := channelRowOf(raw, 0)
		if err != nil {
			return err
		}
		if c, err = r.channel(); err != nil {
			return err
		}
		if t.writable {
			version = raw.text(4) // after channelCols
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.found(service)
	t.sawChannel(c, version)
	return c, nil
}

// The reads of a Channel by SID or unique name: as it is, and, for an
// Update, with its row's version (xmin) after the Channel's columns.
const (
	channelQuery = `SELECT ` + channelCols + ` FROM channels WHERE service_sid = $1 AND sid = $2
		UNION ALL SELECT ` + channelCols + ` FROM channels WHERE service_sid = $1 AND unique_name = $2
		LIMIT 1`
	channelVersionQuery = `SELECT ` + channelCols + `, xmin::text FROM channels WHERE service_sid = $1 AND sid = $2
		UNION ALL SELECT ` + channelCols + `, xmin::text FROM channels WHERE service_sid = $1 AND unique_name = $2
		LIMIT 1`
)

// lockChannel locks the Channel's row for the rest of an Update (a View
// needs no lock: it reads one snapshot), and reports whether it exists.
// Statements after it see every change committed before it got the lock.
func (t *tx) lockChannel(service, sid string) error {
	if !t.writable {
		return nil
	}
	return t.write(`SELECT 1 FROM channels WHERE service_sid = $1 AND sid = $2 FOR NO KEY UPDATE`,
		[]any{service, sid}, new(int))
}

// Channels reads one type's Channels from the index on (service, type,
// SID), so that a page costs the same however many Channels of other
// types exist.
func (t *tx) Channels(service string, types []string, w model.Window) ([]*model.Channel, error) {
	filter, args := typeFilter("type", types, []any{service})
	k := keyset{cols: "sid, " + channelCols, from: "channels WHERE service_sid = $1" + filter, key: "sid",
		parent: "SELECT FROM services WHERE service_sid = $1"}
	var out []*model.Channel
	err := t.window(k, w, sidAfter(w), args, func(rows pgx.Rows) error {
		r, err := channelRowOf(newRawRow(rows), 1)
		if err != nil {
			return err
		}
		c, err := r.channel()
		if err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

func (t *tx) InsertChannel(c *model.Channel) error {
	c.MembersCount, c.MessagesCount, c.LastMessageSid = 0, 0, ""
	v, err := channelRecord(c)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO channels (service_sid, sid, unique_name, type, record) VALUES ($1, $2, $3, $4, $5)`,
		c.ServiceSid, c.Sid, c.UniqueName, c.Type, v)
	return err
}

// PutChannel moves the unique name and type with the record; the unique
// constraint refuses a name taken by another Channel. When this Update
// read the Channel, it writes only if no other transaction changed it
// since.
func (t *tx) PutChannel(c *model.Channel) error {
	v, err := channelRecord(c)
	if err != nil {
		return err
	}
	seen, read := t.channels[channelKey{c.ServiceSid, c.Sid}]
	err = t.write(`UPDATE channels SET unique_name = $3, type = $4, record = $5
		WHERE service_sid = $1 AND sid = $2 AND ($6 = '' OR xmin::text = $6)
		RETURNING members_count, messages_count, last_message_sid`,
		[]any{c.ServiceSid, c.Sid, c.UniqueName, c.Type, v, seen.version}, &c.MembersCount, &c.MessagesCount, &c.LastMessageSid)
	if err == model.ErrNotFound && read {
		return t.channelChanged(c.ServiceSid, c.Sid)
	}
	if err == nil {
		t.wroteChannel(c.ServiceSid, c.Sid)
	}
	return err
}

// channelChanged is the error of a write that found nothing to write,
// having asked for the Channel as this Update read it: errChanged (and a
// retry) when the Channel is there, changed; ErrNotFound when it is gone.
func (t *tx) channelChanged(service, sid string) error {
	ok, err := t.exists(`SELECT 1 FROM channels WHERE service_sid = $1 AND sid = $2`, service, sid)
	switch {
	case err != nil:
		return err
	case !ok:
		return model.ErrNotFound
	default:
		return t.changed()
	}
}

// DeleteChannelTree deletes the Channel; the foreign keys cascade to its
// Members, Invites, webhooks and Media. Its Users lose a joined Channel in
// the same statement, whose snapshot still sees the Members the cascade
// removes at its end. Its Messages go in the next statement, in the same
// round trip: on a snapshot of its own, taken once the Channel's row was
// gone, it sees every Message appended before (an append needs the row).
func (t *tx) DeleteChannelTree(service, sid string) error {
	if err := storable([]any{service, sid}); err != nil {
		return err
	}
	if t.readOnly {
		return errReadOnly
	}
	t.wroteChannel(service, sid)
	t.appended = nil
	var n int
	err := t.pipeline(func(br pgx.BatchResults) error {
		if err := t.scan(br.QueryRow(), []any{&n}); err != nil {
			return err
		}
		_, err := br.Exec()
		return err
	}, statement{`WITH c AS (
			DELETE FROM channels WHERE service_sid = $1 AND sid = $2 RETURNING sid),
		u AS (
			UPDATE users SET joined_channels_count = joined_channels_count - 1
			WHERE service_sid = $1 AND EXISTS (SELECT FROM c)
			AND sid IN (SELECT user_sid FROM members WHERE service_sid = $1 AND channel_sid = $2))
		SELECT count(*) FROM c`, []any{service, sid}},
		statement{deleteMessagesQuery + ` AND channel_sid = $2`, []any{service, sid}})
	if err == nil && n == 0 {
		return model.ErrNotFound
	}
	return err
}

// deleteMessagesQuery deletes the Messages of Service $1 (and, with a
// condition added, those of one Channel): messages keep no foreign key
// (migrations/0006_messages_fk.sql).
const deleteMessagesQuery = `DELETE FROM messages WHERE service_sid = $1`
