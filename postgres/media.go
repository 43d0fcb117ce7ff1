package postgres

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// A Media's row holds its size and, once sent, its Channel and Message;
// its stored record leaves them empty. Its content is in media_chunks. A
// staged upload is a row of media with staged_at set and no record yet,
// so that its chunks, and its Service's deletion, work as a Media's do;
// no read but StagedMedia sees it.

// mediaRecord is the stored form of me.
func mediaRecord(me *model.Media) ([]byte, error) {
	r := *me
	r.Size, r.ChannelSid, r.MessageSid = 0, "", ""
	return record.Media.Encode(&r)
}

func (t *tx) Media(service, sid string) (*model.Media, error) {
	var v []byte
	var size int64
	var channel, message *string
	err := t.read(`SELECT size, channel_sid, message_sid, record FROM media
		WHERE service_sid = $1 AND sid = $2 AND staged_at IS NULL`+t.lock(), []any{service, sid}, &size, &channel, &message, &v)
	if err != nil {
		return nil, err
	}
	me, err := record.Media.Decode(v)
	if err != nil {
		return nil, err
	}
	me.Size, me.ChannelSid, me.MessageSid = size, model.Deref(channel), model.Deref(message)
	return me, nil
}

// ReadMedia reads the chunks p covers, and of each only the part p needs
// (the chunks are stored uncompressed, so a slice of one is read without
// the rest of it).
func (t *tx) ReadMedia(service, sid string, p []byte, off int64) (int, error) {
	first := off / model.MediaChunkSize
	last := first
	if len(p) > 0 {
		last = (off + int64(len(p)) - 1) / model.MediaChunkSize
	}
	args := []any{service, sid, off, len(p), first, last, model.MediaChunkSize}
	if storable(args) != nil {
		return 0, model.ErrNotFound
	}
	rows, err := t.db.Query(t.ctx, `SELECT m.size, substring(c.data FROM greatest($3 - c.seq::bigint * $7, 0)::integer + 1 FOR $4)
		FROM media m LEFT JOIN media_chunks c
			ON c.service_sid = m.service_sid AND c.media_sid = m.sid AND c.seq BETWEEN $5 AND $6
		WHERE m.service_sid = $1 AND m.sid = $2 AND m.staged_at IS NULL
		ORDER BY c.seq`, args...)
	if err != nil {
		return 0, t.fail(err)
	}
	defer rows.Close()
	found, n := false, 0
	for rows.Next() {
		found = true
		var size int64
		var part []byte
		if err := rows.Scan(&size, &part); err != nil {
			return 0, t.fail(err)
		}
		n += copy(p[n:], part)
	}
	if err := rows.Err(); err != nil {
		return 0, t.fail(err)
	}
	if !found {
		return 0, model.ErrNotFound
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// attachMedia marks m's Media as sent with m, which is stored already
// (AppendMessage).
func (t *tx) attachMedia(m *model.Message) error {
	n, err := t.exec(`UPDATE media SET channel_sid = $3, message_sid = $4
		WHERE service_sid = $1 AND sid = $2 AND staged_at IS NULL AND message_sid IS NULL`,
		m.ServiceSid, m.Media.Sid, m.ChannelSid, m.Sid)
	if err != nil || n == 1 {
		return err
	}
	if _, err := t.Media(m.ServiceSid, m.Media.Sid); err != nil {
		return err
	}
	return &model.TakenError{Field: "media"}
}

func (t *tx) StageMediaChunk(service, sid string, seq int, chunk []byte) error {
	if len(chunk) > model.MediaChunkSize {
		return fmt.Errorf("postgres: chunk %d of upload %s holds %d bytes, over the chunk size", seq, sid, len(chunk))
	}
	if seq == 0 {
		// The chunk references the upload's row, which the statement
		// inserts: the foreign key is checked at the statement's end.
		_, err := t.exec(`WITH m AS (
				INSERT INTO media (service_sid, sid, staged_at, size, chunks) VALUES ($1, $2, $3, $4, 1)
				RETURNING service_sid, sid)
			INSERT INTO media_chunks (service_sid, media_sid, seq, data) SELECT service_sid, sid, 0, $5 FROM m`,
			service, sid, t.now, len(chunk), chunk)
		return err
	}
	n, err := t.exec(`WITH m AS (
			UPDATE media SET size = size + $4, chunks = chunks + 1
			WHERE service_sid = $1 AND sid = $2 AND staged_at IS NOT NULL AND chunks = $3 AND size = $3::bigint * $6
			RETURNING service_sid, sid)
		INSERT INTO media_chunks (service_sid, media_sid, seq, data) SELECT service_sid, sid, $3, $5 FROM m`,
		service, sid, seq, len(chunk), chunk, model.MediaChunkSize)
	if err != nil || n == 1 {
		return err
	}
	var chunks int
	var size int64
	err = t.read(`SELECT chunks, size FROM media WHERE service_sid = $1 AND sid = $2 AND staged_at IS NOT NULL`,
		[]any{service, sid}, &chunks, &size)
	if err != nil {
		return err
	}
	return fmt.Errorf("postgres: chunk %d of upload %s is out of order: %d chunks of %d bytes are staged", seq, sid, chunks, size)
}

func (t *tx) CommitStagedMedia(m *model.Media) error {
	v, err := mediaRecord(m)
	if err != nil {
		return err
	}
	return t.write(`UPDATE media SET staged_at = NULL, record = $3
		WHERE service_sid = $1 AND sid = $2 AND staged_at IS NOT NULL RETURNING size`,
		[]any{m.ServiceSid, m.Sid, v}, &m.Size)
}

func (t *tx) DropStagedMedia(sid string) error {
	_, err := t.exec(`DELETE FROM media WHERE sid = $1 AND staged_at IS NOT NULL`, sid)
	if errors.Is(err, errUnstorable) {
		return nil // no upload has that SID
	}
	return err
}

func (t *tx) SweepStagedMedia(before time.Time) (int, error) {
	n, err := t.exec(`DELETE FROM media WHERE staged_at IS NOT NULL AND staged_at < $1`, before)
	return int(n), err
}

func (t *tx) StagedMedia() ([]*model.StagedMedia, error) {
	rows, err := t.db.Query(t.ctx, `SELECT sid, service_sid, size, staged_at FROM media WHERE staged_at IS NOT NULL ORDER BY sid`)
	if err != nil {
		return nil, t.fail(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*model.StagedMedia, error) {
		u := &model.StagedMedia{}
		err := row.Scan(&u.Sid, &u.ServiceSid, &u.Size, &u.Started)
		u.Started = u.Started.UTC()
		return u, err
	})
	if err != nil {
		return nil, t.fail(err)
	}
	return out, nil
}
