package server_test

// The Credentials group of TestSDKV1Operations, and the group that makes
// resources through one version and reads them through the other.

import (
	"bytes"
	"testing"

	chatv1 "github.com/twilio/twilio-go/rest/chat/v1"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

// Write-only credential secrets; no response may carry them.
const (
	v1CertSecret   = "V1CERTSECRET41c7"
	v1KeySecret    = "V1PRIVKEYSECRET93d2"
	v1APIKeySecret = "V1GCMAPIKEY5e08"
	v1FCMSecret    = "V1FCMSECRET17ab"
)

func testV1Credentials(t *testing.T, e *v1Env) {
	start := e.wire.mark()
	apn := sdkCall(e.v1.CreateCredential((&chatv1.CreateCredentialParams{}).
		SetType("apn").SetFriendlyName("iOS").SetSandbox(true).
		SetCertificate("-----BEGIN CERTIFICATE-----\n" + v1CertSecret + "\n-----END CERTIFICATE-----").
		SetPrivateKey("-----BEGIN RSA PRIVATE KEY-----\n" + v1KeySecret + "\n-----END RSA PRIVATE KEY-----"))).must(t)
	gcm := sdkCall(e.v1.CreateCredential((&chatv1.CreateCredentialParams{}).
		SetType("gcm").SetFriendlyName("Android").SetApiKey(v1APIKeySecret))).must(t)
	fcm := sdkCall(e.v1.CreateCredential((&chatv1.CreateCredentialParams{}).SetType("fcm").SetSecret(v1FCMSecret))).must(t)
	sids := []string{sdkVal(apn.Sid), sdkVal(gcm.Sid), sdkVal(fcm.Sid)}

	e.run(t, "create returns each credential without its secrets", func(t *testing.T) {
		for _, tc := range []struct {
			got                        *chatv1.ChatV1Credential
			friendlyName, typ, sandbox string
		}{
			{apn, "iOS", "apn", "true"},
			{gcm, "Android", "gcm", "false"},
			{fcm, "", "fcm", "false"},
		} {
			sid := sdkVal(tc.got.Sid)
			wantSid(t, "sid", sid, "CR")
			sdkWantEqual(t, "account_sid", sdkVal(tc.got.AccountSid), testAccount)
			sdkWantEqual(t, "friendly_name", sdkShow(tc.got.FriendlyName), map[bool]string{true: "null", false: tc.friendlyName}[tc.friendlyName == ""])
			sdkWantEqual(t, "type", sdkVal(tc.got.Type), tc.typ)
			sdkWantEqual(t, "sandbox", sdkVal(tc.got.Sandbox), tc.sandbox)
			sdkWantEqual(t, "url", sdkVal(tc.got.Url), e.v1URL("/Credentials/"+sid))
			if tc.got.DateCreated == nil || tc.got.DateUpdated == nil {
				t.Errorf("%s: dates = %s, %s", tc.typ, sdkShow(tc.got.DateCreated), sdkShow(tc.got.DateUpdated))
			}
		}
		for _, x := range e.wire.since(start) {
			for _, secret := range []string{v1CertSecret, v1KeySecret, v1APIKeySecret, v1FCMSecret} {
				if bytes.Contains(x.body, []byte(secret)) {
					t.Errorf("%s %s answered a secret: %s", x.method, x.url.Path, x.body)
				}
			}
		}
	})

	e.run(t, "fetch returns the credential", func(t *testing.T) {
		for i, want := range []*chatv1.ChatV1Credential{apn, gcm, fcm} {
			sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchCredential(sids[i])).must(t), want)
		}
	})

	e.run(t, "list returns every credential in order", func(t *testing.T) {
		got := sdkCall(e.v1.ListCredential(nil)).must(t)
		sdkWantEqual(t, "sids", sdkKeys(got, func(c chatv1.ChatV1Credential) string { return sdkVal(c.Sid) }), sids)
		if len(got) == 3 {
			sdkWantEqual(t, "listed apn", got[0], *apn)
		}
	})

	e.run(t, "update sets the name, sandbox and secrets", func(t *testing.T) {
		mark := e.wire.mark()
		got := sdkCall(e.v1.UpdateCredential(sids[0], (&chatv1.UpdateCredentialParams{}).
			SetFriendlyName("iOS production").SetSandbox(false).
			SetCertificate("-----BEGIN CERTIFICATE-----\n"+v1CertSecret+"2\n-----END CERTIFICATE-----"))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sids[0])
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "iOS production")
		sdkWantEqual(t, "sandbox", sdkVal(got.Sandbox), "false")
		sdkWantEqual(t, "type", sdkVal(got.Type), "apn")
		sdkWantEqual(t, "fetched", sdkCall(e.v1.FetchCredential(sids[0])).must(t), got)
		for _, x := range e.wire.since(mark) {
			if bytes.Contains(x.body, []byte(v1CertSecret)) {
				t.Errorf("%s %s answered the certificate", x.method, x.url.Path)
			}
		}
	})

	e.run(t, "delete removes the credential", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteCredential(sids[1]))
		_, err := e.v1.FetchCredential(sids[1])
		wantSDKError(t, err, 404, 20404)
		wantSDKError(t, e.v1.DeleteCredential(sids[1]), 404, 20404)
		got := sdkCall(e.v1.ListCredential(nil)).must(t)
		sdkWantEqual(t, "sids left", sdkKeys(got, func(c chatv1.ChatV1Credential) string { return sdkVal(c.Sid) }),
			[]string{sids[0], sids[2]})
	})
}

