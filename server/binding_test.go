package server_test

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chatd/chatd/model"
)

// allMessageTypes is the default message_types of a Binding: all four, in
// the order of model.BindingMessageTypes.
var allMessageTypes = []any{"new_message", "added_to_channel", "invited_to_channel", "removed_from_channel"}

// bindingCredential creates an account-level push Credential of type typ
// and returns its CR SID.
func bindingCredential(t testing.TB, h *harness, typ string) string {
	t.Helper()
	return str(h.create("/v2/Credentials", form("Type", typ, "FriendlyName", "push "+typ))["sid"])
}

// bindingsPath is chatd's create route of the Service at svc (/v2/Services/IS…).
func bindingsPath(svc string) string {
	return "/_chatd/Services/" + strings.TrimPrefix(svc, "/v2/Services/") + "/Bindings"
}

// newBinding registers a device through chatd's route and requires a 201.
func newBinding(t testing.TB, h *harness, svc, identity, typ, endpoint, cred string, kv ...string) map[string]any {
	t.Helper()
	f := form(append([]string{"Identity", identity, "BindingType", typ, "Endpoint", endpoint, "CredentialSid", cred}, kv...)...)
	return h.create(bindingsPath(svc), f)
}

// sidsOf returns the sid of each item.
func sidsOf(list []map[string]any) []string {
	var out []string
	for _, it := range list {
		out = append(out, str(it["sid"]))
	}
	return out
}

