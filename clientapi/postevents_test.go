package clientapi_test

import (
	"net/http"
	"slices"
	"testing"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

// TestPostEvents checks that first-person changes fire their post-events
// with no header asked, attributed to the client: Source=SDK and its
// identity as ClientIdentity, each after its pre-event.
func TestPostEvents(t *testing.T) {
	e := newEnv(t)
	app := e.newAppServer(t)
	alice, bob := e.as(t, "alice"), e.as(t, "bob")
	bob.Must(t, http.StatusOK, http.MethodGet, path("/Configuration"), nil)

	ch := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).Str("sid")
	alice.Must(t, http.StatusOK, http.MethodPost, path("/Conversations/general"), map[string]any{"friendly_name": "General"})
	alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Participants"), map[string]any{"identity": "bob"})
	msg := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "hello"}).Str("sid")
	alice.Must(t, http.StatusOK, http.MethodPost, path("/Conversations/general/Messages/"+msg), map[string]any{"body": "hello all"})
	alice.Must(t, http.StatusNoContent, http.MethodDelete, path("/Conversations/general/Messages/"+msg), nil)
	bob.Must(t, http.StatusOK, http.MethodPost, path("/Conversations/general/Participants/bob"), map[string]any{"attributes": `{"away":true}`})
	bob.Must(t, http.StatusNoContent, http.MethodDelete, path("/Conversations/general/Participants/bob"), nil)
	alice.Must(t, http.StatusOK, http.MethodPost, path("/Users/alice"), map[string]any{"friendly_name": "Alice"})
	alice.Must(t, http.StatusNoContent, http.MethodDelete, path("/Conversations/general"), nil)

	want := []struct{ event, identity, key, value string }{
		{"onChannelAdded", "alice", "ChannelSid", ch},
		{"onMemberAdded", "alice", "Identity", "alice"}, // the creator
		{"onChannelUpdated", "alice", "FriendlyName", "General"},
		{"onMemberAdded", "alice", "Identity", "bob"},
		{"onMessageSent", "alice", "MessageSid", msg},
		{"onMessageUpdated", "alice", "Body", "hello all"},
		{"onMessageRemoved", "alice", "MessageSid", msg},
		{"onMemberUpdated", "bob", "Attributes", `{"away":true}`},
		{"onMemberRemoved", "bob", "Identity", "bob"},
		{"onUserUpdated", "alice", "FriendlyName", "Alice"},
		{"onChannelDestroyed", "alice", "ChannelSid", ch},
	}
	// A receiver that answers concurrently may see neighbouring events in
	// either order.
	var got []hook
	for range want {
		got = append(got, app.nextPost(t))
	}
	for _, w := range want {
		i := slices.IndexFunc(got, func(h hook) bool { return h.form.Get("EventType") == w.event && h.form.Get(w.key) == w.value })
		if i < 0 {
			t.Errorf("no %s with %s=%s", w.event, w.key, w.value)
			continue
		}
		h := got[i]
		got = slices.Delete(got, i, i+1)
		if h.form.Get("Source") != "SDK" || h.form.Get("ClientIdentity") != w.identity || h.form.Get("InstanceSid") != e.service {
			t.Errorf("%s = %v, want Source SDK, ClientIdentity %s", w.event, h.form, w.identity)
		}
	}
	// Every change asked its pre-event first.
	var pres []string
	for _, h := range app.preEvents() {
		pres = append(pres, h.form.Get("EventType"))
	}
	wantPres := []string{"onChannelAdd", "onChannelUpdate", "onMemberAdd", "onMessageSend", "onMessageUpdate", "onMessageRemove",
		"onMemberUpdate", "onMemberRemove", "onUserUpdate", "onChannelDestroy"}
	if len(pres) != len(wantPres) {
		t.Fatalf("pre-events %v, want %v", pres, wantPres)
	}
	for i := range pres {
		if pres[i] != wantPres[i] {
			t.Errorf("pre-events %v, want %v", pres, wantPres)
			break
		}
	}

	// A REST change without X-Twilio-Webhook-Enabled still fires nothing.
	ch2 := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "second"}).Str("sid")
	if _, err := e.rest.CreateMessage(e.service, ch2, (&chatv2.CreateMessageParams{}).SetBody("quiet")); err != nil {
		t.Fatal(err)
	}
	alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/second/Messages"), map[string]any{"body": "loud"})
	for _, d := range e.deliveries(t) {
		params, _ := d["params"].(map[string]any)
		if params["Body"] == "quiet" {
			t.Errorf("the REST message without the header fired %v", d)
		}
	}
	if e.newestDelivery(t, "onMessageSent")["params"].(map[string]any)["Body"] != "loud" {
		t.Error("alice's message fired no onMessageSent")
	}
}
