package server_test

// The Credentials resource through twilio-go's Chat V1 and V2 APIs: both
// clients share one transport, so one test can create through one version
// and read through the other, as an application migrating between them
// would.

import (
	"net/url"
	"strings"
	"testing"

	chatv1 "github.com/twilio/twilio-go/rest/chat/v1"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/chatd/chatd/internal/testenv"
)

// credentialSDKs are the v1 and v2 Chat APIs of the helper library, pointed
// at one chatd through one recording transport.
type credentialSDKs struct {
	v1 *chatv1.ApiService
	v2 *chatv2.ApiService
	rw *sdkRecorder
}

func newCredentialSDKs(t *testing.T) (*harness, credentialSDKs) {
	t.Helper()
	h := newHarness(t)
	rw := &sdkRecorder{}
	c := h.srv.SDK(t, testenv.SDKWrap(rw.wrap))
	return h, credentialSDKs{v1: chatv1.NewApiServiceWithClient(c), v2: chatv2.NewApiServiceWithClient(c), rw: rw}
}

// sdkCredential is the fields both versions' Credential structs have, so
// that one check serves both.
type sdkCredential struct {
	Sid, AccountSid, FriendlyName, Type, Sandbox, URL string
	HasFriendlyName, HasDates                         bool
}

func credFromV1(c *chatv1.ChatV1Credential) sdkCredential {
	return sdkCredential{
		Sid: sdkVal(c.Sid), AccountSid: sdkVal(c.AccountSid), FriendlyName: sdkVal(c.FriendlyName),
		Type: sdkVal(c.Type), Sandbox: sdkVal(c.Sandbox), URL: sdkVal(c.Url),
		HasFriendlyName: c.FriendlyName != nil, HasDates: c.DateCreated != nil && c.DateUpdated != nil,
	}
}

func credFromV2(c *chatv2.ChatV2Credential) sdkCredential {
	return sdkCredential{
		Sid: sdkVal(c.Sid), AccountSid: sdkVal(c.AccountSid), FriendlyName: sdkVal(c.FriendlyName),
		Type: sdkVal(c.Type), Sandbox: sdkVal(c.Sandbox), URL: sdkVal(c.Url),
		HasFriendlyName: c.FriendlyName != nil, HasDates: c.DateCreated != nil && c.DateUpdated != nil,
	}
}

// wantSDKCredential checks got as seen through version v ("/v1" or "/v2").
// An empty friendlyName means null.
func wantSDKCredential(t *testing.T, h *harness, v string, got sdkCredential, sid, friendlyName, typ, sandbox string) {
	t.Helper()
	want := sdkCredential{
		Sid: sid, AccountSid: testAccount, FriendlyName: friendlyName, Type: typ, Sandbox: sandbox,
		URL: h.URL() + v + "/Credentials/" + sid, HasFriendlyName: friendlyName != "", HasDates: true,
	}
	sdkWantEqual(t, "credential", got, want)
}

