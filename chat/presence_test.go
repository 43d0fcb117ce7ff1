package chat

import (
	"slices"
	"sync"
	"testing"

	"github.com/chatd/chatd/model"
)

func TestSetOnline(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		s := r.service(t)
		alice := r.user(t, s.Sid, "alice")
		info := model.UserInfoRef(alice.Sid)
		online := func(want *bool) {
			t.Helper()
			u, reach, err := r.FindUser(t.Context(), s.Sid, "alice")
			noErr(t, err)
			if !equalPtr(u.Online, want) {
				t.Errorf("User.Online = %s, want %s", showOnline(u.Online), showOnline(want))
			}
			if reach != nil && !equalPtr(reach.Online, want) {
				t.Errorf("FindUser's reachability online = %s, want %s", showOnline(reach.Online), showOnline(want))
			}
		}
		r.news(t, s.Sid)

		// Reachability off: a connection is not counted.
		noErr(t, r.SetOnline(t.Context(), s.Sid, "alice", true))
		online(nil)
		if _, reach, _ := r.FindUser(t.Context(), s.Sid, "alice"); reach != nil {
			t.Errorf("FindUser with reachability off gave %+v, want none", reach)
		}
		wantNews(t, "online with reachability off", r.news(t, s.Sid))

		on := true
		_, err := r.UpdateService(t.Context(), s.Sid, model.ServiceUpdate{ReachabilityEnabled: &on})
		noErr(t, err)
		online(nil) // never online since
		before := alice.DateUpdated
		noErr(t, r.SetOnline(t.Context(), s.Sid, "alice", true))
		online(ptrTo(true))
		news := r.news(t, s.Sid)
		wantNews(t, "alice online", news, ev("map_item_updated", info, "reachability"))
		if len(news) == 1 && string(news[0].Event.ItemData) != `{"online":true,"notifiable":false}` {
			t.Errorf("reachability item = %s", news[0].Event.ItemData)
		}
		u, _, err := r.FindUser(t.Context(), s.Sid, "alice")
		noErr(t, err)
		if !u.DateUpdated.Equal(before) {
			t.Errorf("date_updated moved to %v: reachability is no edit of the User", u.DateUpdated)
		}
		noErr(t, r.SetOnline(t.Context(), s.Sid, "alice", true))
		wantNews(t, "online again", r.news(t, s.Sid))

		noErr(t, r.SetOnline(t.Context(), s.Sid, "alice", false))
		online(ptrTo(false))
		wantNews(t, "alice offline", r.news(t, s.Sid), ev("map_item_updated", info, "reachability"))

		// Offline is recorded even with reachability turned off since.
		noErr(t, r.SetOnline(t.Context(), s.Sid, "alice", true))
		off := false
		_, err = r.UpdateService(t.Context(), s.Sid, model.ServiceUpdate{ReachabilityEnabled: &off})
		noErr(t, err)
		noErr(t, r.SetOnline(t.Context(), s.Sid, "alice", false))
		online(ptrTo(false))

		// Nothing online for a User or Service that has gone.
		noErr(t, r.SetOnline(t.Context(), s.Sid, "nobody", true))
		noErr(t, r.SetOnline(t.Context(), noService, "alice", true))
	})
}

