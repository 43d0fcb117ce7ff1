package server_test

// The Bindings and User Bindings of Chat v2 through the official twilio-go
// helper library. Twilio has no REST create for Bindings, so the fixtures
// are registered over HTTP through chatd's /_chatd/ route (see
// newBindingFixture); every list, fetch and delete is made by the SDK.

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

// sdkWantPages checks the requests an SDK list sent with PageSize=2 for n
// items: one page per two items (one for none), each after the first a
// next_page_url that kept the filters in query.
func sdkWantPages(t *testing.T, api *sdk, n int, query map[string][]string) {
	t.Helper()
	reqs := api.rw.requests()
	if want := max(1, (n+1)/2); len(reqs) != want {
		t.Fatalf("SDK sent %d requests for %d items, want %d pages: %v", len(reqs), n, want, reqs)
	}
	for i, u := range reqs {
		q := u.Query()
		if q.Get("PageSize") != "2" || (i > 0 && (q.Get("Page") != strconv.Itoa(i) || !strings.HasPrefix(q.Get("PageToken"), "PTBS"))) {
			t.Errorf("request %d is not page %d of 2: %s", i, i, u)
		}
		for k, vs := range query {
			if !slices.Equal(q[k], vs) {
				t.Errorf("request %d: %s = %v, want %v (%s)", i, k, q[k], vs, u)
			}
		}
	}
}

