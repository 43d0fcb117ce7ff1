package realtime_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/twilsock/twilsocktest"
)

func TestTyping(t *testing.T) {
	env := testenv.New(t)
	room := newRoom(t, env, "alice", "bob", "carol")
	env.Update(t, room.svc, testenv.Form("TypingIndicatorTimeout", "7"))
	sockets := map[string]*twilsocktest.Client{}
	for _, id := range []string{"alice", "bob", "carol", "dave"} { // dave is no Member
		sockets[id] = env.Socket(t, id, room.service)
		join(t, sockets[id], room.channel, 1)
	}
	bob2 := env.Socket(t, "bob", room.service) // a second tab
	join(t, bob2, room.channel, 1)

	resp, err := sockets["alice"].Do(ctx, http.MethodPost, env.URL+"/Client/v1/Typing",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte("ChannelSid="+room.channel))
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(resp.Body), `"typing_timeout":7`) {
		t.Fatalf("typing: %v %v", err, resp)
	}
	// Then a message every socket of the Channel's subscribers gets: what
	// each gets first tells whether the indicator reached it.
	room.send(t, room.channel, "alice", "typed")
	for who, c := range map[string]*twilsocktest.Client{"bob": sockets["bob"], "bob's second tab": bob2, "carol": sockets["carol"]} {
		n := next(t, c)
		want(t, who, n, "twilio.ipmsg.typing_indicator", "")
		if n.ChannelSid != room.channel || n.Identity != "alice" || n.TypingTimeout != 8 {
			t.Errorf("%s: typing indicator %s, want alice in %s for 7+1 s", who, n.Raw, room.channel)
		}
	}
	for who, c := range map[string]*twilsocktest.Client{"alice (who typed)": sockets["alice"], "dave (no Member)": sockets["dave"]} {
		if n := next(t, c); n.EventType != "list_item_added" {
			t.Errorf("%s got %s first, want the message: no typing indicator", who, n.Raw)
		}
	}

	// Typing where one may not send is refused.
	resp, _ = sockets["dave"].Do(ctx, http.MethodPost, env.URL+"/Client/v1/Typing",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte("ChannelSid="+room.channel))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("dave typing where he is no Member: %d %s, want 403", resp.StatusCode, resp.Body)
	}
}

func TestReachability(t *testing.T) {
	env := testenv.New(t)
	room := newRoom(t, env, "alice", "bob")
	env.Update(t, room.svc, testenv.Form("ReachabilityEnabled", "true"))
	bob := env.Socket(t, "bob", room.service)
	alice := env.Get(t, room.svc+"/Users/alice")
	info := fetch(t, bob, "/v3/Maps/"+alice["sid"].(string)+".info")
	subscribe(t, bob, "establish", 1, object{info.Sid, "map", info.LastEventID})
	want(t, "bob", next(t, bob), "twilio.sync.event", "subscription_established")
	isOnline := func() any { return env.Get(t, room.svc+"/Users/alice")["is_online"] }
	reachability := func(online bool) {
		t.Helper()
		n := next(t, bob)
		want(t, "bob", n, "com.twilio.rtd.cds.map", "map_item_updated")
		if *n.Event.ItemKey != "reachability" || string(n.Event.ItemData) != `{"online":`+map[bool]string{true: "true", false: "false"}[online]+`,"notifiable":false}` {
			t.Fatalf("reachability event %s, want online %v", n.Raw, online)
		}
	}
	if got := isOnline(); got != nil {
		t.Errorf("is_online before alice ever connected = %v, want null", got)
	}

	// Two sockets of alice: online with the first, offline only when the
	// last closes.
	tab1 := env.Socket(t, "alice", room.service)
	reachability(true)
	if got := isOnline(); got != true {
		t.Errorf("is_online with a socket open = %v, want true", got)
	}
	tab2 := env.Socket(t, "alice", room.service)
	tab1.Close()
	waitFor(t, "the first socket to close", func() bool { return env.Connections(room.service, "alice") == 1 })
	// A change of alice's name now is the next thing bob hears: no
	// reachability event came between.
	env.Update(t, room.svc+"/Users/alice", testenv.Form("FriendlyName", "Alice"))
	if n := next(t, bob); n.Event.ItemKey == nil || *n.Event.ItemKey != "friendlyName" {
		t.Fatalf("after one of two sockets closed bob got %s, want the name change only", n.Raw)
	}
	if got := isOnline(); got != true {
		t.Errorf("is_online with one socket left = %v, want true", got)
	}
	tab2.CloseNow() // a lost network, not a goodbye
	reachability(false)
	if got := isOnline(); got != false {
		t.Errorf("is_online with no socket = %v, want false", got)
	}

	// Lists and v1 stay as Twilio answers them: null in lists.
	for _, u := range testenv.ItemsOf(t, env.Get(t, room.svc+"/Users"), "users") {
		if u["is_online"] != nil {
			t.Errorf("is_online in a list = %v, want null", u["is_online"])
		}
	}
	if got := env.Get(t, "/v1"+strings.TrimPrefix(room.svc, "/v2")+"/Users/"+alice["sid"].(string))["is_online"]; got != false {
		t.Errorf("v1 is_online = %v, want false", got)
	}

	// A restart finds nobody connected.
	env.Socket(t, "alice", room.service)
	reachability(true)
	env.Restart(t)
	if got := isOnline(); got != false {
		t.Errorf("is_online after a restart = %v, want false", got)
	}
}

func TestReset(t *testing.T) {
	// A reset of a Service closes its sockets (308): their clients come
	// back to what the Service is now, and are counted online afresh.
	// Sockets of other Services stay.
	env := testenv.New(t)
	reset, kept := newRoom(t, env, "alice"), newRoom(t, env, "alice")
	gone, stays := env.Socket(t, "alice", reset.service), env.Socket(t, "alice", kept.service)
	join(t, stays, kept.channel, 1)
	env.Must(t, http.StatusNoContent, http.MethodPost, "/_chatd/reset", testenv.Form("ServiceSid", reset.service))
	f, ok := <-gone.Events()
	if !ok || f.Method != "close" || f.Status == nil || f.Status.Code != 308 {
		t.Fatalf("the reset Service's socket got %+v, want close 308", f)
	}
	ended(t, gone)
	kept.send(t, kept.channel, "alice", "still here")
	want(t, "the other Service's socket", next(t, stays), "com.twilio.rtd.cds.list", "list_item_added")
}
