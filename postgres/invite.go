package postgres

import (
	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

func (t *tx) Invite(service, channel, sid string) (*model.Invite, error) {
	return get(t, record.Invite, `SELECT record FROM invites WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3`,
		service, channel, sid)
}

func (t *tx) InviteFor(service, channel, identity string) (*model.Invite, error) {
	return get(t, record.Invite, `SELECT record FROM invites WHERE service_sid = $1 AND channel_sid = $2 AND identity = $3`,
		service, channel, identity)
}

var invitesKeyset = keyset{cols: "sid, record", from: "invites WHERE service_sid = $1 AND channel_sid = $2", key: "sid",
	parent: "SELECT FROM channels WHERE service_sid = $1 AND sid = $2"}

// Invites, in an Update, locks the Channel first (see tx).
func (t *tx) Invites(service, channel string, w model.Window) ([]*model.Invite, error) {
	if err := t.lockChannel(service, channel); err != nil {
		return nil, err
	}
	return records(t, record.Invite, invitesKeyset, w, service, channel)
}

// InsertInvite locks the Channel first: a Member joins by updating the
// Channel's row, so the check that the identity is no Member, made in the
// next statement (a new snapshot under READ COMMITTED), sees every Member
// that committed before.
func (t *tx) InsertInvite(in *model.Invite) error {
	v, err := record.Invite.Encode(in)
	if err != nil {
		return err
	}
	if err := t.lockChannel(in.ServiceSid, in.ChannelSid); err != nil {
		return err
	}
	n, err := t.exec(`INSERT INTO invites (service_sid, channel_sid, sid, identity, user_sid, record)
		SELECT $1, $2, $3, $4, $5, $6
		WHERE NOT EXISTS (SELECT FROM members WHERE service_sid = $1 AND channel_sid = $2 AND identity = $4)`,
		in.ServiceSid, in.ChannelSid, in.Sid, in.Identity, in.UserSid, v)
	if err == nil && n == 0 {
		return &model.TakenError{Field: "member"}
	}
	return err
}

func (t *tx) DeleteInvite(service, channel, sid string) error {
	return t.one(`DELETE FROM invites WHERE service_sid = $1 AND channel_sid = $2 AND sid = $3`, service, channel, sid)
}
