package twilsock_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/twilsock"
	"github.com/chatd/chatd/twilsock/twilsocktest"
)

type typing struct {
	ChannelSid string `json:"channel_sid"`
	Identity   string `json:"identity"`
}

func TestNotify(t *testing.T) {
	f := start(t, twilsock.Options{})
	alice1 := f.dial(t, token(t, "alice"))
	alice2 := f.dial(t, token(t, "alice"))
	bob := f.dial(t, token(t, "bob"))
	elsewhere := f.dial(t, mint(t, "alice", otherService, time.Now(), time.Hour))
	if n := f.srv.Connections(service, "alice"); n != 2 {
		t.Fatalf("Connections(alice) = %d, want 2", n)
	}

	for i := range 3 {
		if err := f.srv.Notify(service, "alice", "twilio.ipmsg.typing_indicator", typing{"CH" + strconv.Itoa(i), "bob"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.srv.Notify(service, "bob", "twilio.sync.event", map[string]string{"for": "bob"}); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.Notify(otherService, "alice", "twilio.sync.event", map[string]string{"for": "alice elsewhere"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*twilsocktest.Client{alice1, alice2} {
		for i := range 3 {
			e := nextEvent(t, c)
			var got typing
			json.Unmarshal(e.Payload, &got)
			if e.Method != "notification" || e.MessageType != "twilio.ipmsg.typing_indicator" || e.PayloadType != "application/json" ||
				got != (typing{"CH" + strconv.Itoa(i), "bob"}) {
				t.Errorf("notification %d = %+v %s", i, e.Header, e.Payload)
			}
		}
	}
	// Each of the others got its own notification first: none of alice's.
	if e := nextEvent(t, bob); string(e.Payload) != `{"for":"bob"}` {
		t.Errorf("bob got %s first", e.Payload)
	}
	if e := nextEvent(t, elsewhere); string(e.Payload) != `{"for":"alice elsewhere"}` {
		t.Errorf("alice in the other Service got %s first", e.Payload)
	}

	t.Run("Offline", func(t *testing.T) {
		if err := f.srv.Notify(service, "nobody", "twilio.sync.event", 1); err != nil {
			t.Errorf("Notify(offline identity) = %v", err)
		}
	})
	t.Run("BadPayload", func(t *testing.T) {
		if err := f.srv.Notify(service, "alice", "twilio.sync.event", func() {}); err == nil {
			t.Error("Notify(func) succeeded")
		}
	})
}

func TestPresence(t *testing.T) {
	f := start(t, twilsock.Options{})
	alice1 := f.dial(t, token(t, "alice"))
	if got := f.nextPresence(t); got != "online alice" {
		t.Fatalf("first socket: %q, want online alice", got)
	}
	alice2 := f.dial(t, token(t, "alice"))
	bob := f.dial(t, token(t, "bob"))
	// alice's second socket changes nothing: bob's comes next.
	if got := f.nextPresence(t); got != "online bob" {
		t.Fatalf("second socket: %q, want nothing before online bob", got)
	}
	alice1.Close()
	waitFor(t, "alice's first socket to close", func() bool { return f.srv.Connections(service, "alice") == 1 })
	bob.CloseNow() // a vanished socket counts as closed too
	if got := f.nextPresence(t); got != "offline bob" {
		t.Fatalf("after alice's first socket and bob's closed: %q, want offline bob alone", got)
	}
	alice2.Close()
	if got := f.nextPresence(t); got != "offline alice" {
		t.Errorf("after alice's last socket closed: %q, want offline alice", got)
	}
	if n := f.srv.Connections(service, "alice"); n != 0 {
		t.Errorf("Connections(alice) = %d after both closed", n)
	}
	// The identity can come back.
	f.dial(t, token(t, "alice"))
	if got := f.nextPresence(t); got != "online alice" {
		t.Errorf("reconnect: %q, want online alice", got)
	}
}

func TestConnNotify(t *testing.T) {
	// A handler pushes to its own connection only, as a Sync
	// subscription replays to the socket that subscribed; a run longer
	// than the send queue waits for room instead of dropping the client.
	const n = 100
	replayed := make(chan error, 1)
	f := start(t, twilsock.Options{SendQueue: 8, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := twilsock.ConnFromContext(r.Context())
		twilsock.AfterReply(r.Context(), func() {
			for i := range n {
				if err := c.Notify(r.Context(), "twilio.sync.event", i); err != nil {
					replayed <- err
					return
				}
			}
			replayed <- nil
		})
		w.Write([]byte(`{"estimated_delivery_in_ms":0}`))
	})})
	other := f.dial(t, token(t, "alice"))
	subscriber := rawDial(t, f.url)
	writeFrame(t, subscriber, &twilsock.Frame{Header: twilsock.Header{Method: "init", ID: "TM1", Token: token(t, "alice")}})
	if r := readFrame(t, subscriber); r.ID != "TM1" || r.Status.Code != 200 {
		t.Fatalf("init reply = %+v", r.Header)
	}
	writeFrame(t, subscriber, &twilsock.Frame{Header: twilsock.Header{Method: "message", ID: "TM2", HTTPRequest: &twilsock.HTTPRequest{
		Host: "cds.us1.twilio.com", Path: "/v4/Subscriptions", Method: "POST",
	}}, Payload: []byte(`{}`)})
	// The reply comes first, then the events in order.
	if r := readFrame(t, subscriber); r.ID != "TM2" || r.HTTPStatus == nil || r.HTTPStatus.Code != 200 {
		t.Fatalf("first frame = %+v, want the reply", r.Header)
	}
	for i := range n {
		if e := readFrame(t, subscriber); e.Method != "notification" || string(e.Payload) != strconv.Itoa(i) {
			t.Fatalf("event %d = %+v %s", i, e.Header, e.Payload)
		}
	}
	if err := <-replayed; err != nil {
		t.Fatal(err)
	}
	if twilsock.AfterReply(ctx, func() {}) {
		t.Error("AfterReply outside a tunnelled request reported true")
	}
	f.srv.Notify(service, "alice", "twilio.sync.event", "live")
	if e := nextEvent(t, other); string(e.Payload) != `"live"` {
		t.Errorf("the other socket got %s first, want only the live event", e.Payload)
	}
}

func TestSlowConsumer(t *testing.T) {
	f := start(t, twilsock.Options{SendQueue: 8})
	// The slow client takes one pushed frame and then stops reading.
	slow := f.dialOptions(t, token(t, "slow"), twilsocktest.Options{Events: 1})
	fast := f.dial(t, token(t, "fast"))
	if got := f.nextPresence(t) + ", " + f.nextPresence(t); got != "online slow, online fast" {
		t.Fatalf("presence = %s", got)
	}
	big := json.RawMessage(`"` + strings.Repeat("x", 64<<10) + `"`)
	// Notify never waits: the loop goes on whatever the slow client does,
	// and the fast one gets every notification, until chatd has given up
	// on the slow one.
	for sent := 0; f.srv.Connections(service, "slow") > 0; sent++ {
		if sent == 100000 {
			t.Fatal("the slow client was never disconnected")
		}
		f.srv.Notify(service, "slow", "twilio.sync.event", big)
		f.srv.Notify(service, "fast", "twilio.sync.event", sent)
		if e := nextEvent(t, fast); string(e.Payload) != strconv.Itoa(sent) {
			t.Fatalf("the fast client got %s, want %d", e.Payload, sent)
		}
	}
	if got := f.nextPresence(t); got != "offline slow" {
		t.Errorf("presence = %q, want offline slow", got)
	}
	if n := f.srv.Connections(service, "fast"); n != 1 {
		t.Errorf("the fast client was disconnected too")
	}
	go func() {
		for range slow.Events() {
		}
	}()
	ended(t, slow)
}

func TestPing(t *testing.T) {
	t.Run("KeepsGoing", func(t *testing.T) {
		f := start(t, twilsock.Options{PingInterval: 10 * time.Millisecond, PingTimeout: time.Minute})
		pings := make(chan struct{}, 100)
		c := f.dialOptions(t, token(t, "alice"), twilsocktest.Options{OnPing: func() {
			select {
			case pings <- struct{}{}:
			default:
			}
		}})
		for range 5 {
			<-pings
		}
		if _, err := c.Get(ctx, "https://aim.us1.twilio.com/ok"); err != nil {
			t.Errorf("after five pings answered: %v", err)
		}
	})
	t.Run("DeadPeer", func(t *testing.T) {
		f := start(t, twilsock.Options{PingInterval: 10 * time.Millisecond})
		c := f.dialOptions(t, token(t, "bob"), twilsocktest.Options{IgnorePings: true})
		if got := f.nextPresence(t) + ", " + f.nextPresence(t); got != "online bob, offline bob" {
			t.Errorf("presence = %s, want bob dropped", got)
		}
		ended(t, c)
	})
}

func TestExpiry(t *testing.T) {
	// The server's clock runs an hour ahead, less 2.5 s: an hour's token
	// has 1.5 to 2.5 s left (exp is whole seconds), and the warning comes
	// a tenth of that before expiry.
	skewed := func() time.Time { return time.Now().Add(time.Hour - 2500*time.Millisecond) }

	t.Run("WarnedThenClosed", func(t *testing.T) {
		t.Parallel()
		f := start(t, twilsock.Options{Now: skewed})
		c := f.dial(t, token(t, "alice"))
		if e := nextEvent(t, c); e.Method != "client_update" || e.ClientUpdateType != "token_about_to_expire" {
			t.Fatalf("first push = %+v, want client_update token_about_to_expire", e.Header)
		}
		e := nextEvent(t, c)
		if e.Method != "close" || e.Status.Code != 410 || e.Status.ErrorCode != 20104 {
			t.Errorf("second push = %+v, want close 410", e.Header)
		}
		ended(t, c)
		if got := f.nextPresence(t) + ", " + f.nextPresence(t); got != "online alice, offline alice" {
			t.Errorf("presence = %s", got)
		}
	})
	t.Run("UpdateExtends", func(t *testing.T) {
		t.Parallel()
		f := start(t, twilsock.Options{Now: skewed})
		issued := time.Now()
		c := f.dial(t, mint(t, "alice", service, issued, time.Hour))
		if err := c.Update(ctx, mint(t, "alice", service, time.Now(), 2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// Wait until the first token has expired by the server's clock,
		// then find the connection still open, and warned of nothing.
		exp := issued.Add(time.Hour).Truncate(time.Second)
		for skewed().Before(exp.Add(200 * time.Millisecond)) {
			time.Sleep(50 * time.Millisecond)
		}
		if _, err := c.Get(ctx, "https://aim.us1.twilio.com/ok"); err != nil {
			t.Fatalf("after the first token's expiry: %v", err)
		}
		f.srv.Notify(service, "alice", "twilio.sync.event", "still here")
		if e := nextEvent(t, c); string(e.Payload) != `"still here"` {
			t.Errorf("pushed %+v %s, want only the notification", e.Header, e.Payload)
		}
	})
}
