package server_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestChannelCreate(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()

	t.Run("defaults", func(t *testing.T) {
		ch := h.create(svc+"/Channels", nil)
		want := map[string]any{
			"friendly_name": nil, "unique_name": nil, "attributes": "{}", "type": "public",
			"created_by": "system", "members_count": 0.0, "messages_count": 0.0,
		}
		for k, v := range want {
			if ch[k] != v {
				t.Errorf("%s = %v, want %v", k, ch[k], v)
			}
		}
		u := h.URL() + svc + "/Channels/" + str(ch["sid"])
		wantLinks := map[string]any{
			"members": u + "/Members", "messages": u + "/Messages", "invites": u + "/Invites",
			"webhooks": u + "/Webhooks", "last_message": nil,
		}
		if ch["url"] != u || !reflect.DeepEqual(obj(ch["links"]), wantLinks) {
			t.Errorf("url %v links %v", ch["url"], ch["links"])
		}
		if ch["date_updated"] != ch["date_created"] {
			t.Errorf("date_updated %v, date_created %v", ch["date_updated"], ch["date_created"])
		}
	})

	t.Run("every field", func(t *testing.T) {
		ch := h.create(svc+"/Channels", form(
			"FriendlyName", "Support", "UniqueName", "support", "Attributes", `{"topic":"help"}`,
			"Type", "private", "CreatedBy", "alice",
			"DateCreated", "2015-12-16T22:18:37Z", "DateUpdated", "2016-01-02T03:04:05+01:00"))
		want := map[string]any{
			"friendly_name": "Support", "unique_name": "support", "attributes": `{"topic":"help"}`,
			"type": "private", "created_by": "alice",
			"date_created": "2015-12-16T22:18:37Z", "date_updated": "2016-01-02T02:04:05Z",
		}
		for k, v := range want {
			if ch[k] != v {
				t.Errorf("%s = %v, want %v", k, ch[k], v)
			}
		}
	})

	for _, c := range []struct {
		name   string
		form   []string
		status int
		code   int
	}{
		{"error duplicate unique name", []string{"UniqueName", "support"}, 409, 50307},
		{"error unique name looks like SID", []string{"UniqueName", "CH0123456789abcdef0123456789abcdef"}, 400, 50306},
		{"error unique name too long", []string{"UniqueName", strings.Repeat("u", 257)}, 400, 50004},
		{"error friendly name too long", []string{"FriendlyName", strings.Repeat("f", 257)}, 400, 50003},
		{"error bad type", []string{"Type", "secret"}, 400, 20001},
		{"error attributes not JSON", []string{"Attributes", "not json"}, 400, 50304},
		{"error date created", []string{"DateCreated", "yesterday"}, 400, 50308},
		{"error date updated", []string{"DateUpdated", "2020-13-45"}, 400, 50309},
		{"error created by too long", []string{"CreatedBy", strings.Repeat("c", 257)}, 400, 50310},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(http.MethodPost, svc+"/Channels", form(c.form...)), c.status, c.code)
		})
	}
	if n := len(h.walk(svc + "/Channels?Type=public&Type=private")); n != 2 {
		t.Errorf("%d channels after failed creates, want 2", n)
	}
	t.Run("error unknown service", func(t *testing.T) {
		h.wantError(h.do(http.MethodPost, "/v2/Services/IS00000000000000000000000000000000/Channels", nil), 404, 20404)
	})
}

func TestChannelAddressing(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	ch := h.create(svc+"/Channels", form("UniqueName", "team room/1"))
	byName := svc + "/Channels/" + url.PathEscape("team room/1")

	t.Run("fetch by unique name", func(t *testing.T) {
		if got := h.get(byName); !reflect.DeepEqual(got, ch) {
			t.Errorf("by unique name %v\nwant %v", got, ch)
		}
	})
	t.Run("URL is by SID", func(t *testing.T) {
		if got := h.get(byName)["url"]; got != h.URL()+svc+"/Channels/"+str(ch["sid"]) {
			t.Errorf("url = %v", got)
		}
	})
	t.Run("other service cannot see it", func(t *testing.T) {
		other := h.newService()
		h.wantError(h.do(http.MethodGet, other+"/Channels/"+str(ch["sid"]), nil), 404, 20404)
		h.wantError(h.do(http.MethodGet, other+"/Channels/"+url.PathEscape("team room/1"), nil), 404, 20404)
		h.wantError(h.do(http.MethodPost, other+"/Channels/"+str(ch["sid"])+"/Messages", form("Body", "x")), 404, 20404)
	})
	t.Run("not found message names path", func(t *testing.T) {
		r := h.do(http.MethodGet, svc+"/Channels/CH00000000000000000000000000000000", nil)
		h.wantError(r, 404, 20404)
		want := "The requested resource " + strings.TrimPrefix(svc, "/v2") + "/Channels/CH00000000000000000000000000000000 was not found"
		if r.Body["message"] != want {
			t.Errorf("message = %q, want %q", r.Body["message"], want)
		}
	})
}

