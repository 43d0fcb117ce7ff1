package server_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestMessages(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	ch := h.create(svc+"/Channels", form("UniqueName", "general"))
	chPath := svc + "/Channels/general"

	m := h.create(chPath+"/Messages", form("Body", "hello"))
	t.Run("defaults", func(t *testing.T) {
		want := map[string]any{
			"index": 0.0, "from": "system", "body": "hello", "attributes": "{}", "type": "text", "media": nil,
			"was_edited": false, "last_updated_by": nil, "to": ch["sid"], "channel_sid": ch["sid"],
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s = %v, want %v", k, m[k], v)
			}
		}
		if m["url"] != h.URL()+svc+"/Channels/"+str(ch["sid"])+"/Messages/"+str(m["sid"]) {
			t.Errorf("url = %v", m["url"])
		}
		if m["date_updated"] != m["date_created"] {
			t.Errorf("date_updated %v != date_created %v", m["date_updated"], m["date_created"])
		}
	})
	t.Run("channel counters", func(t *testing.T) {
		got := h.get(chPath)
		if got["messages_count"] != 1.0 || obj(got["links"])["last_message"] != m["url"] {
			t.Errorf("messages_count %v, last_message %v", got["messages_count"], obj(got["links"])["last_message"])
		}
	})
	t.Run("every field", func(t *testing.T) {
		got := h.create(chPath+"/Messages", form("From", "alice", "Body", "", "Attributes", `{"k":"v"}`,
			"DateCreated", "2016-03-24T20:37:57Z", "LastUpdatedBy", "bob"))
		want := map[string]any{
			"index": 1.0, "from": "alice", "body": "", "attributes": `{"k":"v"}`,
			"date_created": "2016-03-24T20:37:57Z", "date_updated": "2016-03-24T20:37:57Z", "last_updated_by": "bob",
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
	})
	t.Run("update", func(t *testing.T) {
		path := chPath + "/Messages/" + str(m["sid"])
		got := h.update(path, form("Attributes", `{"pinned":true}`))
		if got["was_edited"] != false {
			t.Errorf("an attributes-only update set was_edited")
		}
		got = h.update(path, form("Body", "hello, world", "LastUpdatedBy", "alice"))
		if got["body"] != "hello, world" || got["was_edited"] != true || got["last_updated_by"] != "alice" || got["index"] != 0.0 {
			t.Errorf("got %v", got)
		}
		if got["attributes"] != `{"pinned":true}` || got["date_created"] != m["date_created"] {
			t.Errorf("update changed untouched fields: %v", got)
		}
	})
	for _, c := range []struct {
		name   string
		method string
		path   string
		form   []string
		status int
		code   int
	}{
		{"error body too long", "POST", chPath + "/Messages", []string{"Body", strings.Repeat("b", 32*1024+1)}, 400, 50504},
		{"error attributes", "POST", chPath + "/Messages", []string{"Attributes", "nope"}, 400, 50304},
		{"error from too long", "POST", chPath + "/Messages", []string{"From", strings.Repeat("f", 257)}, 400, 50310},
		{"error last updated by too long", "POST", chPath + "/Messages", []string{"LastUpdatedBy", strings.Repeat("l", 257)}, 400, 50505},
		{"error date created", "POST", chPath + "/Messages", []string{"DateCreated", "2016-03-24 20:37"}, 400, 50308},
		{"error unknown channel", "POST", svc + "/Channels/CH00000000000000000000000000000000/Messages", []string{"Body", "x"}, 404, 20404},
		{"error unknown message", "GET", chPath + "/Messages/IM00000000000000000000000000000000", nil, 404, 20404},
		{"error malformed message SID", "GET", chPath + "/Messages/7", nil, 404, 20404},
		{"error bad order", "GET", chPath + "/Messages?Order=sideways", nil, 400, 20001},
		{"error bad page token", "GET", chPath + "/Messages?PageToken=PTnope", nil, 400, 20001},
		{"error bad page size", "GET", chPath + "/Messages?PageSize=0", nil, 400, 20001},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(c.method, c.path, form(c.form...)), c.status, c.code)
		})
	}
	if n := h.get(chPath)["messages_count"]; n != 2.0 {
		t.Errorf("messages_count = %v after failed creates, want 2", n)
	}
}

