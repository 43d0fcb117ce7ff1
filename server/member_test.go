package server_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestMembers(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	sv := h.get(svc)
	h.create(svc+"/Channels", form("UniqueName", "general"))
	chPath := svc + "/Channels/general"

	m := h.create(chPath+"/Members", form("Identity", "alice"))
	t.Run("defaults", func(t *testing.T) {
		want := map[string]any{
			"identity": "alice", "role_sid": sv["default_channel_role_sid"], "attributes": "{}",
			"last_consumed_message_index": nil, "last_consumption_timestamp": nil,
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s = %v, want %v", k, m[k], v)
			}
		}
		if m["url"] != h.URL()+svc+"/Channels/"+str(m["channel_sid"])+"/Members/"+str(m["sid"]) {
			t.Errorf("url = %v", m["url"])
		}
	})
	t.Run("creates user", func(t *testing.T) {
		u := h.get(svc + "/Users/alice")
		if u["role_sid"] != sv["default_service_role_sid"] || u["attributes"] != "{}" || u["friendly_name"] != nil {
			t.Errorf("auto-created user %v", u)
		}
		if u["joined_channels_count"] != 1.0 {
			t.Errorf("joined_channels_count = %v", u["joined_channels_count"])
		}
		if n := h.get(chPath)["members_count"]; n != 1.0 {
			t.Errorf("members_count = %v", n)
		}
	})
	t.Run("fetch by SID and identity", func(t *testing.T) {
		if a, b := h.get(chPath+"/Members/"+str(m["sid"])), h.get(chPath+"/Members/alice"); !reflect.DeepEqual(a, b) || a["sid"] != m["sid"] {
			t.Errorf("%v\n%v", a, b)
		}
	})
	t.Run("every field", func(t *testing.T) {
		admin := sv["default_channel_creator_role_sid"]
		got := h.create(chPath+"/Members", form("Identity", "bob", "RoleSid", str(admin),
			"LastConsumedMessageIndex", "4", "LastConsumptionTimestamp", "2016-03-24T21:05:52Z",
			"DateCreated", "2016-03-24T21:05:50Z", "Attributes", `{"seat":3}`))
		want := map[string]any{
			"role_sid": admin, "last_consumed_message_index": 4.0, "last_consumption_timestamp": "2016-03-24T21:05:52Z",
			"date_created": "2016-03-24T21:05:50Z", "date_updated": "2016-03-24T21:05:50Z", "attributes": `{"seat":3}`,
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
	})
	t.Run("update", func(t *testing.T) {
		got := h.update(chPath+"/Members/alice", form("LastConsumedMessageIndex", "20", "Attributes", `{"x":1}`))
		if got["last_consumed_message_index"] != 20.0 || got["attributes"] != `{"x":1}` || got["role_sid"] != sv["default_channel_role_sid"] {
			t.Errorf("got %v", got)
		}
	})
	t.Run("identity filter", func(t *testing.T) {
		h.create(chPath+"/Members", form("Identity", "carol"))
		body := h.get(chPath + "/Members?Identity=carol&Identity=alice&Identity=nobody")
		var ids []string
		for _, it := range items(body) {
			ids = append(ids, str(it["identity"]))
		}
		if !reflect.DeepEqual(ids, []string{"alice", "carol"}) {
			t.Errorf("identities %v, want alice, carol in creation order", ids)
		}
		if got := str(obj(body["meta"])["url"]); !strings.Contains(got, "?Identity=carol&Identity=alice&Identity=nobody&PageSize=50&Page=0") {
			t.Errorf("meta.url = %s", got)
		}
		if n := len(h.walk(chPath + "/Members?Identity=carol&Identity=alice&Identity=bob&PageSize=1")); n != 3 {
			t.Errorf("paged filter walked %d members, want 3", n)
		}
	})

	for _, c := range []struct {
		name   string
		path   string
		form   []string
		status int
		code   int
	}{
		{"error already member", chPath + "/Members", []string{"Identity", "alice"}, 409, 50404},
		{"error missing identity", chPath + "/Members", nil, 400, 20001},
		{"error role is service role", chPath + "/Members", []string{"Identity", "dave", "RoleSid", str(sv["default_service_role_sid"])}, 400, 50101},
		{"error consumed index not a number", chPath + "/Members", []string{"Identity", "dave", "LastConsumedMessageIndex", "x"}, 400, 50406},
		{"error consumed index negative", chPath + "/Members", []string{"Identity", "dave", "LastConsumedMessageIndex", "-2"}, 400, 50406},
		{"error consumption timestamp", chPath + "/Members", []string{"Identity", "dave", "LastConsumptionTimestamp", "noon"}, 400, 50405},
		{"error attributes", chPath + "/Members", []string{"Identity", "dave", "Attributes", "{]"}, 400, 50304},
		{"error unknown channel", svc + "/Channels/nowhere/Members", []string{"Identity", "dave"}, 404, 20404},
		{"error update unknown member", chPath + "/Members/nobody", []string{"Attributes", "{}"}, 404, 20404},
		{"error update role", chPath + "/Members/alice", []string{"RoleSid", "RL00000000000000000000000000000000"}, 400, 50101},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(http.MethodPost, c.path, form(c.form...)), c.status, c.code)
		})
	}
	if r := h.do(http.MethodGet, svc+"/Users/dave", nil); r.Status != 404 {
		t.Error("a failed member create left the user dave behind")
	}

	t.Run("delete", func(t *testing.T) {
		h.delete(chPath + "/Members/alice")
		h.wantError(h.do(http.MethodGet, chPath+"/Members/alice", nil), 404, 20404)
		if n := h.get(chPath)["members_count"]; n != 2.0 {
			t.Errorf("members_count = %v, want 2", n)
		}
		if n := h.get(svc + "/Users/alice")["joined_channels_count"]; n != 0.0 {
			t.Errorf("joined_channels_count = %v, want 0", n)
		}
		h.create(chPath+"/Members", form("Identity", "alice"))
	})
}

func TestMemberLimits(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	h.update(svc, form("Limits.ChannelMembers", "2", "Limits.UserChannels", "2"))
	for _, name := range []string{"a", "b", "c"} {
		h.create(svc+"/Channels", form("UniqueName", name))
	}
	h.create(svc+"/Channels/a/Members", form("Identity", "alice"))
	h.create(svc+"/Channels/a/Members", form("Identity", "bob"))

	t.Run("error channel full", func(t *testing.T) {
		h.wantError(h.do(http.MethodPost, svc+"/Channels/a/Members", form("Identity", "carol")), 403, 50403)
		if h.do(http.MethodGet, svc+"/Users/carol", nil).Status != 404 {
			t.Error("the refused member's user was created")
		}
	})
	t.Run("error user channel limit", func(t *testing.T) {
		h.create(svc+"/Channels/b/Members", form("Identity", "alice"))
		h.wantError(h.do(http.MethodPost, svc+"/Channels/c/Members", form("Identity", "alice")), 403, 50208)
		if n := h.get(svc + "/Channels/c")["members_count"]; n != 0.0 {
			t.Errorf("members_count = %v", n)
		}
	})
}