func TestBindingCreate(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	sv := h.get(svc)
	cred := bindingCredential(t, h, model.PushAPN)
	b := newBinding(t, h, svc, "alice", "apn", "endpoint-a", cred)
	sid := str(b["sid"])

	t.Run("defaults", func(t *testing.T) {
		if !model.IsSID(model.PrefixBinding, sid) {
			t.Fatalf("sid = %q", sid)
		}
		want := map[string]any{
			"account_sid": testAccount, "service_sid": sv["sid"], "identity": "alice", "endpoint": "endpoint-a",
			"binding_type": "apn", "credential_sid": cred, "date_updated": b["date_created"],
			"url":   h.URL() + svc + "/Bindings/" + sid,
			"links": map[string]any{"user": h.URL() + svc + "/Users/alice"},
		}
		for k, v := range want {
			if !reflect.DeepEqual(b[k], v) {
				t.Errorf("%s = %v, want %v", k, b[k], v)
			}
		}
		if !reflect.DeepEqual(b["message_types"], allMessageTypes) {
			t.Errorf("message_types = %v, want all four", b["message_types"])
		}
	})
	t.Run("is the fetched binding", func(t *testing.T) {
		if got := h.get(svc + "/Bindings/" + sid); !reflect.DeepEqual(got, b) {
			t.Errorf("fetched %v\ncreated %v", got, b)
		}
	})
	t.Run("creates user with default role", func(t *testing.T) {
		u := h.get(svc + "/Users/alice")
		if u["role_sid"] != sv["default_service_role_sid"] || u["attributes"] != "{}" || u["friendly_name"] != nil {
			t.Errorf("auto-created user %v", u)
		}
		if got := h.get(svc + "/Users/alice/Bindings/" + sid)["user_sid"]; got != u["sid"] {
			t.Errorf("user_sid = %v, want %v", got, u["sid"])
		}
	})
	t.Run("existing user is kept", func(t *testing.T) {
		u := h.create(svc+"/Users", form("Identity", "bob", "FriendlyName", "Bob"))
		got := newBinding(t, h, svc, "bob", "fcm", "endpoint-b", cred)
		ub := h.get(svc + "/Users/bob/Bindings/" + str(got["sid"]))
		if ub["user_sid"] != u["sid"] || h.get(svc + "/Users/bob")["friendly_name"] != "Bob" {
			t.Errorf("binding of bob %v; user %v", ub, u)
		}
	})
	t.Run("message types", func(t *testing.T) {
		got := newBinding(t, h, svc, "alice", "gcm", "endpoint-types", cred,
			"MessageTypes", "removed_from_channel", "MessageTypes", "new_message", "MessageTypes", "new_message")
		if want := []any{"removed_from_channel", "new_message"}; !reflect.DeepEqual(got["message_types"], want) {
			t.Errorf("message_types = %v, want %v (first-seen order, no repeats)", got["message_types"], want)
		}
	})
	t.Run("replace keeps SID and date created", func(t *testing.T) {
		other := bindingCredential(t, h, model.PushAPN)
		r := h.do(http.MethodPost, bindingsPath(svc), form("Identity", "alice", "BindingType", "apn", "Endpoint", "endpoint-a",
			"CredentialSid", other, "MessageTypes", "invited_to_channel"))
		if r.Status != http.StatusOK {
			t.Fatalf("status %d, want 200 for a replaced binding\n%s", r.Status, r.Raw)
		}
		want := map[string]any{
			"sid": sid, "date_created": b["date_created"], "credential_sid": other,
			"message_types": []any{"invited_to_channel"}, "identity": "alice", "endpoint": "endpoint-a",
		}
		for k, v := range want {
			if !reflect.DeepEqual(r.Body[k], v) {
				t.Errorf("%s = %v, want %v", k, r.Body[k], v)
			}
		}
		if got := h.get(svc + "/Bindings/" + sid); !reflect.DeepEqual(got, r.Body) {
			t.Errorf("fetched %v\nreplaced %v", got, r.Body)
		}
		if n := len(items(h.get(svc + "/Bindings?BindingType=apn"))); n != 1 {
			t.Errorf("%d apn bindings after the replace, want 1", n)
		}
	})
	t.Run("replace moves the device to its new user", func(t *testing.T) {
		r := h.do(http.MethodPost, bindingsPath(svc), form("Identity", "carol", "BindingType", "apn", "Endpoint", "endpoint-a", "CredentialSid", cred))
		if r.Status != http.StatusOK || r.Body["sid"] != sid || r.Body["identity"] != "carol" || r.Body["date_created"] != b["date_created"] {
			t.Fatalf("status %d, body %s; want 200 with %s now of carol", r.Status, r.Raw, sid)
		}
		if got := h.get(svc + "/Users/carol/Bindings/" + sid); got["identity"] != "carol" {
			t.Errorf("carol's binding %v", got)
		}
		h.wantError(h.do(http.MethodGet, svc+"/Users/alice/Bindings/"+sid, nil), 404, 20404)
		if got := sidsOf(items(h.get(svc + "/Users/alice/Bindings"))); len(got) != 1 {
			t.Errorf("alice's bindings %v, want only the gcm one", got)
		}
	})
	t.Run("same endpoint of another type is another device", func(t *testing.T) {
		got := newBinding(t, h, svc, "alice", "fcm", "endpoint-a", cred)
		if got["sid"] == sid {
			t.Errorf("fcm endpoint-a replaced the apn binding %s", sid)
		}
	})
	t.Run("identity is escaped in links", func(t *testing.T) {
		got := newBinding(t, h, svc, "d a/n@x", "apn", "endpoint-d", cred)
		if want := h.URL() + svc + "/Users/d%20a%2Fn@x"; obj(got["links"])["user"] != want {
			t.Errorf("links.user = %v, want %s", obj(got["links"])["user"], want)
		}
		if list := sidsOf(items(h.get(svc + "/Users/d%20a%2Fn@x/Bindings"))); !reflect.DeepEqual(list, []string{str(got["sid"])}) {
			t.Errorf("bindings of the escaped identity %v", list)
		}
	})
	t.Run("API key authenticates", func(t *testing.T) {
		r := h.doAuth(http.MethodPost, bindingsPath(svc), form("Identity", "erin", "BindingType", "gcm", "Endpoint", "endpoint-e", "CredentialSid", cred), testAPIKey, testAPISecret)
		if r.Status != http.StatusCreated {
			t.Errorf("status %d with the API key, want 201\n%s", r.Status, r.Raw)
		}
	})
}

