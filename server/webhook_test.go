package server_test

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testFlowSid is a well-formed Studio Flow SID.
const testFlowSid = "FW0123456789abcdef0123456789abcdef"

// webhookChannel creates a Channel with the given unique name and returns
// its path by unique name and its CH SID.
func webhookChannel(h *harness, svc, uniqueName string) (path, sid string) {
	h.t.Helper()
	sid = str(h.create(svc+"/Channels", form("UniqueName", uniqueName))["sid"])
	return svc + "/Channels/" + uniqueName, sid
}

// webhookSids lists the SIDs of every webhook of a Channel, following
// next_page_url.
func webhookSids(h *harness, chPath string) []string {
	h.t.Helper()
	var out []string
	for _, wh := range h.walk(chPath + "/Webhooks") {
		out = append(out, str(wh["sid"]))
	}
	return out
}

// wantWebhookConfig checks a webhook's configuration object exactly.
func wantWebhookConfig(t *testing.T, wh map[string]any, want map[string]any) {
	t.Helper()
	if got := obj(wh["configuration"]); !reflect.DeepEqual(got, want) {
		t.Errorf("configuration = %#v, want %#v", got, want)
	}
}

// webhookForms are valid creates of each type, used where the type does not
// matter.
var webhookForms = map[string][]string{
	"webhook": {"Type", "webhook", "Configuration.Url", "https://hooks.example.com/a", "Configuration.Filters", "onMessageSent"},
	"trigger": {"Type", "trigger", "Configuration.Url", "https://hooks.example.com/t", "Configuration.Triggers", "help"},
	"studio":  {"Type", "studio", "Configuration.FlowSid", testFlowSid},
}