func TestChannelUpdate(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	ch := h.create(svc+"/Channels", form("UniqueName", "old", "FriendlyName", "Old"))
	h.create(svc+"/Channels", form("UniqueName", "taken"))

	t.Run("rename moves unique name", func(t *testing.T) {
		got := h.update(svc+"/Channels/old", form("UniqueName", "new", "Attributes", `{"a":1}`))
		if got["unique_name"] != "new" || got["attributes"] != `{"a":1}` || got["friendly_name"] != "Old" {
			t.Errorf("got %v", got)
		}
		h.get(svc + "/Channels/new")
		h.wantError(h.do(http.MethodGet, svc+"/Channels/old", nil), 404, 20404)
		h.create(svc+"/Channels", form("UniqueName", "old"))
	})
	t.Run("overrides", func(t *testing.T) {
		got := h.update(svc+"/Channels/"+str(ch["sid"]), form("CreatedBy", "bob", "DateCreated", "2014-01-01T00:00:00Z", "DateUpdated", "2014-02-01T00:00:00Z"))
		if got["created_by"] != "bob" || got["date_created"] != "2014-01-01T00:00:00Z" || got["date_updated"] != "2014-02-01T00:00:00Z" {
			t.Errorf("got %v", got)
		}
	})
	t.Run("clear names", func(t *testing.T) {
		got := h.update(svc+"/Channels/new", form("UniqueName", "", "FriendlyName", ""))
		if got["unique_name"] != nil || got["friendly_name"] != nil {
			t.Errorf("got %v", got)
		}
		h.create(svc+"/Channels", form("UniqueName", "new"))
	})
	for _, c := range []struct {
		name   string
		form   []string
		status int
		code   int
	}{
		{"error no parameters", nil, 400, 50347},
		{"error unique name taken", []string{"UniqueName", "taken"}, 409, 50307},
		{"error attributes", []string{"Attributes", "{"}, 400, 50304},
		{"error date", []string{"DateUpdated", "2020-02-30T00:00:00Z"}, 400, 50309},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := h.get(svc + "/Channels/" + str(ch["sid"]))
			h.wantError(h.do(http.MethodPost, svc+"/Channels/"+str(ch["sid"]), form(c.form...)), c.status, c.code)
			if after := h.get(svc + "/Channels/" + str(ch["sid"])); !reflect.DeepEqual(before, after) {
				t.Errorf("failed update changed the channel")
			}
		})
	}
}

func TestChannelList(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	var public, private, all []any
	for i := range 7 {
		typ := "public"
		if i%3 == 0 {
			typ = "private"
		}
		sid := h.create(svc+"/Channels", form("Type", typ))["sid"]
		all = append(all, sid)
		if typ == "public" {
			public = append(public, sid)
		} else {
			private = append(private, sid)
		}
	}
	sids := func(path string) []any {
		var out []any
		for _, it := range h.walk(path) {
			out = append(out, it["sid"])
		}
		return out
	}
	for _, c := range []struct {
		name  string
		query string
		want  []any
	}{
		{"public by default", "PageSize=2", public},
		{"public", "Type=public&PageSize=2", public},
		{"private", "Type=private&PageSize=1", private},
		{"both", "Type=public&Type=private&PageSize=3", all},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := sids(svc + "/Channels?" + c.query); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v\nwant %v", got, c.want)
			}
		})
	}
	t.Run("meta repeats filter", func(t *testing.T) {
		meta := obj(h.get(svc + "/Channels?Type=private&PageSize=1")["meta"])
		base := h.URL() + svc + "/Channels?Type=private&PageSize=1&Page="
		if meta["first_page_url"] != base+"0" || meta["url"] != base+"0" || !strings.HasPrefix(str(meta["next_page_url"]), base+"1&PageToken=") {
			t.Errorf("meta = %v", meta)
		}
		if meta["key"] != "channels" || meta["page_size"] != 1.0 || meta["previous_page_url"] != nil {
			t.Errorf("meta = %v", meta)
		}
	})
	t.Run("error bad type", func(t *testing.T) {
		h.wantError(h.do(http.MethodGet, svc+"/Channels?Type=secret", nil), 400, 20001)
	})
}

func TestChannelDeleteCascades(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	h.create(svc+"/Channels", form("UniqueName", "doomed"))
	h.create(svc+"/Channels", form("UniqueName", "kept"))
	h.create(svc+"/Users", form("Identity", "carol"))
	for _, id := range []string{"alice", "bob"} {
		h.create(svc+"/Channels/doomed/Members", form("Identity", id))
		h.create(svc+"/Channels/kept/Members", form("Identity", id))
	}
	h.create(svc+"/Channels/doomed/Invites", form("Identity", "carol"))
	msg := h.create(svc+"/Channels/doomed/Messages", form("Body", "bye"))
	doomed := svc + "/Channels/" + str(msg["channel_sid"])

	h.delete(svc + "/Channels/doomed")

	for _, p := range []string{doomed, doomed + "/Members", doomed + "/Messages/" + str(msg["sid"]), svc + "/Channels/doomed"} {
		h.wantError(h.do(http.MethodGet, p, nil), 404, 20404)
	}
	for _, id := range []string{"alice", "bob"} {
		if n := h.get(svc + "/Users/" + id)["joined_channels_count"]; n != 1.0 {
			t.Errorf("%s joined_channels_count = %v, want 1", id, n)
		}
		if n := len(h.walk(svc + "/Users/" + id + "/Channels")); n != 1 {
			t.Errorf("%s has %d user channels, want 1", id, n)
		}
	}
	if n := len(h.walk(svc + "/Users/carol/Channels")); n != 0 {
		t.Errorf("carol still has %d user channels after her invite's channel was deleted", n)
	}
	if n := h.get(svc + "/Channels/kept")["members_count"]; n != 2.0 {
		t.Errorf("kept members_count = %v", n)
	}
	h.create(svc+"/Channels", form("UniqueName", "doomed"))
}