func TestBindingCreateErrors(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	cred := bindingCredential(t, h, model.PushFCM)
	newBinding(t, h, svc, "alice", "fcm", "endpoint-a", cred)
	valid := []string{"Identity", "dave", "BindingType", "fcm", "Endpoint", "endpoint-d", "CredentialSid", cred}
	// with returns valid with key set to value, or without key when value
	// is nil.
	with := func(key string, value *string) []string {
		var out []string
		for i := 0; i < len(valid); i += 2 {
			if valid[i] != key {
				out = append(out, valid[i], valid[i+1])
			} else if value != nil {
				out = append(out, key, *value)
			}
		}
		return out
	}
	// plus returns valid with more pairs.
	plus := func(kv ...string) []string { return append(slices.Clone(valid), kv...) }
	s := func(v string) *string { return &v }
	unknownService := "/v2/Services/IS" + strings.Repeat("0", 32)
	deleted := bindingCredential(t, h, model.PushAPN)
	h.delete("/v2/Credentials/" + deleted)

	for _, c := range []struct {
		name   string
		path   string
		form   []string
		status int
		code   int
	}{
		{"error missing identity", svc, with("Identity", nil), 400, 20001},
		{"error empty identity", svc, with("Identity", s("")), 400, 20001},
		{"error identity too long", svc, with("Identity", s(strings.Repeat("d", 257))), 400, 50207},
		{"error identity looks like user SID", svc, with("Identity", s("US"+strings.Repeat("a", 32))), 400, 50206},
		{"error missing binding type", svc, with("BindingType", nil), 400, 20001},
		{"error binding type", svc, with("BindingType", s("sms")), 400, 50209},
		{"error binding type case", svc, with("BindingType", s("APN")), 400, 50209},
		{"error missing endpoint", svc, with("Endpoint", nil), 400, 20001},
		{"error endpoint too long", svc, with("Endpoint", s(strings.Repeat("e", model.MaxEndpointLength+1))), 400, 20001},
		{"error missing credential SID", svc, with("CredentialSid", nil), 400, 20001},
		{"error malformed credential SID", svc, with("CredentialSid", s("CR123")), 400, 20001},
		{"error credential SID of another resource", svc, with("CredentialSid", s("IS"+strings.Repeat("0", 32))), 400, 20001},
		{"error unknown credential", svc, with("CredentialSid", s("CR"+strings.Repeat("0", 32))), 404, 20404},
		{"error message type", svc, plus("MessageTypes", "typing"), 400, 20001},
		{"error one bad message type", svc, plus("MessageTypes", "new_message", "MessageTypes", "NewMessage"), 400, 20001},
		{"error deleted credential", svc, with("CredentialSid", &deleted), 404, 20404},
		{"error unknown service", unknownService, valid, 404, 20404},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(http.MethodPost, bindingsPath(c.path), form(c.form...)), c.status, c.code)
		})
	}
	t.Run("stores nothing", func(t *testing.T) {
		h.wantError(h.do(http.MethodGet, svc+"/Users/dave", nil), 404, 20404)
		if got := len(items(h.get(svc + "/Bindings"))); got != 1 {
			t.Errorf("%d bindings after the refused creates, want 1", got)
		}
	})
	t.Run("unknown credential is named", func(t *testing.T) {
		unknown := "CR" + strings.Repeat("0", 32)
		r := h.do(http.MethodPost, bindingsPath(svc), form(with("CredentialSid", &unknown)...))
		if msg := str(r.Body["message"]); !strings.Contains(msg, "/Credentials/"+unknown) {
			t.Errorf("message %q does not name the credential", msg)
		}
	})
	t.Run("error no credentials", func(t *testing.T) {
		for _, auth := range [][2]string{{"", ""}, {testAccount, "wrong"}} {
			r := h.doAuth(http.MethodPost, bindingsPath(svc), form(valid...), auth[0], auth[1])
			h.wantError(r, 401, 20003)
		}
		h.wantError(h.do(http.MethodGet, svc+"/Users/dave", nil), 404, 20404)
	})
	t.Run("error only post", func(t *testing.T) {
		h.wantError(h.do(http.MethodGet, bindingsPath(svc), nil), 405, 20004)
	})
}

// bindingFixture is a Service holding seven Bindings:
//
//	1 alice apn   2 bob fcm   3 alice gcm   4 carol apn
//	5 bob apn     6 alice fcm 7 alice apn
//
// and dave, a User without any; sids[i] is Binding i+1.
type bindingFixture struct {
	svc  string
	sids []string
	user map[string]string // identity → US SID
}