func TestChannelWebhookCreate(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	longURL := "https://hooks.example.com/" + strings.Repeat("a", 2048-len("https://hooks.example.com/"))

	for i, c := range []struct {
		name   string
		form   []string
		typ    string
		config map[string]any
	}{
		{"Webhook", []string{"Type", "webhook", "Configuration.Url", "https://hooks.example.com/in",
			"Configuration.Method", "GET", "Configuration.Filters", "onMessageSent",
			"Configuration.Filters", "onChannelDestroyed", "Configuration.RetryCount", "2"},
			"webhook", map[string]any{"url": "https://hooks.example.com/in", "method": "GET",
				"filters": []any{"onMessageSent", "onChannelDestroyed"}, "retry_count": 2.0}},
		{"WebhookDefaults", []string{"Type", "webhook", "Configuration.Url", "http://hooks.example.com/in",
			"Configuration.Filters", "onMessageSend"},
			"webhook", map[string]any{"url": "http://hooks.example.com/in", "method": "POST",
				"filters": []any{"onMessageSend"}, "retry_count": 0.0}},
		{"MethodIsStoredUpperCase", []string{"Type", "webhook", "Configuration.Url", "https://hooks.example.com/in",
			"Configuration.Filters", "onUserAdded", "Configuration.Method", "get"},
			"webhook", map[string]any{"url": "https://hooks.example.com/in", "method": "GET",
				"filters": []any{"onUserAdded"}, "retry_count": 0.0}},
		{"WebhookIgnoresOtherTypesKeys", []string{"Type", "webhook", "Configuration.Url", "https://hooks.example.com/in",
			"Configuration.Filters", "onMemberAdded", "Configuration.Triggers", "help",
			"Configuration.FlowSid", testFlowSid},
			"webhook", map[string]any{"url": "https://hooks.example.com/in", "method": "POST",
				"filters": []any{"onMemberAdded"}, "retry_count": 0.0}},
		{"URLOfMaximumLength", []string{"Type", "webhook", "Configuration.Url", longURL,
			"Configuration.Filters", "onMessageSent"},
			"webhook", map[string]any{"url": longURL, "method": "POST",
				"filters": []any{"onMessageSent"}, "retry_count": 0.0}},
		{"Trigger", []string{"Type", "trigger", "Configuration.Url", "https://hooks.example.com/t",
			"Configuration.Triggers", "help", "Configuration.Triggers", "agent please"},
			"trigger", map[string]any{"url": "https://hooks.example.com/t", "method": "POST",
				"triggers": []any{"help", "agent please"}, "retry_count": 0.0}},
		{"TriggerWithMethodAndRetries", []string{"Type", "trigger", "Configuration.Url", "https://hooks.example.com/t",
			"Configuration.Triggers", "1", "Configuration.Triggers", "2", "Configuration.Triggers", "3",
			"Configuration.Triggers", "4", "Configuration.Triggers", "5",
			"Configuration.Method", "GET", "Configuration.RetryCount", "3", "Configuration.Filters", "onMessageSent"},
			"trigger", map[string]any{"url": "https://hooks.example.com/t", "method": "GET",
				"triggers": []any{"1", "2", "3", "4", "5"}, "retry_count": 3.0}},
		{"Studio", []string{"Type", "studio", "Configuration.FlowSid", testFlowSid},
			"studio", map[string]any{"flow_sid": testFlowSid}},
		{"StudioWithFiltersAndRetries", []string{"Type", "studio", "Configuration.FlowSid", testFlowSid,
			"Configuration.Filters", "onMessageSent", "Configuration.RetryCount", "0",
			"Configuration.Url", "https://hooks.example.com/ignored", "Configuration.Method", "GET"},
			"studio", map[string]any{"flow_sid": testFlowSid, "filters": []any{"onMessageSent"}, "retry_count": 0.0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			chPath, chSid := webhookChannel(h, svc, fmt.Sprint("create-", i))
			wh := h.create(chPath+"/Webhooks", form(c.form...))
			sid := str(wh["sid"])
			if !strings.HasPrefix(sid, "WH") || len(sid) != 34 {
				t.Errorf("sid = %q", sid)
			}
			wantKeys := []string{"account_sid", "service_sid", "channel_sid", "sid", "type", "configuration",
				"date_created", "date_updated", "url"}
			if got := keys(wh); !webhookKeysEqual(got, wantKeys) {
				t.Errorf("keys = %v, want %v", got, wantKeys)
			}
			for k, want := range map[string]any{
				"account_sid": testAccount, "service_sid": svc[len("/v2/Services/"):], "channel_sid": chSid,
				"type": c.typ, "url": h.URL() + svc + "/Channels/" + chSid + "/Webhooks/" + sid,
			} {
				if wh[k] != want {
					t.Errorf("%s = %v, want %v", k, wh[k], want)
				}
			}
			if wh["date_created"] != wh["date_updated"] || str(wh["date_created"]) == "" {
				t.Errorf("dates = %v, %v", wh["date_created"], wh["date_updated"])
			}
			wantWebhookConfig(t, wh, c.config)
			if got := h.get(chPath + "/Webhooks/" + sid); !reflect.DeepEqual(got, wh) {
				t.Errorf("fetched %v\ncreated %v", got, wh)
			}
		})
	}
}

// webhookKeysEqual reports whether got holds exactly the keys of want.
func webhookKeysEqual(got, want []string) bool {
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}

