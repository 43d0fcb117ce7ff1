package clientapi_test

import (
	"net/http"
	"testing"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

func TestMediaMessages(t *testing.T) {
	e := newEnv(t)
	alice := e.as(t, "alice")
	ch := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).Str("sid")
	media := e.upload(t, "PNG bytes", "image/png", "cat.png")
	sent := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": media, "attributes": `{"kind":"photo"}`})
	md, _ := sent.Body["media"].(map[string]any)
	if sent.Str("type") != "media" || md["sid"] != media || md["filename"] != "cat.png" || md["content_type"] != "image/png" || md["size"] != float64(9) {
		t.Errorf("sent = %s", sent.Raw)
	}
	m, err := e.rest.FetchMessage(e.service, ch, sent.Str("sid"))
	if err != nil || *m.Type != "media" || *m.From != "alice" {
		t.Errorf("REST message = %+v, %v", m, err)
	}
	// The body of a media message cannot change; its attributes can.
	wantError(t, alice.Do(t, http.MethodPost, path("/Conversations/general/Messages/"+sent.Str("sid")), map[string]any{"body": "caption"}), http.StatusBadRequest, 50509)
	alice.Must(t, http.StatusOK, http.MethodPost, path("/Conversations/general/Messages/"+sent.Str("sid")), map[string]any{"attributes": `{"kind":"cat"}`})
	// A Media goes with one message only, and an unknown one is refused.
	wantError(t, alice.Do(t, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": media}), http.StatusConflict, 50508)
	wantError(t, alice.Do(t, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": "ME00000000000000000000000000000000"}), http.StatusBadRequest, 50507)

	// Without sendMediaMessage in the channel user role, bob sends text only.
	svc, err := e.rest.FetchService(e.service)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.rest.UpdateRole(e.service, *svc.DefaultChannelRoleSid, (&chatv2.UpdateRoleParams{}).SetPermission([]string{"sendMessage"})); err != nil {
		t.Fatal(err)
	}
	bob := e.as(t, "bob")
	bob.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Participants"), nil)
	wantError(t, bob.Do(t, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": e.upload(t, "x", "text/plain", "x.txt")}), http.StatusForbidden, 50107)
	bob.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "text is fine"})
}