func newBindingFixture(t *testing.T, h *harness) bindingFixture {
	t.Helper()
	fx := bindingFixture{svc: h.newService(), user: map[string]string{}}
	cred := bindingCredential(t, h, model.PushFCM)
	for i, d := range [][2]string{
		{"alice", "apn"}, {"bob", "fcm"}, {"alice", "gcm"}, {"carol", "apn"},
		{"bob", "apn"}, {"alice", "fcm"}, {"alice", "apn"},
	} {
		b := newBinding(t, h, fx.svc, d[0], d[1], "endpoint-"+itoa(i+1), cred)
		fx.sids = append(fx.sids, str(b["sid"]))
	}
	h.create(fx.svc+"/Users", form("Identity", "dave"))
	for _, id := range []string{"alice", "bob", "carol", "dave"} {
		fx.user[id] = str(h.get(fx.svc + "/Users/" + id)["sid"])
	}
	return fx
}

// of returns the SIDs of Bindings n… (1-based).
func (fx bindingFixture) of(ns ...int) []string {
	var out []string
	for _, n := range ns {
		out = append(out, fx.sids[n-1])
	}
	return out
}

func TestBindingList(t *testing.T) {
	h := newHarness(t)
	fx := newBindingFixture(t, h)

	for _, c := range []struct {
		name  string
		query string
		want  []string
		meta  string // the filter part of meta.url
	}{
		{"all", "", fx.of(1, 2, 3, 4, 5, 6, 7), ""},
		{"one type", "BindingType=apn", fx.of(1, 4, 5, 7), "BindingType=apn&"},
		{"two types", "BindingType=apn&BindingType=fcm", fx.of(1, 2, 4, 5, 6, 7), "BindingType=apn&BindingType=fcm&"},
		{"one identity", "Identity=alice", fx.of(1, 3, 6, 7), "Identity=alice&"},
		{"two identities", "Identity=bob&Identity=alice", fx.of(1, 2, 3, 5, 6, 7), "Identity=bob&Identity=alice&"},
		{"repeated identity", "Identity=alice&Identity=alice", fx.of(1, 3, 6, 7), "Identity=alice&Identity=alice&"},
		{"unknown identity", "Identity=nobody", nil, "Identity=nobody&"},
		{"identity without bindings", "Identity=dave", nil, "Identity=dave&"},
		{"user SID is not an identity", "Identity=" + fx.user["alice"], nil, "Identity=" + fx.user["alice"] + "&"},
		{"type and identity", "Identity=alice&BindingType=apn", fx.of(1, 7), "BindingType=apn&Identity=alice&"},
		{"types and identities", "BindingType=apn&BindingType=gcm&Identity=carol&Identity=alice", fx.of(1, 3, 4, 7),
			"BindingType=apn&BindingType=gcm&Identity=carol&Identity=alice&"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := fx.svc + "/Bindings?" + c.query
			body := h.get(path)
			if got := sidsOf(items(body)); !reflect.DeepEqual(got, c.want) {
				t.Errorf("listed %v, want %v", got, c.want)
			}
			meta := obj(body["meta"])
			if want := h.URL() + fx.svc + "/Bindings?" + c.meta + "PageSize=50&Page=0"; meta["url"] != want || meta["first_page_url"] != want {
				t.Errorf("meta.url = %v, first_page_url = %v; want %s", meta["url"], meta["first_page_url"], want)
			}
			if meta["key"] != "bindings" || meta["next_page_url"] != nil {
				t.Errorf("meta = %v", meta)
			}
			for _, size := range []string{"1", "2", "3"} {
				if got := sidsOf(h.walk(path + "&PageSize=" + size)); !reflect.DeepEqual(got, c.want) {
					t.Errorf("walked %v with PageSize=%s, want %v", got, size, c.want)
				}
			}
		})
	}

	t.Run("items are service bindings", func(t *testing.T) {
		it := items(h.get(fx.svc + "/Bindings?Identity=carol"))[0]
		if _, ok := it["user_sid"]; ok || obj(it["links"])["user"] != h.URL()+fx.svc+"/Users/carol" {
			t.Errorf("item %v", it)
		}
	})
	t.Run("previous page", func(t *testing.T) {
		first := h.get(fx.svc + "/Bindings?BindingType=apn&PageSize=2")
		second := h.get(str(obj(first["meta"])["next_page_url"]))
		prev := str(obj(second["meta"])["previous_page_url"])
		if !strings.Contains(prev, "BindingType=apn&PageSize=2&Page=0&PageToken=PB") {
			t.Fatalf("previous_page_url = %q", prev)
		}
		if got := sidsOf(items(h.get(prev))); !reflect.DeepEqual(got, fx.of(1, 4)) {
			t.Errorf("previous page %v, want %v", got, fx.of(1, 4))
		}
	})
	t.Run("page size is capped at 50", func(t *testing.T) {
		if got := obj(h.get(fx.svc + "/Bindings?PageSize=51")["meta"])["page_size"]; got != 50.0 {
			t.Errorf("meta.page_size = %v, want 50", got)
		}
		if got := obj(h.get(fx.svc + "/Users/alice/Bindings?PageSize=1000")["meta"])["page_size"]; got != 50.0 {
			t.Errorf("user bindings meta.page_size = %v, want 50", got)
		}
	})
}

