package chat

import (
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

func TestChannelDefaults(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch, err := r.CreateChannel(t.Context(), s.Sid, model.ChannelCreate{FriendlyName: ptrTo(""), UniqueName: ptrTo("")})
		noErr(t, err)
		if ch.Type != model.ChannelPublic || ch.CreatedBy != "system" || ch.Attributes != "{}" || ch.FriendlyName != nil || ch.UniqueName != nil {
			t.Errorf("channel = type %q by %q attributes %q names %v %v; want public, system, {}, null names",
				ch.Type, ch.CreatedBy, ch.Attributes, ch.FriendlyName, ch.UniqueName)
		}
		if !ch.DateCreated.Equal(r.clock.Now()) || !ch.DateUpdated.Equal(ch.DateCreated) || ch.MembersCount != 0 || ch.MessagesCount != 0 || ch.LastMessageSid != "" {
			t.Errorf("channel = %+v, want created now with no counts", ch)
		}
		created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		ch, err = r.CreateChannel(t.Context(), s.Sid, model.ChannelCreate{DateCreated: &created, CreatedBy: ptrTo("alice"), Type: ptrTo(model.ChannelPrivate)})
		noErr(t, err)
		if !ch.DateCreated.Equal(created) || !ch.DateUpdated.Equal(created) || ch.CreatedBy != "alice" || ch.Type != model.ChannelPrivate {
			t.Errorf("channel = %+v, want the given date (as date_updated too), author and type", ch)
		}
		_, err = r.CreateChannel(t.Context(), noService, model.ChannelCreate{})
		wantCode(t, "CreateChannel in a missing Service", err, 20404)
	})
}

func TestChannelUniqueName(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		general, err := r.CreateChannel(t.Context(), s.Sid, model.ChannelCreate{UniqueName: ptrTo("general")})
		noErr(t, err)
		other := r.channel(t, s.Sid)

		_, err = r.CreateChannel(t.Context(), s.Sid, model.ChannelCreate{UniqueName: ptrTo("general")})
		wantCode(t, "CreateChannel(general) again", err, 50307)
		_, err = r.UpdateChannel(t.Context(), s.Sid, other.Sid, model.ChannelUpdate{UniqueName: ptrTo("general")})
		wantCode(t, "UpdateChannel to a taken name", err, 50307)
		if got, err := r.FindChannel(t.Context(), s.Sid, "general"); err != nil || got.Sid != general.Sid {
			t.Errorf("FindChannel(general) = %v, %v; want %s", got, err, general.Sid)
		}
		if _, err := r.CreateChannel(t.Context(), r.service(t).Sid, model.ChannelCreate{UniqueName: ptrTo("general")}); err != nil {
			t.Errorf("the same name in another Service: %v", err)
		}

		// Renaming by the old name frees it; clearing the name frees the new.
		if _, err := r.UpdateChannel(t.Context(), s.Sid, "general", model.ChannelUpdate{UniqueName: ptrTo("lobby")}); err != nil {
			t.Fatal(err)
		}
		_, err = r.FindChannel(t.Context(), s.Sid, "general")
		wantCode(t, "FindChannel(general) after the rename", err, 20404)
		if _, err := r.UpdateChannel(t.Context(), s.Sid, other.Sid, model.ChannelUpdate{UniqueName: ptrTo("general")}); err != nil {
			t.Errorf("taking the freed name: %v", err)
		}
		ch, err := r.UpdateChannel(t.Context(), s.Sid, "lobby", model.ChannelUpdate{UniqueName: ptrTo("")})
		noErr(t, err)
		if ch.UniqueName != nil {
			t.Errorf("cleared unique name = %q, want null", *ch.UniqueName)
		}
		if _, err := r.CreateChannel(t.Context(), s.Sid, model.ChannelCreate{UniqueName: ptrTo("lobby")}); err != nil {
			t.Errorf("taking the cleared name: %v", err)
		}
	})
}

func TestChannelUpdate(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		r.member(t, s.Sid, ch.Sid, "alice")
		r.message(t, s.Sid, ch.Sid, "one")
		now := r.clock.advance(time.Minute)
		got, err := r.UpdateChannel(t.Context(), s.Sid, ch.Sid, model.ChannelUpdate{FriendlyName: ptrTo("General"), Attributes: ptrTo(`{"topic":"x"}`)})
		noErr(t, err)
		if *got.FriendlyName != "General" || got.Attributes != `{"topic":"x"}` || !got.DateUpdated.Equal(now) || !got.DateCreated.Equal(ch.DateCreated) {
			t.Errorf("updated = %+v", got)
		}
		if got.MembersCount != 1 || got.MessagesCount != 1 {
			t.Errorf("counts after an update = %d members, %d messages; want 1 and 1", got.MembersCount, got.MessagesCount)
		}
		if got.Type != model.ChannelPublic || got.CreatedBy != "system" {
			t.Errorf("fields not given changed: %+v", got)
		}
		_, err = r.UpdateChannel(t.Context(), s.Sid, "nowhere", model.ChannelUpdate{Attributes: ptrTo("{}")})
		wantCode(t, "UpdateChannel of a missing Channel", err, 20404)
	})
}

func TestDeleteChannelCascades(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		ch, kept := r.channel(t, s.Sid), r.channel(t, s.Sid)
		r.member(t, s.Sid, ch.Sid, "alice")
		r.member(t, s.Sid, kept.Sid, "alice")
		r.message(t, s.Sid, ch.Sid, "hi")
		if _, err := r.CreateUser(t.Context(), s.Sid, model.UserCreate{Identity: "bob"}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.CreateInvite(t.Context(), s.Sid, ch.Sid, model.InviteCreate{Identity: "bob"}); err != nil {
			t.Fatal(err)
		}

		noErr(t, r.DeleteChannel(t.Context(), s.Sid, ch.Sid))
		_, err := r.FindChannel(t.Context(), s.Sid, ch.Sid)
		wantCode(t, "FindChannel", err, 20404)
		_, _, err = r.ListMessages(t.Context(), s.Sid, ch.Sid, model.MessageFilter{}, model.Page{Size: 50})
		wantCode(t, "ListMessages", err, 20404)
		alice := findUser(t, r, s.Sid, "alice")
		if alice.JoinedChannelsCount != 1 {
			t.Errorf("alice's joined channels = %d, want 1", alice.JoinedChannelsCount)
		}
		for _, identity := range []string{"alice", "bob"} {
			ucs, _, err := r.ListUserChannels(t.Context(), s.Sid, identity, model.Page{Size: 50})
			noErr(t, err)
			for _, uc := range ucs {
				if uc.ChannelSid == ch.Sid {
					t.Errorf("%s still has a User Channel of the deleted Channel: %+v", identity, uc)
				}
			}
		}
		wantCode(t, "DeleteChannel again", r.DeleteChannel(t.Context(), s.Sid, ch.Sid), 20404)
	})
}

// findUser reads a User, failing the test when there is none.
func findUser(t *testing.T, r *rig, service, key string) *model.User {
	t.Helper()
	u, _, err := r.FindUser(t.Context(), service, key)
	noErr(t, err)
	return u
}