func TestSDKCredentials(t *testing.T) {
	h, api := newCredentialSDKs(t)

	apn := sdkCall(api.v2.CreateCredential((&chatv2.CreateCredentialParams{}).
		SetType("apn").
		SetFriendlyName("iOS").
		SetSandbox(true).
		SetCertificate("-----BEGIN CERTIFICATE-----\n" + certMarker + "\n-----END CERTIFICATE-----").
		SetPrivateKey("-----BEGIN RSA PRIVATE KEY-----\n" + keyMarker + "\n-----END RSA PRIVATE KEY-----"))).must(t)
	gcm := sdkCall(api.v1.CreateCredential((&chatv1.CreateCredentialParams{}).
		SetType("gcm").SetFriendlyName("Android (GCM)").SetApiKey(apiKeyMarker))).must(t)
	fcm := sdkCall(api.v2.CreateCredential((&chatv2.CreateCredentialParams{}).
		SetType("fcm").SetSecret(secretMarker))).must(t)
	apnSid, gcmSid, fcmSid := sdkVal(apn.Sid), sdkVal(gcm.Sid), sdkVal(fcm.Sid)

	t.Run("create returns each credential without its secrets", func(t *testing.T) {
		wantSDKCredential(t, h, "/v2", credFromV2(apn), apnSid, "iOS", "apn", "true")
		wantSDKCredential(t, h, "/v1", credFromV1(gcm), gcmSid, "Android (GCM)", "gcm", "false")
		wantSDKCredential(t, h, "/v2", credFromV2(fcm), fcmSid, "", "fcm", "false")
		for _, sid := range []string{apnSid, gcmSid, fcmSid} {
			if !strings.HasPrefix(sid, "CR") || len(sid) != 34 {
				t.Errorf("sid = %q", sid)
			}
		}
	})

	t.Run("fetch through either version", func(t *testing.T) {
		wantSDKCredential(t, h, "/v1", credFromV1(sdkCall(api.v1.FetchCredential(apnSid)).must(t)), apnSid, "iOS", "apn", "true")
		wantSDKCredential(t, h, "/v2", credFromV2(sdkCall(api.v2.FetchCredential(gcmSid)).must(t)), gcmSid, "Android (GCM)", "gcm", "false")
		sdkWantEqual(t, "v2 fetch of a v2 create", sdkCall(api.v2.FetchCredential(apnSid)).must(t), apn)
	})

	t.Run("list pages through every credential in both versions", func(t *testing.T) {
		more := sdkCall(api.v1.CreateCredential((&chatv1.CreateCredentialParams{}).SetType("fcm"))).must(t)
		more2 := sdkCall(api.v2.CreateCredential((&chatv2.CreateCredentialParams{}).SetType("gcm"))).must(t)
		want := []string{apnSid, gcmSid, fcmSid, sdkVal(more.Sid), sdkVal(more2.Sid)}

		api.rw.reset()
		var v1sids []string
		for _, c := range sdkCall(api.v1.ListCredential((&chatv1.ListCredentialParams{}).SetPageSize(2))).must(t) {
			v1sids = append(v1sids, sdkVal(c.Sid))
		}
		sdkWantEqual(t, "v1 listed sids", v1sids, want)
		sdkCredentialPages(t, api.rw.requests(), "/v1/Credentials", 3)

		api.rw.reset()
		var v2sids []string
		for _, c := range sdkCall(api.v2.ListCredential((&chatv2.ListCredentialParams{}).SetPageSize(2))).must(t) {
			v2sids = append(v2sids, sdkVal(c.Sid))
			if !strings.HasPrefix(sdkVal(c.Url), h.URL()+"/v2/Credentials/") {
				t.Errorf("url %q is not a v2 url", sdkVal(c.Url))
			}
		}
		sdkWantEqual(t, "v2 listed sids", v2sids, want)
		sdkCredentialPages(t, api.rw.requests(), "/v2/Credentials", 3)

		api.rw.reset()
		limited := sdkCall(api.v2.ListCredential((&chatv2.ListCredentialParams{}).SetPageSize(2).SetLimit(3))).must(t)
		sdkWantEqual(t, "listed with Limit 3", len(limited), 3)

		sdkOK(t, api.v1.DeleteCredential(sdkVal(more.Sid)))
		sdkOK(t, api.v2.DeleteCredential(sdkVal(more2.Sid)))
	})

	t.Run("update through v1 is seen through v2", func(t *testing.T) {
		got := sdkCall(api.v1.UpdateCredential(apnSid, (&chatv1.UpdateCredentialParams{}).
			SetFriendlyName("iOS production").SetSandbox(false).
			SetCertificate("-----BEGIN CERTIFICATE-----\n"+certMarker+"2\n-----END CERTIFICATE-----"))).must(t)
		wantSDKCredential(t, h, "/v1", credFromV1(got), apnSid, "iOS production", "apn", "false")
		wantSDKCredential(t, h, "/v2", credFromV2(sdkCall(api.v2.FetchCredential(apnSid)).must(t)), apnSid, "iOS production", "apn", "false")
	})

	t.Run("a partial update through v2 leaves the other fields alone", func(t *testing.T) {
		got := sdkCall(api.v2.UpdateCredential(gcmSid, (&chatv2.UpdateCredentialParams{}).SetApiKey(apiKeyMarker+"2"))).must(t)
		wantSDKCredential(t, h, "/v2", credFromV2(got), gcmSid, "Android (GCM)", "gcm", "false")
	})

	t.Run("delete through v2 removes it from v1", func(t *testing.T) {
		sdkOK(t, api.v2.DeleteCredential(fcmSid))
		_, err := api.v1.FetchCredential(fcmSid)
		wantSDKError(t, err, 404, 20404)
		wantSDKError(t, api.v1.DeleteCredential(fcmSid), 404, 20404)
		_, err = api.v2.UpdateCredential(fcmSid, (&chatv2.UpdateCredentialParams{}).SetFriendlyName("gone"))
		wantSDKError(t, err, 404, 20404)
	})

	t.Run("errors come back as TwilioRestError", func(t *testing.T) {
		for _, tc := range []struct {
			name         string
			v1, v2       func() error
			status, code int
		}{
			{
				"create without Type",
				func() error { _, err := api.v1.CreateCredential(&chatv1.CreateCredentialParams{}); return err },
				func() error { _, err := api.v2.CreateCredential(nil); return err },
				400, 20001,
			},
			{
				"create with an unknown Type",
				func() error {
					_, err := api.v1.CreateCredential((&chatv1.CreateCredentialParams{}).SetType("voip"))
					return err
				},
				func() error {
					_, err := api.v2.CreateCredential((&chatv2.CreateCredentialParams{}).SetType("voip").SetSecret(secretMarker))
					return err
				},
				400, 20001,
			},
			{
				"create with a FriendlyName over 64 characters",
				func() error {
					_, err := api.v1.CreateCredential((&chatv1.CreateCredentialParams{}).SetType("apn").SetFriendlyName(strings.Repeat("n", 65)))
					return err
				},
				func() error {
					_, err := api.v2.CreateCredential((&chatv2.CreateCredentialParams{}).SetType("fcm").SetFriendlyName(strings.Repeat("n", 65)))
					return err
				},
				400, 50003,
			},
			{
				"update with a FriendlyName over 64 characters",
				func() error {
					_, err := api.v1.UpdateCredential(apnSid, (&chatv1.UpdateCredentialParams{}).SetFriendlyName(strings.Repeat("n", 65)))
					return err
				},
				func() error {
					_, err := api.v2.UpdateCredential(gcmSid, (&chatv2.UpdateCredentialParams{}).SetFriendlyName(strings.Repeat("n", 65)))
					return err
				},
				400, 50003,
			},
			{
				"fetch of an unknown SID",
				func() error { _, err := api.v1.FetchCredential("CR" + strings.Repeat("0", 32)); return err },
				func() error { _, err := api.v2.FetchCredential("CRnope"); return err },
				404, 20404,
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantSDKError(t, tc.v1(), tc.status, tc.code)
				wantSDKError(t, tc.v2(), tc.status, tc.code)
			})
		}
		var sids []string
		for _, c := range sdkCall(api.v2.ListCredential(nil)).must(t) {
			sids = append(sids, sdkVal(c.Sid))
		}
		sdkWantEqual(t, "credentials after the failed calls", sids, []string{apnSid, gcmSid})
		wantSDKCredential(t, h, "/v1", credFromV1(sdkCall(api.v1.FetchCredential(apnSid)).must(t)), apnSid, "iOS production", "apn", "false")
	})
}

// sdkCredentialPages checks that the SDK read a list of Credentials in
// pages pages of two, all under path.
func sdkCredentialPages(t *testing.T, reqs []*url.URL, path string, pages int) {
	t.Helper()
	if len(reqs) != pages {
		t.Errorf("%d requests, want %d pages: %v", len(reqs), pages, reqs)
	}
	for i, u := range reqs {
		if u.Path != path || u.Query().Get("PageSize") != "2" {
			t.Errorf("request %d: %s, want %s with PageSize 2", i, u, path)
		}
	}
}
