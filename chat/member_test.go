package chat

import (
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// TestMembershipClashes checks the codes of a second membership or
// invitation of an identity, which the store's uniqueness decides, and that
// they come before the limits, whose failure writes nothing.
func TestMembershipClashes(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		// setup is a Service whose limits are one member per Channel and one
		// Channel per User, with alice the Member of ch.
		setup := func(t *testing.T) (*rig, *model.Service, *model.Channel) {
			r := e.rig(t)
			s := r.service(t)
			one := 1
			if _, err := r.UpdateService(t.Context(), s.Sid, model.ServiceUpdate{LimitsChannelMembers: &one, LimitsUserChannels: &one}); err != nil {
				t.Fatal(err)
			}
			s, err := r.FindService(t.Context(), s.Sid)
			noErr(t, err)
			ch := r.channel(t, s.Sid)
			r.member(t, s.Sid, ch.Sid, "alice")
			return r, s, ch
		}
		t.Run("a Member added again is 50404, before the full Channel's 50403 and the User's 50208", func(t *testing.T) {
			r, s, ch := setup(t)
			_, err := r.CreateMember(t.Context(), s.Sid, ch.Sid, model.MemberCreate{Identity: "alice"})
			wantCode(t, "CreateMember(alice)", err, 50404)
		})
		t.Run("a new identity in a full Channel is 50403 and creates no User", func(t *testing.T) {
			r, s, ch := setup(t)
			_, err := r.CreateMember(t.Context(), s.Sid, ch.Sid, model.MemberCreate{Identity: "bob"})
			wantCode(t, "CreateMember(bob)", err, 50403)
			if _, _, err := r.FindUser(t.Context(), s.Sid, "bob"); !model.IsCode(err, 20404) {
				t.Errorf("FindUser(bob) after the refusal: %v, want 20404", err)
			}
		})
		t.Run("a User at its Channel limit is 50208 and its Invite stays", func(t *testing.T) {
			r, s, _ := setup(t)
			other := r.channel(t, s.Sid)
			if _, err := r.CreateInvite(t.Context(), s.Sid, other.Sid, model.InviteCreate{Identity: "alice"}); err != nil {
				t.Fatal(err)
			}
			_, err := r.CreateMember(t.Context(), s.Sid, other.Sid, model.MemberCreate{Identity: "alice"})
			wantCode(t, "CreateMember(alice) in a second Channel", err, 50208)
			invites, _, err := r.ListInvites(t.Context(), s.Sid, other.Sid, model.InviteFilter{}, model.Page{Size: 50})
			noErr(t, err)
			members, _, err := r.ListMembers(t.Context(), s.Sid, other.Sid, model.MemberFilter{}, model.Page{Size: 50})
			noErr(t, err)
			if len(invites) != 1 || len(members) != 0 {
				t.Errorf("after the refusal: %d invites, %d members; want the invite and no member", len(invites), len(members))
			}
		})
		t.Run("inviting a Member is 50404", func(t *testing.T) {
			r, s, ch := setup(t)
			_, err := r.CreateInvite(t.Context(), s.Sid, ch.Sid, model.InviteCreate{Identity: "alice"})
			wantCode(t, "CreateInvite(alice)", err, 50404)
		})
		t.Run("inviting an invited identity is 50212", func(t *testing.T) {
			r, s, _ := setup(t)
			other := r.channel(t, s.Sid)
			if _, err := r.CreateInvite(t.Context(), s.Sid, other.Sid, model.InviteCreate{Identity: "alice"}); err != nil {
				t.Fatal(err)
			}
			_, err := r.CreateInvite(t.Context(), s.Sid, other.Sid, model.InviteCreate{Identity: "alice"})
			wantCode(t, "CreateInvite(alice) again", err, 50212)
		})
		t.Run("joining consumes the Invite", func(t *testing.T) {
			r := e.rig(t)
			s := r.service(t)
			ch := r.channel(t, s.Sid)
			if _, err := r.CreateUser(t.Context(), s.Sid, model.UserCreate{Identity: "bob"}); err != nil {
				t.Fatal(err)
			}
			inv, err := r.CreateInvite(t.Context(), s.Sid, ch.Sid, model.InviteCreate{Identity: "bob"})
			noErr(t, err)
			r.member(t, s.Sid, ch.Sid, "bob")
			if _, err := r.FindInvite(t.Context(), s.Sid, ch.Sid, inv.Sid); !model.IsCode(err, 20404) {
				t.Errorf("FindInvite after joining: %v, want 20404", err)
			}
		})
	})
}

