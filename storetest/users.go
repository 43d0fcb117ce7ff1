package storetest

import (
	"reflect"
	"slices"
	"testing"

	"github.com/chatd/chatd/model"
)

func testUserIdentity(t *testing.T, e Engine) {
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insUser(1, 1, "alice"))
		return st
	}
	userErr := func(st model.Store, key string) error {
		return viewErr(st, func(tx model.Tx) error { _, err := tx.User(sid("IS", 1), key); return err })
	}

	t.Run("User finds by SID and by identity", func(t *testing.T) {
		st := setup(t)
		for _, key := range []string{sid("US", 1), "alice"} {
			if got := mustUser(t, st, 1, key); got.Sid != sid("US", 1) || got.Identity != "alice" {
				t.Errorf("User(%s) = %s %s, want US 1 alice", key, got.Sid, got.Identity)
			}
		}
		wantNotFound(t, "User(bob)", userErr(st, "bob"))
		wantNotFound(t, "User(US 2)", userErr(st, sid("US", 2)))
	})
	t.Run("a SID wins over an identity that looks like it", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insUser(1, 2, sid("US", 1)), insUser(1, 3, sid("US", 9)))
		if got := mustUser(t, st, 1, sid("US", 1)).Sid; got != sid("US", 1) {
			t.Errorf("User(US 1) = %s, want US 1", got)
		}
		if got := mustUser(t, st, 1, sid("US", 9)).Sid; got != sid("US", 3) {
			t.Errorf("User(identity US 9) = %s, want US 3", got)
		}
	})
	t.Run("InsertUser with a taken identity returns TakenError and writes nothing", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		wantTaken(t, "InsertUser", tryOp(t, st, insUser(1, 2, "alice")), "identity")
		e.wantUnchanged(t, st, before)
		wantNotFound(t, "User(US 2)", userErr(st, sid("US", 2)))
	})
	t.Run("an identity is per service", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insService(2), insUser(2, 2, "alice"))
		if got := mustUser(t, st, 2, "alice").Sid; got != sid("US", 2) {
			t.Errorf("alice in IS 2 = %s, want US 2", got)
		}
	})
	t.Run("PutUser keeps the identity", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, func(tx model.Tx) error {
			u := newUser(1, 1, "mallory")
			u.FriendlyName = ptr("Alice")
			return tx.PutUser(u)
		})
		got := mustUser(t, st, 1, "alice")
		if got.Identity != "alice" || model.Deref(got.FriendlyName) != "Alice" {
			t.Errorf("User(alice) = %s %q, want identity alice named Alice", got.Identity, model.Deref(got.FriendlyName))
		}
		wantNotFound(t, "User(mallory)", userErr(st, "mallory"))
	})
}

