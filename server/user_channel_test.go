package server_test

import (
	"net/http"
	"testing"
)

func TestUserChannels(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	var chSids []string
	for _, name := range []string{"one", "two", "three"} {
		chSids = append(chSids, str(h.create(svc+"/Channels", form("UniqueName", name))["sid"]))
		h.create(svc+"/Channels/"+name+"/Members", form("Identity", "alice"))
	}
	for range 5 {
		h.create(svc+"/Channels/one/Messages", form("Body", "m"))
	}
	user := h.get(svc + "/Users/alice")
	uSid := str(user["sid"])

	t.Run("list", func(t *testing.T) {
		got := h.walk(svc + "/Users/alice/Channels?PageSize=2")
		if len(got) != 3 {
			t.Fatalf("%d user channels, want 3", len(got))
		}
		for i, uc := range got {
			if uc["channel_sid"] != chSids[i] || uc["status"] != "joined" || uc["user_sid"] != uSid || uc["notification_level"] != "default" {
				t.Errorf("item %d: %v", i, uc)
			}
			if uc["unread_messages_count"] != nil || uc["last_consumed_message_index"] != nil {
				t.Errorf("item %d: unread count without a consumption horizon: %v", i, uc)
			}
			base := h.URL() + svc
			if uc["url"] != base+"/Users/"+uSid+"/Channels/"+chSids[i] || obj(uc["links"])["channel"] != base+"/Channels/"+chSids[i] {
				t.Errorf("item %d: url %v links %v", i, uc["url"], uc["links"])
			}
			if obj(uc["links"])["member"] != base+"/Channels/"+chSids[i]+"/Members/"+str(uc["member_sid"]) {
				t.Errorf("item %d: links.member %v", i, obj(uc["links"])["member"])
			}
		}
	})
	t.Run("fetch by SID or name", func(t *testing.T) {
		a := h.get(svc + "/Users/alice/Channels/one")
		b := h.get(svc + "/Users/" + uSid + "/Channels/" + chSids[0])
		if a["url"] != b["url"] || a["member_sid"] != b["member_sid"] {
			t.Errorf("%v\n%v", a, b)
		}
	})
	t.Run("update horizon and level", func(t *testing.T) {
		got := h.update(svc+"/Users/alice/Channels/one", form("LastConsumedMessageIndex", "1", "NotificationLevel", "muted"))
		if got["last_consumed_message_index"] != 1.0 || got["unread_messages_count"] != 3.0 || got["notification_level"] != "muted" {
			t.Errorf("got %v", got)
		}
		m := h.get(svc + "/Channels/one/Members/alice")
		if m["last_consumed_message_index"] != 1.0 {
			t.Errorf("member horizon = %v", m["last_consumed_message_index"])
		}
		// A new index is a read event: its timestamp is set with it.
		if m["last_consumption_timestamp"] == nil {
			t.Error("last_consumption_timestamp stayed null after the index moved")
		}
		at := h.update(svc+"/Channels/one/Members/alice", form("LastConsumedMessageIndex", "1", "LastConsumptionTimestamp", "2020-01-02T03:04:05Z"))
		if at["last_consumption_timestamp"] != "2020-01-02T03:04:05Z" {
			t.Errorf("a given timestamp was not kept: %v", at["last_consumption_timestamp"])
		}
		h.create(svc+"/Channels/one/Messages", form("Body", "new"))
		if n := h.get(svc + "/Users/alice/Channels/one")["unread_messages_count"]; n != 4.0 {
			t.Errorf("unread after a new message = %v, want 4", n)
		}
		msgs := items(h.get(svc + "/Channels/one/Messages?Order=desc&PageSize=2"))
		h.delete(svc + "/Channels/one/Messages/" + str(msgs[1]["sid"]))
		if n := h.get(svc + "/Users/alice/Channels/one")["unread_messages_count"]; n != 3.0 {
			t.Errorf("unread after a delete = %v, want 3", n)
		}
		h.update(svc+"/Channels/one/Members/alice", form("LastConsumedMessageIndex", "100"))
		if n := h.get(svc + "/Users/alice/Channels/one")["unread_messages_count"]; n != 0.0 {
			t.Errorf("unread past the end = %v, want 0", n)
		}
	})
	for _, c := range []struct {
		name   string
		path   string
		form   []string
		status int
		code   int
	}{
		{"error notification level", svc + "/Users/alice/Channels/one", []string{"NotificationLevel", "loud"}, 400, 50210},
		{"error index", svc + "/Users/alice/Channels/one", []string{"LastConsumedMessageIndex", "one"}, 400, 50406},
		{"error not a member", svc + "/Users/" + uSid + "/Channels/CH00000000000000000000000000000000", []string{"NotificationLevel", "muted"}, 404, 20404},
		{"error unknown user", svc + "/Users/nobody/Channels/one", []string{"NotificationLevel", "muted"}, 404, 20404},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(http.MethodPost, c.path, form(c.form...)), c.status, c.code)
		})
	}
	t.Run("error update invited only", func(t *testing.T) {
		h.create(svc+"/Users", form("Identity", "bob"))
		h.create(svc+"/Channels/two/Invites", form("Identity", "bob"))
		h.wantError(h.do(http.MethodPost, svc+"/Users/bob/Channels/two", form("NotificationLevel", "muted")), 403, 50400)
	})
	t.Run("delete leaves channel", func(t *testing.T) {
		h.delete(svc + "/Users/alice/Channels/two")
		h.wantError(h.do(http.MethodGet, svc+"/Channels/two/Members/alice", nil), 404, 20404)
		if n := h.get(svc + "/Channels/two")["members_count"]; n != 0.0 {
			t.Errorf("members_count = %v", n)
		}
		if n := h.get(svc + "/Users/alice")["joined_channels_count"]; n != 2.0 {
			t.Errorf("joined_channels_count = %v", n)
		}
		h.wantError(h.do(http.MethodDelete, svc+"/Users/alice/Channels/two", nil), 404, 20404)
	})
	t.Run("decline invite", func(t *testing.T) {
		h.delete(svc + "/Users/bob/Channels/two")
		if n := len(items(h.get(svc + "/Channels/two/Invites"))); n != 0 {
			t.Errorf("%d invites left", n)
		}
	})
	t.Run("delete user leaves every channel", func(t *testing.T) {
		h.delete(svc + "/Users/alice")
		for _, name := range []string{"one", "three"} {
			if n := h.get(svc + "/Channels/" + name)["members_count"]; n != 0.0 {
				t.Errorf("%s members_count = %v", name, n)
			}
		}
		h.wantError(h.do(http.MethodGet, svc+"/Users/alice/Channels", nil), 404, 20404)
	})
}
