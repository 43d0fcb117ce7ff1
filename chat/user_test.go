package chat

import (
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

func TestUserRules(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		u, err := r.CreateUser(t.Context(), s.Sid, model.UserCreate{Identity: "alice", FriendlyName: ptrTo("")})
		noErr(t, err)
		if u.RoleSid != s.DefaultServiceRoleSid || u.FriendlyName != nil || u.Attributes != "{}" || u.JoinedChannelsCount != 0 {
			t.Errorf("user = %+v, want the default service role, a null name, {}", u)
		}
		_, err = r.CreateUser(t.Context(), s.Sid, model.UserCreate{Identity: "alice"})
		wantCode(t, "CreateUser(alice) again", err, 50201)
		_, err = r.CreateUser(t.Context(), s.Sid, model.UserCreate{Identity: "bob", RoleSid: &s.DefaultChannelRoleSid})
		wantCode(t, "CreateUser with a channel role", err, 50102)
		_, err = r.UpdateUser(t.Context(), s.Sid, u.Sid, model.UserUpdate{RoleSid: &s.DefaultChannelRoleSid})
		wantCode(t, "UpdateUser to a channel role", err, 50102)
		if _, err := r.CreateUser(t.Context(), r.service(t).Sid, model.UserCreate{Identity: "alice"}); err != nil {
			t.Errorf("the same identity in another Service: %v", err)
		}

		now := r.clock.advance(time.Minute)
		got, err := r.UpdateUser(t.Context(), s.Sid, "alice", model.UserUpdate{FriendlyName: ptrTo("Alice")})
		noErr(t, err)
		if got.Sid != u.Sid || *got.FriendlyName != "Alice" || !got.DateUpdated.Equal(now) || !got.DateCreated.Equal(u.DateCreated) {
			t.Errorf("updated = %+v, want alice renamed now", got)
		}
		r.clock.advance(time.Minute)
		got, err = r.UpdateUser(t.Context(), s.Sid, "alice", model.UserUpdate{})
		noErr(t, err)
		if !got.DateUpdated.Equal(now) {
			t.Errorf("an empty update moved date_updated to %v", got.DateUpdated)
		}
		noErr(t, r.DeleteUser(t.Context(), s.Sid, u.Sid))
		if _, err := r.CreateUser(t.Context(), s.Sid, model.UserCreate{Identity: "alice"}); err != nil {
			t.Errorf("the identity of a deleted User: %v", err)
		}
	})
}