func testMemberIdentity(t *testing.T, e Engine) {
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPublic, ""),
			insUser(1, 1, "alice"), insMember(1, 1, 1, 1, "alice"))
		return st
	}
	member := func(t *testing.T, st model.Store, ch int, key string) *model.Member {
		t.Helper()
		return mustRead(t, st, func(tx model.Tx) (*model.Member, error) { return tx.Member(sid("IS", 1), sid("CH", ch), key) })
	}
	memberErr := func(st model.Store, ch int, key string) error {
		return viewErr(st, func(tx model.Tx) error { _, err := tx.Member(sid("IS", 1), sid("CH", ch), key); return err })
	}

	t.Run("Member finds by SID and by identity", func(t *testing.T) {
		st := setup(t)
		for _, key := range []string{sid("MB", 1), "alice"} {
			if got := member(t, st, 1, key); got.Sid != sid("MB", 1) {
				t.Errorf("Member(%s) = %s, want MB 1", key, got.Sid)
			}
		}
		wantNotFound(t, "Member(bob)", memberErr(st, 1, "bob"))
		wantNotFound(t, "Member(alice) in CH 2", memberErr(st, 2, "alice"))
	})
	t.Run("InsertMember with an identity taken in the channel returns TakenError and writes nothing", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		wantTaken(t, "InsertMember", tryOp(t, st, insMember(1, 1, 2, 1, "alice")), "identity")
		e.wantUnchanged(t, st, before)
		wantNotFound(t, "Member(MB 2)", memberErr(st, 1, sid("MB", 2)))
	})
	t.Run("the same identity in another channel is free", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insMember(1, 2, 2, 1, "alice"))
		if got := member(t, st, 2, "alice").Sid; got != sid("MB", 2) {
			t.Errorf("alice in CH 2 = %s, want MB 2", got)
		}
		if got := member(t, st, 1, "alice").Sid; got != sid("MB", 1) {
			t.Errorf("alice in CH 1 = %s, want MB 1", got)
		}
	})
	t.Run("DeleteMember frees the identity", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delMember(1, 1, 1))
		wantNotFound(t, "Member(alice)", memberErr(st, 1, "alice"))
		mustSeed(t, st, insMember(1, 1, 3, 1, "alice"))
		if got := member(t, st, 1, "alice").Sid; got != sid("MB", 3) {
			t.Errorf("alice in CH 1 = %s, want MB 3", got)
		}
	})
	t.Run("PutMember keeps the identity and the user", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, func(tx model.Tx) error {
			m := newMember(1, 1, 1, 9, "mallory")
			m.Attributes = `{"x":1}`
			return tx.PutMember(m)
		})
		got := member(t, st, 1, "alice")
		if got.Identity != "alice" || got.UserSid != sid("US", 1) || got.Attributes != `{"x":1}` {
			t.Errorf("Member(alice) = %+v, want alice of US 1 with the new attributes", got)
		}
		wantNotFound(t, "Member(mallory)", memberErr(st, 1, "mallory"))
	})
}

func testInviteIdentity(t *testing.T, e Engine) {
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPublic, ""),
			insUser(1, 1, "alice"), insInvite(1, 1, 1, 1, "alice"))
		return st
	}
	inviteFor := func(t *testing.T, st model.Store, ch int, identity string) *model.Invite {
		t.Helper()
		return mustRead(t, st, func(tx model.Tx) (*model.Invite, error) {
			return tx.InviteFor(sid("IS", 1), sid("CH", ch), identity)
		})
	}
	inviteForErr := func(st model.Store, ch int, identity string) error {
		return viewErr(st, func(tx model.Tx) error {
			_, err := tx.InviteFor(sid("IS", 1), sid("CH", ch), identity)
			return err
		})
	}

	t.Run("Invite finds by SID and InviteFor by identity", func(t *testing.T) {
		st := setup(t)
		in := mustRead(t, st, func(tx model.Tx) (*model.Invite, error) {
			return tx.Invite(sid("IS", 1), sid("CH", 1), sid("IN", 1))
		})
		if !reflect.DeepEqual(in, newInvite(1, 1, 1, 1, "alice")) {
			t.Errorf("Invite = %+v, want %+v", in, newInvite(1, 1, 1, 1, "alice"))
		}
		if got := inviteFor(t, st, 1, "alice").Sid; got != sid("IN", 1) {
			t.Errorf("InviteFor(alice) = %s, want IN 1", got)
		}
		wantNotFound(t, "InviteFor(bob)", inviteForErr(st, 1, "bob"))
		wantNotFound(t, "InviteFor(alice) in CH 2", inviteForErr(st, 2, "alice"))
		wantNotFound(t, "Invite(IN 1 by identity)", viewErr(st, func(tx model.Tx) error {
			_, err := tx.Invite(sid("IS", 1), sid("CH", 1), "alice")
			return err
		}))
	})
	t.Run("InsertInvite with an identity taken in the channel returns TakenError and writes nothing", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		wantTaken(t, "InsertInvite", tryOp(t, st, insInvite(1, 1, 2, 1, "alice")), "identity")
		e.wantUnchanged(t, st, before)
	})
	t.Run("InsertInvite of a Member's identity returns TakenError and writes nothing", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insUser(1, 2, "bob"), insMember(1, 1, 1, 2, "bob"))
		before := e.state(t, st)
		wantTaken(t, "InsertInvite", tryOp(t, st, insInvite(1, 1, 2, 2, "bob")), "member")
		e.wantUnchanged(t, st, before)
		mustSeed(t, st, insInvite(1, 2, 2, 2, "bob")) // a Member of another channel is free
	})
	t.Run("the same identity in another channel is free", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insInvite(1, 2, 2, 1, "alice"))
		if got := inviteFor(t, st, 2, "alice").Sid; got != sid("IN", 2) {
			t.Errorf("InviteFor(alice) in CH 2 = %s, want IN 2", got)
		}
	})
	t.Run("DeleteInvite frees the identity", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, delInvite(1, 1, 1))
		wantNotFound(t, "InviteFor(alice)", inviteForErr(st, 1, "alice"))
		mustSeed(t, st, insInvite(1, 1, 3, 1, "alice"))
		if got := inviteFor(t, st, 1, "alice").Sid; got != sid("IN", 3) {
			t.Errorf("InviteFor(alice) = %s, want IN 3", got)
		}
	})
}

