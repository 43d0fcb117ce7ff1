package server_test

// Channels, Members, Messages, Invites and User Channels through twilio-go's
// Chat V2.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

func TestSDKChannels(t *testing.T) {
	_, api := newSDKHarness(t)
	service := sdkVal(sdkService(t, api).Sid)
	created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

	ch := sdkCall(api.CreateChannel(service, (&chatv2.CreateChannelParams{}).
		SetFriendlyName("General").
		SetUniqueName("general").
		SetAttributes(`{"topic":"news"}`).
		SetType("private").
		SetDateCreated(created).
		SetCreatedBy("alice"))).must(t)
	sid := sdkVal(ch.Sid)

	t.Run("create honours every parameter including DateCreated and CreatedBy", func(t *testing.T) {
		if !strings.HasPrefix(sid, "CH") {
			t.Errorf("sid = %q", sid)
		}
		sdkWantEqual(t, "friendly_name", sdkVal(ch.FriendlyName), "General")
		sdkWantEqual(t, "unique_name", sdkVal(ch.UniqueName), "general")
		sdkWantEqual(t, "attributes", sdkVal(ch.Attributes), `{"topic":"news"}`)
		sdkWantEqual(t, "type", sdkVal(ch.Type), "private")
		sdkWantEqual(t, "created_by", sdkVal(ch.CreatedBy), "alice")
		if ch.DateCreated == nil || !ch.DateCreated.Equal(created) {
			t.Errorf("date_created = %v, want %v", ch.DateCreated, created)
		}
		sdkWantEqual(t, "members_count", ch.MembersCount, 0)
		sdkWantEqual(t, "messages_count", ch.MessagesCount, 0)
	})

	t.Run("create without parameters is a public channel by system", func(t *testing.T) {
		got := sdkChannel(t, api, service, "")
		sdkWantEqual(t, "type", sdkVal(got.Type), "public")
		sdkWantEqual(t, "created_by", sdkVal(got.CreatedBy), "system")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), "{}")
		if got.UniqueName != nil || got.FriendlyName != nil {
			t.Errorf("unique_name, friendly_name = %v, %v; want null", sdkShow(got.UniqueName), sdkShow(got.FriendlyName))
		}
		sdkOK(t, api.DeleteChannel(service, sdkVal(got.Sid), nil))
	})

	t.Run("fetch by unique name", func(t *testing.T) {
		got := sdkCall(api.FetchChannel(service, "general")).must(t)
		sdkWantEqual(t, "fetched", got, ch)
	})

	t.Run("update by unique name, overriding DateCreated and CreatedBy", func(t *testing.T) {
		redated := time.Date(2019, 6, 7, 8, 9, 10, 0, time.UTC)
		got := sdkCall(api.UpdateChannel(service, "general", (&chatv2.UpdateChannelParams{}).
			SetFriendlyName("General chat").
			SetAttributes(`{"topic":"sports"}`).
			SetDateCreated(redated).
			SetCreatedBy("bob"))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sid)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "General chat")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"topic":"sports"}`)
		sdkWantEqual(t, "created_by", sdkVal(got.CreatedBy), "bob")
		if got.DateCreated == nil || !got.DateCreated.Equal(redated) {
			t.Errorf("date_created = %v, want %v", got.DateCreated, redated)
		}
		sdkWantEqual(t, "fetched by SID", sdkCall(api.FetchChannel(service, sid)).must(t), got)
	})

	t.Run("update renames the unique name", func(t *testing.T) {
		got := sdkCall(api.UpdateChannel(service, sid, (&chatv2.UpdateChannelParams{}).SetUniqueName("lobby"))).must(t)
		sdkWantEqual(t, "unique_name", sdkVal(got.UniqueName), "lobby")
		sdkWantEqual(t, "found by new name", sdkVal(sdkCall(api.FetchChannel(service, "lobby")).must(t).Sid), sid)
		_, err := api.FetchChannel(service, "general")
		wantSDKError(t, err, 404, 20404)
	})

	t.Run("list filters by Type", func(t *testing.T) {
		pub1 := sdkCall(api.CreateChannel(service, (&chatv2.CreateChannelParams{}).SetType("public"))).must(t)
		priv := sdkCall(api.CreateChannel(service, (&chatv2.CreateChannelParams{}).SetType("private"))).must(t)
		pub2 := sdkCall(api.CreateChannel(service, nil)).must(t)
		for _, tc := range []struct {
			name  string
			types []string
			want  []string
		}{
			{"no Type lists public channels", nil, []string{sdkVal(pub1.Sid), sdkVal(pub2.Sid)}},
			{"public", []string{"public"}, []string{sdkVal(pub1.Sid), sdkVal(pub2.Sid)}},
			{"private", []string{"private"}, []string{sid, sdkVal(priv.Sid)}},
			{"public and private", []string{"public", "private"}, []string{sid, sdkVal(pub1.Sid), sdkVal(priv.Sid), sdkVal(pub2.Sid)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := &chatv2.ListChannelParams{}
				if tc.types != nil {
					p.SetType(tc.types)
				}
				var got []string
				for _, c := range sdkCall(api.ListChannel(service, p)).must(t) {
					got = append(got, sdkVal(c.Sid))
				}
				sdkWantEqual(t, "sids", got, tc.want)
			})
		}
	})

	t.Run("delete by unique name", func(t *testing.T) {
		sdkOK(t, api.DeleteChannel(service, "lobby", nil))
		_, err := api.FetchChannel(service, sid)
		wantSDKError(t, err, 404, 20404)
	})
}

func TestSDKMembers(t *testing.T) {
	_, api := newSDKHarness(t)
	sv := sdkService(t, api)
	service := sdkVal(sv.Sid)
	channel := sdkVal(sdkChannel(t, api, service, "room").Sid)

	alice := sdkMember(t, api, service, "room", "alice")

	t.Run("create defaults RoleSid to the service's default channel role", func(t *testing.T) {
		if !strings.HasPrefix(sdkVal(alice.Sid), "MB") {
			t.Errorf("sid = %q", sdkVal(alice.Sid))
		}
		sdkWantEqual(t, "identity", sdkVal(alice.Identity), "alice")
		sdkWantEqual(t, "channel_sid", sdkVal(alice.ChannelSid), channel)
		sdkWantEqual(t, "role_sid", sdkVal(alice.RoleSid), sdkVal(sv.DefaultChannelRoleSid))
		sdkWantEqual(t, "attributes", sdkVal(alice.Attributes), "{}")
	})

	t.Run("create makes the user of a new identity", func(t *testing.T) {
		u := sdkCall(api.FetchUser(service, "alice")).must(t)
		sdkWantEqual(t, "role_sid", sdkVal(u.RoleSid), sdkVal(sv.DefaultServiceRoleSid))
		sdkWantEqual(t, "joined_channels_count", u.JoinedChannelsCount, 1)
	})

	t.Run("create takes an explicit RoleSid", func(t *testing.T) {
		m := sdkCall(api.CreateMember(service, channel, (&chatv2.CreateMemberParams{}).
			SetIdentity("bob").SetRoleSid(sdkVal(sv.DefaultChannelCreatorRoleSid)))).must(t)
		sdkWantEqual(t, "role_sid", sdkVal(m.RoleSid), sdkVal(sv.DefaultChannelCreatorRoleSid))
		sdkWantEqual(t, "members_count", sdkCall(api.FetchChannel(service, channel)).must(t).MembersCount, 2)
	})

	t.Run("fetch by identity", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(api.FetchMember(service, "room", "alice")).must(t), alice)
	})

	t.Run("update by identity", func(t *testing.T) {
		got := sdkCall(api.UpdateMember(service, channel, "alice", (&chatv2.UpdateMemberParams{}).
			SetAttributes(`{"nick":"al"}`).SetRoleSid(sdkVal(sv.DefaultChannelCreatorRoleSid)))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sdkVal(alice.Sid))
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"nick":"al"}`)
		sdkWantEqual(t, "role_sid", sdkVal(got.RoleSid), sdkVal(sv.DefaultChannelCreatorRoleSid))
	})

	sdkMember(t, api, service, channel, "carol")
	t.Run("list filters by Identity", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			identities []string
			want       []string
		}{
			{"no filter", nil, []string{"alice", "bob", "carol"}},
			{"one identity", []string{"bob"}, []string{"bob"}},
			{"two identities", []string{"carol", "alice"}, []string{"alice", "carol"}},
			{"unknown identity", []string{"nobody"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := &chatv2.ListMemberParams{}
				if tc.identities != nil {
					p.SetIdentity(tc.identities)
				}
				var got []string
				for _, m := range sdkCall(api.ListMember(service, channel, p)).must(t) {
					got = append(got, sdkVal(m.Identity))
				}
				sdkWantEqual(t, "identities", got, tc.want)
			})
		}
	})

	t.Run("delete by identity", func(t *testing.T) {
		sdkOK(t, api.DeleteMember(service, channel, "carol", nil))
		_, err := api.FetchMember(service, channel, "carol")
		wantSDKError(t, err, 404, 20404)
		sdkWantEqual(t, "members_count", sdkCall(api.FetchChannel(service, channel)).must(t).MembersCount, 2)
	})
}

