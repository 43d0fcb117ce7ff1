package postgres

import (
	"strings"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// Member finds the key as a SID first, then as an identity (the first
// branch of the UNION ALL comes out first); the row it names is read, and
// locked in an Update.
func (t *tx) Member(service, channel, key string) (*model.Member, error) {
	if a := t.appended; a != nil && a.service == service && a.sid == channel && a.author == key && !strings.HasPrefix(key, model.PrefixMember) {
		// Read (and locked) by the append, by identity: key names no
		// Member by SID.
		if a.member == nil {
			return nil, model.ErrNotFound
		}
		return record.Member.Decode(a.member)
	}
	return get(t, record.Member, memberQuery, service, channel, key)
}

// memberQuery reads the record of the Member that $3 names in Channel $2 of
// Service $1.
const memberQuery = `SELECT record FROM members WHERE service_sid = $1 AND channel_sid = $2 AND sid = (
	SELECT sid FROM members WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3
	UNION ALL SELECT sid FROM members WHERE service_sid = $1 AND channel_sid = $2 AND identity = $3
	LIMIT 1)`

var membersKeyset = keyset{cols: "sid, record", from: "members WHERE service_sid = $1 AND channel_sid = $2", key: "sid",
	parent: "SELECT FROM channels WHERE service_sid = $1 AND sid = $2"}

// Members, in an Update, locks the Channel first (see tx).
func (t *tx) Members(service, channel string, w model.Window) ([]*model.Member, error) {
	if err := t.lockChannel(service, channel); err != nil {
		return nil, err
	}
	return records(t, record.Member, membersKeyset, w, service, channel)
}

// InsertMember is one statement: the Channel's count goes up (which also
// finds the Channel, and locks it), the Member goes in, and its User's
// count goes up. No Channel, no row: model.ErrNotFound. When this Update
// read the Channel, its count must still be the one read: a rule checked
// the Channel's limit against it.
func (t *tx) InsertMember(m *model.Member) error {
	v, err := record.Member.Encode(m)
	if err != nil {
		return err
	}
	var members any // no check
	seen, read := t.channels[channelKey{m.ServiceSid, m.ChannelSid}]
	if read {
		members = seen.members
	}
	var n int
	err = t.write(`WITH c AS (
			UPDATE channels SET members_count = members_count + 1
			WHERE service_sid = $1 AND sid = $2 AND ($7::bigint IS NULL OR members_count = $7) RETURNING sid),
		m AS (
			INSERT INTO members (service_sid, channel_sid, sid, identity, user_sid, record)
			SELECT $1, $2, $3, $4, $5, $6 FROM c RETURNING user_sid),
		u AS (
			UPDATE users SET joined_channels_count = joined_channels_count + 1
			WHERE service_sid = $1 AND sid = (SELECT user_sid FROM m))
		SELECT count(*) FROM m`, []any{m.ServiceSid, m.ChannelSid, m.Sid, m.Identity, m.UserSid, v, members}, &n)
	switch {
	case err != nil:
		return err
	case n == 0 && read:
		return t.channelChanged(m.ServiceSid, m.ChannelSid)
	case n == 0:
		return model.ErrNotFound
	}
	t.wroteChannel(m.ServiceSid, m.ChannelSid)
	return nil
}

// PutMember keeps the stored identity and User. When m has them already
// (as a Member read and changed has) it is one UPDATE; otherwise they are
// read first, so that the stored record holds what it is indexed by.
func (t *tx) PutMember(m *model.Member) error {
	v, err := record.Member.Encode(m)
	if err != nil {
		return err
	}
	n, err := t.exec(`UPDATE members SET record = $6 WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3
		AND identity = $4 AND user_sid = $5`, m.ServiceSid, m.ChannelSid, m.Sid, m.Identity, m.UserSid, v)
	if err != nil || n == 1 {
		return err
	}
	err = t.write(`SELECT identity, user_sid FROM members WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3 FOR NO KEY UPDATE`,
		[]any{m.ServiceSid, m.ChannelSid, m.Sid}, &m.Identity, &m.UserSid)
	if err != nil {
		return err
	}
	if v, err = record.Member.Encode(m); err != nil {
		return err
	}
	_, err = t.exec(`UPDATE members SET record = $4 WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3`,
		m.ServiceSid, m.ChannelSid, m.Sid, v)
	return err
}

// DeleteMember is one statement: the Member goes, and the counts of its
// Channel and User go down.
func (t *tx) DeleteMember(service, channel, sid string) error {
	t.wroteChannel(service, channel)
	var n int
	err := t.write(`WITH m AS (
			DELETE FROM members WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3 RETURNING user_sid),
		c AS (
			UPDATE channels SET members_count = members_count - 1
			WHERE service_sid = $1 AND sid = $2 AND EXISTS (SELECT FROM m)),
		u AS (
			UPDATE users SET joined_channels_count = joined_channels_count - 1
			WHERE service_sid = $1 AND sid = (SELECT user_sid FROM m))
		SELECT count(*) FROM m`, []any{service, channel, sid}, &n)
	if err == nil && n == 0 {
		return model.ErrNotFound
	}
	return err
}