func TestChannelWebhookCreateErrors(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	url := []string{"Configuration.Url", "https://hooks.example.com/in"}
	filter := []string{"Configuration.Filters", "onMessageSent"}
	webhook := func(kv ...string) []string {
		return append(append([]string{"Type", "webhook"}, url...), append(filter, kv...)...)
	}
	trigger := func(kv ...string) []string { return append([]string{"Type", "trigger"}, append(url, kv...)...) }
	studio := func(kv ...string) []string { return append([]string{"Type", "studio"}, kv...) }
	six := []string{}
	for i := range 6 {
		six = append(six, "Configuration.Triggers", fmt.Sprint("word", i))
	}

	for i, c := range []struct {
		name   string
		form   []string
		status int
		code   int
	}{
		{"ErrMissingType", append(url, filter...), 400, 20001},
		{"ErrEmptyType", append([]string{"Type", ""}, append(url, filter...)...), 400, 20001},
		{"ErrUnknownType", append([]string{"Type", "sms"}, append(url, filter...)...), 400, 50324},
		{"ErrTypeIsCaseSensitive", append([]string{"Type", "Webhook"}, append(url, filter...)...), 400, 50324},
		{"ErrWebhookWithoutURL", []string{"Type", "webhook", "Configuration.Filters", "onMessageSent"}, 400, 50329},
		{"ErrWebhookWithEmptyURL", []string{"Type", "webhook", "Configuration.Url", "", "Configuration.Filters", "onMessageSent"}, 400, 50329},
		{"ErrRelativeURL", []string{"Type", "webhook", "Configuration.Url", "dummy", "Configuration.Filters", "onMessageSent"}, 400, 20001},
		{"ErrNonHTTPURL", []string{"Type", "webhook", "Configuration.Url", "ftp://hooks.example.com/in", "Configuration.Filters", "onMessageSent"}, 400, 20001},
		{"ErrURLTooLong", []string{"Type", "webhook", "Configuration.Url", "https://hooks.example.com/" + strings.Repeat("a", 2048),
			"Configuration.Filters", "onMessageSent"}, 400, 50332},
		{"ErrWebhookWithoutFilters", append([]string{"Type", "webhook"}, url...), 400, 50330},
		{"ErrWebhookWithEmptyFilter", append([]string{"Type", "webhook", "Configuration.Filters", ""}, url...), 400, 50330},
		{"ErrUnknownFilter", webhook("Configuration.Filters", "onMessageExploded"), 400, 50325},
		{"ErrMethod", webhook("Configuration.Method", "PUT"), 400, 20001},
		{"ErrEmptyMethod", webhook("Configuration.Method", ""), 400, 20001},
		{"ErrRetryCountTooHigh", webhook("Configuration.RetryCount", "4"), 400, 50065},
		{"ErrRetryCountNegative", webhook("Configuration.RetryCount", "-1"), 400, 50065},
		{"ErrRetryCountNotANumber", webhook("Configuration.RetryCount", "twice"), 400, 50065},
		{"ErrTriggerWithoutURL", []string{"Type", "trigger", "Configuration.Triggers", "help"}, 400, 50329},
		{"ErrTriggerWithoutTriggers", trigger(), 400, 50331},
		{"ErrTriggerWithFiltersOnly", trigger("Configuration.Filters", "onMessageSent"), 400, 50331},
		{"ErrTooManyTriggers", trigger(six...), 400, 50322},
		{"ErrEmptyTrigger", trigger("Configuration.Triggers", "help", "Configuration.Triggers", ""), 400, 50326},
		{"ErrStudioWithoutFlowSid", studio(url...), 400, 50327},
		{"ErrStudioWithEmptyFlowSid", studio("Configuration.FlowSid", ""), 400, 50327},
		{"ErrStudioWithMalformedFlowSid", studio("Configuration.FlowSid", "FW123"), 400, 50327},
		{"ErrStudioWithOtherSid", studio("Configuration.FlowSid", "CH0123456789abcdef0123456789abcdef"), 400, 50327},
		{"ErrStudioWithUnknownFilter", studio("Configuration.FlowSid", testFlowSid, "Configuration.Filters", "nope"), 400, 50325},
		{"ErrStudioRetryCount", studio("Configuration.FlowSid", testFlowSid, "Configuration.RetryCount", "9"), 400, 50065},
		// A malformed parameter that the type does not use is still refused.
		{"ErrStudioWithMalformedURL", studio("Configuration.FlowSid", testFlowSid, "Configuration.Url", "dummy"), 400, 20001},
	} {
		t.Run(c.name, func(t *testing.T) {
			chPath, _ := webhookChannel(h, svc, fmt.Sprint("errors-", i))
			h.wantError(h.do(http.MethodPost, chPath+"/Webhooks", form(c.form...)), c.status, c.code)
			if got := webhookSids(h, chPath); len(got) != 0 {
				t.Errorf("a refused create stored %v", got)
			}
		})
	}

	t.Run("ErrUnknownChannel", func(t *testing.T) {
		h.wantError(h.do(http.MethodPost, svc+"/Channels/nowhere/Webhooks", form(webhookForms["webhook"]...)), 404, 20404)
		h.wantError(h.do(http.MethodGet, svc+"/Channels/nowhere/Webhooks", nil), 404, 20404)
	})
	t.Run("ErrUnknownService", func(t *testing.T) {
		other := "/v2/Services/IS0123456789abcdef0123456789abcdef/Channels/errors-0/Webhooks"
		h.wantError(h.do(http.MethodPost, other, form(webhookForms["webhook"]...)), 404, 20404)
		h.wantError(h.do(http.MethodGet, other, nil), 404, 20404)
	})
}

