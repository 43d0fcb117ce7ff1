package server_test

// The Channels, Members, Messages, Invites and User Channels groups of
// TestSDKV1Operations.

import (
	"testing"

	chatv1 "github.com/twilio/twilio-go/rest/chat/v1"
)

func testV1Channels(t *testing.T, e *v1Env) {
	service := sdkVal(e.service(t, "channels").Sid)
	ch := e.channel(t, service, (&chatv1.CreateChannelParams{}).
		SetFriendlyName("General").SetUniqueName("general").SetAttributes(`{"topic":"news"}`).SetType("private"))
	sid := sdkVal(ch.Sid)

	e.run(t, "create takes every parameter including Type", func(t *testing.T) {
		wantSid(t, "sid", sid, "CH")
		sdkWantEqual(t, "account_sid", sdkVal(ch.AccountSid), testAccount)
		sdkWantEqual(t, "service_sid", sdkVal(ch.ServiceSid), service)
		sdkWantEqual(t, "friendly_name", sdkVal(ch.FriendlyName), "General")
		sdkWantEqual(t, "unique_name", sdkVal(ch.UniqueName), "general")
		sdkWantEqual(t, "attributes", sdkVal(ch.Attributes), `{"topic":"news"}`)
		sdkWantEqual(t, "type", sdkVal(ch.Type), "private")
		sdkWantEqual(t, "created_by", sdkVal(ch.CreatedBy), "system")
		sdkWantEqual(t, "members_count", ch.MembersCount, 0)
		sdkWantEqual(t, "messages_count", ch.MessagesCount, 0)
		sdkWantEqual(t, "url", sdkVal(ch.Url), e.v1URL("/Services/"+service+"/Channels/"+sid))
		// v1 links have no webhooks.
		u := e.v1URL("/Services/" + service + "/Channels/" + sid)
		sdkWantEqual(t, "links", sdkVal(ch.Links), map[string]any{
			"members": u + "/Members", "messages": u + "/Messages", "invites": u + "/Invites", "last_message": nil,
		})
		if ch.DateCreated == nil || ch.DateUpdated == nil {
			t.Errorf("dates = %s, %s", sdkShow(ch.DateCreated), sdkShow(ch.DateUpdated))
		}
	})

	e.run(t, "create without parameters is a public channel by system", func(t *testing.T) {
		got := e.channel(t, service, nil)
		sdkWantEqual(t, "type", sdkVal(got.Type), "public")
		sdkWantEqual(t, "created_by", sdkVal(got.CreatedBy), "system")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), "{}")
		if got.UniqueName != nil || got.FriendlyName != nil {
			t.Errorf("unique_name, friendly_name = %s, %s; want null", sdkShow(got.UniqueName), sdkShow(got.FriendlyName))
		}
		sdkOK(t, e.v1.DeleteChannel(service, sdkVal(got.Sid)))
	})

	for _, key := range []struct{ name, key string }{{"SID", sid}, {"unique name", "general"}} {
		e.run(t, "fetch by "+key.name+" gives the attributes", func(t *testing.T) {
			sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchChannel(service, key.key)).must(t), ch)
		})
	}

	e.run(t, "list filters by Type and gives assigned attributes as null", func(t *testing.T) {
		pub := e.channel(t, service, (&chatv1.CreateChannelParams{}).SetType("public").SetAttributes(`{"a":1}`))
		priv := e.channel(t, service, (&chatv1.CreateChannelParams{}).SetType("private"))
		all := []string{sid, sdkVal(pub.Sid), sdkVal(priv.Sid)}
		for _, tc := range []struct {
			name  string
			types []string
			want  []string
		}{
			{"no Type lists public channels", nil, []string{sdkVal(pub.Sid)}},
			{"public", []string{"public"}, []string{sdkVal(pub.Sid)}},
			{"private", []string{"private"}, []string{sid, sdkVal(priv.Sid)}},
			{"public and private", []string{"public", "private"}, all},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				p := &chatv1.ListChannelParams{}
				if tc.types != nil {
					p.SetType(tc.types)
				}
				got := sdkCall(e.v1.ListChannel(service, p)).must(t)
				raw := items(e.last(t))
				sdkWantEqual(t, "sids", sdkKeys(got, func(c chatv1.ChatV1Channel) string { return sdkVal(c.Sid) }), tc.want)
				for i, c := range got {
					fetched := sdkVal(sdkCall(e.v2.FetchChannel(service, sdkVal(c.Sid))).must(t).Attributes)
					wantV1ListAttributes(t, "listed channel "+sdkVal(c.Sid), c.Attributes, raw[i], fetched)
					if sdkVal(c.Sid) == sid && (sdkVal(c.UniqueName) != "general" || sdkVal(c.Type) != "private") {
						t.Errorf("listed general: unique_name %s, type %s", sdkShow(c.UniqueName), sdkShow(c.Type))
					}
				}
			})
		}
		sdkOK(t, e.v1.DeleteChannel(service, sdkVal(pub.Sid)))
		sdkOK(t, e.v1.DeleteChannel(service, sdkVal(priv.Sid)))
	})

	e.run(t, "update sets name, unique name and attributes", func(t *testing.T) {
		got := sdkCall(e.v1.UpdateChannel(service, sid, (&chatv1.UpdateChannelParams{}).
			SetFriendlyName("Lobby").SetUniqueName("lobby").SetAttributes(`{"topic":"sports"}`))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sid)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "Lobby")
		sdkWantEqual(t, "unique_name", sdkVal(got.UniqueName), "lobby")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"topic":"sports"}`)
		sdkWantEqual(t, "type", sdkVal(got.Type), "private")
		sdkWantEqual(t, "created_by", sdkVal(got.CreatedBy), "system")
		sdkWantEqual(t, "fetched by new name", sdkCall(e.v1.FetchChannel(service, "lobby")).must(t), got)
		_, err := e.v1.FetchChannel(service, "general")
		wantSDKError(t, err, 404, 20404)
	})

	e.run(t, "delete removes the channel", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteChannel(service, sid))
		for _, key := range []string{sid, "lobby"} {
			_, err := e.v1.FetchChannel(service, key)
			wantSDKError(t, err, 404, 20404)
		}
		sdkWantEqual(t, "channels left", len(sdkCall(e.v1.ListChannel(service, nil)).must(t)), 0)
	})
}

func testV1Members(t *testing.T, e *v1Env) {
	sv := e.service(t, "members")
	service := sdkVal(sv.Sid)
	channel := sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName("room")).Sid)
	aliceUser := sdkVal(e.user(t, service, "alice").Sid)
	alice := e.member(t, service, channel, "alice")
	rawAlice := e.last(t)
	creator := sdkVal(sv.DefaultChannelCreatorRoleSid)

	e.run(t, "create defaults RoleSid to the default channel role", func(t *testing.T) {
		wantSid(t, "sid", sdkVal(alice.Sid), "MB")
		sdkWantEqual(t, "account_sid", sdkVal(alice.AccountSid), testAccount)
		sdkWantEqual(t, "service_sid", sdkVal(alice.ServiceSid), service)
		sdkWantEqual(t, "channel_sid", sdkVal(alice.ChannelSid), channel)
		sdkWantEqual(t, "identity", sdkVal(alice.Identity), "alice")
		sdkWantEqual(t, "role_sid", sdkVal(alice.RoleSid), sdkVal(sv.DefaultChannelRoleSid))
		if alice.LastConsumedMessageIndex != nil || alice.LastConsumptionTimestamp != nil {
			t.Errorf("horizon = %s, %s; want null", sdkShow(alice.LastConsumedMessageIndex), sdkShow(alice.LastConsumptionTimestamp))
		}
		sdkWantEqual(t, "url", sdkVal(alice.Url), e.v1URL("/Services/"+service+"/Channels/"+channel+"/Members/"+sdkVal(alice.Sid)))
		wantAbsent(t, "v1 member", rawAlice, "attributes")
	})

	e.run(t, "create takes a RoleSid and makes the user of a new identity", func(t *testing.T) {
		bob := sdkCall(e.v1.CreateMember(service, "room", (&chatv1.CreateMemberParams{}).
			SetIdentity("bob").SetRoleSid(creator))).must(t)
		sdkWantEqual(t, "role_sid", sdkVal(bob.RoleSid), creator)
		u := sdkCall(e.v1.FetchUser(service, "bob")).must(t)
		sdkWantEqual(t, "user role_sid", sdkVal(u.RoleSid), sdkVal(sv.DefaultServiceRoleSid))
		sdkWantEqual(t, "joined_channels_count", u.JoinedChannelsCount, 1)
		sdkWantEqual(t, "members_count", sdkCall(e.v1.FetchChannel(service, channel)).must(t).MembersCount, 2)
	})

	e.run(t, "fetch returns the member without attributes", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchMember(service, channel, sdkVal(alice.Sid))).must(t), alice)
		wantAbsent(t, "fetched v1 member", e.last(t), "attributes")
	})

	e.member(t, service, channel, "carol")
	e.run(t, "list filters by Identity", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			identities []string
			want       []string
		}{
			{"no filter", nil, []string{"alice", "bob", "carol"}},
			{"one identity", []string{"bob"}, []string{"bob"}},
			{"two identities in creation order", []string{"carol", "alice"}, []string{"alice", "carol"}},
			{"unknown identity", []string{"nobody"}, nil},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				p := &chatv1.ListMemberParams{}
				if tc.identities != nil {
					p.SetIdentity(tc.identities)
				}
				got := sdkCall(e.v1.ListMember(service, channel, p)).must(t)
				sdkWantEqual(t, "identities", sdkKeys(got, func(m chatv1.ChatV1Member) string { return sdkVal(m.Identity) }), tc.want)
				for _, it := range items(e.last(t)) {
					wantAbsent(t, "listed v1 member", it, "attributes")
				}
			})
		}
	})

	e.run(t, "update sets RoleSid and LastConsumedMessageIndex", func(t *testing.T) {
		for _, body := range []string{"one", "two", "three"} {
			e.message(t, service, channel, body)
		}
		got := sdkCall(e.v1.UpdateMember(service, channel, sdkVal(alice.Sid), (&chatv1.UpdateMemberParams{}).
			SetRoleSid(creator).SetLastConsumedMessageIndex(1))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sdkVal(alice.Sid))
		sdkWantEqual(t, "role_sid", sdkVal(got.RoleSid), creator)
		sdkWantEqual(t, "last_consumed_message_index", sdkShow(got.LastConsumedMessageIndex), "1")
		wantAbsent(t, "updated v1 member", e.last(t), "attributes")
		fetched := sdkCall(e.v1.FetchMember(service, channel, sdkVal(alice.Sid))).must(t)
		sdkWantEqual(t, "fetched", fetched, got)
		ucs := sdkCall(e.v1.ListUserChannel(service, aliceUser, nil)).must(t)
		if len(ucs) != 1 || sdkShow(ucs[0].UnreadMessagesCount) != "1" || sdkShow(ucs[0].LastConsumedMessageIndex) != "1" {
			t.Errorf("user channels = %+v, want one with horizon 1 and 1 unread", ucs)
		}
	})

	e.run(t, "update of RoleSid alone keeps the horizon", func(t *testing.T) {
		got := sdkCall(e.v1.UpdateMember(service, channel, sdkVal(alice.Sid), (&chatv1.UpdateMemberParams{}).
			SetRoleSid(sdkVal(sv.DefaultChannelRoleSid)))).must(t)
		sdkWantEqual(t, "role_sid", sdkVal(got.RoleSid), sdkVal(sv.DefaultChannelRoleSid))
		sdkWantEqual(t, "last_consumed_message_index", sdkShow(got.LastConsumedMessageIndex), "1")
	})

	e.run(t, "delete removes the member", func(t *testing.T) {
		carol := sdkCall(e.v1.ListMember(service, channel, (&chatv1.ListMemberParams{}).SetIdentity([]string{"carol"}))).must(t)
		if len(carol) != 1 {
			t.Fatalf("carol listed %d times", len(carol))
		}
		sdkOK(t, e.v1.DeleteMember(service, channel, sdkVal(carol[0].Sid)))
		_, err := e.v1.FetchMember(service, channel, sdkVal(carol[0].Sid))
		wantSDKError(t, err, 404, 20404)
		sdkWantEqual(t, "members_count", sdkCall(e.v1.FetchChannel(service, channel)).must(t).MembersCount, 2)
		sdkWantEqual(t, "carol's joined_channels_count", sdkCall(e.v1.FetchUser(service, "carol")).must(t).JoinedChannelsCount, 0)
	})
}

func testV1Messages(t *testing.T, e *v1Env) {
	service := sdkVal(e.service(t, "messages").Sid)
	channel := sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName("talk")).Sid)

	first := e.message(t, service, "talk", "hello")
	rawFirst := e.last(t)
	second := sdkCall(e.v1.CreateMessage(service, channel, (&chatv1.CreateMessageParams{}).
		SetBody("hi there").SetFrom("alice").SetAttributes(`{"mood":"happy"}`))).must(t)
	third := e.message(t, service, channel, "bye")

	e.run(t, "create without From is from system at index 0", func(t *testing.T) {
		wantSid(t, "sid", sdkVal(first.Sid), "IM")
		sdkWantEqual(t, "account_sid", sdkVal(first.AccountSid), testAccount)
		sdkWantEqual(t, "service_sid", sdkVal(first.ServiceSid), service)
		sdkWantEqual(t, "from", sdkVal(first.From), "system")
		sdkWantEqual(t, "body", sdkVal(first.Body), "hello")
		sdkWantEqual(t, "index", first.Index, 0)
		sdkWantEqual(t, "to", sdkVal(first.To), channel)
		sdkWantEqual(t, "channel_sid", sdkVal(first.ChannelSid), channel)
		sdkWantEqual(t, "was_edited", sdkVal(first.WasEdited), false)
		sdkWantEqual(t, "attributes", sdkVal(first.Attributes), "{}")
		sdkWantEqual(t, "url", sdkVal(first.Url), e.v1URL("/Services/"+service+"/Channels/"+channel+"/Messages/"+sdkVal(first.Sid)))
		if first.DateCreated == nil || first.DateUpdated == nil {
			t.Errorf("dates = %s, %s", sdkShow(first.DateCreated), sdkShow(first.DateUpdated))
		}
	})

	e.run(t, "a v1 message has no type, media or last_updated_by", func(t *testing.T) {
		wantAbsent(t, "created v1 message", rawFirst, "type", "media", "last_updated_by")
		sdkCall(e.v1.FetchMessage(service, channel, sdkVal(first.Sid))).must(t)
		wantAbsent(t, "fetched v1 message", e.last(t), "type", "media", "last_updated_by")
	})

	e.run(t, "create takes Body, From and Attributes and the next index", func(t *testing.T) {
		sdkWantEqual(t, "body", sdkVal(second.Body), "hi there")
		sdkWantEqual(t, "from", sdkVal(second.From), "alice")
		sdkWantEqual(t, "attributes", sdkVal(second.Attributes), `{"mood":"happy"}`)
		sdkWantEqual(t, "indexes", []int{second.Index, third.Index}, []int{1, 2})
		ch := sdkCall(e.v1.FetchChannel(service, channel)).must(t)
		sdkWantEqual(t, "messages_count", ch.MessagesCount, 3)
		sdkWantEqual(t, "links.last_message", sdkVal(ch.Links)["last_message"], any(sdkVal(third.Url)))
	})

	e.run(t, "fetch returns the message", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchMessage(service, "talk", sdkVal(second.Sid))).must(t), second)
	})

	e.run(t, "list in Order", func(t *testing.T) {
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
			e.run(t, name, func(t *testing.T) {
				p := &chatv1.ListMessageParams{}
				if tc.order != "" {
					p.SetOrder(tc.order)
				}
				got := sdkCall(e.v1.ListMessage(service, channel, p)).must(t)
				raw := items(e.last(t))
				sdkWantEqual(t, "indexes", v1Indexes(got), tc.want)
				for i, m := range got {
					if m.Index == 1 {
						// Assigned attributes are null in a v1 list.
						wantV1ListAttributes(t, "listed second", m.Attributes, raw[i], sdkVal(second.Attributes))
						want := *second
						want.Attributes = nil
						sdkWantEqual(t, "listed second", m, want)
					}
				}
				for _, it := range raw {
					wantAbsent(t, "listed v1 message", it, "type", "media", "last_updated_by")
				}
			})
		}
	})

	e.run(t, "update sets Body and Attributes and was_edited", func(t *testing.T) {
		got := sdkCall(e.v1.UpdateMessage(service, channel, sdkVal(first.Sid), (&chatv1.UpdateMessageParams{}).
			SetBody("hello, world").SetAttributes(`{"edited":true}`))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sdkVal(first.Sid))
		sdkWantEqual(t, "body", sdkVal(got.Body), "hello, world")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"edited":true}`)
		sdkWantEqual(t, "was_edited", sdkVal(got.WasEdited), true)
		sdkWantEqual(t, "index", got.Index, 0)
		sdkWantEqual(t, "from", sdkVal(got.From), "system")
		wantAbsent(t, "updated v1 message", e.last(t), "type", "media", "last_updated_by")
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchMessage(service, channel, sdkVal(first.Sid))).must(t), got)
	})

	e.run(t, "update of the attributes alone keeps the body", func(t *testing.T) {
		got := sdkCall(e.v1.UpdateMessage(service, channel, sdkVal(second.Sid), (&chatv1.UpdateMessageParams{}).
			SetAttributes(`{"mood":"calm"}`))).must(t)
		sdkWantEqual(t, "body", sdkVal(got.Body), "hi there")
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"mood":"calm"}`)
	})

	e.run(t, "delete removes the message and keeps the other indexes", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteMessage(service, channel, sdkVal(second.Sid)))
		_, err := e.v1.FetchMessage(service, channel, sdkVal(second.Sid))
		wantSDKError(t, err, 404, 20404)
		got := sdkCall(e.v1.ListMessage(service, channel, nil)).must(t)
		sdkWantEqual(t, "indexes", v1Indexes(got), []int{0, 2})
		sdkWantEqual(t, "next index", e.message(t, service, channel, "after").Index, 3)
	})
}

func testV1Invites(t *testing.T, e *v1Env) {
	sv := e.service(t, "invites")
	service := sdkVal(sv.Sid)
	channel := sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName("club").SetType("private")).Sid)
	for _, id := range []string{"guest-a", "guest-b", "guest-c"} {
		e.user(t, service, id)
	}
	creator := sdkVal(sv.DefaultChannelCreatorRoleSid)

	a := sdkCall(e.v1.CreateInvite(service, channel, (&chatv1.CreateInviteParams{}).SetIdentity("guest-a"))).must(t)
	b := sdkCall(e.v1.CreateInvite(service, channel, (&chatv1.CreateInviteParams{}).SetIdentity("guest-b").SetRoleSid(creator))).must(t)
	c := sdkCall(e.v1.CreateInvite(service, channel, (&chatv1.CreateInviteParams{}).SetIdentity("guest-c"))).must(t)

	e.run(t, "create defaults RoleSid to the default channel role", func(t *testing.T) {
		wantSid(t, "sid", sdkVal(a.Sid), "IN")
		sdkWantEqual(t, "account_sid", sdkVal(a.AccountSid), testAccount)
		sdkWantEqual(t, "service_sid", sdkVal(a.ServiceSid), service)
		sdkWantEqual(t, "channel_sid", sdkVal(a.ChannelSid), channel)
		sdkWantEqual(t, "identity", sdkVal(a.Identity), "guest-a")
		sdkWantEqual(t, "role_sid", sdkVal(a.RoleSid), sdkVal(sv.DefaultChannelRoleSid))
		if a.CreatedBy != nil {
			t.Errorf("created_by = %s, want null for an invite made through the REST API", *a.CreatedBy)
		}
		sdkWantEqual(t, "url", sdkVal(a.Url), e.v1URL("/Services/"+service+"/Channels/"+channel+"/Invites/"+sdkVal(a.Sid)))
		if a.DateCreated == nil || a.DateUpdated == nil {
			t.Errorf("dates = %s, %s", sdkShow(a.DateCreated), sdkShow(a.DateUpdated))
		}
	})

	e.run(t, "create takes a RoleSid", func(t *testing.T) {
		sdkWantEqual(t, "role_sid", sdkVal(b.RoleSid), creator)
		sdkWantEqual(t, "channel_sid", sdkVal(b.ChannelSid), channel)
	})

	e.run(t, "fetch returns the invite", func(t *testing.T) {
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchInvite(service, channel, sdkVal(b.Sid))).must(t), b)
	})

	e.run(t, "list filters by Identity", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			identities []string
			want       []string
		}{
			{"no filter", nil, []string{sdkVal(a.Sid), sdkVal(b.Sid), sdkVal(c.Sid)}},
			{"one identity", []string{"guest-b"}, []string{sdkVal(b.Sid)}},
			{"two identities in creation order", []string{"guest-c", "guest-a"}, []string{sdkVal(a.Sid), sdkVal(c.Sid)}},
			{"unknown identity", []string{"nobody"}, nil},
		} {
			e.run(t, tc.name, func(t *testing.T) {
				p := &chatv1.ListInviteParams{}
				if tc.identities != nil {
					p.SetIdentity(tc.identities)
				}
				got := sdkCall(e.v1.ListInvite(service, channel, p)).must(t)
				sdkWantEqual(t, "sids", sdkKeys(got, func(i chatv1.ChatV1Invite) string { return sdkVal(i.Sid) }), tc.want)
				for _, inv := range got {
					if sdkVal(inv.Sid) == sdkVal(b.Sid) {
						sdkWantEqual(t, "listed guest-b", inv, *b)
					}
				}
			})
		}
	})

	e.run(t, "delete removes the invite", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteInvite(service, channel, sdkVal(c.Sid)))
		_, err := e.v1.FetchInvite(service, channel, sdkVal(c.Sid))
		wantSDKError(t, err, 404, 20404)
		got := sdkCall(e.v1.ListInvite(service, channel, (&chatv1.ListInviteParams{}).SetIdentity([]string{"guest-c"}))).must(t)
		sdkWantEqual(t, "guest-c's invites", len(got), 0)
	})

	e.run(t, "joining consumes the invite", func(t *testing.T) {
		e.member(t, service, channel, "guest-a")
		_, err := e.v1.FetchInvite(service, channel, sdkVal(a.Sid))
		wantSDKError(t, err, 404, 20404)
		got := sdkCall(e.v1.ListInvite(service, channel, nil)).must(t)
		sdkWantEqual(t, "invites left", sdkKeys(got, func(i chatv1.ChatV1Invite) string { return sdkVal(i.Sid) }), []string{sdkVal(b.Sid)})
	})
}

func testV1UserChannels(t *testing.T, e *v1Env) {
	service := sdkVal(e.service(t, "user channels").Sid)
	dana := e.user(t, service, "dana")
	user := sdkVal(dana.Sid)
	var chs []string
	for _, name := range []string{"one", "two", "three"} {
		chs = append(chs, sdkVal(e.channel(t, service, (&chatv1.CreateChannelParams{}).SetUniqueName(name)).Sid))
	}
	m1 := e.member(t, service, chs[0], "dana")
	m2 := e.member(t, service, chs[1], "dana")
	sdkCall(e.v1.CreateInvite(service, chs[2], (&chatv1.CreateInviteParams{}).SetIdentity("dana"))).must(t)

	e.run(t, "list gives the joined and the invited channels", func(t *testing.T) {
		got := sdkCall(e.v1.ListUserChannel(service, user, nil)).must(t)
		if len(got) != 3 {
			t.Fatalf("%d user channels, want 3: %+v", len(got), got)
		}
		for i, tc := range []struct {
			status string
			member *chatv1.ChatV1Member
		}{{"joined", m1}, {"joined", m2}, {"invited", nil}} {
			uc := got[i]
			sdkWantEqual(t, "account_sid", sdkVal(uc.AccountSid), testAccount)
			sdkWantEqual(t, "service_sid", sdkVal(uc.ServiceSid), service)
			sdkWantEqual(t, "channel_sid", sdkVal(uc.ChannelSid), chs[i])
			sdkWantEqual(t, "status", sdkVal(uc.Status), tc.status)
			chURL := e.v1URL("/Services/" + service + "/Channels/" + chs[i])
			if tc.member == nil {
				if uc.MemberSid != nil {
					t.Errorf("invited channel: member_sid = %s, want null", *uc.MemberSid)
				}
				sdkWantEqual(t, "links", sdkVal(uc.Links), map[string]any{"channel": chURL, "member": nil})
				continue
			}
			sdkWantEqual(t, "member_sid", sdkVal(uc.MemberSid), sdkVal(tc.member.Sid))
			sdkWantEqual(t, "links", sdkVal(uc.Links), map[string]any{"channel": chURL, "member": sdkVal(tc.member.Url)})
			if uc.LastConsumedMessageIndex != nil || uc.UnreadMessagesCount != nil {
				t.Errorf("channel %d: horizon %s, unread %s; want null before any horizon", i,
					sdkShow(uc.LastConsumedMessageIndex), sdkShow(uc.UnreadMessagesCount))
			}
		}
		for _, it := range items(e.last(t)) {
			wantAbsent(t, "v1 user channel", it, "url", "user_sid", "notification_level")
		}
	})

	e.run(t, "the member's horizon gives the unread count", func(t *testing.T) {
		for _, body := range []string{"a", "b", "c"} {
			e.message(t, service, chs[0], body)
		}
		sdkCall(e.v1.UpdateMember(service, chs[0], sdkVal(m1.Sid), (&chatv1.UpdateMemberParams{}).SetLastConsumedMessageIndex(0))).must(t)
		got := sdkCall(e.v1.ListUserChannel(service, user, nil)).must(t)
		if len(got) == 0 {
			t.Fatal("no user channels")
		}
		sdkWantEqual(t, "last_consumed_message_index", sdkShow(got[0].LastConsumedMessageIndex), "0")
		sdkWantEqual(t, "unread_messages_count", sdkShow(got[0].UnreadMessagesCount), "2")
	})

	e.run(t, "leaving a channel drops it from the list", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteMember(service, chs[1], sdkVal(m2.Sid)))
		got := sdkCall(e.v1.ListUserChannel(service, user, nil)).must(t)
		sdkWantEqual(t, "channels", sdkKeys(got, func(uc chatv1.ChatV1UserChannel) string { return sdkVal(uc.ChannelSid) }),
			[]string{chs[0], chs[2]})
	})
}

// v1Indexes returns the indexes of listed messages.
func v1Indexes(msgs []chatv1.ChatV1Message) []int {
	var out []int
	for _, m := range msgs {
		out = append(out, m.Index)
	}
	return out
}

// wantV1ListAttributes checks a v1 list item's attributes against what a
// fetch gives: Twilio's v1 lists show attributes while they are unset ("{}")
// and null once assigned.
func wantV1ListAttributes(t *testing.T, what string, decoded *string, raw map[string]any, fetched string) {
	t.Helper()
	if fetched == "{}" {
		if decoded == nil || *decoded != "{}" || raw["attributes"] != "{}" {
			t.Errorf("%s: unset attributes listed as %s (raw %v), want \"{}\"", what, sdkShow(decoded), raw["attributes"])
		}
		return
	}
	if decoded != nil {
		t.Errorf("%s: assigned attributes listed as %s, want null in a v1 list", what, *decoded)
	}
	wantNull(t, what, raw, "attributes")
}
