package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// A User's stored record has JoinedChannelsCount 0: the column
// joined_channels_count is the count, moved by deltas.

// userRecord is the stored form of u.
func userRecord(u *model.User) ([]byte, error) {
	r := *u
	r.JoinedChannelsCount = 0
	return record.User.Encode(&r)
}

// decodeUser decodes a stored User with its count.
func decodeUser(v []byte, joined int) (*model.User, error) {
	u, err := record.User.Decode(v)
	if err != nil {
		return nil, err
	}
	u.JoinedChannelsCount = joined
	return u, nil
}

// User finds the key as a SID first, then as an identity (the first branch
// of the UNION ALL comes out first); the row it names is read, and locked
// in an Update.
func (t *tx) User(service, key string) (*model.User, error) {
	var v []byte
	var joined int
	err := t.read(`SELECT joined_channels_count, record FROM users WHERE service_sid = $1 AND sid = (
			SELECT sid FROM users WHERE service_sid = $1 AND sid = $2
			UNION ALL SELECT sid FROM users WHERE service_sid = $1 AND identity = $2
			LIMIT 1)`+t.lock(), []any{service, key}, &joined, &v)
	if err != nil {
		return nil, err
	}
	return decodeUser(v, joined)
}

var usersKeyset = keyset{cols: "sid, joined_channels_count, record", from: "users WHERE service_sid = $1", key: "sid",
	parent: "SELECT FROM services WHERE service_sid = $1"}

func (t *tx) Users(service string, w model.Window) ([]*model.User, error) {
	var out []*model.User
	err := t.window(usersKeyset, w, sidAfter(w), []any{service}, func(rows pgx.Rows) error {
		raw := newRawRow(rows)
		joined, err := raw.int(1)
		if err != nil {
			return err
		}
		v, err := raw.bytes(2) // the driver's own buffer: decoding copies
		if err != nil {
			return err
		}
		u, err := decodeUser(v, joined)
		if err != nil {
			return err
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

func (t *tx) InsertUser(u *model.User) error {
	u.JoinedChannelsCount = 0
	v, err := userRecord(u)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO users (service_sid, sid, identity, record) VALUES ($1, $2, $3, $4)`,
		u.ServiceSid, u.Sid, u.Identity, v)
	return err
}

// PutUser keeps the stored identity and count, read (and the row locked)
// first, so that the stored record holds the identity it is indexed by.
func (t *tx) PutUser(u *model.User) error {
	var identity string
	var joined int
	err := t.write(`SELECT identity, joined_channels_count FROM users WHERE service_sid = $1 AND sid = $2 FOR NO KEY UPDATE`,
		[]any{u.ServiceSid, u.Sid}, &identity, &joined)
	if err != nil {
		return err
	}
	u.Identity, u.JoinedChannelsCount = identity, joined
	v, err := userRecord(u)
	if err != nil {
		return err
	}
	_, err = t.exec(`UPDATE users SET record = $3 WHERE service_sid = $1 AND sid = $2`, u.ServiceSid, u.Sid, v)
	return err
}

// DeleteUserTree deletes the User with its Memberships (lowering their
// Channels' counts), Invites and Bindings, in one statement.
func (t *tx) DeleteUserTree(service, sid string) error {
	var n int
	err := t.write(`WITH u AS (
			DELETE FROM users WHERE service_sid = $1 AND sid = $2 RETURNING sid),
		m AS (
			DELETE FROM members WHERE service_sid = $1 AND user_sid = $2 AND EXISTS (SELECT FROM u)
			RETURNING channel_sid),
		c AS (
			UPDATE channels SET members_count = members_count - m.n
			FROM (SELECT channel_sid, count(*) AS n FROM m GROUP BY channel_sid) m
			WHERE channels.service_sid = $1 AND channels.sid = m.channel_sid),
		i AS (
			DELETE FROM invites WHERE service_sid = $1 AND user_sid = $2 AND EXISTS (SELECT FROM u)),
		b AS (
			DELETE FROM bindings WHERE service_sid = $1 AND user_sid = $2 AND EXISTS (SELECT FROM u))
		SELECT count(*) FROM u`, []any{service, sid}, &n)
	if err == nil && n == 0 {
		return model.ErrNotFound
	}
	return err
}