func TestResetOnline(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		on := true
		var services []*model.Service
		for range 2 {
			s := r.service(t)
			_, err := r.UpdateService(t.Context(), s.Sid, model.ServiceUpdate{ReachabilityEnabled: &on})
			noErr(t, err)
			services = append(services, s)
			for _, id := range []string{"alice", "bob", "carol"} {
				r.user(t, s.Sid, id)
			}
			noErr(t, r.SetOnline(t.Context(), s.Sid, "alice", true))
			noErr(t, r.SetOnline(t.Context(), s.Sid, "bob", true))
			noErr(t, r.SetOnline(t.Context(), s.Sid, "bob", false))
			r.news(t, s.Sid)
		}
		n, err := r.ResetOnline(t.Context())
		noErr(t, err)
		if n != 2 {
			t.Errorf("ResetOnline = %d, want the 2 alices", n)
		}
		for _, s := range services {
			for id, want := range map[string]*bool{"alice": ptrTo(false), "bob": ptrTo(false), "carol": nil} {
				u, _, err := r.FindUser(t.Context(), s.Sid, id)
				noErr(t, err)
				if !equalPtr(u.Online, want) {
					t.Errorf("%s after ResetOnline: online %s, want %s", id, showOnline(u.Online), showOnline(want))
				}
			}
			u, _, _ := r.FindUser(t.Context(), s.Sid, "alice")
			wantNews(t, "ResetOnline", r.news(t, s.Sid), ev("map_item_updated", model.UserInfoRef(u.Sid), "reachability"))
		}
	})
}

func TestTypingAs(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		for _, id := range []string{"alice", "bob", "carol"} {
			r.member(t, s.Sid, ch.Sid, id)
		}
		r.user(t, s.Sid, "dave")
		typing, err := r.TypingAs(t.Context(), r.as(t, s.Sid, "alice"), ch.Sid)
		noErr(t, err)
		slices.Sort(typing.Members)
		if typing.ChannelSid != ch.Sid || typing.Identity != "alice" || typing.Timeout != s.TypingIndicatorTimeout ||
			!slices.Equal(typing.Members, []string{"bob", "carol"}) {
			t.Errorf("TypingAs = %+v, want alice typing to bob and carol for %d s", typing, s.TypingIndicatorTimeout)
		}
		// A public Channel is visible to dave, but he may not send there.
		_, err = r.TypingAs(t.Context(), r.as(t, s.Sid, "dave"), ch.Sid)
		wantCode(t, "typing where not a Member", err, 50400)
	})
}

func TestSyncTail(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 2)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		r.member(t, s.Sid, ch.Sid, "alice")
		head, err := r.SyncHead(t.Context(), s.Sid)
		noErr(t, err)
		r.news(t, s.Sid)
		if head != r.cursor[s.Sid] {
			t.Errorf("SyncHead = %d, want the newest event %d", head, r.cursor[s.Sid])
		}
		for i := range 3 {
			r.message(t, s.Sid, ch.Sid, string(rune('a'+i)))
		}
		events, trimmed, err := r.SyncTail(t.Context(), s.Sid, head, 0)
		noErr(t, err)
		list, doc := model.MessagesRef(ch.Sid).Sid(), model.ChannelRef(ch.Sid).Sid()
		// Three messages with two kept: the first message's item and
		// document events have left the log.
		if len(events) != 4 {
			t.Fatalf("SyncTail after %d = %d events, want 4", head, len(events))
		}
		if trimmed[list] == 0 || trimmed[list] <= head || trimmed[doc] <= head || trimmed[list] >= events[0].ID {
			t.Errorf("trimmed = %v after %d, first kept %d: want the first message's events, which the tail does not have", trimmed, head, events[0].ID)
		}
		if len(trimmed) != 2 {
			t.Errorf("trimmed names %d objects, want the 2 with events", len(trimmed))
		}
	})
}

func TestSyncResetHook(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.rig(t)
		var mu sync.Mutex
		var reset []string
		r.Chat = New(r.store, Options{AccountSid: testAccount, SyncReset: func(service string) {
			mu.Lock()
			reset = append(reset, service)
			mu.Unlock()
		}})
		a := r.service(t)
		r.service(t)
		r.channel(t, a.Sid)
		noErr(t, r.DeleteService(t.Context(), a.Sid))
		noErr(t, r.Reset(t.Context(), ""))
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(reset, []string{a.Sid, ""}) {
			t.Errorf("SyncReset calls = %q, want the deleted Service, then \"\" for the reset of all", reset)
		}
	})
}

func equalPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func showOnline(b *bool) string {
	if b == nil {
		return "null"
	}
	if *b {
		return "true"
	}
	return "false"
}