func TestMemberDefaultsAndCounts(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch, other := r.channel(t, s.Sid), r.channel(t, s.Sid)
		m := r.member(t, s.Sid, ch.Sid, "alice")
		if m.RoleSid != s.DefaultChannelRoleSid || m.Attributes != "{}" || m.NotificationLevel != model.NotificationDefault ||
			m.LastConsumedMessageIndex != nil || m.LastConsumptionTimestamp != nil || !m.DateCreated.Equal(r.clock.Now()) {
			t.Errorf("member = %+v, want the default channel role, {}, default notifications, no horizon, created now", m)
		}
		alice := findUser(t, r, s.Sid, "alice")
		if alice.Sid != m.UserSid || alice.RoleSid != s.DefaultServiceRoleSid || alice.Attributes != "{}" || alice.FriendlyName != nil {
			t.Errorf("the User made for the Member = %+v, want it linked with the Service's defaults", alice)
		}
		r.member(t, s.Sid, other.Sid, "alice")
		r.member(t, s.Sid, ch.Sid, "bob")

		wantCounts := func(t *testing.T, members map[string]int, joined map[string]int) {
			t.Helper()
			for key, n := range members {
				got, err := r.FindChannel(t.Context(), s.Sid, key)
				noErr(t, err)
				if got.MembersCount != n {
					t.Errorf("channel %s has %d members, want %d", key, got.MembersCount, n)
				}
			}
			for identity, n := range joined {
				if got := findUser(t, r, s.Sid, identity).JoinedChannelsCount; got != n {
					t.Errorf("%s joined %d channels, want %d", identity, got, n)
				}
			}
		}
		wantCounts(t, map[string]int{ch.Sid: 2, other.Sid: 1}, map[string]int{"alice": 2, "bob": 1})
		noErr(t, r.DeleteMember(t.Context(), s.Sid, ch.Sid, "alice"))
		wantCounts(t, map[string]int{ch.Sid: 1, other.Sid: 1}, map[string]int{"alice": 1, "bob": 1})
		noErr(t, r.DeleteUser(t.Context(), s.Sid, "alice"))
		wantCounts(t, map[string]int{ch.Sid: 1, other.Sid: 0}, map[string]int{"bob": 1})
		noErr(t, r.DeleteUserChannel(t.Context(), s.Sid, "bob", ch.Sid))
		wantCounts(t, map[string]int{ch.Sid: 0}, map[string]int{"bob": 0})
		wantCode(t, "DeleteMember of a gone Member", r.DeleteMember(t.Context(), s.Sid, ch.Sid, "bob"), 20404)
	})
}

func TestMemberRoles(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		m, err := r.CreateMember(t.Context(), s.Sid, ch.Sid, model.MemberCreate{Identity: "alice", RoleSid: &s.DefaultChannelCreatorRoleSid})
		noErr(t, err)
		if m.RoleSid != s.DefaultChannelCreatorRoleSid {
			t.Errorf("role = %s, want the one given", m.RoleSid)
		}
		_, err = r.CreateMember(t.Context(), s.Sid, ch.Sid, model.MemberCreate{Identity: "bob", RoleSid: &s.DefaultServiceRoleSid})
		wantCode(t, "CreateMember with a service role", err, 50101)
		_, err = r.UpdateMember(t.Context(), s.Sid, ch.Sid, "alice", model.MemberUpdate{RoleSid: &s.DefaultServiceRoleSid})
		wantCode(t, "UpdateMember to a service role", err, 50101)
		_, err = r.CreateInvite(t.Context(), s.Sid, ch.Sid, model.InviteCreate{Identity: "alice", RoleSid: &s.DefaultServiceRoleSid})
		wantCode(t, "CreateInvite with a service role", err, 50101)
		if _, _, err := r.FindUser(t.Context(), s.Sid, "bob"); !model.IsCode(err, 20404) {
			t.Errorf("FindUser(bob) after a refused CreateMember: %v, want 20404", err)
		}
	})
}

func TestConsumptionHorizon(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		r.member(t, s.Sid, ch.Sid, "alice")
		for range 3 {
			r.message(t, s.Sid, ch.Sid, "m")
		}

		read := r.clock.advance(time.Minute)
		m, err := r.UpdateMember(t.Context(), s.Sid, ch.Sid, "alice", model.MemberUpdate{LastConsumedMessageIndex: ptrTo(1)})
		noErr(t, err)
		if m.LastConsumedMessageIndex == nil || m.LastConsumptionTimestamp == nil {
			t.Fatalf("an index alone: horizon %v at %v, want both set", m.LastConsumedMessageIndex, m.LastConsumptionTimestamp)
		}
		if *m.LastConsumedMessageIndex != 1 || !m.LastConsumptionTimestamp.Equal(read) {
			t.Errorf("an index alone: horizon %d at %v, want 1 at now (%v)", *m.LastConsumedMessageIndex, m.LastConsumptionTimestamp, read)
		}
		at := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
		r.clock.advance(time.Minute)
		m, err = r.UpdateMember(t.Context(), s.Sid, ch.Sid, "alice", model.MemberUpdate{LastConsumptionTimestamp: &at})
		noErr(t, err)
		if *m.LastConsumedMessageIndex != 1 || !m.LastConsumptionTimestamp.Equal(at) {
			t.Errorf("a timestamp alone: horizon %d at %v, want 1 at %v", *m.LastConsumedMessageIndex, m.LastConsumptionTimestamp, at)
		}
		m, err = r.UpdateMember(t.Context(), s.Sid, ch.Sid, "alice", model.MemberUpdate{LastConsumedMessageIndex: ptrTo(0), LastConsumptionTimestamp: &at})
		noErr(t, err)
		if *m.LastConsumedMessageIndex != 0 || !m.LastConsumptionTimestamp.Equal(at) {
			t.Errorf("both: horizon %d at %v, want 0 at %v (a horizon may move back)", *m.LastConsumedMessageIndex, m.LastConsumptionTimestamp, at)
		}
		before := m
		m, err = r.UpdateMember(t.Context(), s.Sid, ch.Sid, "alice", model.MemberUpdate{})
		noErr(t, err)
		if !m.DateUpdated.Equal(before.DateUpdated) {
			t.Errorf("an empty update moved date_updated from %v to %v", before.DateUpdated, m.DateUpdated)
		}
	})
}
