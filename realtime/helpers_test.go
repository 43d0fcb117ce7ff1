package realtime_test

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/twilsock/twilsocktest"
)

var ctx = context.Background()

// chatRoom is a Service with one public Channel whose Members are given.
type chatRoom struct {
	env     *testenv.Env
	svc     string // /v2/Services/IS…
	service string // IS…
	channel string // CH…
}

func newRoom(t *testing.T, env *testenv.Env, members ...string) *chatRoom {
	t.Helper()
	r := &chatRoom{env: env, svc: env.NewService(t)}
	r.service = strings.TrimPrefix(r.svc, "/v2/Services/")
	// A client signs in first, which starts the Service's Sync log: every
	// write from then on has its events.
	env.SignIn(t, cmp.Or(append(members, "observer")...), r.service)
	r.channel = r.newChannel(t, "public", members...)
	return r
}

// newChannel creates a Channel of the type typ with the given Members.
func (r *chatRoom) newChannel(t *testing.T, typ string, members ...string) string {
	t.Helper()
	sid, _ := r.env.Create(t, r.svc+"/Channels", testenv.Form("Type", typ))["sid"].(string)
	for _, m := range members {
		r.env.Create(t, r.svc+"/Channels/"+sid+"/Members", testenv.Form("Identity", m))
	}
	return sid
}

// send posts a message over REST, as an app's server does.
func (r *chatRoom) send(t *testing.T, channel, from, body string) {
	t.Helper()
	r.env.Create(t, r.svc+"/Channels/"+channel+"/Messages", testenv.Form("From", from, "Body", body))
}

// The Sync objects of a Channel, by the names the Client API hands out.
func channelDoc(channel string) string   { return "/v3/Documents/" + channel + ".channel" }
func messagesList(channel string) string { return "/v3/Lists/" + channel + ".messages" }

// root is an object's descriptor, fetched through the socket as the SDK
// fetches it.
type root struct {
	Sid         string `json:"sid"`
	LastEventID uint64 `json:"last_event_id"`
	Links       struct {
		Items string `json:"items"`
	} `json:"links"`
}

// fetch reads the root at path (/v3/Lists/…) through c.
func fetch(t *testing.T, c *twilsocktest.Client, path string) root {
	t.Helper()
	resp, err := c.Get(ctx, "https://cds.us1.twilio.com"+path)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Body)
	}
	var out root
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// object is one request of a subscription batch.
type object struct {
	Sid         string `json:"object_sid"`
	Type        string `json:"object_type"`
	LastEventID uint64 `json:"last_event_id"`
}

// subscribe sends a batch as the SDK's Sync client does, with correlation
// id corr, and checks the reply.
func subscribe(t *testing.T, c *twilsocktest.Client, action string, corr int64, objects ...object) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"event_protocol_version": 4, "action": action, "correlation_id": corr,
		"retried_requests": 0, "ttl_in_s": -1, "requests": objects,
	})
	resp, err := c.Do(ctx, http.MethodPost, "https://cds.us1.twilio.com/v4/Subscriptions",
		map[string]string{"Content-Type": "application/json"}, body)
	if err != nil {
		t.Fatal(err)
	}
	var reply struct {
		Delivery *int `json:"estimated_delivery_in_ms"`
		MaxBatch int  `json:"max_batch_size"`
	}
	json.Unmarshal(resp.Body, &reply)
	if resp.StatusCode != http.StatusOK || reply.Delivery == nil || *reply.Delivery <= 0 || reply.MaxBatch <= 0 {
		t.Fatalf("%s: %d %s", action, resp.StatusCode, resp.Body)
	}
}

// note is a notification a socket received, decoded.
type note struct {
	Type          string // the frame's message_type
	EventType     string `json:"event_type"`
	CorrelationID *int64 `json:"correlation_id"`
	Event         struct {
		ID           uint64          `json:"id"`
		ItemIndex    *int            `json:"item_index"`
		ItemKey      *string         `json:"item_key"`
		ItemData     json.RawMessage `json:"item_data"`
		DocumentData json.RawMessage `json:"document_data"`
		ListSid      string          `json:"list_sid"`
		MapSid       string          `json:"map_sid"`
		DocumentSid  string          `json:"document_sid"`
		// The outcome of a subscription request.
		ObjectSid    string `json:"object_sid"`
		ReplayStatus string `json:"replay_status"`
		LastEventID  uint64 `json:"last_event_id"`
		Error        *struct {
			Code, Status int
			Message      string
		} `json:"error"`
	} `json:"event"`
	// A typing indicator.
	ChannelSid    string `json:"channel_sid"`
	Identity      string `json:"identity"`
	TypingTimeout int    `json:"typing_timeout"`
	Raw           string `json:"-"`
}

// next is the next notification pushed to c.
func next(t *testing.T, c *twilsocktest.Client) note {
	t.Helper()
	select {
	case f, ok := <-c.Events():
		if !ok {
			t.Fatalf("the socket ended: %v", c.Err())
		}
		n := note{Type: f.MessageType, Raw: string(f.Payload)}
		if f.Method != "notification" {
			t.Fatalf("got %s %+v, want a notification", f.Method, f.Header)
		}
		if err := json.Unmarshal(f.Payload, &n); err != nil {
			t.Fatalf("notification %s: %v", f.Payload, err)
		}
		n.Raw = string(f.Payload)
		return n
	case <-time.After(30 * time.Second):
		t.Fatal("nothing pushed")
		return note{}
	}
}

// ended waits for c's socket to end.
func ended(t *testing.T, c *twilsocktest.Client) {
	t.Helper()
	go func() {
		for range c.Events() {
		}
	}()
	select {
	case <-c.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the socket is still open")
	}
}

// want checks a notification against what is expected of it: its message
// type and event type.
func want(t *testing.T, who string, n note, messageType, eventType string) {
	t.Helper()
	if n.Type != messageType || n.EventType != eventType {
		t.Fatalf("%s got %s %s, want %s %s\n%s", who, n.Type, n.EventType, messageType, eventType, n.Raw)
	}
}

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}