func TestSDKMessages(t *testing.T) {
	_, api := newSDKHarness(t)
	service := sdkVal(sdkService(t, api).Sid)
	channel := sdkVal(sdkChannel(t, api, service, "talk").Sid)

	first := sdkMessage(t, api, service, "talk", "hello")
	second := sdkCall(api.CreateMessage(service, channel, (&chatv2.CreateMessageParams{}).
		SetBody("hi there").SetFrom("alice").SetAttributes(`{"mood":"happy"}`))).must(t)
	third := sdkMessage(t, api, service, channel, "bye")

	t.Run("create without From is from system", func(t *testing.T) {
		if !strings.HasPrefix(sdkVal(first.Sid), "IM") {
			t.Errorf("sid = %q", sdkVal(first.Sid))
		}
		sdkWantEqual(t, "from", sdkVal(first.From), "system")
		sdkWantEqual(t, "body", sdkVal(first.Body), "hello")
		sdkWantEqual(t, "index", first.Index, 0)
		sdkWantEqual(t, "to", sdkVal(first.To), channel)
		sdkWantEqual(t, "channel_sid", sdkVal(first.ChannelSid), channel)
		sdkWantEqual(t, "type", sdkVal(first.Type), "text")
		sdkWantEqual(t, "was_edited", sdkVal(first.WasEdited), false)
		sdkWantEqual(t, "attributes", sdkVal(first.Attributes), "{}")
	})

	t.Run("create takes From and Attributes and the next index", func(t *testing.T) {
		sdkWantEqual(t, "from", sdkVal(second.From), "alice")
		sdkWantEqual(t, "attributes", sdkVal(second.Attributes), `{"mood":"happy"}`)
		sdkWantEqual(t, "index", second.Index, 1)
		sdkWantEqual(t, "index", third.Index, 2)
		ch := sdkCall(api.FetchChannel(service, channel)).must(t)
		sdkWantEqual(t, "messages_count", ch.MessagesCount, 3)
	})

	t.Run("fetch returns the message", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(api.FetchMessage(service, channel, sdkVal(second.Sid))).must(t), second)
	})

	t.Run("update of the body sets was_edited", func(t *testing.T) {
		got := sdkCall(api.UpdateMessage(service, channel, sdkVal(first.Sid), (&chatv2.UpdateMessageParams{}).SetBody("hello, world"))).must(t)
		sdkWantEqual(t, "body", sdkVal(got.Body), "hello, world")
		sdkWantEqual(t, "was_edited", sdkVal(got.WasEdited), true)
		sdkWantEqual(t, "index", got.Index, 0)
		fetched := sdkCall(api.FetchMessage(service, "talk", sdkVal(first.Sid))).must(t)
		sdkWantEqual(t, "fetched was_edited", sdkVal(fetched.WasEdited), true)
		sdkWantEqual(t, "fetched body", sdkVal(fetched.Body), "hello, world")
	})

	t.Run("list in Order", func(t *testing.T) {
		for _, tc := range []struct {
			order string
			want  []int
		}{
			{"", []int{0, 1, 2}},
			{"asc", []int{0, 1, 2}},
			{"desc", []int{2, 1, 0}},
		} {
			name := tc.order
			if name == "" {
				name = "default is asc"
			}
			t.Run(name, func(t *testing.T) {
				p := &chatv2.ListMessageParams{}
				if tc.order != "" {
					p.SetOrder(tc.order)
				}
				var got []int
				for _, m := range sdkCall(api.ListMessage(service, channel, p)).must(t) {
					got = append(got, m.Index)
				}
				sdkWantEqual(t, "indexes", got, tc.want)
			})
		}
	})

	t.Run("delete removes the message", func(t *testing.T) {
		sdkOK(t, api.DeleteMessage(service, channel, sdkVal(third.Sid), nil))
		_, err := api.FetchMessage(service, channel, sdkVal(third.Sid))
		wantSDKError(t, err, 404, 20404)
		sdkWantEqual(t, "messages_count", sdkCall(api.FetchChannel(service, channel)).must(t).MessagesCount, 2)
	})
}