func testMemberCounts(t *testing.T, e Engine) {
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPublic, ""),
			insUser(1, 1, "alice"), insUser(1, 2, "bob"))
		return st
	}
	counts := func(t *testing.T, st model.Store) (ch1, ch2, alice, bob int) {
		t.Helper()
		return mustChannel(t, st, 1, sid("CH", 1)).MembersCount, mustChannel(t, st, 1, sid("CH", 2)).MembersCount,
			mustUser(t, st, 1, "alice").JoinedChannelsCount, mustUser(t, st, 1, "bob").JoinedChannelsCount
	}
	links := func(t *testing.T, st model.Store, user int) []model.UserChannelLink {
		t.Helper()
		return mustRead(t, st, func(tx model.Tx) ([]model.UserChannelLink, error) {
			return tx.UserChannels(sid("IS", 1), sid("US", user), model.Window{})
		})
	}

	t.Run("InsertMember bumps both counts and links the user", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insMember(1, 1, 1, 1, "alice"))
		if c1, c2, a, b := counts(t, st); c1 != 1 || c2 != 0 || a != 1 || b != 0 {
			t.Errorf("counts CH1=%d CH2=%d alice=%d bob=%d, want 1 0 1 0", c1, c2, a, b)
		}
		want := model.UserChannelLink{ChannelSid: sid("CH", 1), MemberSid: sid("MB", 1)}
		if got := mustLink(t, st, 1, 1, 1); got != want {
			t.Errorf("UserChannel = %+v, want %+v", got, want)
		}
		if got := links(t, st, 1); !slices.Equal(got, []model.UserChannelLink{want}) {
			t.Errorf("UserChannels = %+v, want [%+v]", got, want)
		}
	})
	t.Run("counts add up over channels and users", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insMember(1, 1, 1, 1, "alice"), insMember(1, 2, 2, 1, "alice"), insMember(1, 1, 3, 2, "bob"))
		if c1, c2, a, b := counts(t, st); c1 != 2 || c2 != 1 || a != 2 || b != 1 {
			t.Errorf("counts CH1=%d CH2=%d alice=%d bob=%d, want 2 1 2 1", c1, c2, a, b)
		}
	})
	t.Run("DeleteMember reverses the counts and the link", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insMember(1, 1, 1, 1, "alice"), insMember(1, 2, 2, 1, "alice"), insMember(1, 1, 3, 2, "bob"))
		mustSeed(t, st, delMember(1, 1, 1))
		if c1, c2, a, b := counts(t, st); c1 != 1 || c2 != 1 || a != 1 || b != 1 {
			t.Errorf("counts CH1=%d CH2=%d alice=%d bob=%d, want 1 1 1 1", c1, c2, a, b)
		}
		wantNotFound(t, "UserChannel(alice, CH 1)", viewErr(st, func(tx model.Tx) error {
			_, err := tx.UserChannel(sid("IS", 1), sid("US", 1), sid("CH", 1))
			return err
		}))
		want := []model.UserChannelLink{{ChannelSid: sid("CH", 2), MemberSid: sid("MB", 2)}}
		if got := links(t, st, 1); !slices.Equal(got, want) {
			t.Errorf("UserChannels(alice) = %+v, want %+v", got, want)
		}
	})
	t.Run("a user without links lists none", func(t *testing.T) {
		st := setup(t)
		if got := links(t, st, 2); len(got) != 0 {
			t.Errorf("UserChannels(bob) = %+v, want none", got)
		}
		if got := links(t, st, 9); len(got) != 0 {
			t.Errorf("UserChannels(unknown user) = %+v, want none", got)
		}
	})
}