func TestUserChannels(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		joined, invited := r.channel(t, s.Sid), r.channel(t, s.Sid)
		r.member(t, s.Sid, joined.Sid, "alice")
		if _, err := r.CreateInvite(t.Context(), s.Sid, invited.Sid, model.InviteCreate{Identity: "alice"}); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			r.message(t, s.Sid, joined.Sid, "m")
		}
		userChannel := func(t *testing.T, ch string) *model.UserChannel {
			t.Helper()
			uc, err := r.FindUserChannel(t.Context(), s.Sid, "alice", ch)
			noErr(t, err)
			return uc
		}

		if uc := userChannel(t, invited.Sid); uc.Status != model.UserChannelInvited || uc.MemberSid != "" || uc.UnreadMessagesCount != nil {
			t.Errorf("invited = %+v", uc)
		}
		if uc := userChannel(t, joined.Sid); uc.Status != model.UserChannelJoined || uc.UnreadMessagesCount != nil || uc.LastConsumedMessageIndex != nil {
			t.Errorf("joined before any horizon = %+v, want no unread count", uc)
		}
		for _, c := range []struct {
			horizon, unread int
		}{{0, 3}, {2, 1}, {3, 0}, {9, 0}} {
			uc, err := r.UpdateUserChannel(t.Context(), s.Sid, "alice", joined.Sid, model.UserChannelUpdate{LastConsumedMessageIndex: &c.horizon})
			noErr(t, err)
			if uc.UnreadMessagesCount == nil || *uc.UnreadMessagesCount != c.unread || *uc.LastConsumedMessageIndex != c.horizon {
				t.Errorf("horizon %d: %+v, want %d unread", c.horizon, uc, c.unread)
			}
		}
		if _, err := r.UpdateMember(t.Context(), s.Sid, joined.Sid, "alice", model.MemberUpdate{LastConsumedMessageIndex: ptrTo(1)}); err != nil {
			t.Fatal(err)
		}
		if uc := userChannel(t, joined.Sid); *uc.UnreadMessagesCount != 2 {
			t.Errorf("after a Member update to 1: %d unread, want 2", *uc.UnreadMessagesCount)
		}
		r.message(t, s.Sid, joined.Sid, "new")
		if uc := userChannel(t, joined.Sid); *uc.UnreadMessagesCount != 3 {
			t.Errorf("after a new message: %d unread, want 3", *uc.UnreadMessagesCount)
		}

		uc, err := r.UpdateUserChannel(t.Context(), s.Sid, "alice", joined.Sid, model.UserChannelUpdate{NotificationLevel: ptrTo(model.NotificationMuted)})
		noErr(t, err)
		if uc.NotificationLevel != model.NotificationMuted {
			t.Errorf("notification level = %q, want muted", uc.NotificationLevel)
		}
		_, err = r.UpdateUserChannel(t.Context(), s.Sid, "alice", invited.Sid, model.UserChannelUpdate{NotificationLevel: ptrTo(model.NotificationMuted)})
		wantCode(t, "UpdateUserChannel of an invitation", err, 50400)

		ucs, _, err := r.ListUserChannels(t.Context(), s.Sid, "alice", model.Page{Size: 50})
		noErr(t, err)
		if len(ucs) != 2 || ucs[0].ChannelSid != joined.Sid || ucs[1].ChannelSid != invited.Sid {
			t.Errorf("user channels = %+v, want joined and invited in SID order", ucs)
		}

		noErr(t, r.DeleteUserChannel(t.Context(), s.Sid, "alice", invited.Sid))
		invites, _, err := r.ListInvites(t.Context(), s.Sid, invited.Sid, model.InviteFilter{}, model.Page{Size: 50})
		noErr(t, err)
		if len(invites) != 0 {
			t.Errorf("declining left %d invites", len(invites))
		}
		_, err = r.FindUserChannel(t.Context(), s.Sid, "alice", invited.Sid)
		wantCode(t, "FindUserChannel after declining", err, 20404)
	})
}

func TestChannelWebhookLimit(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		in := model.ChannelWebhookCreate{Type: model.WebhookTypeWebhook, ChannelWebhookUpdate: model.ChannelWebhookUpdate{
			URL: ptrTo("https://example.com/h"), Filters: &[]string{"onMessageSent"},
		}}
		var first *model.ChannelWebhook
		for i := range model.MaxChannelWebhooks {
			wh, err := r.CreateChannelWebhook(t.Context(), s.Sid, ch.Sid, in)
			noErr(t, err)
			if i == 0 {
				first = wh
			}
		}
		if *first.Method != "POST" || *first.RetryCount != 0 {
			t.Errorf("webhook defaults: method %q, retry count %d; want POST, 0", *first.Method, *first.RetryCount)
		}
		_, err := r.CreateChannelWebhook(t.Context(), s.Sid, ch.Sid, in)
		wantCode(t, "a sixth webhook", err, 50321)
		if _, err := r.CreateChannelWebhook(t.Context(), s.Sid, r.channel(t, s.Sid).Sid, in); err != nil {
			t.Errorf("a webhook on another Channel: %v", err)
		}
		_, err = r.UpdateChannelWebhook(t.Context(), s.Sid, ch.Sid, first.Sid, model.ChannelWebhookUpdate{URL: ptrTo("")})
		wantCode(t, "clearing a webhook's URL", err, 50329)
		noErr(t, r.DeleteChannelWebhook(t.Context(), s.Sid, ch.Sid, first.Sid))
		if _, err := r.CreateChannelWebhook(t.Context(), s.Sid, ch.Sid, in); err != nil {
			t.Errorf("a webhook after a delete: %v", err)
		}
		_, err = r.UpdateChannelWebhook(t.Context(), s.Sid, ch.Sid, first.Sid, model.ChannelWebhookUpdate{URL: ptrTo("")})
		wantCode(t, "updating a deleted webhook", err, 20404)
	})
}
