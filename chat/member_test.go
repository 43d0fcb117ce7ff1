package chat

import (
	"testing"

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