func testInviteLinks(t *testing.T, e Engine) {
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insUser(1, 1, "alice"))
		return st
	}
	linkErr := func(st model.Store) error {
		return viewErr(st, func(tx model.Tx) error {
			_, err := tx.UserChannel(sid("IS", 1), sid("US", 1), sid("CH", 1))
			return err
		})
	}
	member := model.UserChannelLink{ChannelSid: sid("CH", 1), MemberSid: sid("MB", 1)}
	invite := model.UserChannelLink{ChannelSid: sid("CH", 1), InviteSid: sid("IN", 1)}
	both := model.UserChannelLink{ChannelSid: sid("CH", 1), MemberSid: sid("MB", 1), InviteSid: sid("IN", 1)}

	t.Run("InsertInvite links the user without counting a membership", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insInvite(1, 1, 1, 1, "alice"))
		if got := mustLink(t, st, 1, 1, 1); got != invite {
			t.Errorf("UserChannel = %+v, want %+v", got, invite)
		}
		if n := mustChannel(t, st, 1, sid("CH", 1)).MembersCount; n != 0 {
			t.Errorf("MembersCount = %d, want 0", n)
		}
		if n := mustUser(t, st, 1, "alice").JoinedChannelsCount; n != 0 {
			t.Errorf("JoinedChannelsCount = %d, want 0", n)
		}
	})
	t.Run("DeleteInvite removes the link", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, insInvite(1, 1, 1, 1, "alice"))
		mustSeed(t, st, delInvite(1, 1, 1))
		wantNotFound(t, "UserChannel", linkErr(st))
		wantNotFound(t, "Invite", viewErr(st, func(tx model.Tx) error {
			_, err := tx.Invite(sid("IS", 1), sid("CH", 1), sid("IN", 1))
			return err
		}))
	})

	orders := []struct {
		name        string
		first, then op
		left        model.UserChannelLink
	}{
		{"member deleted first", delMember(1, 1, 1), delInvite(1, 1, 1), invite},
		{"invite deleted first", delInvite(1, 1, 1), delMember(1, 1, 1), member},
	}
	for _, tc := range orders {
		t.Run("a link with a member and an invite goes when both are gone, "+tc.name, func(t *testing.T) {
			st := setup(t)
			mustSeed(t, st, insInvite(1, 1, 1, 1, "alice"), insMember(1, 1, 1, 1, "alice"))
			if got := mustLink(t, st, 1, 1, 1); got != both {
				t.Errorf("UserChannel = %+v, want %+v", got, both)
			}
			mustSeed(t, st, tc.first)
			if got := mustLink(t, st, 1, 1, 1); got != tc.left {
				t.Errorf("after the first delete UserChannel = %+v, want %+v", got, tc.left)
			}
			mustSeed(t, st, tc.then)
			wantNotFound(t, "UserChannel after both deletes", linkErr(st))
		})
	}
}

