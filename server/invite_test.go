package server_test

import (
	"net/http"
	"testing"
)

func TestInvites(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	sv := h.get(svc)
	h.create(svc+"/Channels", form("UniqueName", "general"))
	chPath := svc + "/Channels/general"
	for _, id := range []string{"alice", "bob"} {
		h.create(svc+"/Users", form("Identity", id))
	}

	inv := h.create(chPath+"/Invites", form("Identity", "alice"))
	t.Run("create", func(t *testing.T) {
		if inv["identity"] != "alice" || inv["role_sid"] != sv["default_channel_role_sid"] || inv["created_by"] != nil {
			t.Errorf("got %v", inv)
		}
		if inv["url"] != h.URL()+svc+"/Channels/"+str(inv["channel_sid"])+"/Invites/"+str(inv["sid"]) {
			t.Errorf("url = %v", inv["url"])
		}
		uc := h.get(svc + "/Users/alice/Channels/general")
		if uc["status"] != "invited" || uc["member_sid"] != nil {
			t.Errorf("user channel of an invitee: %v", uc)
		}
	})
	t.Run("fetch", func(t *testing.T) {
		if got := h.get(chPath + "/Invites/" + str(inv["sid"])); got["sid"] != inv["sid"] {
			t.Errorf("got %v", got)
		}
	})
	t.Run("identity filter", func(t *testing.T) {
		h.create(chPath+"/Invites", form("Identity", "bob"))
		if n := len(items(h.get(chPath + "/Invites?Identity=bob"))); n != 1 {
			t.Errorf("%d invites for bob", n)
		}
		if n := len(h.walk(chPath + "/Invites?PageSize=1")); n != 2 {
			t.Errorf("%d invites", n)
		}
	})
	for _, c := range []struct {
		name   string
		form   []string
		status int
		code   int
	}{
		{"error already invited", []string{"Identity", "alice"}, 409, 50212},
		{"error unknown user", []string{"Identity", "zed"}, 404, 20404},
		{"error missing identity", nil, 400, 20001},
		{"error role is service role", []string{"Identity", "bob", "RoleSid", str(sv["default_service_role_sid"])}, 400, 50101},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(http.MethodPost, chPath+"/Invites", form(c.form...)), c.status, c.code)
		})
	}
	t.Run("member consumes invite", func(t *testing.T) {
		h.create(chPath+"/Members", form("Identity", "alice"))
		h.wantError(h.do(http.MethodGet, chPath+"/Invites/"+str(inv["sid"]), nil), 404, 20404)
		if uc := h.get(svc + "/Users/alice/Channels/general"); uc["status"] != "joined" {
			t.Errorf("status = %v", uc["status"])
		}
		h.wantError(h.do(http.MethodPost, chPath+"/Invites", form("Identity", "alice")), 409, 50404)
	})
	t.Run("delete", func(t *testing.T) {
		bob := items(h.get(chPath + "/Invites?Identity=bob"))[0]
		h.delete(chPath + "/Invites/" + str(bob["sid"]))
		h.wantError(h.do(http.MethodDelete, chPath+"/Invites/"+str(bob["sid"]), nil), 404, 20404)
		h.wantError(h.do(http.MethodGet, svc+"/Users/bob/Channels/general", nil), 404, 20404)
	})
}
