package model

import "testing"

func TestSyncRefs(t *testing.T) {
	user, channel := "US0123456789abcdef0123456789abcdef", "CHfedcba9876543210fedcba9876543210"
	for _, c := range []struct {
		ref               SyncRef
		name, sid, typ    string
		path, itemPathKey string
	}{
		{UserInfoRef(user), SyncUserInfo(user), "MU0123456789abcdef0123456789abcdef", SyncMap,
			"/v3/Maps/MU0123456789abcdef0123456789abcdef", "friendlyName"},
		{UserChannelsRef(user), SyncUserChannels(user), "MC0123456789abcdef0123456789abcdef", SyncMap,
			"/v3/Maps/MC0123456789abcdef0123456789abcdef", channel},
		{ChannelRef(channel), SyncChannel(channel), "ETfedcba9876543210fedcba9876543210", SyncDocument,
			"/v3/Documents/ETfedcba9876543210fedcba9876543210", ""},
		{MessagesRef(channel), SyncMessages(channel), "ESfedcba9876543210fedcba9876543210", SyncList,
			"/v3/Lists/ESfedcba9876543210fedcba9876543210", "7"},
		{RosterRef(channel), SyncRoster(channel), "MPfedcba9876543210fedcba9876543210", SyncMap,
			"/v3/Maps/MPfedcba9876543210fedcba9876543210", "MB0123456789abcdef0123456789abcdef"},
	} {
		if c.ref.Name() != c.name || c.ref.Sid() != c.sid || c.ref.Type() != c.typ || c.ref.Path() != c.path {
			t.Errorf("%v: name %q sid %q type %q path %q; want %q %q %q %q",
				c.ref, c.ref.Name(), c.ref.Sid(), c.ref.Type(), c.ref.Path(), c.name, c.sid, c.typ, c.path)
		}
		for _, id := range []string{c.name, c.sid} {
			if got, ok := ParseSyncRef(c.typ, id); !ok || got != c.ref {
				t.Errorf("ParseSyncRef(%q, %q) = %v, %v; want %v", c.typ, id, got, ok, c.ref)
			}
			if got, ok := ParseSyncRef("", id); !ok || got != c.ref {
				t.Errorf("ParseSyncRef(any, %q) = %v, %v; want %v", id, got, ok, c.ref)
			}
		}
		other := SyncDocument
		if c.typ == SyncDocument {
			other = SyncMap
		}
		if got, ok := ParseSyncRef(other, c.sid); ok {
			t.Errorf("ParseSyncRef(%q, %q) = %v, want no %s by that id", other, c.sid, got, other)
		}
		if c.itemPathKey != "" && c.ref.ItemPath(c.itemPathKey) != c.path+"/Items/"+c.itemPathKey {
			t.Errorf("ItemPath(%q) = %q", c.itemPathKey, c.ref.ItemPath(c.itemPathKey))
		}
	}
	for _, id := range []string{"", "general", user, channel, user + ".roster", channel + ".info", "MP123", "XX0123456789abcdef0123456789abcdef"} {
		if got, ok := ParseSyncRef("", id); ok {
			t.Errorf("ParseSyncRef(%q) = %v, want no object", id, got)
		}
	}
	if got := UserInfoRef(user).ItemPath("a b/c"); got != "/v3/Maps/MU0123456789abcdef0123456789abcdef/Items/a%20b%2Fc" {
		t.Errorf("ItemPath escapes the key as %q", got)
	}
}
