package realtime_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/twilsock"
)

// TestSeveralNodes runs two chatd nodes on one PostgreSQL database, each
// reading on its own only every hour: what one node's commit starts on the
// other, it starts on the hint of that commit. A Sync subscriber connected
// to node B is sent the message that node A took over REST; a webhook of
// A's commit is sent by B's dispatcher (A's holds its own); a Service that
// A deletes ends B's sockets of it. A node that restarts while the other
// runs leaves the Users connected to the other online; one that starts
// alone sets them offline.
func TestSeveralNodes(t *testing.T) {
	dsn := pgtest.New(t)
	hooks := make(chan string, 16)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		hooks <- r.PostForm.Get("EventType") + " " + r.PostForm.Get("Body")
	}))
	defer receiver.Close()
	slow := testenv.QuickWebhooks()
	slow.Scan = time.Hour
	node := func(opts ...testenv.Option) *testenv.Env {
		return testenv.New(t, append([]testenv.Option{
			testenv.WithStore(testenv.PostgresStore(dsn)), testenv.WithSyncPoll(time.Hour), testenv.WithWebhooks(slow),
		}, opts...)...)
	}
	a, b := node(testenv.WithoutDispatcher()), node()

	room := newRoom(t, a, "alice")
	a.Update(t, room.svc, testenv.Form("ReachabilityEnabled", "true", "PostWebhookUrl", receiver.URL,
		"WebhookMethod", "POST", "WebhookFilters", "onMessageSent"))
	alice := b.Socket(t, "alice", room.service)
	list := fetch(t, alice, messagesList(room.channel))
	subscribe(t, alice, "establish", 1, object{list.Sid, "list", list.LastEventID})
	want(t, "alice", next(t, alice), "twilio.sync.event", "subscription_established")

	// Sent over REST as an app's server does, asking for its webhooks.
	r := a.DoHeader(t, http.MethodPost, room.svc+"/Channels/"+room.channel+"/Messages", testenv.Form("From", "bob", "Body", "through A"),
		a.AccountSid, a.AuthToken, http.Header{"X-Twilio-Webhook-Enabled": {"true"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("send through A: %d %s", r.Status, r.Raw)
	}
	n := next(t, alice)
	want(t, "alice", n, "com.twilio.rtd.cds.list", "list_item_added")
	if index(n) != 0 || n.Event.ListSid != list.Sid {
		t.Errorf("alice, on B, got %s; want the message A took", n.Raw)
	}
	select {
	case got := <-hooks:
		if got != "onMessageSent through A" {
			t.Errorf("the receiver got %q, want A's onMessageSent", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook of A's commit came from B")
	}

	isOnline := func(env *testenv.Env) any { return env.Get(t, room.svc+"/Users/alice")["is_online"] }
	waitFor(t, "alice to be online", func() bool { return isOnline(a) == true })
	a.Restart(t)
	if got := isOnline(a); got != true {
		t.Errorf("is_online after A restarted while alice is connected to B = %v, want true", got)
	}

	other := newRoom(t, a, "carol")
	carol := b.Socket(t, "carol", other.service)
	a.Delete(t, other.svc)
	if f, ok := <-carol.Events(); !ok || f.Method != "close" || f.Status == nil || f.Status.Code != twilsock.StatusOffload {
		t.Errorf("carol's socket on B, after A deleted her Service, got %+v, want close 308", f)
	}

	b.Close() // alice's socket goes, and B writes nothing of it
	a.Restart(t)
	if got := isOnline(a); got != false {
		t.Errorf("is_online after A restarted alone = %v, want false", got)
	}
}