func TestMessageIndexesAndDelete(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	h.create(svc+"/Channels", form("UniqueName", "general"))
	chPath := svc + "/Channels/general"
	var msgs []map[string]any
	for i := range 3 {
		msgs = append(msgs, h.create(chPath+"/Messages", form("Body", fmt.Sprint(i))))
	}

	h.delete(chPath + "/Messages/" + str(msgs[2]["sid"]))
	ch := h.get(chPath)
	if ch["messages_count"] != 2.0 || obj(ch["links"])["last_message"] != msgs[1]["url"] {
		t.Errorf("after deleting the newest: count %v, last_message %v", ch["messages_count"], obj(ch["links"])["last_message"])
	}
	next := h.create(chPath+"/Messages", form("Body", "after"))
	if next["index"] != 3.0 {
		t.Errorf("index after a delete = %v, want 3 (indexes are never reused)", next["index"])
	}
	h.wantError(h.do(http.MethodDelete, chPath+"/Messages/"+str(msgs[2]["sid"]), nil), 404, 20404)
	for _, m := range []map[string]any{msgs[0], msgs[1], next} {
		h.delete(chPath + "/Messages/" + str(m["sid"]))
	}
	ch = h.get(chPath)
	if ch["messages_count"] != 0.0 || obj(ch["links"])["last_message"] != nil {
		t.Errorf("empty channel: count %v, last_message %v", ch["messages_count"], obj(ch["links"])["last_message"])
	}
}

func TestMessagePaging(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	h.create(svc+"/Channels", form("UniqueName", "general"))
	chPath := svc + "/Channels/general"
	const n = 23
	for i := range n {
		h.create(chPath+"/Messages", form("Body", fmt.Sprint(i)))
	}
	indexes := func(path string) []int {
		var out []int
		for _, m := range h.walk(path) {
			out = append(out, num(m["index"]))
		}
		return out
	}
	var asc, desc []int
	for i := range n {
		asc, desc = append(asc, i), append(desc, n-1-i)
	}
	for _, c := range []struct {
		name, query string
		want        []int
	}{
		{"asc default", "PageSize=5", asc},
		{"asc", "Order=asc&PageSize=4", asc},
		{"desc", "Order=desc&PageSize=5", desc},
		{"one page", "PageSize=100", asc},
		{"capped page size", "PageSize=1000", asc},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := indexes(chPath + "/Messages?" + c.query); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v\nwant %v", got, c.want)
			}
		})
	}
	t.Run("meta URLs", func(t *testing.T) {
		body := h.get(chPath + "/Messages?Order=desc&PageSize=5")
		meta := obj(body["meta"])
		base := h.URL() + chPath + "/Messages?Order=desc&PageSize=5&Page="
		if meta["first_page_url"] != base+"0" || meta["url"] != base+"0" || meta["previous_page_url"] != nil {
			t.Errorf("meta %v", meta)
		}
		page1 := h.get(str(meta["next_page_url"]))
		m1 := obj(page1["meta"])
		if m1["page"] != 1.0 || m1["url"] != meta["next_page_url"] || !strings.HasPrefix(str(m1["previous_page_url"]), base+"0&PageToken=PB") {
			t.Errorf("page 1 meta %v", m1)
		}
		back := h.get(str(m1["previous_page_url"]))
		if !reflect.DeepEqual(items(back), items(body)) {
			t.Errorf("previous page of page 1 differs from page 0")
		}
	})
	t.Run("tokens survive changes", func(t *testing.T) {
		page0 := h.get(chPath + "/Messages?PageSize=5")
		nextURL := str(obj(page0["meta"])["next_page_url"])
		h.delete(chPath + "/Messages/" + str(items(page0)[4]["sid"]))
		h.create(chPath+"/Messages", form("Body", "late"))
		got := items(h.get(nextURL))
		if num(got[0]["index"]) != 5 {
			t.Errorf("page after a deleted item starts at index %v, want 5", got[0]["index"])
		}
	})
	t.Run("page by offset", func(t *testing.T) {
		got := items(h.get(chPath + "/Messages?PageSize=5&Page=2"))
		if len(got) != 5 || num(got[0]["index"]) != 11 {
			t.Errorf("Page=2 without a token starts at %v (%d items)", got[0]["index"], len(got))
		}
	})
}

// TestConcurrentMessages sends messages from many clients at once: every
// write is acknowledged, indexes are dense and unique, and the counter is
// true.
func TestConcurrentMessages(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	h.create(svc+"/Channels", form("UniqueName", "busy"))
	const writers, each = 16, 10
	var wg sync.WaitGroup
	errs := make(chan string, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if r := h.do(http.MethodPost, svc+"/Channels/busy/Messages", form("Body", fmt.Sprint(w, i))); r.Status != 201 {
					errs <- string(r.Raw)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	seen := map[int]bool{}
	for _, m := range h.walk(svc + "/Channels/busy/Messages?PageSize=100") {
		seen[num(m["index"])] = true
	}
	for i := range writers * each {
		if !seen[i] {
			t.Errorf("index %d missing", i)
		}
	}
	if n := h.get(svc + "/Channels/busy")["messages_count"]; n != float64(writers*each) {
		t.Errorf("messages_count = %v", n)
	}
}
