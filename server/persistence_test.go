package server_test

import (
	"reflect"
	"strings"
	"testing"
)

// TestPersistence writes through the API, closes chatd and its file, opens
// them again, and reads everything back: a 2xx means the data is on disk.
func TestPersistence(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	h.update(svc, form("Limits.ChannelMembers", "7", "WebhookFilters", "onMessageSent"))
	h.create(svc+"/Channels", form("UniqueName", "general", "Type", "private"))
	h.create(svc+"/Channels/general/Members", form("Identity", "alice"))
	h.create(svc+"/Users", form("Identity", "bob"))
	h.create(svc+"/Channels/general/Invites", form("Identity", "bob"))
	for _, b := range []string{"one", "two", "three"} {
		h.create(svc+"/Channels/general/Messages", form("Body", b))
	}
	h.update(svc+"/Users/alice/Channels/general", form("LastConsumedMessageIndex", "0"))

	paths := []string{
		svc, svc + "/Roles", svc + "/Users", svc + "/Users/alice", svc + "/Channels/general",
		svc + "/Channels?Type=private", svc + "/Channels/general/Members/alice",
		svc + "/Channels/general/Messages?Order=desc", svc + "/Channels/general/Invites",
		svc + "/Users/alice/Channels/general", svc + "/Users/bob/Channels",
	}
	before := map[string]string{}
	for _, p := range paths {
		before[p] = strings.ReplaceAll(string(h.do("GET", p, nil).Raw), h.URL(), "")
	}
	h.restart()
	for _, p := range paths {
		after := strings.ReplaceAll(string(h.do("GET", p, nil).Raw), h.URL(), "")
		if !reflect.DeepEqual(before[p], after) {
			t.Errorf("%s changed across a restart:\nbefore %s\nafter  %s", p, before[p], after)
		}
	}
	if m := h.create(svc+"/Channels/general/Messages", form("Body", "four")); m["index"] != 3.0 {
		t.Errorf("index after restart = %v, want 3", m["index"])
	}
}
