package postgres

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/model"
)

// A User's links to Channels are not stored apart: they are its Members
// and Invites, read together by the indexes on (service, user, channel).

// linksOf is the SQL of a User's links, one row per Channel (its Member's
// and its Invite's SIDs, "" for none), for the rows of members and invites
// that meet cond.
func linksOf(cond string) string {
	return fmt.Sprintf(`SELECT channel_sid, max(member_sid) AS member_sid, max(invite_sid) AS invite_sid FROM (
			SELECT channel_sid, sid AS member_sid, '' AS invite_sid FROM members
			WHERE service_sid = $1 AND user_sid = $2%[1]s
			UNION ALL
			SELECT channel_sid, '', sid FROM invites
			WHERE service_sid = $1 AND user_sid = $2%[1]s) l
		GROUP BY channel_sid`, cond)
}

// userChannelsKeyset windows the links of User $2; the condition on the
// Channel SID is pushed down into both sides of the union.
var userChannelsKeyset = keyset{cols: "channel_sid, member_sid, invite_sid", from: "(" + linksOf("") + ") l WHERE true",
	key: "channel_sid", parent: "SELECT FROM services WHERE service_sid = $1"}

func (t *tx) UserChannels(service, user string, w model.Window) ([]model.UserChannelLink, error) {
	var out []model.UserChannelLink
	err := t.window(userChannelsKeyset, w, sidAfter(w), []any{service, user}, func(rows pgx.Rows) error {
		var l model.UserChannelLink
		if err := rows.Scan(&l.ChannelSid, &l.MemberSid, &l.InviteSid); err != nil {
			return t.fail(err)
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

func (t *tx) UserChannel(service, user, channel string) (model.UserChannelLink, error) {
	var l model.UserChannelLink
	err := t.read(linksOf(" AND channel_sid = $3"), []any{service, user, channel}, &l.ChannelSid, &l.MemberSid, &l.InviteSid)
	return l, err
}