func TestChannelWebhookFetchListDelete(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	chPath, chSid := webhookChannel(h, svc, "general")
	bySid := svc + "/Channels/" + chSid
	var sids []string
	for _, typ := range []string{"webhook", "trigger", "studio"} {
		sids = append(sids, str(h.create(bySid+"/Webhooks", form(webhookForms[typ]...))["sid"]))
	}

	t.Run("FetchByUniqueNameOrSid", func(t *testing.T) {
		a, b := h.get(chPath+"/Webhooks/"+sids[1]), h.get(bySid+"/Webhooks/"+sids[1])
		if !reflect.DeepEqual(a, b) {
			t.Errorf("by unique name %v\nby SID %v", a, b)
		}
		if want := h.URL() + bySid + "/Webhooks/" + sids[1]; a["url"] != want {
			t.Errorf("url = %v, want %v (always by CH SID)", a["url"], want)
		}
	})
	t.Run("ListInCreationOrder", func(t *testing.T) {
		body := h.get(chPath + "/Webhooks")
		meta := obj(body["meta"])
		if meta["key"] != "webhooks" || num(meta["page_size"]) != 5 || meta["next_page_url"] != nil {
			t.Errorf("meta = %v", meta)
		}
		if want := h.URL() + chPath + "/Webhooks?PageSize=5&Page=0"; meta["first_page_url"] != want {
			t.Errorf("first_page_url = %v, want %v", meta["first_page_url"], want)
		}
		var got []string
		for _, wh := range items(body) {
			got = append(got, str(wh["sid"]))
		}
		if !slices.Equal(got, sids) {
			t.Errorf("listed %v, want %v", got, sids)
		}
		if got := items(body)[2]; !reflect.DeepEqual(got, h.get(bySid+"/Webhooks/"+sids[2])) {
			t.Errorf("listed item %v differs from its fetch", got)
		}
	})
	t.Run("Paging", func(t *testing.T) {
		for _, c := range []struct {
			query    string
			pageSize int
			pages    int
		}{
			{"?PageSize=2", 2, 2},
			{"?PageSize=1", 1, 3},
			{"?PageSize=5", 5, 1},
			{"?PageSize=50", 5, 1}, // capped at the maximum
		} {
			first := h.get(chPath + "/Webhooks" + c.query)
			if got := num(obj(first["meta"])["page_size"]); got != c.pageSize {
				t.Errorf("%s: page_size = %d, want %d", c.query, got, c.pageSize)
			}
			pages := 0
			for next := chPath + "/Webhooks" + c.query; next != ""; pages++ {
				next = str(obj(h.get(next)["meta"])["next_page_url"])
			}
			if pages != c.pages {
				t.Errorf("%s: %d pages, want %d", c.query, pages, c.pages)
			}
			if got := h.walk(chPath + "/Webhooks" + c.query); len(got) != 3 {
				t.Errorf("%s: walked %d webhooks, want 3", c.query, len(got))
			}
		}
		second := h.get(str(obj(h.get(chPath + "/Webhooks?PageSize=2")["meta"])["next_page_url"]))
		meta := obj(second["meta"])
		if !strings.Contains(str(meta["url"]), "PageToken=PT"+sids[1]) || meta["previous_page_url"] == nil {
			t.Errorf("second page meta = %v", meta)
		}
		if got := items(second); len(got) != 1 || got[0]["sid"] != sids[2] {
			t.Errorf("second page = %v", got)
		}
		h.wantError(h.do(http.MethodGet, chPath+"/Webhooks?PageSize=0", nil), 400, 20001)
		h.wantError(h.do(http.MethodGet, chPath+"/Webhooks?PageToken=PTbogus", nil), 400, 20001)
	})
	t.Run("ErrOtherChannel", func(t *testing.T) {
		otherPath, _ := webhookChannel(h, svc, "other")
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			h.wantError(h.do(method, otherPath+"/Webhooks/"+sids[0], form("Configuration.RetryCount", "1")), 404, 20404)
		}
		if got := h.get(chPath + "/Webhooks/" + sids[0]); num(obj(got["configuration"])["retry_count"]) != 0 {
			t.Errorf("webhook changed through another channel: %v", got)
		}
	})
	t.Run("ErrUnknownSid", func(t *testing.T) {
		for _, sid := range []string{"WH0123456789abcdef0123456789abcdef", "nope"} {
			for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
				h.wantError(h.do(method, chPath+"/Webhooks/"+sid, nil), 404, 20404)
			}
		}
	})
	t.Run("Delete", func(t *testing.T) {
		h.delete(chPath + "/Webhooks/" + sids[1])
		h.wantError(h.do(http.MethodGet, chPath+"/Webhooks/"+sids[1], nil), 404, 20404)
		h.wantError(h.do(http.MethodDelete, bySid+"/Webhooks/"+sids[1], nil), 404, 20404)
		if got := webhookSids(h, chPath); !slices.Equal(got, []string{sids[0], sids[2]}) {
			t.Errorf("after delete: %v", got)
		}
	})
}

