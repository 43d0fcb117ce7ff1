package server_test

import (
	"net/http"
	"reflect"
	"testing"
)

func TestRoles(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()

	r := h.create(svc+"/Roles", form("FriendlyName", "moderator", "Type", "channel",
		"Permission", "sendMessage", "Permission", "deleteAnyMessage", "Permission", "sendMessage"))
	role := svc + "/Roles/" + str(r["sid"])

	t.Run("Create", func(t *testing.T) {
		if r["type"] != "channel" || r["friendly_name"] != "moderator" {
			t.Errorf("got %v", r)
		}
		if got := r["permissions"]; !reflect.DeepEqual(got, []any{"sendMessage", "deleteAnyMessage"}) {
			t.Errorf("permissions = %v, want the two given, once each, in order", got)
		}
		if r["url"] != h.URL()+role {
			t.Errorf("url = %v", r["url"])
		}
	})
	t.Run("Fetch", func(t *testing.T) {
		if got := h.get(role); !reflect.DeepEqual(got, r) {
			t.Errorf("fetch = %v, want %v", got, r)
		}
	})
	t.Run("UpdateReplacesPermissions", func(t *testing.T) {
		got := h.update(role, form("Permission", "leaveChannel"))
		if !reflect.DeepEqual(got["permissions"], []any{"leaveChannel"}) {
			t.Errorf("permissions = %v", got["permissions"])
		}
		if got["friendly_name"] != "moderator" || got["type"] != "channel" {
			t.Errorf("update changed name or type: %v", got)
		}
	})
	t.Run("List", func(t *testing.T) {
		if n := len(h.walk(svc + "/Roles?PageSize=1")); n != 5 {
			t.Errorf("%d roles, want 4 defaults + 1", n)
		}
	})

	for _, c := range []struct {
		name   string
		path   string
		form   []string
		status int
		code   int
	}{
		{"ErrMissingFriendlyName", svc + "/Roles", []string{"Type", "channel", "Permission", "sendMessage"}, 400, 20001},
		{"ErrMissingType", svc + "/Roles", []string{"FriendlyName", "x", "Permission", "sendMessage"}, 400, 20001},
		{"ErrBadType", svc + "/Roles", []string{"FriendlyName", "x", "Type", "service", "Permission", "sendMessage"}, 400, 50105},
		{"ErrNoPermission", svc + "/Roles", []string{"FriendlyName", "x", "Type", "channel"}, 400, 20001},
		{"ErrUnknownPermission", svc + "/Roles", []string{"FriendlyName", "x", "Type", "channel", "Permission", "flyToMoon"}, 400, 50104},
		{"ErrServicePermissionOnChannelRole", svc + "/Roles", []string{"FriendlyName", "x", "Type", "channel", "Permission", "editOwnUserInfo"}, 400, 50104},
		{"ErrChannelPermissionOnServiceRole", svc + "/Roles", []string{"FriendlyName", "x", "Type", "deployment", "Permission", "sendMessage"}, 400, 50104},
		{"ErrUpdateWithoutPermission", role, nil, 400, 20001},
		{"ErrUpdateWrongScope", role, []string{"Permission", "createChannel"}, 400, 50104},
		{"ErrUnknownService", "/v2/Services/IS00000000000000000000000000000000/Roles", []string{"FriendlyName", "x", "Type", "channel", "Permission", "sendMessage"}, 404, 20404},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(http.MethodPost, c.path, form(c.form...)), c.status, c.code)
		})
	}
	if n := len(h.walk(svc + "/Roles")); n != 5 {
		t.Errorf("failed creates stored roles: %d roles", n)
	}

	t.Run("Delete", func(t *testing.T) {
		h.delete(role)
		h.wantError(h.do(http.MethodGet, role, nil), 404, 20404)
		h.wantError(h.do(http.MethodDelete, role, nil), 404, 20404)
	})
	t.Run("ErrDeleteDefaultRole", func(t *testing.T) {
		def := svc + "/Roles/" + str(h.get(svc)["default_channel_role_sid"])
		h.wantError(h.do(http.MethodDelete, def, nil), 400, 20001)
		h.get(def)
	})
	t.Run("ErrMalformedSid", func(t *testing.T) {
		h.wantError(h.do(http.MethodGet, svc+"/Roles/not-a-sid", nil), 404, 20404)
	})
}