func TestUserBindingList(t *testing.T) {
	h := newHarness(t)
	fx := newBindingFixture(t, h)
	alice := fx.svc + "/Users/" + fx.user["alice"]

	for _, c := range []struct {
		name  string
		path  string
		query string
		want  []string
	}{
		{"by SID", alice, "", fx.of(1, 3, 6, 7)},
		{"by identity", fx.svc + "/Users/alice", "", fx.of(1, 3, 6, 7)},
		{"one type", alice, "BindingType=apn", fx.of(1, 7)},
		{"two types", fx.svc + "/Users/alice", "BindingType=gcm&BindingType=apn", fx.of(1, 3, 7)},
		{"another user", fx.svc + "/Users/bob", "", fx.of(2, 5)},
		{"no bindings", fx.svc + "/Users/dave", "", nil},
		{"type without bindings", fx.svc + "/Users/bob", "BindingType=gcm", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := c.path + "/Bindings?" + c.query
			body := h.get(path)
			if got := sidsOf(items(body)); !reflect.DeepEqual(got, c.want) {
				t.Errorf("listed %v, want %v", got, c.want)
			}
			filters := c.query
			if filters != "" {
				filters += "&"
			}
			if want := h.URL() + c.path + "/Bindings?" + filters + "PageSize=50&Page=0"; obj(body["meta"])["url"] != want {
				t.Errorf("meta.url = %v, want %s", obj(body["meta"])["url"], want)
			}
			for _, size := range []string{"1", "2"} {
				if got := sidsOf(h.walk(path + "&PageSize=" + size)); !reflect.DeepEqual(got, c.want) {
					t.Errorf("walked %v with PageSize=%s, want %v", got, size, c.want)
				}
			}
		})
	}
	t.Run("items are user bindings", func(t *testing.T) {
		for _, it := range items(h.get(fx.svc + "/Users/alice/Bindings")) {
			if it["user_sid"] != fx.user["alice"] || it["url"] != h.URL()+alice+"/Bindings/"+str(it["sid"]) || it["identity"] != "alice" {
				t.Errorf("item %v", it)
			}
			if _, ok := it["links"]; ok {
				t.Errorf("a user binding has links: %v", it)
			}
		}
	})
}

