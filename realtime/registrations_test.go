package realtime_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/twilsock/twilsocktest"
)

// register sends a registration as the SDK's notifications client does
// after setPushRegistrationId.
func register(t *testing.T, c *twilsocktest.Client, channelType, deviceToken string) *twilsocktest.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"endpoint_platform": "web", "channel_type": channelType, "version": "4",
		"message_types": []string{"twilio.channel.new_message", "twilio.channel.added_to_channel", "twilio.channel.consumption_update"},
		"data":          map[string]string{"registration_id": deviceToken},
	})
	resp, err := c.Do(ctx, http.MethodPost, "https://ers.us1.twilio.com/v1/registrations?productId=ip_messaging",
		map[string]string{"Content-Type": "application/json"}, body)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestRegistrations(t *testing.T) {
	env := testenv.New(t)
	svc := env.NewService(t)
	service := svc[len("/v2/Services/"):]
	cr, _ := env.Create(t, "/v2/Credentials", testenv.Form("Type", "fcm", "Secret", "s"))["sid"].(string)
	alice := env.Socket(t, "alice", service, testenv.Push(cr, "alice-phone"))

	resp := register(t, alice, "fcm", "device-token-1")
	var reg struct{ ID string }
	json.Unmarshal(resp.Body, &reg)
	if resp.StatusCode != http.StatusCreated || reg.ID == "" {
		t.Fatalf("registration: %d %s", resp.StatusCode, resp.Body)
	}
	b := env.Get(t, svc+"/Bindings/"+reg.ID)
	if b["identity"] != "alice" || b["binding_type"] != "fcm" || b["endpoint"] != "alice-phone" || b["credential_sid"] != cr {
		t.Errorf("the Binding = %v", b)
	}
	if got, _ := json.Marshal(b["message_types"]); string(got) != `["new_message","added_to_channel"]` {
		t.Errorf("message_types = %s, want the SDK's that a Binding knows", got)
	}
	// The same device again keeps its Binding.
	if again := register(t, alice, "fcm", "device-token-1"); again.StatusCode != http.StatusOK || !json.Valid(again.Body) {
		t.Errorf("registering again: %d %s, want 200", again.StatusCode, again.Body)
	}
	if n := len(testenv.ItemsOf(t, env.Get(t, svc+"/Bindings"), "bindings")); n != 1 {
		t.Errorf("%d Bindings after registering one device twice", n)
	}

	// Another identity cannot remove alice's registration.
	bob := env.Socket(t, "bob", service, testenv.Push(cr, ""))
	resp, _ = bob.Do(ctx, http.MethodDelete, "https://ers.us1.twilio.com/v1/registrations/"+reg.ID+"?productId=ip_messaging", nil, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("bob deleting alice's registration: %d, want 404", resp.StatusCode)
	}
	resp, _ = alice.Do(ctx, http.MethodDelete, "https://ers.us1.twilio.com/v1/registrations/"+reg.ID+"?productId=ip_messaging", nil, nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("deleting the registration: %d %s", resp.StatusCode, resp.Body)
	}
	testenv.WantError(t, env.Do(t, http.MethodGet, svc+"/Bindings/"+reg.ID, nil), 404, 20404)

	// Without an endpoint id in the token, the device token is the
	// endpoint; apn makes an apn Binding; the device removal takes it.
	resp = register(t, bob, "apn", "bob-device")
	json.Unmarshal(resp.Body, &reg)
	if b := env.Get(t, svc+"/Bindings/"+reg.ID); b["endpoint"] != "bob-device" || b["binding_type"] != "apn" {
		t.Errorf("bob's Binding = %v", b)
	}
	body, _ := json.Marshal(map[string]string{"binding_type": "apn", "address": "bob-device"})
	resp, _ = bob.Do(ctx, http.MethodDelete, "https://ers.us1.twilio.com/v1/registrations?productId=ip_messaging",
		map[string]string{"Content-Type": "application/json"}, body)
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("removing bob's device: %d %s", resp.StatusCode, resp.Body)
	}
	testenv.WantError(t, env.Do(t, http.MethodGet, svc+"/Bindings/"+reg.ID, nil), 404, 20404)

	// Refusals: no push credential in the token, an unknown channel type.
	carol := env.Socket(t, "carol", service)
	for _, tt := range []struct {
		c           *twilsocktest.Client
		channelType string
		code        int
	}{
		{carol, "fcm", 20001},
		{bob, "sms", 50209},
	} {
		resp := register(t, tt.c, tt.channelType, "x")
		var e struct{ Code, Status int }
		json.Unmarshal(resp.Body, &e)
		if resp.StatusCode != 400 || e.Code != tt.code {
			t.Errorf("registration %s: %d %s, want 400/%d", tt.channelType, resp.StatusCode, resp.Body, tt.code)
		}
	}
}

func TestTunnelRoutes(t *testing.T) {
	env := testenv.New(t)
	room := newRoom(t, env, "alice")
	c := env.Socket(t, "alice", room.service)
	// Sync's links are absolute and point at chatd, whatever host the SDK
	// named.
	list := fetch(t, c, messagesList(room.channel))
	if want := env.URL + "/v3/Lists/" + list.Sid + "/Items"; list.Links.Items != want {
		t.Errorf("links.items = %q, want %q", list.Links.Items, want)
	}
	resp, err := c.Get(ctx, list.Links.Items)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET links.items: %v %v", err, resp)
	}
	for _, path := range []string{"/v2/Services", "/v3/Streams/TO00000000000000000000000000000000", "/v4/Nothing", "/"} {
		resp, err := c.Get(ctx, "https://cds.us1.twilio.com"+path)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Code, Status int }
		json.Unmarshal(resp.Body, &e)
		if resp.StatusCode != 404 || e.Code != 20404 || e.Status != 404 {
			t.Errorf("GET %s through the socket: %d %s, want Twilio's 404", path, resp.StatusCode, resp.Body)
		}
	}
	resp, _ = c.Get(ctx, "https://cds.us1.twilio.com/v4/Subscriptions")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /v4/Subscriptions: %d, want 405", resp.StatusCode)
	}
	// Over plain HTTP, subscriptions are refused: they live on a socket.
	r := env.As(t, "alice", room.service).Do(t, http.MethodPost, "/v4/Subscriptions", map[string]any{"action": "establish"})
	if r.Status == http.StatusOK {
		t.Errorf("a subscription over HTTP: %d", r.Status)
	}
}