func TestChannelWebhookLimit(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	chPath, _ := webhookChannel(h, svc, "busy")
	types := []string{"webhook", "trigger", "studio", "webhook", "trigger"}
	var sids []string
	for _, typ := range types {
		sids = append(sids, str(h.create(chPath+"/Webhooks", form(webhookForms[typ]...))["sid"]))
	}

	for _, typ := range []string{"webhook", "trigger", "studio"} {
		t.Run("ErrSixth"+typ, func(t *testing.T) {
			h.wantError(h.do(http.MethodPost, chPath+"/Webhooks", form(webhookForms[typ]...)), 403, 50321)
			if got := webhookSids(h, chPath); !slices.Equal(got, sids) {
				t.Errorf("after a refused sixth: %v, want %v", got, sids)
			}
		})
	}
	t.Run("ConcurrentCreatesStopAtFive", func(t *testing.T) {
		racePath, _ := webhookChannel(h, svc, "race")
		const writers = 12
		statuses := make(chan int, writers)
		var wg sync.WaitGroup
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- h.do(http.MethodPost, racePath+"/Webhooks", form(webhookForms["webhook"]...)).Status
			}()
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for st := range statuses {
			count[st]++
		}
		if count[201] != 5 || count[403] != writers-5 {
			t.Errorf("statuses = %v, want 5 × 201 and %d × 403", count, writers-5)
		}
		if got := webhookSids(h, racePath); len(got) != 5 {
			t.Errorf("%d webhooks stored, want 5", len(got))
		}
	})
	t.Run("PerChannel", func(t *testing.T) {
		otherPath, _ := webhookChannel(h, svc, "quiet")
		h.create(otherPath+"/Webhooks", form(webhookForms["studio"]...))
	})
	t.Run("DeleteMakesRoom", func(t *testing.T) {
		h.delete(chPath + "/Webhooks/" + sids[2])
		added := str(h.create(chPath+"/Webhooks", form(webhookForms["studio"]...))["sid"])
		want := append(slices.Delete(slices.Clone(sids), 2, 3), added)
		if got := webhookSids(h, chPath); !slices.Equal(got, want) {
			t.Errorf("webhooks = %v, want %v", got, want)
		}
		h.wantError(h.do(http.MethodPost, chPath+"/Webhooks", form(webhookForms["webhook"]...)), 403, 50321)
	})
}