func TestSDKBindings(t *testing.T) {
	h, api := newSDKHarness(t)
	fx := newBindingFixture(t, h)
	service := strings.TrimPrefix(fx.svc, "/v2/Services/")
	b1, b2 := fx.sids[0], fx.sids[1] // alice apn, bob fcm

	for _, c := range []struct {
		name       string
		types      []string
		identities []string
		want       []string
	}{
		{"every binding", nil, nil, fx.of(1, 2, 3, 4, 5, 6, 7)},
		{"SetBindingType", []string{"apn"}, nil, fx.of(1, 4, 5, 7)},
		{"SetBindingType with two types", []string{"gcm", "fcm"}, nil, fx.of(2, 3, 6)},
		{"SetIdentity", nil, []string{"alice"}, fx.of(1, 3, 6, 7)},
		{"SetIdentity with two identities", nil, []string{"carol", "bob"}, fx.of(2, 4, 5)},
		{"SetBindingType and SetIdentity", []string{"apn"}, []string{"bob", "carol"}, fx.of(4, 5)},
		{"an identity without bindings", nil, []string{"dave"}, nil},
	} {
		params := func() *chatv2.ListBindingParams {
			p := &chatv2.ListBindingParams{}
			if c.types != nil {
				p.SetBindingType(c.types)
			}
			if c.identities != nil {
				p.SetIdentity(c.identities)
			}
			return p
		}
		sids := func(bs []chatv2.ChatV2Binding) []string {
			return sdkKeys(bs, func(b chatv2.ChatV2Binding) string { return sdkVal(b.Sid) })
		}
		t.Run("ListBinding "+c.name, func(t *testing.T) {
			sdkWantEqual(t, "listed", sids(sdkCall(api.ListBinding(service, params())).must(t)), c.want)
		})
		t.Run("ListBinding "+c.name+" with SetPageSize(2)", func(t *testing.T) {
			api.rw.reset()
			got := sids(sdkCall(api.ListBinding(service, params().SetPageSize(2))).must(t))
			sdkNoDuplicates(t, got)
			sdkWantEqual(t, "listed", got, c.want)
			query := map[string][]string{}
			if c.types != nil {
				query["BindingType"] = c.types
			}
			if c.identities != nil {
				query["Identity"] = c.identities
			}
			sdkWantPages(t, api, len(c.want), query)
		})
	}

	t.Run("FetchBinding", func(t *testing.T) {
		got := sdkCall(api.FetchBinding(service, b1)).must(t)
		want := h.get(fx.svc + "/Bindings/" + b1)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), b1)
		sdkWantEqual(t, "account_sid", sdkVal(got.AccountSid), testAccount)
		sdkWantEqual(t, "service_sid", sdkVal(got.ServiceSid), service)
		sdkWantEqual(t, "identity", sdkVal(got.Identity), "alice")
		sdkWantEqual(t, "endpoint", sdkVal(got.Endpoint), "endpoint-1")
		sdkWantEqual(t, "binding_type", sdkVal(got.BindingType), "apn")
		sdkWantEqual(t, "credential_sid", sdkVal(got.CredentialSid), str(want["credential_sid"]))
		sdkWantEqual(t, "message_types", sdkVal(got.MessageTypes),
			[]string{"new_message", "added_to_channel", "invited_to_channel", "removed_from_channel"})
		sdkWantEqual(t, "url", sdkVal(got.Url), h.URL()+fx.svc+"/Bindings/"+b1)
		sdkWantEqual(t, "links.user", sdkVal(got.Links)["user"], any(h.URL()+fx.svc+"/Users/alice"))
		if got.DateCreated == nil || got.DateCreated.UTC().Format("2006-01-02T15:04:05Z") != want["date_created"] {
			t.Errorf("date_created = %s, want %v", sdkShow(got.DateCreated), want["date_created"])
		}
	})

	for _, user := range []struct{ name, key string }{{"identity", "alice"}, {"SID", fx.user["alice"]}} {
		t.Run("ListUserBinding by "+user.name, func(t *testing.T) {
			got := sdkCall(api.ListUserBinding(service, user.key, nil)).must(t)
			sdkWantEqual(t, "listed", sdkKeys(got, func(b chatv2.ChatV2UserBinding) string { return sdkVal(b.Sid) }), fx.of(1, 3, 6, 7))
			for _, b := range got {
				sdkWantEqual(t, "user_sid", sdkVal(b.UserSid), fx.user["alice"])
			}
		})
	}
	t.Run("ListUserBinding with SetBindingType and SetPageSize(2)", func(t *testing.T) {
		api.rw.reset()
		p := (&chatv2.ListUserBindingParams{}).SetBindingType([]string{"apn", "fcm"}).SetPageSize(2)
		got := sdkCall(api.ListUserBinding(service, "alice", p)).must(t)
		sdkWantEqual(t, "listed", sdkKeys(got, func(b chatv2.ChatV2UserBinding) string { return sdkVal(b.Sid) }), fx.of(1, 6, 7))
		sdkWantPages(t, api, 3, map[string][]string{"BindingType": {"apn", "fcm"}})
	})

	t.Run("FetchUserBinding", func(t *testing.T) {
		for _, key := range []string{"alice", fx.user["alice"]} {
			got := sdkCall(api.FetchUserBinding(service, key, b1)).must(t)
			sdkWantEqual(t, "sid", sdkVal(got.Sid), b1)
			sdkWantEqual(t, "user_sid", sdkVal(got.UserSid), fx.user["alice"])
			sdkWantEqual(t, "identity", sdkVal(got.Identity), "alice")
			sdkWantEqual(t, "binding_type", sdkVal(got.BindingType), "apn")
			sdkWantEqual(t, "url", sdkVal(got.Url), h.URL()+fx.svc+"/Users/"+fx.user["alice"]+"/Bindings/"+b1)
		}
		_, err := api.FetchUserBinding(service, "bob", b1)
		wantSDKError(t, err, 404, 20404)
	})

	t.Run("errors", func(t *testing.T) {
		_, err := api.ListBinding(service, (&chatv2.ListBindingParams{}).SetBindingType([]string{"sms"}))
		wantSDKError(t, err, 400, 50209)
		_, err = api.ListUserBinding(service, "nobody", nil)
		wantSDKError(t, err, 404, 20404)
		_, err = api.FetchBinding(service, "BS"+strings.Repeat("0", 32))
		wantSDKError(t, err, 404, 20404)
	})

	t.Run("DeleteUserBinding", func(t *testing.T) {
		wantSDKError(t, api.DeleteUserBinding(service, "bob", b1), 404, 20404)
		sdkCall(api.FetchBinding(service, b1)).must(t)
		sdkOK(t, api.DeleteUserBinding(service, "alice", b1))
		_, err := api.FetchBinding(service, b1)
		wantSDKError(t, err, 404, 20404)
		wantSDKError(t, api.DeleteUserBinding(service, "alice", b1), 404, 20404)
	})

	t.Run("DeleteBinding", func(t *testing.T) {
		sdkOK(t, api.DeleteBinding(service, b2))
		_, err := api.FetchUserBinding(service, "bob", b2)
		wantSDKError(t, err, 404, 20404)
		wantSDKError(t, api.DeleteBinding(service, b2), 404, 20404)
		left := sdkCall(api.ListBinding(service, nil)).must(t)
		sdkWantEqual(t, "left", sdkKeys(left, func(b chatv2.ChatV2Binding) string { return sdkVal(b.Sid) }), fx.of(3, 4, 5, 6, 7))
	})
}
