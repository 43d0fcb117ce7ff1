package twilsock_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chatd/chatd/twilsock"
)

func TestFanOut(t *testing.T) {
	// A handler keeps the connections that reach it, as a Sync
	// subscription does, so that the test can push to them and watch
	// them end.
	conns := make(chan *twilsock.Conn, 10)
	f := start(t, twilsock.Options{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conns <- twilsock.ConnFromContext(r.Context())
	})})
	subscribe := func(identity, svc string) (*twilsock.Conn, func() *twilsock.Frame) {
		t.Helper()
		c := f.dial(t, mint(t, identity, svc, time.Now(), time.Hour))
		if _, err := c.Get(ctx, "https://cds.us1.twilio.com/v4/Subscriptions"); err != nil {
			t.Fatal(err)
		}
		return <-conns, func() *twilsock.Frame { return nextEvent(t, c) }
	}
	alice, aliceNext := subscribe("alice", service)
	bob, bobNext := subscribe("bob", service)
	carol, _ := subscribe("carol", otherService)

	t.Run("Push", func(t *testing.T) {
		n, err := twilsock.NewNotification("TE7", "com.twilio.rtd.cds.list", json.RawMessage(`{"event_type":"list_item_added"}`))
		if err != nil {
			t.Fatal(err)
		}
		alice.Push(n)
		bob.Push(n)
		for name, next := range map[string]func() *twilsock.Frame{"alice": aliceNext, "bob": bobNext} {
			e := next()
			if e.Method != "notification" || e.ID != "TE7" || e.MessageType != "com.twilio.rtd.cds.list" ||
				e.PayloadType != "application/json" || string(e.Payload) != `{"event_type":"list_item_added"}` {
				t.Errorf("%s got %+v %s", name, e.Header, e.Payload)
			}
		}
	})

	t.Run("AfterClose", func(t *testing.T) {
		closed := make(chan string, 2)
		stopped := alice.AfterClose(func() { closed <- "stopped one" })
		alice.AfterClose(func() { closed <- "alice" })
		if !stopped() {
			t.Error("stop after nothing happened reported false")
		}
		alice.Offload("test")
		if got := <-closed; got != "alice" {
			t.Errorf("AfterClose ran %q", got)
		}
		if e := aliceNext(); e.Method != "close" || e.Status.Code != twilsock.StatusOffload {
			t.Errorf("alice got %+v, want close 308", e.Header)
		}
		// On a connection that has ended, fn runs at once.
		alice.AfterClose(func() { closed <- "late" })
		if got := <-closed; got != "late" {
			t.Errorf("AfterClose on an ended connection ran %q", got)
		}
	})

	t.Run("Offload", func(t *testing.T) {
		done := make(chan string, 2)
		bob.AfterClose(func() { done <- "bob" })
		carol.AfterClose(func() { done <- "carol" })
		f.srv.Offload(otherService)
		if got := <-done; got != "carol" {
			t.Fatalf("Offload(the other Service) closed %s", got)
		}
		if f.srv.Connections(service, "bob") != 1 {
			t.Error("Offload of another Service closed bob's socket")
		}
		f.srv.Offload("")
		if got := <-done; got != "bob" {
			t.Fatalf("Offload(\"\") closed %s", got)
		}
		if e := bobNext(); e.Method != "close" || e.Status.Code != twilsock.StatusOffload {
			t.Errorf("bob got %+v, want close 308", e.Header)
		}
	})
}