func testDeleteUserTree(t *testing.T, e Engine) {
	st := e.open(t)
	mustSeed(t, st, insService(1),
		insUser(1, 1, "alice"), insUser(1, 2, "bob"),
		insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPublic, ""), insChannel(1, 3, model.ChannelPublic, ""),
		insInvite(1, 3, 1, 1, "alice"), insInvite(1, 3, 2, 2, "bob"), insInvite(1, 1, 3, 1, "alice"),
		insMember(1, 1, 1, 1, "alice"), insMember(1, 2, 2, 1, "alice"), insMember(1, 1, 3, 2, "bob"),
	)
	mustSeed(t, st, delUser(1, 1))
	svc := sid("IS", 1)

	t.Run("the user is gone by SID and by identity", func(t *testing.T) {
		for _, key := range []string{sid("US", 1), "alice"} {
			wantNotFound(t, "User("+key+")", viewErr(st, func(tx model.Tx) error { _, err := tx.User(svc, key); return err }))
		}
		us := mustRead(t, st, func(tx model.Tx) ([]*model.User, error) { return tx.Users(svc, model.Window{}) })
		if got := sids(us, func(u *model.User) string { return u.Sid }); !slices.Equal(got, []string{sid("US", 2)}) {
			t.Errorf("Users = %v, want only US 2", got)
		}
	})
	t.Run("its memberships are gone and the channels' MembersCount drops", func(t *testing.T) {
		for ch, want := range map[int]int{1: 1, 2: 0, 3: 0} {
			if got := mustChannel(t, st, 1, sid("CH", ch)).MembersCount; got != want {
				t.Errorf("CH %d MembersCount = %d, want %d", ch, got, want)
			}
		}
		for _, key := range []string{"alice", sid("MB", 1)} {
			wantNotFound(t, "Member("+key+")", viewErr(st, func(tx model.Tx) error {
				_, err := tx.Member(svc, sid("CH", 1), key)
				return err
			}))
		}
		ms := mustRead(t, st, func(tx model.Tx) ([]*model.Member, error) { return tx.Members(svc, sid("CH", 1), model.Window{}) })
		if got := sids(ms, func(m *model.Member) string { return m.Sid }); !slices.Equal(got, []string{sid("MB", 3)}) {
			t.Errorf("CH 1 members = %v, want [MB 3]", got)
		}
	})
	t.Run("its invites are gone", func(t *testing.T) {
		wantNotFound(t, "InviteFor(alice)", viewErr(st, func(tx model.Tx) error {
			_, err := tx.InviteFor(svc, sid("CH", 3), "alice")
			return err
		}))
		for ch, invites := range map[int][]string{1: nil, 3: {sid("IN", 2)}} {
			is := mustRead(t, st, func(tx model.Tx) ([]*model.Invite, error) { return tx.Invites(svc, sid("CH", ch), model.Window{}) })
			if got := sids(is, func(in *model.Invite) string { return in.Sid }); !slices.Equal(got, invites) {
				t.Errorf("CH %d invites = %v, want %v", ch, got, invites)
			}
		}
	})
	t.Run("its links are gone", func(t *testing.T) {
		ls := mustRead(t, st, func(tx model.Tx) ([]model.UserChannelLink, error) {
			return tx.UserChannels(svc, sid("US", 1), model.Window{})
		})
		if len(ls) != 0 {
			t.Errorf("UserChannels(alice) = %+v, want none", ls)
		}
	})
	t.Run("other users are untouched", func(t *testing.T) {
		if n := mustUser(t, st, 1, "bob").JoinedChannelsCount; n != 1 {
			t.Errorf("bob JoinedChannelsCount = %d, want 1", n)
		}
		ls := mustRead(t, st, func(tx model.Tx) ([]model.UserChannelLink, error) {
			return tx.UserChannels(svc, sid("US", 2), model.Window{})
		})
		want := []model.UserChannelLink{
			{ChannelSid: sid("CH", 1), MemberSid: sid("MB", 3)},
			{ChannelSid: sid("CH", 3), InviteSid: sid("IN", 2)},
		}
		if !slices.Equal(ls, want) {
			t.Errorf("UserChannels(bob) = %+v, want %+v", ls, want)
		}
	})
	t.Run("the identities are free", func(t *testing.T) {
		mustSeed(t, st, insUser(1, 4, "alice"), insMember(1, 1, 4, 4, "alice"), insInvite(1, 3, 4, 4, "alice"))
		if got := mustUser(t, st, 1, "alice"); got.Sid != sid("US", 4) || got.JoinedChannelsCount != 1 {
			t.Errorf("new alice = %+v, want US 4 with 1 joined channel", got)
		}
	})
	t.Run("deleting it again is not found", func(t *testing.T) {
		wantNotFound(t, "DeleteUserTree", tryOp(t, st, delUser(1, 1)))
	})
}