// testV1SharedData makes resources through one version and reads them
// through the other.
func testV1SharedData(t *testing.T, e *v1Env) {
	sv := e.service(t, "made in v1")
	service := sdkVal(sv.Sid)

	e.run(t, "a service made through v1 is read and updated through v2", func(t *testing.T) {
		got := sdkCall(e.v2.FetchService(service)).must(t)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "made in v1")
		sdkWantEqual(t, "default_channel_role_sid", sdkVal(got.DefaultChannelRoleSid), sdkVal(sv.DefaultChannelRoleSid))
		sdkWantEqual(t, "url", sdkVal(got.Url), e.h.URL()+"/v2/Services/"+service)
		sdkCall(e.v2.UpdateService(service, (&chatv2.UpdateServiceParams{}).
			SetFriendlyName("renamed in v2").SetLimitsChannelMembers(7))).must(t)
		v1 := sdkCall(e.v1.FetchService(service)).must(t)
		sdkWantEqual(t, "v1 friendly_name", sdkVal(v1.FriendlyName), "renamed in v2")
		sdkWantEqual(t, "v1 limits", sdkVal(v1.Limits), any(map[string]any{"channel_members": 7.0, "user_channels": 250.0}))
	})

	e.run(t, "a role made through v1 is read through v2", func(t *testing.T) {
		role := sdkCall(e.v1.CreateRole(service, (&chatv1.CreateRoleParams{}).
			SetFriendlyName("mod").SetType("channel").SetPermission([]string{"sendMessage", "leaveChannel"}))).must(t)
		got := sdkCall(e.v2.FetchRole(service, sdkVal(role.Sid))).must(t)
		sdkWantEqual(t, "permissions", sdkVal(got.Permissions), []string{"sendMessage", "leaveChannel"})
		sdkCall(e.v2.UpdateRole(service, sdkVal(role.Sid), (&chatv2.UpdateRoleParams{}).SetPermission([]string{"editOwnMessage"}))).must(t)
		sdkWantEqual(t, "v1 permissions", sdkVal(sdkCall(e.v1.FetchRole(service, sdkVal(role.Sid))).must(t).Permissions), []string{"editOwnMessage"})
	})

	ch := sdkCall(e.v2.CreateChannel(service, (&chatv2.CreateChannelParams{}).
		SetUniqueName("general").SetAttributes(`{"from":"v2"}`).SetType("private"))).must(t)
	general := sdkVal(ch.Sid)

	e.run(t, "a channel made through v2 is read through v1, attributes only on fetch", func(t *testing.T) {
		got := sdkCall(e.v1.FetchChannel(service, "general")).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), general)
		sdkWantEqual(t, "attributes", sdkVal(got.Attributes), `{"from":"v2"}`)
		sdkWantEqual(t, "type", sdkVal(got.Type), "private")
		sdkWantEqual(t, "url", sdkVal(got.Url), e.v1URL("/Services/"+service+"/Channels/"+sdkVal(ch.Sid)))
		listed := sdkCall(e.v1.ListChannel(service, (&chatv1.ListChannelParams{}).SetType([]string{"private"}))).must(t)
		if len(listed) != 1 || listed[0].Attributes != nil {
			t.Errorf("v1 list = %+v, want general with null attributes", listed)
		}
		v2listed := sdkCall(e.v2.ListChannel(service, (&chatv2.ListChannelParams{}).SetType([]string{"private"}))).must(t)
		if len(v2listed) != 1 || sdkVal(v2listed[0].Attributes) != `{"from":"v2"}` {
			t.Errorf("v2 list = %+v, want general with its attributes", v2listed)
		}
	})

	e.run(t, "a user made through v1 is listed with attributes through v2", func(t *testing.T) {
		u := sdkCall(e.v1.CreateUser(service, (&chatv1.CreateUserParams{}).
			SetIdentity("alice").SetFriendlyName("Alice").SetAttributes(`{"from":"v1"}`))).must(t)
		got := sdkCall(e.v2.ListUser(service, nil)).must(t)
		if len(got) != 1 || sdkVal(got[0].Sid) != sdkVal(u.Sid) || sdkVal(got[0].Attributes) != `{"from":"v1"}` {
			t.Errorf("v2 users = %+v", got)
		}
		sdkCall(e.v2.UpdateUser(service, "alice", (&chatv2.UpdateUserParams{}).SetFriendlyName("Alice (v2)"))).must(t)
		sdkWantEqual(t, "v1 friendly_name", sdkVal(sdkCall(e.v1.FetchUser(service, sdkVal(u.Sid))).must(t).FriendlyName), "Alice (v2)")
	})

	e.run(t, "a member made through v2 has its attributes there only", func(t *testing.T) {
		m := sdkCall(e.v2.CreateMember(service, "general", (&chatv2.CreateMemberParams{}).
			SetIdentity("alice").SetAttributes(`{"nick":"al"}`))).must(t)
		got := sdkCall(e.v1.FetchMember(service, "general", sdkVal(m.Sid))).must(t)
		sdkWantEqual(t, "sid", sdkVal(got.Sid), sdkVal(m.Sid))
		sdkWantEqual(t, "identity", sdkVal(got.Identity), "alice")
		wantAbsent(t, "v1 member", e.last(t), "attributes")
		sdkCall(e.v1.UpdateMember(service, "general", sdkVal(m.Sid), (&chatv1.UpdateMemberParams{}).
			SetRoleSid(sdkVal(sv.DefaultChannelCreatorRoleSid)))).must(t)
		v2 := sdkCall(e.v2.FetchMember(service, "general", sdkVal(m.Sid))).must(t)
		sdkWantEqual(t, "v2 role_sid", sdkVal(v2.RoleSid), sdkVal(sv.DefaultChannelCreatorRoleSid))
		sdkWantEqual(t, "v2 attributes kept", sdkVal(v2.Attributes), `{"nick":"al"}`)
	})

	e.run(t, "messages of either version are one sequence", func(t *testing.T) {
		m1 := sdkCall(e.v1.CreateMessage(service, "general", (&chatv1.CreateMessageParams{}).
			SetBody("from v1").SetFrom("alice").SetAttributes(`{"v":1}`))).must(t)
		m2 := sdkCall(e.v2.CreateMessage(service, "general", (&chatv2.CreateMessageParams{}).SetBody("from v2"))).must(t)
		sdkWantEqual(t, "indexes", []int{m1.Index, m2.Index}, []int{0, 1})
		v2 := sdkCall(e.v2.FetchMessage(service, "general", sdkVal(m1.Sid))).must(t)
		sdkWantEqual(t, "v2 body", sdkVal(v2.Body), "from v1")
		sdkWantEqual(t, "v2 attributes", sdkVal(v2.Attributes), `{"v":1}`)
		sdkWantEqual(t, "v2 type", sdkVal(v2.Type), "text")
		v1 := sdkCall(e.v1.ListMessage(service, "general", (&chatv1.ListMessageParams{}).SetOrder("desc"))).must(t)
		sdkWantEqual(t, "v1 bodies", sdkKeys(v1, func(m chatv1.ChatV1Message) string { return sdkVal(m.Body) }),
			[]string{"from v2", "from v1"})
	})

	e.run(t, "an invite made through v1 is listed through v2", func(t *testing.T) {
		e.user(t, service, "bob")
		inv := sdkCall(e.v1.CreateInvite(service, general, (&chatv1.CreateInviteParams{}).SetIdentity("bob"))).must(t)
		got := sdkCall(e.v2.ListInvite(service, "general", nil)).must(t)
		if len(got) != 1 || sdkVal(got[0].Sid) != sdkVal(inv.Sid) || sdkVal(got[0].Identity) != "bob" {
			t.Errorf("v2 invites = %+v", got)
		}
	})

	e.run(t, "a credential made through v2 is read and deleted through v1", func(t *testing.T) {
		cr := sdkCall(e.v2.CreateCredential((&chatv2.CreateCredentialParams{}).SetType("fcm").SetFriendlyName("both").SetSecret("s"))).must(t)
		got := sdkCall(e.v1.FetchCredential(sdkVal(cr.Sid))).must(t)
		sdkWantEqual(t, "friendly_name", sdkVal(got.FriendlyName), "both")
		sdkWantEqual(t, "url", sdkVal(got.Url), e.v1URL("/Credentials/"+sdkVal(cr.Sid)))
		sdkOK(t, e.v1.DeleteCredential(sdkVal(cr.Sid)))
		_, err := e.v2.FetchCredential(sdkVal(cr.Sid))
		wantSDKError(t, err, 404, 20404)
	})

	e.run(t, "a channel deleted through v1 is gone from v2", func(t *testing.T) {
		sdkOK(t, e.v1.DeleteChannel(service, general))
		_, err := e.v2.FetchChannel(service, "general")
		wantSDKError(t, err, 404, 20404)
		sdkWantEqual(t, "alice's joined_channels_count", sdkCall(e.v2.FetchUser(service, "alice")).must(t).JoinedChannelsCount, 0)
	})
}