func TestChannelWebhookUpdate(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	// newWebhook creates a webhook of typ on a Channel of its own (a
	// Channel holds at most five) and returns its path.
	n := 0
	newWebhook := func(typ string) string {
		t.Helper()
		n++
		chPath, _ := webhookChannel(h, svc, fmt.Sprint("update-", n))
		return chPath + "/Webhooks/" + str(h.create(chPath+"/Webhooks", form(webhookForms[typ]...))["sid"])
	}

	for _, c := range []struct {
		name   string
		typ    string
		form   []string
		config map[string]any
	}{
		{"WebhookMethodOnly", "webhook", []string{"Configuration.Method", "get"},
			map[string]any{"url": "https://hooks.example.com/a", "method": "GET", "filters": []any{"onMessageSent"}, "retry_count": 0.0}},
		{"WebhookEverything", "webhook", []string{"Configuration.Url", "https://hooks.example.com/b",
			"Configuration.Method", "GET", "Configuration.Filters", "onMemberAdded", "Configuration.Filters", "onMemberRemoved",
			"Configuration.RetryCount", "3"},
			map[string]any{"url": "https://hooks.example.com/b", "method": "GET",
				"filters": []any{"onMemberAdded", "onMemberRemoved"}, "retry_count": 3.0}},
		{"WebhookIgnoresTypeAndOtherKeys", "webhook", []string{"Type", "studio", "Configuration.FlowSid", testFlowSid,
			"Configuration.Triggers", "help"},
			map[string]any{"url": "https://hooks.example.com/a", "method": "POST", "filters": []any{"onMessageSent"}, "retry_count": 0.0}},
		{"TriggerWords", "trigger", []string{"Configuration.Triggers", "urgent", "Configuration.Triggers", "asap"},
			map[string]any{"url": "https://hooks.example.com/t", "method": "POST", "triggers": []any{"urgent", "asap"}, "retry_count": 0.0}},
		{"StudioFlow", "studio", []string{"Configuration.FlowSid", "FWffffffffffffffffffffffffffffffff"},
			map[string]any{"flow_sid": "FWffffffffffffffffffffffffffffffff"}},
		{"StudioAddsFiltersAndRetries", "studio", []string{"Configuration.Filters", "onMessageSent", "Configuration.RetryCount", "1"},
			map[string]any{"flow_sid": testFlowSid, "filters": []any{"onMessageSent"}, "retry_count": 1.0}},
		{"Nothing", "trigger", nil,
			map[string]any{"url": "https://hooks.example.com/t", "method": "POST", "triggers": []any{"help"}, "retry_count": 0.0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := newWebhook(c.typ)
			before := h.get(path)
			got := h.update(path, form(c.form...))
			if got["type"] != c.typ || got["sid"] != before["sid"] || got["date_created"] != before["date_created"] {
				t.Errorf("updated %v\nfrom %v", got, before)
			}
			wantWebhookConfig(t, got, c.config)
			if fetched := h.get(path); !reflect.DeepEqual(fetched, got) {
				t.Errorf("fetched %v\nupdated %v", fetched, got)
			}
		})
	}

	t.Run("StudioClearsFilters", func(t *testing.T) {
		path := newWebhook("studio")
		h.update(path, form("Configuration.Filters", "onMessageSent"))
		wantWebhookConfig(t, h.update(path, form("Configuration.Filters", "")), map[string]any{"flow_sid": testFlowSid})
	})

	for _, c := range []struct {
		name   string
		typ    string
		form   []string
		status int
		code   int
	}{
		{"ErrClearURL", "webhook", []string{"Configuration.Url", ""}, 400, 50329},
		{"ErrClearFilters", "webhook", []string{"Configuration.Filters", ""}, 400, 50330},
		{"ErrUnknownFilter", "webhook", []string{"Configuration.Filters", "onNothing"}, 400, 50325},
		{"ErrBadURL", "webhook", []string{"Configuration.Url", "hooks.example.com"}, 400, 20001},
		{"ErrURLTooLong", "trigger", []string{"Configuration.Url", "https://x.example/" + strings.Repeat("z", 2040)}, 400, 50332},
		{"ErrMethod", "trigger", []string{"Configuration.Method", "DELETE"}, 400, 20001},
		{"ErrRetryCount", "webhook", []string{"Configuration.RetryCount", "4"}, 400, 50065},
		{"ErrClearTriggers", "trigger", []string{"Configuration.Triggers", ""}, 400, 50326},
		{"ErrTooManyTriggers", "trigger", []string{"Configuration.Triggers", "a", "Configuration.Triggers", "b",
			"Configuration.Triggers", "c", "Configuration.Triggers", "d", "Configuration.Triggers", "e",
			"Configuration.Triggers", "f"}, 400, 50322},
		{"ErrFlowSid", "studio", []string{"Configuration.FlowSid", "FWnothex"}, 400, 50327},
		{"ErrEmptyFlowSid", "studio", []string{"Configuration.FlowSid", ""}, 400, 50327},
		// The first check refuses the whole update: nothing else is applied.
		{"ErrPartlyValid", "webhook", []string{"Configuration.Method", "GET", "Configuration.RetryCount", "7"}, 400, 50065},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := newWebhook(c.typ)
			before := h.get(path)
			h.wantError(h.do(http.MethodPost, path, form(c.form...)), c.status, c.code)
			if after := h.get(path); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused update changed %v\nto %v", before, after)
			}
		})
	}
}