func TestBindingFetchAndDelete(t *testing.T) {
	h := newHarness(t)
	fx := newBindingFixture(t, h)
	alice, bob := fx.svc+"/Users/alice", fx.svc+"/Users/bob"
	b1 := fx.sids[0] // alice's

	t.Run("user binding by SID and identity", func(t *testing.T) {
		bySid := h.get(fx.svc + "/Users/" + fx.user["alice"] + "/Bindings/" + b1)
		byIdentity := h.get(alice + "/Bindings/" + b1)
		if !reflect.DeepEqual(bySid, byIdentity) {
			t.Errorf("by SID %v\nby identity %v", bySid, byIdentity)
		}
		service := h.get(fx.svc + "/Bindings/" + b1)
		for _, k := range []string{"sid", "account_sid", "service_sid", "date_created", "date_updated", "endpoint",
			"identity", "credential_sid", "binding_type", "message_types"} {
			if !reflect.DeepEqual(bySid[k], service[k]) {
				t.Errorf("%s = %v under the user, %v at service level", k, bySid[k], service[k])
			}
		}
		if want := h.URL() + fx.svc + "/Users/" + fx.user["alice"] + "/Bindings/" + b1; bySid["url"] != want || bySid["user_sid"] != fx.user["alice"] {
			t.Errorf("url = %v, user_sid = %v; want %s under %s", bySid["url"], bySid["user_sid"], want, fx.user["alice"])
		}
	})

	for _, c := range []struct {
		name   string
		method string
		path   string
	}{
		{"error fetch unknown", http.MethodGet, fx.svc + "/Bindings/BS" + strings.Repeat("0", 32)},
		{"error fetch not a SID", http.MethodGet, fx.svc + "/Bindings/endpoint-1"},
		{"error delete unknown", http.MethodDelete, fx.svc + "/Bindings/BS" + strings.Repeat("0", 32)},
		{"error fetch of another user", http.MethodGet, bob + "/Bindings/" + b1},
		{"error delete of another user", http.MethodDelete, bob + "/Bindings/" + b1},
		{"error fetch of user without", http.MethodGet, fx.svc + "/Users/dave/Bindings/" + b1},
		{"error fetch unknown user", http.MethodGet, fx.svc + "/Users/nobody/Bindings/" + b1},
		{"error list unknown user", http.MethodGet, fx.svc + "/Users/nobody/Bindings"},
		{"error delete unknown user", http.MethodDelete, fx.svc + "/Users/nobody/Bindings/" + b1},
		{"error fetch unknown service", http.MethodGet, "/v2/Services/IS" + strings.Repeat("0", 32) + "/Bindings/" + b1},
		{"error v1 has no bindings", http.MethodGet, strings.Replace(fx.svc, "/v2/", "/v1/", 1) + "/Bindings"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(c.method, c.path, nil), 404, 20404)
		})
	}
	t.Run("refused deletes keep the binding", func(t *testing.T) {
		h.get(fx.svc + "/Bindings/" + b1)
	})

	t.Run("delete under the user", func(t *testing.T) {
		h.delete(alice + "/Bindings/" + b1)
		h.wantError(h.do(http.MethodGet, fx.svc+"/Bindings/"+b1, nil), 404, 20404)
		h.wantError(h.do(http.MethodGet, alice+"/Bindings/"+b1, nil), 404, 20404)
		h.wantError(h.do(http.MethodDelete, alice+"/Bindings/"+b1, nil), 404, 20404)
		if got := sidsOf(items(h.get(alice + "/Bindings"))); !reflect.DeepEqual(got, fx.of(3, 6, 7)) {
			t.Errorf("alice's bindings %v, want %v", got, fx.of(3, 6, 7))
		}
	})
	t.Run("delete at service level", func(t *testing.T) {
		b2 := fx.sids[1] // bob's
		h.delete(fx.svc + "/Bindings/" + b2)
		h.wantError(h.do(http.MethodGet, bob+"/Bindings/"+b2, nil), 404, 20404)
		h.wantError(h.do(http.MethodDelete, fx.svc+"/Bindings/"+b2, nil), 404, 20404)
		if got := sidsOf(items(h.get(fx.svc + "/Bindings?BindingType=fcm"))); !reflect.DeepEqual(got, fx.of(6)) {
			t.Errorf("fcm bindings %v, want %v", got, fx.of(6))
		}
	})
	t.Run("a deleted device registers anew", func(t *testing.T) {
		cred := bindingCredential(t, h, model.PushFCM)
		b := newBinding(t, h, fx.svc, "bob", "fcm", "endpoint-2", cred)
		if b["sid"] == fx.sids[1] {
			t.Errorf("the re-registered device got its deleted SID back")
		}
	})
}

