package postgres

import (
	"errors"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// AppendMessage is one statement: the Channel's counter row is bumped and
// the Message inserted at the index it returns. The row stays locked until
// the transaction ends, so the transaction that got index n commits (or
// rolls back, taking its increment along) before another can get n+1:
// indexes are dense, and readers see them appear in order. No Channel, no
// row: model.ErrNotFound. A Media message then attaches its Media.
//
// The Sync projection reads the Channel and the author's Member right
// after an append, and then reserves Sync event IDs. The statement returns
// the Channel as it left it, and the Member whose identity is the author,
// locked; the transaction keeps both for those reads. The last fn
// of a group that does not hold the Sync counter yet takes it last in that
// round trip (sync.go), so that the group's drafts get their IDs without
// one of its own.
func (t *tx) AppendMessage(m *model.Message) error {
	if m.Sid == "" {
		m.Sid, _ = model.NewMessageSid(t.now, -1) // the index is not known yet
	}
	v, err := record.EncodeMessage(m)
	if err != nil {
		return err
	}
	args := []any{m.ServiceSid, m.ChannelSid, m.Sid, v, m.From}
	if err := storable(args); err != nil {
		return err
	}
	if t.readOnly {
		return errReadOnly
	}
	t.wroteChannel(m.ServiceSid, m.ChannelSid)
	t.appended = nil
	a := &appendedChannel{service: m.ServiceSid, sid: m.ChannelSid, author: m.From}
	stmts := []statement{{appendQuery, args}}
	lockCounter := t.group != nil && t.last && !t.group.ids.held
	if lockCounter {
		stmts = append(stmts, statement{lockCounterQuery, []any{m.ServiceSid}})
	}
	var counter int64
	var started bool
	err = t.pipeline(func(br pgx.BatchResults) error {
		if err := t.scan(br.QueryRow(), append(append([]any{&m.Index}, a.row.dest()...), &started, &a.member)); err != nil {
			return err
		}
		if !lockCounter {
			return nil
		}
		err := t.scan(br.QueryRow(), []any{&counter})
		if errors.Is(err, model.ErrNotFound) {
			lockCounter, err = false, nil // the log is not started
		}
		return err
	}, stmts...)
	if err != nil {
		return err
	}
	if t.db.wave != nil && t.appendRound == 0 {
		t.appendRound = t.db.sent
	}
	t.found(m.ServiceSid)
	t.sawSyncLog(m.ServiceSid, started)
	if lockCounter {
		if err := t.holdCounter(counter+1, counter+int64(len(t.group.sync)), counter); err != nil {
			return err
		}
	}
	if m.Media != nil {
		if err := t.attachMedia(m); err != nil {
			return err
		}
	}
	t.appended = a
	return nil
}

// appendQuery bumps the counter row of Channel $2 of Service $1 and
// inserts Message $3, record $4, at the index it returns; it returns the
// index, the Channel as it left it, whether the Service's Sync log is
// started (sync_log.go), and the record of the Member whose identity is $5,
// locked (NULL: none). The Channel's row stands for the foreign key that
// messages do without (migrations/0006_messages_fk.sql): no row, no
// insert.
const appendQuery = `WITH c AS (
		UPDATE channels SET last_index = last_index + 1, messages_count = messages_count + 1, last_message_sid = $3
		WHERE service_sid = $1 AND sid = $2 RETURNING last_index, ` + channelCols + `),
	m AS (
		INSERT INTO messages (service_sid, channel_sid, idx, sid, record)
		SELECT $1, $2, last_index, $3, $4 FROM c
		RETURNING idx),
	s AS (` + syncLogQuery + syncLogLock + `),
	a AS (
		SELECT record FROM members WHERE service_sid = $1 AND channel_sid = $2 AND identity = $5 FOR NO KEY UPDATE)
	SELECT m.idx, ` + channelCols + `, s.sync_log, (SELECT record FROM a) FROM m, c, s`

func (t *tx) Message(service, channel, sid string) (*model.Message, error) {
	m := &model.Message{}
	var v []byte
	err := t.read(`SELECT idx, record FROM messages WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3`+t.lock(),
		[]any{service, channel, sid}, &m.Index, &v)
	if err != nil {
		return nil, err
	}
	return m, decodeMessage(v, m, service, channel)
}

// decodeMessage decodes the stored Message into m, which holds its index.
func decodeMessage(v []byte, m *model.Message, service, channel string) error {
	index := m.Index
	if err := record.DecodeMessage(v, m); err != nil {
		return err
	}
	m.ServiceSid, m.ChannelSid, m.Index = service, channel, index
	return nil
}

var messagesKeyset = keyset{cols: "idx, record", from: "messages WHERE service_sid = $1 AND channel_sid = $2", key: "idx",
	parent: "SELECT FROM channels WHERE service_sid = $1 AND sid = $2"}

// messageChunk is how many Messages a page read allocates at once.
const messageChunk = 64

// Messages reads a window by index, allocating the Messages a chunk at a
// time, and the strings of a chunk's Messages as one copy of their rows'
// bytes. In an Update it locks the Channel first (see tx).
func (t *tx) Messages(service, channel string, w model.Window) ([]*model.Message, error) {
	after, err := numberAfter(w, "message")
	if err != nil {
		return nil, err
	}
	if err := t.lockChannel(service, channel); err != nil {
		return nil, err
	}
	chunk := messageChunk
	if w.Limit > 0 {
		chunk = min(w.Limit, messageChunk)
	}
	var (
		out   []*model.Message
		c     messageChunkRows
		first int // the first Message of the chunk in out
	)
	err = t.window(messagesKeyset, w, after, []any{service, channel}, func(rows pgx.Rows) error {
		if c.full(chunk) {
			if err := c.decode(out[first:], service, channel); err != nil {
				return err
			}
			first = len(out)
		}
		index, v, err := messageRow(rows)
		if err != nil {
			return err
		}
		m := c.next(chunk)
		m.Index = index
		c.add(v)
		out = append(out, m)
		return nil
	})
	if err == nil {
		err = c.decode(out[first:], service, channel)
	}
	return out, err
}

// messageRow reads a row of messagesKeyset: the index, and the record in
// the driver's buffer, valid until the next row.
func messageRow(rows pgx.Rows) (index int, v []byte, err error) {
	r := newRawRow(rows)
	if index, err = r.int(0); err != nil {
		return 0, nil, err
	}
	v, err = r.bytes(1)
	return index, v, err
}

// messageChunkRows gathers the rows of up to a chunk of Messages: the
// Messages, and their records copied end to end into one buffer, which
// decode then cuts the Messages' strings from.
type messageChunkRows struct {
	all  []model.Message
	size int
	buf  []byte
	ends []int
}

// full reports whether a new row needs a new chunk (none yet, or this one
// holds chunk rows).
func (c *messageChunkRows) full(chunk int) bool { return c.all != nil && c.size == chunk }

// next is the Message of the next row, in a new chunk when this one is
// full or there is none.
func (c *messageChunkRows) next(chunk int) *model.Message {
	if c.all == nil || c.size == chunk {
		c.all, c.size, c.buf, c.ends = make([]model.Message, chunk), 0, nil, c.ends[:0]
	}
	c.size++
	return &c.all[c.size-1]
}

// add copies the record of the last row; the chunk's first row sizes the
// buffer for the rest, a quarter more than as many like it.
func (c *messageChunkRows) add(v []byte) {
	if c.buf == nil {
		c.buf = make([]byte, 0, len(v)*len(c.all)*5/4)
	}
	c.buf = append(c.buf, v...)
	c.ends = append(c.ends, len(c.buf))
}

// decode decodes the chunk's records into ms, its Messages, which hold
// their indexes.
func (c *messageChunkRows) decode(ms []*model.Message, service, channel string) error {
	if len(c.buf) == 0 {
		return decodeEach(c.ends, ms, service, channel, nil, "")
	}
	// The buffer is not written again: the strings may share it.
	return decodeEach(c.ends, ms, service, channel, c.buf, unsafe.String(&c.buf[0], len(c.buf)))
}

// decodeEach decodes the records that ends cut buf (shared: the same
// bytes) into, one into each of ms.
func decodeEach(ends []int, ms []*model.Message, service, channel string, buf []byte, shared string) error {
	start := 0
	for i, end := range ends {
		m := ms[i]
		index := m.Index
		if err := record.DecodeMessageIn(buf[start:end], shared[start:end], m); err != nil {
			return err
		}
		m.ServiceSid, m.ChannelSid, m.Index = service, channel, index
		start = end
	}
	return nil
}

func (t *tx) PutMessage(m *model.Message) error {
	v, err := record.EncodeMessage(m)
	if err != nil {
		return err
	}
	return t.write(`UPDATE messages SET record = $4 WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3 RETURNING idx`,
		[]any{m.ServiceSid, m.ChannelSid, m.Sid, v}, &m.Index)
}

// DeleteMessage is one statement: the Message goes (its Media with it, by
// cascade) and the Channel's count goes down; when it was the newest, the
// Channel's last Message becomes the newest left, found in the statement's
// snapshot, which still holds the deleted one.
func (t *tx) DeleteMessage(service, channel, sid string) error {
	t.wroteChannel(service, channel)
	return t.write(`WITH d AS (
			DELETE FROM messages WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3 RETURNING sid)
		UPDATE channels SET messages_count = messages_count - 1,
			last_message_sid = CASE WHEN last_message_sid <> $3 THEN last_message_sid ELSE coalesce((
				SELECT sid FROM messages WHERE service_sid = $1 AND channel_sid = $2 AND sid <> $3
				ORDER BY idx DESC LIMIT 1), '') END
		WHERE service_sid = $1 AND sid = $2 AND EXISTS (SELECT FROM d)
		RETURNING 1`, []any{service, channel, sid}, new(int))
}

// CountMessagesAfter counts in the primary key's index; no Channel, no
// row.
func (t *tx) CountMessagesAfter(service, channel string, index int) (int, error) {
	var n int
	err := t.read(`SELECT (SELECT count(*) FROM messages WHERE service_sid = $1 AND channel_sid = $2 AND idx > $3)
		FROM channels WHERE service_sid = $1 AND sid = $2`, []any{service, channel, index}, &n)
	return n, err
}
