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

	t.Run("create", func(t *testing.T) {
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
	t.Run("fetch", func(t *testing.T) {
		if got := h.get(role); !reflect.DeepEqual(got, r) {
			t.Errorf("fetch = %v, want %v", got, r)
		}
	})
	t.Run("update replaces permissions", func(t *testing.T) {
		got := h.update(role, form("Permission", "leaveChannel"))
		if !reflect.DeepEqual(got["permissions"], []any{"leaveChannel"}) {
			t.Errorf("permissions = %v", got["permissions"])
		}
		if got["friendly_name"] != "moderator" || got["type"] != "channel" {
			t.Errorf("update changed name or type: %v", got)
		}
	})
	t.Run("list", func(t *testing.T) {
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
		{"error missing friendly name", svc + "/Roles", []string{"Type", "channel", "Permission", "sendMessage"}, 400, 20001},
		{"error missing type", svc + "/Roles", []string{"FriendlyName", "x", "Permission", "sendMessage"}, 400, 20001},
		{"error bad type", svc + "/Roles", []string{"FriendlyName", "x", "Type", "service", "Permission", "sendMessage"}, 400, 50105},
		{"error no permission", svc + "/Roles", []string{"FriendlyName", "x", "Type", "channel"}, 400, 20001},
		{"error unknown permission", svc + "/Roles", []string{"FriendlyName", "x", "Type", "channel", "Permission", "flyToMoon"}, 400, 50104},
		{"error service permission on channel role", svc + "/Roles", []string{"FriendlyName", "x", "Type", "channel", "Permission", "editOwnUserInfo"}, 400, 50104},
		{"error channel permission on service role", svc + "/Roles", []string{"FriendlyName", "x", "Type", "deployment", "Permission", "sendMessage"}, 400, 50104},
		{"error update without permission", role, nil, 400, 20001},
		{"error update wrong scope", role, []string{"Permission", "createChannel"}, 400, 50104},
		{"error unknown service", "/v2/Services/IS00000000000000000000000000000000/Roles", []string{"FriendlyName", "x", "Type", "channel", "Permission", "sendMessage"}, 404, 20404},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(http.MethodPost, c.path, form(c.form...)), c.status, c.code)
		})
	}
	if n := len(h.walk(svc + "/Roles")); n != 5 {
		t.Errorf("failed creates stored roles: %d roles", n)
	}

	t.Run("delete", func(t *testing.T) {
		h.delete(role)
		h.wantError(h.do(http.MethodGet, role, nil), 404, 20404)
		h.wantError(h.do(http.MethodDelete, role, nil), 404, 20404)
	})
	t.Run("error delete default role", func(t *testing.T) {
		def := svc + "/Roles/" + str(h.get(svc)["default_channel_role_sid"])
		h.wantError(h.do(http.MethodDelete, def, nil), 400, 20001)
		h.get(def)
	})
	t.Run("error malformed SID", func(t *testing.T) {
		h.wantError(h.do(http.MethodGet, svc+"/Roles/not-a-sid", nil), 404, 20404)
	})
}