func TestBindingListErrors(t *testing.T) {
	h := newHarness(t)
	fx := newBindingFixture(t, h)
	for _, c := range []struct {
		name   string
		path   string
		status int
		code   int
	}{
		{"error binding type", fx.svc + "/Bindings?BindingType=sms", 400, 50209},
		{"error one bad binding type", fx.svc + "/Bindings?BindingType=apn&BindingType=voip", 400, 50209},
		{"error user binding type", fx.svc + "/Users/alice/Bindings?BindingType=sms", 400, 50209},
		{"error page size zero", fx.svc + "/Bindings?PageSize=0", 400, 20001},
		{"error page size not a number", fx.svc + "/Users/alice/Bindings?PageSize=x", 400, 20001},
		{"error page negative", fx.svc + "/Bindings?Page=-1", 400, 20001},
		{"error page token", fx.svc + "/Bindings?PageToken=garbage", 400, 20001},
		{"error page token of another list", fx.svc + "/Bindings?PageToken=PTCH" + strings.Repeat("0", 32), 400, 20001},
		{"error user page token", fx.svc + "/Users/alice/Bindings?PageToken=PTUS" + strings.Repeat("0", 32), 400, 20001},
		{"error unknown service", "/v2/Services/IS" + strings.Repeat("0", 32) + "/Bindings", 404, 20404},
		{"error unknown service with identity", "/v2/Services/IS" + strings.Repeat("0", 32) + "/Bindings?Identity=alice", 404, 20404},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(http.MethodGet, c.path, nil), c.status, c.code)
		})
	}
}

func TestBindingCascades(t *testing.T) {
	h := newHarness(t)
	fx := newBindingFixture(t, h)

	t.Run("deleting a user deletes its bindings", func(t *testing.T) {
		h.delete(fx.svc + "/Users/alice")
		for _, sid := range fx.of(1, 3, 6, 7) {
			h.wantError(h.do(http.MethodGet, fx.svc+"/Bindings/"+sid, nil), 404, 20404)
		}
		if got := sidsOf(h.walk(fx.svc + "/Bindings?PageSize=2")); !reflect.DeepEqual(got, fx.of(2, 4, 5)) {
			t.Errorf("bindings %v, want the others' %v", got, fx.of(2, 4, 5))
		}
		if got := items(h.get(fx.svc + "/Bindings?Identity=alice")); len(got) != 0 {
			t.Errorf("alice still lists %v", sidsOf(got))
		}
		h.wantError(h.do(http.MethodGet, fx.svc+"/Users/alice/Bindings", nil), 404, 20404)
	})
	t.Run("the devices are free again", func(t *testing.T) {
		cred := bindingCredential(t, h, model.PushAPN)
		b := newBinding(t, h, fx.svc, "alice", "apn", "endpoint-1", cred)
		if got := sidsOf(items(h.get(fx.svc + "/Users/alice/Bindings"))); !reflect.DeepEqual(got, []string{str(b["sid"])}) {
			t.Errorf("the new alice has %v", got)
		}
	})
	t.Run("deleting the service deletes everything", func(t *testing.T) {
		cred := bindingCredential(t, h, model.PushAPN)
		h.delete(fx.svc)
		h.wantError(h.do(http.MethodGet, fx.svc+"/Bindings", nil), 404, 20404)
		h.wantError(h.do(http.MethodGet, fx.svc+"/Bindings/"+fx.sids[1], nil), 404, 20404)
		h.wantError(h.do(http.MethodGet, fx.svc+"/Users/bob/Bindings", nil), 404, 20404)
		h.wantError(h.do(http.MethodPost, bindingsPath(fx.svc), form("Identity", "bob", "BindingType", "fcm",
			"Endpoint", "endpoint-2", "CredentialSid", cred)), 404, 20404)
	})
	t.Run("bindings survive a restart", func(t *testing.T) {
		svc := h.newService()
		cred := bindingCredential(t, h, model.PushGCM)
		b := newBinding(t, h, svc, "frank", "gcm", "endpoint-f", cred)
		h.restart()
		got := h.get(svc + "/Bindings/" + str(b["sid"]))
		for _, k := range []string{"sid", "identity", "endpoint", "binding_type", "credential_sid", "message_types", "date_created"} {
			if !reflect.DeepEqual(got[k], b[k]) {
				t.Errorf("%s = %v after a restart, want %v", k, got[k], b[k])
			}
		}
	})
}

// TestBindingPageToken checks that Binding pages carry Twilio's token
// shape: PT and the SID of the page's last Binding.
func TestBindingPageToken(t *testing.T) {
	h := newHarness(t)
	fx := newBindingFixture(t, h)
	body := h.get(fx.svc + "/Bindings?PageSize=1")
	next, err := url.Parse(str(obj(body["meta"])["next_page_url"]))
	if err != nil || next.Query().Get("PageToken") != "PT"+fx.sids[0] {
		t.Errorf("next_page_url = %v, want a PageToken PT%s", obj(body["meta"])["next_page_url"], fx.sids[0])
	}
}
