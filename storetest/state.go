package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/chatd/chatd/model"
)

// probeSid is the SID of the Message readable appends (and rolls back) to
// learn each Channel's next index; the suite never uses it otherwise.
var probeSid = "IM" + strings.Repeat("f", 32)

// errProbe rolls back readable's probing Update.
var errProbe = errors.New("storetest: probe rolled back")

// readable is everything st's Tx reads back without being told a key: the
// staged uploads, every Service and, under it, every Role, User, Channel,
// Member, Message, Invite and user-channel link, each also looked up by
// every key that reaches it (SID, unique name, identity), the Channels of
// each type, each Channel's CountMessagesAfter and the index its next
// Message would get. Keys are the path of the read, values the JSON of what
// it returned or its error, so that two states compare with maps.Equal.
//
// It is how the suite proves that a failed write changed nothing on an
// engine without a Dump. What no read reaches (settings, which cannot be
// listed, and index entries that point at no record) it cannot see.
func readable(t *testing.T, st model.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	record := func(key string, v any, err error) {
		if err != nil {
			out[key] = "error: " + err.Error()
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("state of %s: %v", key, err)
		}
		out[key] = string(b)
	}
	type channelKey struct{ svc, ch string }
	var channels []channelKey

	mustView(t, st, func(tx model.Tx) error {
		uploads, err := tx.StagedMedia()
		record("staged media", uploads, err)
		services, err := tx.Services(model.Window{})
		record("services", sids(services, func(s *model.Service) string { return s.Sid }), err)
		for _, s := range services {
			svc := s.Sid
			p := "service " + svc
			record(p, s, nil)
			got, err := tx.Service(svc)
			record(p+" by sid", got, err)

			roles, err := tx.Roles(svc, model.Window{})
			record(p+" roles", sids(roles, func(r *model.Role) string { return r.Sid }), err)
			for _, r := range roles {
				got, err := tx.Role(svc, r.Sid)
				record(p+" role "+r.Sid, got, err)
			}

			users, err := tx.Users(svc, model.Window{})
			record(p+" users", sids(users, func(u *model.User) string { return u.Sid }), err)
			linked := map[string]bool{} // users whose links are read
			for _, u := range users {
				linked[u.Sid] = true
				record(p+" user "+u.Sid, u, nil)
				got, err := tx.User(svc, u.Sid)
				record(p+" user "+u.Sid+" by sid", got, err)
				got, err = tx.User(svc, u.Identity)
				record(p+" user identity "+u.Identity, got, err)
			}

			all, err := tx.Channels(svc, nil, model.Window{})
			record(p+" channels", sids(all, func(c *model.Channel) string { return c.Sid }), err)
			types := []string{model.ChannelPublic, model.ChannelPrivate}
			for _, c := range all {
				if !slices.Contains(types, c.Type) {
					types = append(types, c.Type)
				}
			}
			for _, typ := range types {
				cs, err := tx.Channels(svc, []string{typ}, model.Window{})
				record(p+" channels of type "+typ, sids(cs, func(c *model.Channel) string { return c.Sid }), err)
			}
			for _, c := range all {
				ch := c.Sid
				channels = append(channels, channelKey{svc, ch})
				cp := p + " channel " + ch
				record(cp, c, nil)
				got, err := tx.Channel(svc, ch)
				record(cp+" by sid", got, err)
				if c.UniqueName != nil {
					got, err := tx.Channel(svc, *c.UniqueName)
					record(p+" channel name "+*c.UniqueName, got, err)
				}

				members, err := tx.Members(svc, ch, model.Window{})
				record(cp+" members", sids(members, func(m *model.Member) string { return m.Sid }), err)
				for _, m := range members {
					linked[m.UserSid] = true
					record(cp+" member "+m.Sid, m, nil)
					got, err := tx.Member(svc, ch, m.Sid)
					record(cp+" member "+m.Sid+" by sid", got, err)
					got, err = tx.Member(svc, ch, m.Identity)
					record(cp+" member identity "+m.Identity, got, err)
				}

				messages, err := tx.Messages(svc, ch, model.Window{})
				record(cp+" messages", sids(messages, func(m *model.Message) string { return m.Sid }), err)
				for _, m := range messages {
					record(cp+" message "+m.Sid, m, nil)
					got, err := tx.Message(svc, ch, m.Sid)
					record(cp+" message "+m.Sid+" by sid", got, err)
				}
				n, err := tx.CountMessagesAfter(svc, ch, -1)
				record(cp+" count messages after -1", n, err)

				invites, err := tx.Invites(svc, ch, model.Window{})
				record(cp+" invites", sids(invites, func(in *model.Invite) string { return in.Sid }), err)
				for _, in := range invites {
					linked[in.UserSid] = true
					record(cp+" invite "+in.Sid, in, nil)
					got, err := tx.Invite(svc, ch, in.Sid)
					record(cp+" invite "+in.Sid+" by sid", got, err)
					got, err = tx.InviteFor(svc, ch, in.Identity)
					record(cp+" invite identity "+in.Identity, got, err)
				}
			}

			for _, user := range slices.Sorted(maps.Keys(linked)) {
				links, err := tx.UserChannels(svc, user, model.Window{})
				record(p+" user "+user+" channels", links, err)
				for _, l := range links {
					got, err := tx.UserChannel(svc, user, l.ChannelSid)
					record(p+" user "+user+" channel "+l.ChannelSid, got, err)
				}
			}
		}
		return nil
	})

	// The next index of a Channel is read the only way a Tx can: append a
	// Message and roll back.
	for _, c := range channels {
		var next int
		err := st.Update(context.Background(), func(tx model.Tx) error {
			m := &model.Message{Sid: probeSid, ServiceSid: c.svc, ChannelSid: c.ch, From: model.DefaultAuthor,
				Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
			if err := tx.AppendMessage(m); err != nil {
				return err
			}
			next = m.Index
			return errProbe
		})
		if errors.Is(err, errProbe) {
			err = nil
		}
		record("service "+c.svc+" channel "+c.ch+" next index", next, err)
	}
	return out
}
