package realtime_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/twilsock/twilsocktest"
)

// join subscribes c to a Channel's document and messages list from their
// roots, and checks that both are established with nothing to replay.
func join(t *testing.T, c *twilsocktest.Client, channel string, corr int64) (doc, list root) {
	t.Helper()
	doc, list = fetch(t, c, channelDoc(channel)), fetch(t, c, messagesList(channel))
	subscribe(t, c, "establish", corr,
		object{doc.Sid, "document", doc.LastEventID}, object{list.Sid, "list", list.LastEventID})
	for _, o := range []root{doc, list} {
		n := next(t, c)
		want(t, "the subscriber", n, "twilio.sync.event", "subscription_established")
		if n.Event.ObjectSid != o.Sid || n.Event.ReplayStatus != "completed" || n.Event.LastEventID != o.LastEventID ||
			n.CorrelationID == nil || *n.CorrelationID != corr {
			t.Fatalf("established %s", n.Raw)
		}
	}
	return doc, list
}

func TestLiveEvents(t *testing.T) {
	env := testenv.New(t)
	room := newRoom(t, env, "alice", "bob")
	alice, bob := env.Socket(t, "alice", room.service), env.Socket(t, "bob", room.service)
	doc, list := join(t, alice, room.channel, 1)
	join(t, bob, room.channel, 2)

	// A message posted over REST reaches both, as an SDK's would.
	room.send(t, room.channel, "alice", "hello")
	for who, c := range map[string]*twilsocktest.Client{"alice": alice, "bob": bob} {
		added := next(t, c)
		want(t, who, added, "com.twilio.rtd.cds.list", "list_item_added")
		if added.Event.ListSid != list.Sid || added.Event.ItemIndex == nil || *added.Event.ItemIndex != 0 ||
			!strings.Contains(string(added.Event.ItemData), `"text":"hello"`) || added.Event.ID <= list.LastEventID ||
			added.CorrelationID != nil {
			t.Errorf("%s: list_item_added %s", who, added.Raw)
		}
		updated := next(t, c)
		want(t, who, updated, "com.twilio.rtd.cds.document", "document_updated")
		if updated.Event.DocumentSid != doc.Sid || updated.Event.ID <= added.Event.ID ||
			!strings.Contains(string(updated.Event.DocumentData), `"lastMessage":{"index":0`) {
			t.Errorf("%s: document_updated %s", who, updated.Raw)
		}
	}

	// A message sent through the socket, as the SDK sends one, likewise.
	resp, err := bob.Do(ctx, http.MethodPost, env.URL+"/Client/v1/Conversations/"+room.channel+"/Messages",
		map[string]string{"Content-Type": "application/json"}, []byte(`{"body":"from bob"}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("bob's message: %v %d %s", err, resp.StatusCode, resp.Body)
	}
	for who, c := range map[string]*twilsocktest.Client{"alice": alice, "bob": bob} {
		if n := next(t, c); n.EventType != "list_item_added" || !strings.Contains(string(n.Event.ItemData), `"author":"bob"`) {
			t.Errorf("%s: %s, want bob's message", who, n.Raw)
		}
		want(t, who, next(t, c), "com.twilio.rtd.cds.document", "document_updated")
	}
}

func TestReplay(t *testing.T) {
	env := testenv.New(t)
	room := newRoom(t, env, "alice")
	c := env.Socket(t, "alice", room.service)
	list := fetch(t, c, messagesList(room.channel))
	for i := range 3 {
		room.send(t, room.channel, "alice", fmt.Sprint("seen ", i))
	}
	seen := fetch(t, c, messagesList(room.channel)).LastEventID
	for i := range 150 { // more than a page of the replay
		room.send(t, room.channel, "alice", fmt.Sprint("missed ", i))
	}
	last := fetch(t, c, messagesList(room.channel)).LastEventID

	// The client saw the first three, then lost its socket: it subscribes
	// from there and is sent exactly the rest, in order.
	subscribe(t, c, "establish", 42, object{list.Sid, "list", seen})
	prev := seen
	for i := range 150 {
		n := next(t, c)
		want(t, "the resubscriber", n, "twilio.sync.event", "list_item_added")
		if n.Event.ItemIndex == nil || *n.Event.ItemIndex != 3+i || n.Event.ID <= prev || n.CorrelationID == nil || *n.CorrelationID != 42 {
			t.Fatalf("replayed event %d: %s", i, n.Raw)
		}
		prev = n.Event.ID
	}
	n := next(t, c)
	want(t, "the resubscriber", n, "twilio.sync.event", "subscription_established")
	if n.Event.ReplayStatus != "completed" || n.Event.LastEventID != last || n.Event.ObjectSid != list.Sid {
		t.Errorf("established %s, want completed at %d", n.Raw, last)
	}

	// Live events follow, and none of the replayed ones again.
	room.send(t, room.channel, "alice", "live")
	if n := next(t, c); n.Type != "com.twilio.rtd.cds.list" || n.Event.ItemIndex == nil || *n.Event.ItemIndex != 153 {
		t.Errorf("after the replay: %s, want the live message 153", n.Raw)
	}

	// A client ahead of the object (its copy predates a reset) is told the
	// replay is complete from where it stands: every event to come has a
	// higher ID. Answered "interrupted" it would resubscribe for ever.
	subscribe(t, c, "establish", 43, object{list.Sid, "list", last + 1000})
	if n := next(t, c); n.EventType != "subscription_established" || n.Event.ReplayStatus != "completed" || n.Event.LastEventID != last+1000 {
		t.Errorf("a last_event_id ahead of the object: %s", n.Raw)
	}
}

func TestReplayInterrupted(t *testing.T) {
	env := testenv.New(t, testenv.WithSyncRetention(3))
	room := newRoom(t, env, "alice")
	c := env.Socket(t, "alice", room.service)
	room.send(t, room.channel, "alice", "0")
	from := fetch(t, c, messagesList(room.channel))
	for i := 1; i <= 5; i++ {
		room.send(t, room.channel, "alice", fmt.Sprint(i))
	}
	// Five missed, three kept: the three are sent, then "interrupted".
	subscribe(t, c, "establish", 7, object{from.Sid, "list", from.LastEventID})
	for i := 3; i <= 5; i++ {
		n := next(t, c)
		if n.EventType != "list_item_added" || n.Event.ItemIndex == nil || *n.Event.ItemIndex != i {
			t.Fatalf("kept event %d: %s", i, n.Raw)
		}
	}
	n := next(t, c)
	want(t, "the resubscriber", n, "twilio.sync.event", "subscription_established")
	if n.Event.ReplayStatus != "interrupted" {
		t.Errorf("established %s, want interrupted", n.Raw)
	}
	// The SDK subscribes again from the newest event it was sent.
	subscribe(t, c, "establish", 8, object{from.Sid, "list", n.Event.LastEventID})
	if n := next(t, c); n.EventType != "subscription_established" || n.Event.ReplayStatus != "completed" {
		t.Errorf("again from the newest: %s", n.Raw)
	}
}

func TestSubscriptionRefused(t *testing.T) {
	env := testenv.New(t)
	room := newRoom(t, env, "alice", "bob")
	secret := room.newChannel(t, "private", "alice")
	alice, bob := env.Socket(t, "alice", room.service), env.Socket(t, "bob", room.service)
	list := fetch(t, alice, messagesList(secret))
	mine := fetch(t, alice, "/v3/Maps/"+configuration(t, alice).SyncObjects.MyConversations)

	subscribe(t, bob, "establish", 5,
		object{list.Sid, "list", 0}, object{mine.Sid, "map", 0}, object{"ES" + strings.Repeat("0", 32), "list", 0},
		object{"TO" + strings.Repeat("0", 32), "stream", 0})
	for _, tt := range []struct {
		sid          string
		code, status int
	}{
		{list.Sid, 54150, 404}, // a private Channel's messages: not there for bob
		{mine.Sid, 54007, 403}, // alice's channels map: forbidden
		{"ES" + strings.Repeat("0", 32), 54150, 404},
		{"TO" + strings.Repeat("0", 32), 20404, 404}, // a type chatd has none of
	} {
		n := next(t, bob)
		want(t, "bob", n, "twilio.sync.event", "subscription_failed")
		if n.Event.ObjectSid != tt.sid || n.Event.Error == nil || n.Event.Error.Code != tt.code || n.Event.Error.Status != tt.status ||
			n.Event.Error.Message == "" || *n.CorrelationID != 5 {
			t.Errorf("refusal of %s: %s, want error %d/%d", tt.sid, n.Raw, tt.code, tt.status)
		}
	}
	// Refused, bob gets nothing of the private Channel; alice does.
	join(t, alice, secret, 6)
	join(t, bob, room.channel, 7)
	room.send(t, secret, "alice", "secret")
	room.send(t, room.channel, "alice", "public")
	if n := next(t, bob); !strings.Contains(string(n.Event.ItemData), `"text":"public"`) {
		t.Errorf("bob's first event after the refusal: %s, want the public message", n.Raw)
	}
	if n := next(t, alice); !strings.Contains(string(n.Event.ItemData), `"text":"secret"`) {
		t.Errorf("alice: %s", n.Raw)
	}

	// A Member removed from the private Channel stops getting its events.
	env.Create(t, room.svc+"/Channels/"+secret+"/Members", testenv.Form("Identity", "carol"))
	carol := env.Socket(t, "carol", room.service)
	join(t, carol, secret, 8)
	join(t, carol, room.channel, 9)
	env.Delete(t, room.svc+"/Channels/"+secret+"/Members/carol")
	// Her Sync objects tell her (the roster, her channels map); she no
	// longer reads the Channel's messages.
	room.send(t, secret, "alice", "after carol")
	room.send(t, room.channel, "alice", "public again")
	for {
		n := next(t, carol)
		if strings.Contains(n.Raw, secret) {
			t.Fatalf("carol got an event of a private Channel she left: %s", n.Raw)
		}
		if strings.Contains(string(n.Event.ItemData), `"text":"public again"`) {
			break
		}
	}
}

func TestCancel(t *testing.T) {
	env := testenv.New(t)
	room := newRoom(t, env, "alice")
	other := room.newChannel(t, "public", "alice")
	c := env.Socket(t, "alice", room.service)
	doc, list := join(t, c, room.channel, 1)
	join(t, c, other, 2)
	subscribe(t, c, "cancel", 3, object{Sid: doc.Sid, Type: "document"}, object{Sid: list.Sid, Type: "list"})
	for _, sid := range []string{doc.Sid, list.Sid} {
		n := next(t, c)
		if n.EventType != "subscription_canceled" || n.Event.ObjectSid != sid || *n.CorrelationID != 3 {
			t.Errorf("cancel: %s", n.Raw)
		}
	}
	room.send(t, room.channel, "alice", "canceled")
	room.send(t, other, "alice", "still here")
	if n := next(t, c); !strings.Contains(string(n.Event.ItemData), `"text":"still here"`) {
		t.Errorf("after the cancel: %s, want the other Channel's message only", n.Raw)
	}
}

func TestReplayMeetsLiveEvents(t *testing.T) {
	// Messages are sent all the while sockets subscribe: each subscriber
	// gets every message after the point it subscribed from exactly once,
	// in order, whether by replay or live.
	env := testenv.New(t)
	room := newRoom(t, env, "alice")
	const before, during = 20, 60
	for i := range before {
		room.send(t, room.channel, "alice", fmt.Sprint(i))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := before; i < before+during; i++ {
			room.send(t, room.channel, "alice", fmt.Sprint(i))
		}
	}()
	var sockets []*twilsocktest.Client
	var from []int
	for i := range 4 {
		c := env.Socket(t, "alice", room.service)
		list := fetch(t, c, messagesList(room.channel))
		// Each subscribes from a point of its own: the root it read, or
		// far behind it.
		last := list.LastEventID
		if i%2 == 1 {
			last = 0
		}
		subscribe(t, c, "establish", int64(i), object{list.Sid, "list", last})
		sockets = append(sockets, c)
		from = append(from, int(last))
	}
	wg.Wait()
	for i, c := range sockets {
		var indexes []int
		established := false
		prev := uint64(0)
		for len(indexes) == 0 || indexes[len(indexes)-1] < before+during-1 {
			n := next(t, c)
			if n.EventType == "subscription_established" {
				established = true
				continue
			}
			if n.EventType != "list_item_added" || n.Event.ItemIndex == nil || n.Event.ID <= prev {
				t.Fatalf("socket %d: %s after event %d", i, n.Raw, prev)
			}
			prev = n.Event.ID
			indexes = append(indexes, *n.Event.ItemIndex)
		}
		if !established {
			t.Errorf("socket %d was never told its subscription was established", i)
		}
		for j := 1; j < len(indexes); j++ {
			if indexes[j] != indexes[j-1]+1 {
				t.Fatalf("socket %d (from event %d) got messages %v: a gap or a repeat", i, from[i], indexes)
			}
		}
		if from[i] == 0 && indexes[0] != 0 {
			t.Errorf("socket %d subscribed from the start and got messages from %d", i, indexes[0])
		}
	}
}

// configurationJSON is the part of the Client API's Configuration the
// tests read.
type configurationJSON struct {
	SyncObjects struct {
		MyConversations string `json:"my_conversations"`
		MyUserInfo      string `json:"my_user_info"`
	} `json:"sync_objects"`
}

func configuration(t *testing.T, c *twilsocktest.Client) configurationJSON {
	t.Helper()
	resp, err := c.Get(ctx, "https://aim.us1.twilio.com/Client/v1/Configuration")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Configuration: %v %v", err, resp)
	}
	var out configurationJSON
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestChannelRemovalReachesSubscribers(t *testing.T) {
	// A Channel deleted over REST: its members' sockets, subscribed to its
	// objects, are sent their removal, though the same commit took the
	// Channel off the members' channels maps first.
	env := testenv.New(t)
	room := newRoom(t, env, "alice")
	c := env.Socket(t, "alice", room.service)
	doc, list := join(t, c, room.channel, 1)
	env.Delete(t, room.svc+"/Channels/"+room.channel)
	removed := map[string]string{}
	for len(removed) < 2 {
		n := next(t, c)
		switch n.EventType {
		case "document_removed":
			removed[n.Event.DocumentSid] = n.EventType
		case "list_removed":
			removed[n.Event.ListSid] = n.EventType
		default:
			t.Fatalf("after the delete: %s, want the removals of the Channel's document and list", n.Raw)
		}
	}
	if removed[doc.Sid] != "document_removed" || removed[list.Sid] != "list_removed" {
		t.Errorf("removals %v, want the document %s and the list %s", removed, doc.Sid, list.Sid)
	}
}