func TestSDKInvites(t *testing.T) {
	_, api := newSDKHarness(t)
	sv := sdkService(t, api)
	service := sdkVal(sv.Sid)
	channel := sdkVal(sdkChannel(t, api, service, "club").Sid)
	for _, id := range []string{"alice", "bob", "carol"} {
		sdkUser(t, api, service, id)
	}

	alice := sdkCall(api.CreateInvite(service, "club", (&chatv2.CreateInviteParams{}).SetIdentity("alice"))).must(t)
	bob := sdkCall(api.CreateInvite(service, channel, (&chatv2.CreateInviteParams{}).
		SetIdentity("bob").SetRoleSid(sdkVal(sv.DefaultChannelCreatorRoleSid)))).must(t)

	t.Run("create invites with the default channel role", func(t *testing.T) {
		if !strings.HasPrefix(sdkVal(alice.Sid), "IN") {
			t.Errorf("sid = %q", sdkVal(alice.Sid))
		}
		sdkWantEqual(t, "identity", sdkVal(alice.Identity), "alice")
		sdkWantEqual(t, "channel_sid", sdkVal(alice.ChannelSid), channel)
		sdkWantEqual(t, "role_sid", sdkVal(alice.RoleSid), sdkVal(sv.DefaultChannelRoleSid))
		sdkWantEqual(t, "explicit role_sid", sdkVal(bob.RoleSid), sdkVal(sv.DefaultChannelCreatorRoleSid))
	})

	t.Run("fetch returns the invite", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(api.FetchInvite(service, channel, sdkVal(alice.Sid))).must(t), alice)
	})

	t.Run("list filters by Identity", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			identities []string
			want       []string
		}{
			{"no filter", nil, []string{"alice", "bob"}},
			{"one identity", []string{"bob"}, []string{"bob"}},
			{"two identities", []string{"bob", "alice"}, []string{"alice", "bob"}},
			{"not invited", []string{"carol"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := &chatv2.ListInviteParams{}
				if tc.identities != nil {
					p.SetIdentity(tc.identities)
				}
				var got []string
				for _, inv := range sdkCall(api.ListInvite(service, channel, p)).must(t) {
					got = append(got, sdkVal(inv.Identity))
				}
				sdkWantEqual(t, "identities", got, tc.want)
			})
		}
	})

	t.Run("delete removes the invite", func(t *testing.T) {
		sdkOK(t, api.DeleteInvite(service, channel, sdkVal(bob.Sid)))
		_, err := api.FetchInvite(service, channel, sdkVal(bob.Sid))
		wantSDKError(t, err, 404, 20404)
	})
}

