package chat

import (
	"slices"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

func TestServiceDefaults(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		if !model.IsSID(model.PrefixService, s.Sid) || s.FriendlyName != "test" || !s.DateCreated.Equal(r.clock.Now()) || !s.DateUpdated.Equal(s.DateCreated) {
			t.Errorf("service = %s %q created %v updated %v", s.Sid, s.FriendlyName, s.DateCreated, s.DateUpdated)
		}
		if !s.ReadStatusEnabled || s.ReachabilityEnabled || s.TypingIndicatorTimeout != 5 || s.ConsumptionReportInterval != 10 {
			t.Errorf("settings: read status %v, reachability %v, typing %d, consumption %d; want true, false, 5, 10",
				s.ReadStatusEnabled, s.ReachabilityEnabled, s.TypingIndicatorTimeout, s.ConsumptionReportInterval)
		}
		if s.Limits != (model.ServiceLimits{ChannelMembers: 100, UserChannels: 250}) {
			t.Errorf("limits = %+v, want 100 members, 250 channels", s.Limits)
		}
		if s.Media.SizeLimitMB != 150 || s.Media.CompatibilityMessage == "" {
			t.Errorf("media = %+v, want 150 MB and a compatibility message", s.Media)
		}
		if s.PreWebhookURL != nil || s.PostWebhookURL != nil || s.WebhookMethod != nil || s.WebhookFilters != nil || s.Webhooks != nil {
			t.Errorf("webhooks set on a new Service: %+v", s)
		}

		roles, _, err := r.ListRoles(t.Context(), s.Sid, model.Page{Size: 50})
		noErr(t, err)
		var got []string
		for _, rl := range roles {
			got = append(got, rl.Type+" "+rl.FriendlyName)
		}
		want := []string{"deployment service admin", "deployment service user", "channel channel admin", "channel channel user"}
		if !slices.Equal(got, want) {
			t.Fatalf("roles = %q, want %q", got, want)
		}
		if s.DefaultServiceRoleSid != roles[1].Sid || s.DefaultChannelCreatorRoleSid != roles[2].Sid || s.DefaultChannelRoleSid != roles[3].Sid {
			t.Errorf("default roles %s %s %s, want service user, channel admin, channel user", s.DefaultServiceRoleSid, s.DefaultChannelCreatorRoleSid, s.DefaultChannelRoleSid)
		}
		for _, rl := range roles {
			if err := model.CheckPermissions(rl.Type, rl.Permissions); err != nil {
				t.Errorf("default role %q: %v", rl.FriendlyName, err)
			}
		}
	})
}

func TestServiceDefaultRoles(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		other := r.service(t)
		channelRole, serviceRole := s.DefaultChannelRoleSid, s.DefaultServiceRoleSid
		cases := []struct {
			name string
			in   model.ServiceUpdate
			code int
		}{
			{"a service role as default service role", model.ServiceUpdate{DefaultServiceRoleSid: &serviceRole}, 0},
			{"a channel role as default service role", model.ServiceUpdate{DefaultServiceRoleSid: &channelRole}, 50102},
			{"a service role as default channel role", model.ServiceUpdate{DefaultChannelRoleSid: &serviceRole}, 50101},
			{"a service role as default channel creator role", model.ServiceUpdate{DefaultChannelCreatorRoleSid: &serviceRole}, 50106},
			{"another Service's channel role", model.ServiceUpdate{DefaultChannelRoleSid: &other.DefaultChannelRoleSid}, 50101},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := r.UpdateService(t.Context(), s.Sid, c.in)
				if c.code == 0 {
					noErr(t, err)
					return
				}
				wantCode(t, "UpdateService", err, c.code)
			})
		}
		t.Run("a default role cannot be deleted, another can", func(t *testing.T) {
			for _, sid := range []string{s.DefaultServiceRoleSid, s.DefaultChannelRoleSid, s.DefaultChannelCreatorRoleSid} {
				wantCode(t, "DeleteRole(default)", r.DeleteRole(t.Context(), s.Sid, sid), 20001)
			}
			roles, _, err := r.ListRoles(t.Context(), s.Sid, model.Page{Size: 50})
			noErr(t, err)
			noErr(t, r.DeleteRole(t.Context(), s.Sid, roles[0].Sid)) // service admin is no default
			wantCode(t, "DeleteRole again", r.DeleteRole(t.Context(), s.Sid, roles[0].Sid), 20404)
		})
	})
}

func TestRoleRules(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s := r.service(t)
		rl, err := r.CreateRole(t.Context(), s.Sid, model.RoleCreate{FriendlyName: "mod", Type: model.RoleTypeChannel, Permissions: []string{"sendMessage", "leaveChannel", "sendMessage"}})
		noErr(t, err)
		if !slices.Equal(rl.Permissions, []string{"sendMessage", "leaveChannel"}) {
			t.Errorf("permissions = %v, want the repeat dropped", rl.Permissions)
		}
		_, err = r.UpdateRole(t.Context(), s.Sid, rl.Sid, model.RoleUpdate{Permissions: []string{"editOwnUserInfo"}})
		wantCode(t, "UpdateRole with a service permission on a channel role", err, 50104)
		_, err = r.UpdateRole(t.Context(), s.Sid, rl.Sid, model.RoleUpdate{})
		wantCode(t, "UpdateRole without permissions", err, 20001)
		r.clock.advance(time.Second)
		rl, err = r.UpdateRole(t.Context(), s.Sid, rl.Sid, model.RoleUpdate{Permissions: []string{"deleteOwnMessage", "deleteOwnMessage"}})
		noErr(t, err)
		if !slices.Equal(rl.Permissions, []string{"deleteOwnMessage"}) || !rl.DateUpdated.Equal(r.clock.Now()) {
			t.Errorf("after update: %v updated %v, want [deleteOwnMessage] updated now", rl.Permissions, rl.DateUpdated)
		}
		_, err = r.CreateRole(t.Context(), noService, model.RoleCreate{FriendlyName: "x", Type: model.RoleTypeChannel, Permissions: []string{"sendMessage"}})
		wantCode(t, "CreateRole in a missing Service", err, 20404)
	})
}

func TestDeleteServiceCascades(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		s, kept := r.service(t), r.service(t)
		ch := r.channel(t, s.Sid)
		r.member(t, s.Sid, ch.Sid, "alice")
		r.message(t, s.Sid, ch.Sid, "hi")
		keptCh := r.channel(t, kept.Sid)

		noErr(t, r.DeleteService(t.Context(), s.Sid))
		_, err := r.FindService(t.Context(), s.Sid)
		wantCode(t, "FindService", err, 20404)
		_, err = r.FindChannel(t.Context(), s.Sid, ch.Sid)
		wantCode(t, "FindChannel", err, 20404)
		_, _, err = r.FindUser(t.Context(), s.Sid, "alice")
		wantCode(t, "FindUser", err, 20404)
		wantCode(t, "DeleteService again", r.DeleteService(t.Context(), s.Sid), 20404)
		if _, err := r.FindChannel(t.Context(), kept.Sid, keptCh.Sid); err != nil {
			t.Errorf("the other Service's Channel: %v", err)
		}
	})
}