func TestChannelWebhookCascades(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()

	t.Run("DeletingTheChannelDeletesItsWebhooks", func(t *testing.T) {
		chPath, chSid := webhookChannel(h, svc, "doomed")
		keepPath, _ := webhookChannel(h, svc, "kept")
		wh := str(h.create(chPath+"/Webhooks", form(webhookForms["webhook"]...))["sid"])
		kept := str(h.create(keepPath+"/Webhooks", form(webhookForms["studio"]...))["sid"])
		h.delete(chPath)
		h.wantError(h.do(http.MethodGet, svc+"/Channels/"+chSid+"/Webhooks/"+wh, nil), 404, 20404)
		h.wantError(h.do(http.MethodGet, svc+"/Channels/"+chSid+"/Webhooks", nil), 404, 20404)
		webhookChannel(h, svc, "doomed") // the unique name again: a new, empty Channel
		if got := webhookSids(h, chPath); len(got) != 0 {
			t.Errorf("a new channel under the old name lists %v", got)
		}
		if got := webhookSids(h, keepPath); !slices.Equal(got, []string{kept}) {
			t.Errorf("other channel lists %v, want [%s]", got, kept)
		}
	})
	t.Run("DeletingTheServiceDeletesThem", func(t *testing.T) {
		other := h.newService()
		chPath, _ := webhookChannel(h, other, "room")
		wh := str(h.create(chPath+"/Webhooks", form(webhookForms["trigger"]...))["sid"])
		h.delete(other)
		h.wantError(h.do(http.MethodGet, chPath+"/Webhooks/"+wh, nil), 404, 20404)
	})
	t.Run("RenamingTheChannelKeepsThem", func(t *testing.T) {
		chPath, chSid := webhookChannel(h, svc, "before")
		wh := str(h.create(chPath+"/Webhooks", form(webhookForms["webhook"]...))["sid"])
		h.update(svc+"/Channels/"+chSid, form("UniqueName", "after"))
		if got := webhookSids(h, svc+"/Channels/after"); !slices.Equal(got, []string{wh}) {
			t.Errorf("renamed channel lists %v, want [%s]", got, wh)
		}
		h.wantError(h.do(http.MethodGet, chPath+"/Webhooks", nil), 404, 20404)
	})
	t.Run("NotInV1", func(t *testing.T) {
		chPath, chSid := webhookChannel(h, svc, "v1")
		h.create(chPath+"/Webhooks", form(webhookForms["studio"]...))
		r := h.do(http.MethodGet, "/v1/Services/"+svc[len("/v2/Services/"):]+"/Channels/"+chSid+"/Webhooks", nil)
		if r.Status != http.StatusNotFound {
			t.Errorf("v1 Webhooks: status %d, want 404", r.Status)
		}
	})
}