func TestSDKUserChannels(t *testing.T) {
	_, api := newSDKHarness(t)
	service := sdkVal(sdkService(t, api).Sid)
	user := sdkUser(t, api, service, "dave")
	one := sdkChannel(t, api, service, "one")
	two := sdkChannel(t, api, service, "two")
	m1 := sdkMember(t, api, service, "one", "dave")
	m2 := sdkMember(t, api, service, "two", "dave")
	for i := 0; i < 5; i++ {
		sdkMessage(t, api, service, "one", fmt.Sprintf("message %d", i))
	}

	t.Run("list returns the joined channels", func(t *testing.T) {
		ucs := sdkCall(api.ListUserChannel(service, "dave", nil)).must(t)
		var got [][3]string
		for _, uc := range ucs {
			got = append(got, [3]string{sdkVal(uc.ChannelSid), sdkVal(uc.MemberSid), sdkVal(uc.Status)})
			sdkWantEqual(t, "user_sid", sdkVal(uc.UserSid), sdkVal(user.Sid))
		}
		sdkWantEqual(t, "channels", got, [][3]string{
			{sdkVal(one.Sid), sdkVal(m1.Sid), "joined"},
			{sdkVal(two.Sid), sdkVal(m2.Sid), "joined"},
		})
	})

	for _, tc := range []struct{ name, user, channel string }{
		{"SIDs", sdkVal(user.Sid), sdkVal(one.Sid)},
		{"identity and unique name", "dave", "one"},
	} {
		t.Run("fetch by "+tc.name, func(t *testing.T) {
			uc := sdkCall(api.FetchUserChannel(service, tc.user, tc.channel)).must(t)
			sdkWantEqual(t, "channel_sid", sdkVal(uc.ChannelSid), sdkVal(one.Sid))
			sdkWantEqual(t, "user_sid", sdkVal(uc.UserSid), sdkVal(user.Sid))
			sdkWantEqual(t, "member_sid", sdkVal(uc.MemberSid), sdkVal(m1.Sid))
			sdkWantEqual(t, "status", sdkVal(uc.Status), "joined")
			sdkWantEqual(t, "notification_level", sdkVal(uc.NotificationLevel), "default")
			if uc.LastConsumedMessageIndex != nil || uc.UnreadMessagesCount != nil {
				t.Errorf("last_consumed_message_index, unread_messages_count = %v, %v; want null before any horizon",
					sdkShow(uc.LastConsumedMessageIndex), sdkShow(uc.UnreadMessagesCount))
			}
		})
	}

	t.Run("update sets NotificationLevel and LastConsumedMessageIndex", func(t *testing.T) {
		for _, tc := range []struct {
			level         string
			index, unread int
		}{
			{"muted", 2, 2},
			{"default", 4, 0},
			{"muted", 0, 4},
		} {
			got := sdkCall(api.UpdateUserChannel(service, "dave", "one", (&chatv2.UpdateUserChannelParams{}).
				SetNotificationLevel(tc.level).SetLastConsumedMessageIndex(tc.index))).must(t)
			for name, uc := range map[string]*chatv2.ChatV2UserChannel{
				"update": got, "fetch": sdkCall(api.FetchUserChannel(service, sdkVal(user.Sid), sdkVal(one.Sid))).must(t),
			} {
				sdkWantEqual(t, name+" notification_level", sdkVal(uc.NotificationLevel), tc.level)
				if uc.LastConsumedMessageIndex == nil || *uc.LastConsumedMessageIndex != tc.index {
					t.Errorf("%s last_consumed_message_index = %v, want %d", name, sdkShow(uc.LastConsumedMessageIndex), tc.index)
				}
				if uc.UnreadMessagesCount == nil || *uc.UnreadMessagesCount != tc.unread {
					t.Errorf("%s unread_messages_count = %v, want %d", name, sdkShow(uc.UnreadMessagesCount), tc.unread)
				}
			}
			m := sdkCall(api.FetchMember(service, "one", "dave")).must(t)
			if m.LastConsumedMessageIndex == nil || *m.LastConsumedMessageIndex != tc.index {
				t.Errorf("member last_consumed_message_index = %v, want %d", sdkShow(m.LastConsumedMessageIndex), tc.index)
			}
		}
	})

	t.Run("delete leaves the channel", func(t *testing.T) {
		sdkWantEqual(t, "members_count before", sdkCall(api.FetchChannel(service, "two")).must(t).MembersCount, 1)
		sdkOK(t, api.DeleteUserChannel(service, "dave", "two", nil))
		sdkWantEqual(t, "members_count after", sdkCall(api.FetchChannel(service, "two")).must(t).MembersCount, 0)
		_, err := api.FetchMember(service, "two", sdkVal(m2.Sid))
		wantSDKError(t, err, 404, 20404)
		_, err = api.FetchUserChannel(service, "dave", "two")
		wantSDKError(t, err, 404, 20404)
		ucs := sdkCall(api.ListUserChannel(service, "dave", nil)).must(t)
		if len(ucs) != 1 || sdkVal(ucs[0].ChannelSid) != sdkVal(one.Sid) {
			t.Errorf("user channels after leaving: %d, want only %s", len(ucs), sdkVal(one.Sid))
		}
		sdkWantEqual(t, "joined_channels_count", sdkCall(api.FetchUser(service, "dave")).must(t).JoinedChannelsCount, 1)
	})
}

// TestSDKPaging lists seven items of every list through the SDK, two per
