package chat

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// syncRig is a rig whose Chat projects with the given retention and
// records the Services whose Sync logs its commits grew.
type syncRig struct {
	*rig
	mu     sync.Mutex
	woken  []string
	cursor map[string]uint64 // per Service: the newest event taken
}

func (e engine) syncRig(t *testing.T, keep int) *syncRig {
	t.Helper()
	r := &syncRig{rig: e.rig(t), cursor: map[string]uint64{}}
	r.Chat = New(r.store, Options{
		AccountSid:    testAccount,
		SyncURL:       "https://chatd.example.com",
		SyncRetention: keep,
		SyncWake: func(service string) {
			r.mu.Lock()
			r.woken = append(r.woken, service)
			r.mu.Unlock()
		},
	})
	return r
}

// service creates a Service whose Sync log is started, as a client's first
// sign-in starts it (TestSyncLogStartsAtSignIn).
func (r *syncRig) service(t *testing.T) *model.Service {
	t.Helper()
	s := r.rig.service(t)
	noErr(t, r.store.Update(t.Context(), func(tx model.Tx) error { return tx.StartSyncLog(s.Sid) }))
	return s
}

// wakes returns and clears the Services woken so far.
func (r *syncRig) wakes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.woken
	r.woken = nil
	return w
}

// syncEvent is a decoded Sync event payload.
type syncEvent struct {
	Type   string `json:"event_type"`
	Object string `json:"-"`
	Event  struct {
		ID               uint64          `json:"id"`
		DateCreated      string          `json:"date_created"`
		DocumentSid      string          `json:"document_sid"`
		ListSid          string          `json:"list_sid"`
		MapSid           string          `json:"map_sid"`
		DocumentData     json.RawMessage `json:"document_data"`
		DocumentRevision string          `json:"document_revision"`
		ItemIndex        *int            `json:"item_index"`
		ItemKey          *string         `json:"item_key"`
		ItemData         json.RawMessage `json:"item_data"`
		ItemURL          string          `json:"item_url"`
		ItemRevision     string          `json:"item_revision"`
		ListRevision     string          `json:"list_revision"`
		MapRevision      string          `json:"map_revision"`
	} `json:"event"`
}

func decodeEvents(t *testing.T, es []*model.SyncEvent) []syncEvent {
	t.Helper()
	out := []syncEvent{}
	for _, e := range es {
		var d syncEvent
		if err := json.Unmarshal(e.Payload, &d); err != nil {
			t.Fatalf("event %d: %v in %s", e.ID, err, e.Payload)
		}
		if d.Event.ID != e.ID {
			t.Errorf("event %d carries id %d", e.ID, d.Event.ID)
		}
		sid := d.Event.DocumentSid + d.Event.ListSid + d.Event.MapSid
		if sid != e.ObjectSid {
			t.Errorf("event %d of %s names the object %q", e.ID, e.ObjectSid, sid)
		}
		d.Object = e.ObjectSid
		out = append(out, d)
	}
	return out
}

// news returns the events of service's feed since the last call.
func (r *syncRig) news(t *testing.T, service string) []syncEvent {
	t.Helper()
	es, err := r.SyncFeed(t.Context(), service, r.cursor[service], 0)
	noErr(t, err)
	if len(es) > 0 {
		r.cursor[service] = es[len(es)-1].ID
	}
	return decodeEvents(t, es)
}

// log is every event the log of service keeps of ref.
func (r *syncRig) log(t *testing.T, service string, ref model.SyncRef) []syncEvent {
	t.Helper()
	var es []*model.SyncEvent
	noErr(t, r.store.View(t.Context(), func(tx model.Tx) (err error) {
		es, err = tx.SyncEvents(service, ref.Sid(), 0, 0)
		return err
	}))
	return decodeEvents(t, es)
}

// summary summarises events as "type object [key]", for comparisons.
func summary(es []syncEvent) []string {
	out := []string{}
	for _, e := range es {
		s := e.Type + " " + e.Object
		switch {
		case e.Event.ItemKey != nil:
			s += " " + *e.Event.ItemKey
		case e.Event.ItemIndex != nil:
			s += " " + strconv.Itoa(*e.Event.ItemIndex)
		}
		out = append(out, s)
	}
	return out
}

func ev(typ string, ref model.SyncRef, key ...string) string {
	s := typ + " " + ref.Sid()
	for _, k := range key {
		s += " " + k
	}
	return s
}

func wantNews(t *testing.T, what string, got []syncEvent, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if g := summary(got); !slices.Equal(g, want) {
		t.Errorf("%s: events\n  %q\nwant\n  %q", what, g, want)
	}
}

// data decodes an event's item or document data.
func data(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("data %s: %v", raw, err)
	}
	return m
}

// as is a Principal of identity in service.
func (r *syncRig) as(t *testing.T, service, identity string) *model.Principal {
	t.Helper()
	u, _, err := r.FindUser(t.Context(), service, identity)
	noErr(t, err)
	return &model.Principal{Identity: identity, ServiceSid: service, User: u}
}

func (r *syncRig) user(t *testing.T, service, identity string) *model.User {
	t.Helper()
	u, err := r.CreateUser(t.Context(), service, model.UserCreate{Identity: identity})
	noErr(t, err)
	return u
}

func TestSyncMessages(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		alice := r.member(t, s.Sid, ch.Sid, "alice")
		r.news(t, s.Sid)
		r.wakes()
		list, doc := model.MessagesRef(ch.Sid), model.ChannelRef(ch.Sid)

		from := "alice"
		body := "héllo <b>"
		m, err := r.CreateMessage(t.Context(), s.Sid, ch.Sid, model.MessageCreate{From: &from, Body: &body})
		noErr(t, err)
		news := r.news(t, s.Sid)
		wantNews(t, "a REST message", news, ev("list_item_added", list, "0"), ev("document_updated", doc))
		if w := r.wakes(); !slices.Equal(w, []string{s.Sid}) {
			t.Errorf("SyncWake after the commit got %v, want the Service once", w)
		}
		if len(news) != 2 {
			t.FailNow()
		}
		added := news[0].Event
		item := data(t, added.ItemData)
		want := map[string]any{
			"sid": m.Sid, "author": "alice", "text": body, "attributes": "{}", "type": "text",
			"timestamp": "2024-05-06T07:08:09.000Z", "dateUpdated": "2024-05-06T07:08:09.000Z",
			"lastUpdatedBy": nil, "memberSid": alice.Sid,
		}
		if !reflect.DeepEqual(item, want) {
			t.Errorf("item_data = %v\nwant %v", item, want)
		}
		if !strings.Contains(string(added.ItemData), body) {
			t.Errorf("item_data %s escapes the body %q", added.ItemData, body)
		}
		rev := strconv.FormatUint(added.ID, 10)
		if added.ItemRevision != rev || added.ListRevision != rev || added.DateCreated != "2024-05-06T07:08:09.000Z" ||
			added.ItemURL != "https://chatd.example.com/v3/Lists/"+list.Sid()+"/Items/0" {
			t.Errorf("list_item_added = %+v", added)
		}
		docData := data(t, news[1].Event.DocumentData)
		if lm, _ := docData["lastMessage"].(map[string]any); lm["index"] != 0.0 || lm["timestamp"] != "2024-05-06T07:08:09.000Z" {
			t.Errorf("document lastMessage = %v", docData["lastMessage"])
		}
		if news[1].Event.ID <= added.ID || news[1].Event.DocumentRevision != strconv.FormatUint(news[1].Event.ID, 10) {
			t.Errorf("document_updated = %+v after event %d", news[1].Event, added.ID)
		}

		// What a fetch after the event reads is what the event said.
		p := r.as(t, s.Sid, "alice")
		page, err := r.SyncItems(t.Context(), p, model.SyncList, list.Name(), model.SyncItemQuery{})
		noErr(t, err)
		if len(page.Items) != 1 || string(page.Items[0].Data) != string(added.ItemData) || page.Items[0].LastEventID != added.ID {
			t.Errorf("items after the event = %+v, want its data at last event %d", page.Items, added.ID)
		}
		root, err := r.SyncRoot(t.Context(), p, model.SyncDocument, doc.Name(), false)
		noErr(t, err)
		if string(root.Data) != string(news[1].Event.DocumentData) || root.LastEventID != news[1].Event.ID {
			t.Errorf("document = %s at %d, want the event's data at %d", root.Data, root.LastEventID, news[1].Event.ID)
		}

		edited := "edited"
		r.clock.advance(time.Second)
		_, err = r.UpdateMessage(t.Context(), s.Sid, ch.Sid, m.Sid, model.MessageUpdate{Body: &edited})
		noErr(t, err)
		news = r.news(t, s.Sid)
		wantNews(t, "an edit", news, ev("list_item_updated", list, "0"))
		if len(news) == 1 {
			if d := data(t, news[0].Event.ItemData); d["text"] != "edited" || d["dateUpdated"] != "2024-05-06T07:08:10.000Z" {
				t.Errorf("updated item_data = %v", d)
			}
		}

		second := r.message(t, s.Sid, ch.Sid, "second")
		r.news(t, s.Sid)
		noErr(t, r.DeleteMessage(t.Context(), s.Sid, ch.Sid, m.Sid))
		wantNews(t, "deleting an older Message", r.news(t, s.Sid), ev("list_item_removed", list, "0"))
		noErr(t, r.DeleteMessage(t.Context(), s.Sid, ch.Sid, second.Sid))
		news = r.news(t, s.Sid)
		wantNews(t, "deleting the newest Message", news, ev("list_item_removed", list, "1"), ev("document_updated", doc))
		if len(news) == 2 {
			if d := data(t, news[0].Event.ItemData); d["sid"] != second.Sid {
				t.Errorf("list_item_removed carries %v, want the removed Message's data", d)
			}
			if _, ok := data(t, news[1].Event.DocumentData)["lastMessage"]; ok {
				t.Errorf("document of a Channel without Messages has a lastMessage: %s", news[1].Event.DocumentData)
			}
		}
	})
}

func TestSyncMembers(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		bob := r.user(t, s.Sid, "bob")
		carol := r.user(t, s.Sid, "carol")
		r.news(t, s.Sid)
		roster := model.RosterRef(ch.Sid)

		m := r.member(t, s.Sid, ch.Sid, "bob")
		news := r.news(t, s.Sid)
		wantNews(t, "adding bob", news,
			ev("map_item_added", model.UserChannelsRef(bob.Sid), ch.Sid), ev("map_item_added", roster, m.Sid))
		if len(news) == 2 {
			uc := data(t, news[0].Event.ItemData)
			want := map[string]any{"channel": ch.Sid + ".channel", "messages": ch.Sid + ".messages", "roster": ch.Sid + ".roster",
				"status": "joined", "type": "public", "lastConsumedMessageIndex": nil, "notificationLevel": "default"}
			if !reflect.DeepEqual(uc, want) {
				t.Errorf("channels item = %v\nwant %v", uc, want)
			}
			ro := data(t, news[1].Event.ItemData)
			if ro["identity"] != "bob" || ro["type"] != "chat" || ro["userInfo"] != bob.Sid+".info" || ro["roleSid"] != m.RoleSid {
				t.Errorf("roster item = %v", ro)
			}
		}

		// A first member of a new identity creates its User and the User's
		// maps with it: nobody can have fetched them, so no event.
		dave := r.member(t, s.Sid, ch.Sid, "dave")
		wantNews(t, "adding a new identity", r.news(t, s.Sid), ev("map_item_added", roster, dave.Sid))

		r.message(t, s.Sid, ch.Sid, "one")
		r.news(t, s.Sid)
		zero := 0
		r.clock.advance(time.Second)
		_, err := r.UpdateMember(t.Context(), s.Sid, ch.Sid, m.Sid, model.MemberUpdate{LastConsumedMessageIndex: &zero})
		noErr(t, err)
		news = r.news(t, s.Sid)
		wantNews(t, "bob's horizon", news,
			ev("map_item_updated", roster, m.Sid), ev("map_item_updated", model.UserChannelsRef(bob.Sid), ch.Sid))
		if len(news) == 2 {
			ro := data(t, news[0].Event.ItemData)
			if ro["lastConsumedMessageIndex"] != 0.0 || ro["lastConsumptionTimestamp"] != "2024-05-06T07:08:10.000Z" {
				t.Errorf("roster item after the horizon = %v", ro)
			}
			if uc := data(t, news[1].Event.ItemData); uc["lastConsumedMessageIndex"] != 0.0 {
				t.Errorf("channels item after the horizon = %v", uc)
			}
		}
		attrs := `{"x":1}`
		_, err = r.UpdateMember(t.Context(), s.Sid, ch.Sid, m.Sid, model.MemberUpdate{Attributes: &attrs})
		noErr(t, err)
		wantNews(t, "bob's attributes (nothing in his channels map changes)", r.news(t, s.Sid), ev("map_item_updated", roster, m.Sid))

		muted := model.NotificationMuted
		_, err = r.UpdateUserChannel(t.Context(), s.Sid, "bob", ch.Sid, model.UserChannelUpdate{NotificationLevel: &muted})
		noErr(t, err)
		news = r.news(t, s.Sid)
		wantNews(t, "bob mutes the Channel", news, ev("map_item_updated", model.UserChannelsRef(bob.Sid), ch.Sid))

		// An Invite, then the membership it becomes: one update.
		_, err = r.CreateInvite(t.Context(), s.Sid, ch.Sid, model.InviteCreate{Identity: "carol"})
		noErr(t, err)
		news = r.news(t, s.Sid)
		wantNews(t, "inviting carol", news, ev("map_item_added", model.UserChannelsRef(carol.Sid), ch.Sid))
		if len(news) == 1 && data(t, news[0].Event.ItemData)["status"] != "invited" {
			t.Errorf("carol's channels item = %s, want invited", news[0].Event.ItemData)
		}
		cm := r.member(t, s.Sid, ch.Sid, "carol")
		news = r.news(t, s.Sid)
		wantNews(t, "carol joins", news,
			ev("map_item_updated", model.UserChannelsRef(carol.Sid), ch.Sid), ev("map_item_added", roster, cm.Sid))
		if len(news) == 2 && data(t, news[0].Event.ItemData)["status"] != "joined" {
			t.Errorf("carol's channels item = %s, want joined", news[0].Event.ItemData)
		}

		noErr(t, r.DeleteMember(t.Context(), s.Sid, ch.Sid, m.Sid))
		news = r.news(t, s.Sid)
		wantNews(t, "bob leaves", news,
			ev("map_item_removed", roster, m.Sid), ev("map_item_removed", model.UserChannelsRef(bob.Sid), ch.Sid))
		if len(news) == 2 && data(t, news[0].Event.ItemData)["identity"] != "bob" {
			t.Errorf("map_item_removed carries %s, want the Member's data before", news[0].Event.ItemData)
		}
	})
}

func TestSyncChannelTypeAndRemoval(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		alice, carol := r.user(t, s.Sid, "alice"), r.user(t, s.Sid, "carol")
		r.member(t, s.Sid, ch.Sid, "alice")
		_, err := r.CreateInvite(t.Context(), s.Sid, ch.Sid, model.InviteCreate{Identity: "carol"})
		noErr(t, err)
		r.message(t, s.Sid, ch.Sid, "one")
		r.news(t, s.Sid)

		private := model.ChannelPrivate
		_, err = r.UpdateChannel(t.Context(), s.Sid, ch.Sid, model.ChannelUpdate{Type: &private})
		noErr(t, err)
		news := r.news(t, s.Sid)
		wantNews(t, "the Channel made private", news,
			ev("map_item_updated", model.UserChannelsRef(alice.Sid), ch.Sid),
			ev("map_item_updated", model.UserChannelsRef(carol.Sid), ch.Sid),
			ev("document_updated", model.ChannelRef(ch.Sid)))
		for _, n := range news[:min(2, len(news))] {
			if d := data(t, n.Event.ItemData); d["type"] != "private" {
				t.Errorf("channels item after the change = %v", d)
			}
		}

		noErr(t, r.DeleteChannel(t.Context(), s.Sid, ch.Sid))
		wantNews(t, "the Channel deleted", r.news(t, s.Sid),
			ev("map_item_removed", model.UserChannelsRef(alice.Sid), ch.Sid),
			ev("map_item_removed", model.UserChannelsRef(carol.Sid), ch.Sid),
			ev("document_removed", model.ChannelRef(ch.Sid)),
			ev("list_removed", model.MessagesRef(ch.Sid)),
			ev("map_removed", model.RosterRef(ch.Sid)))
		// The removal is all the removed objects' logs keep.
		wantNews(t, "the messages list's log", r.log(t, s.Sid, model.MessagesRef(ch.Sid)), ev("list_removed", model.MessagesRef(ch.Sid)))
		wantNews(t, "the document's log", r.log(t, s.Sid, model.ChannelRef(ch.Sid)), ev("document_removed", model.ChannelRef(ch.Sid)))

		_, err = r.SyncRoot(t.Context(), r.as(t, s.Sid, "alice"), model.SyncDocument, model.SyncChannel(ch.Sid), false)
		wantCode(t, "the document of a deleted Channel", err, 54100)
		// A client that resubscribes is replayed the removal, all there is.
		rp, err := r.SyncReplay(t.Context(), r.as(t, s.Sid, "carol"), model.SyncList, model.MessagesRef(ch.Sid).Sid(), 0, 0)
		noErr(t, err)
		if got := summary(decodeEvents(t, rp.Events)); len(got) != 1 || got[0] != ev("list_removed", model.MessagesRef(ch.Sid)) || rp.Complete {
			t.Errorf("replay of the deleted Channel's list = %q, complete %v; want its removal, incomplete", got, rp.Complete)
		}
		_, err = r.SyncReplay(t.Context(), r.as(t, s.Sid, "carol"), model.SyncList, model.MessagesRef(model.PrefixChannel+fmt.Sprintf("%032d", 7)).Sid(), 0, 0)
		wantCode(t, "replay of an object that never was", err, 54150)
	})
}

func TestSyncUsers(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		alice := r.user(t, s.Sid, "alice")
		m := r.member(t, s.Sid, ch.Sid, "alice")
		r.news(t, s.Sid)
		info := model.UserInfoRef(alice.Sid)

		name := "Alice"
		_, err := r.UpdateUser(t.Context(), s.Sid, "alice", model.UserUpdate{FriendlyName: &name})
		noErr(t, err)
		news := r.news(t, s.Sid)
		wantNews(t, "alice's friendly name", news, ev("map_item_updated", info, "friendlyName"))
		if len(news) == 1 && string(news[0].Event.ItemData) != `{"value":"Alice"}` {
			t.Errorf("friendlyName item = %s", news[0].Event.ItemData)
		}
		attrs := `{"a":[1,2]}`
		_, err = r.UpdateUser(t.Context(), s.Sid, "alice", model.UserUpdate{Attributes: &attrs})
		noErr(t, err)
		news = r.news(t, s.Sid)
		wantNews(t, "alice's attributes", news, ev("map_item_updated", info, "attributes"))
		if len(news) == 1 && string(news[0].Event.ItemData) != `{"value":"{\"a\":[1,2]}"}` {
			t.Errorf("attributes item = %s", news[0].Event.ItemData)
		}

		cr, err := r.CreateCredential(t.Context(), model.CredentialCreate{Type: model.PushFCM})
		noErr(t, err)
		_, _, err = r.CreateBinding(t.Context(), s.Sid, model.BindingCreate{Identity: "alice", BindingType: model.PushFCM, Endpoint: "d1", CredentialSid: cr.Sid})
		noErr(t, err)
		news = r.news(t, s.Sid)
		wantNews(t, "alice's first Binding", news, ev("map_item_updated", info, "reachability"))
		if len(news) == 1 && string(news[0].Event.ItemData) != `{"online":false,"notifiable":true}` {
			t.Errorf("reachability item = %s", news[0].Event.ItemData)
		}
		_, _, err = r.CreateBinding(t.Context(), s.Sid, model.BindingCreate{Identity: "alice", BindingType: model.PushAPN, Endpoint: "d2", CredentialSid: cr.Sid})
		noErr(t, err)
		wantNews(t, "alice's second Binding (still notifiable)", r.news(t, s.Sid))

		noErr(t, r.DeleteUser(t.Context(), s.Sid, "alice"))
		wantNews(t, "alice deleted", r.news(t, s.Sid),
			ev("map_item_removed", model.RosterRef(ch.Sid), m.Sid),
			ev("map_removed", info),
			ev("map_removed", model.UserChannelsRef(alice.Sid)))
	})
}

func TestSyncFailedWriteAppendsNothing(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		s := r.service(t)
		one := 1
		_, err := r.UpdateService(t.Context(), s.Sid, model.ServiceUpdate{LimitsChannelMembers: &one})
		noErr(t, err)
		ch := r.channel(t, s.Sid)
		r.user(t, s.Sid, "alice")
		r.user(t, s.Sid, "bob")
		r.member(t, s.Sid, ch.Sid, "alice")
		r.news(t, s.Sid)
		r.wakes()

		// The insert succeeds and is projected, then the limit refuses it:
		// the whole transaction, events included, rolls back.
		_, err = r.CreateMember(t.Context(), s.Sid, ch.Sid, model.MemberCreate{Identity: "bob"})
		wantCode(t, "a member over the limit", err, 50403)
		_, err = r.CreateMember(t.Context(), s.Sid, ch.Sid, model.MemberCreate{Identity: "alice"})
		wantCode(t, "a member twice", err, 50404)
		wantNews(t, "failed writes", r.news(t, s.Sid))
		if w := r.wakes(); len(w) != 0 {
			t.Errorf("failed writes woke %v", w)
		}
		// A write that changes no Sync object wakes nobody.
		_, err = r.CreateRole(t.Context(), s.Sid, model.RoleCreate{FriendlyName: "r", Type: model.RoleTypeChannel, Permissions: []string{"sendMessage"}})
		noErr(t, err)
		if w := r.wakes(); len(w) != 0 {
			t.Errorf("a Role woke %v", w)
		}
	})
}

func TestSyncReset(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		sid := model.PrefixService + fmt.Sprintf("%032d", 1)
		chSid := model.PrefixChannel + fmt.Sprintf("%032d", 1)
		r.Chat.seed = &Seed{Services: []SeedService{{Sid: sid, FriendlyName: "seeded", Channels: []SeedChannel{{
			Sid: chSid, Members: []SeedMember{{Identity: "alice"}}, Messages: []SeedMessage{{Body: "hi"}},
		}}}}}
		noErr(t, r.SeedIfEmpty(t.Context()))
		wantNews(t, "seeding", r.news(t, sid))
		// A client signs in; the resets below keep the log started.
		noErr(t, r.store.Update(t.Context(), func(tx model.Tx) error { return tx.StartSyncLog(sid) }))
		before := r.cursor[sid]
		r.message(t, sid, chSid, "more")
		last := r.news(t, sid)
		if len(last) != 2 {
			t.Fatalf("a message after seeding: %q", summary(last))
		}

		noErr(t, r.Reset(t.Context(), sid))
		wantNews(t, "the log after a reset of the Service", r.news(t, sid))
		r.cursor[sid] = before
		r.message(t, sid, chSid, "after")
		news := r.news(t, sid)
		if len(news) != 2 || news[0].Event.ID <= last[1].Event.ID {
			t.Errorf("after the reset: %q from %d, want new IDs above %d", summary(news), news[0].Event.ID, last[1].Event.ID)
		}
		if news[0].Event.ItemIndex == nil || *news[0].Event.ItemIndex != 1 {
			t.Errorf("the reseeded Channel's next message is item %v, want 1", news[0].Event.ItemIndex)
		}

		noErr(t, r.Reset(t.Context(), ""))
		wantNews(t, "the log after a wipe", r.news(t, sid))
		r.message(t, sid, chSid, "after the wipe")
		if news := r.news(t, sid); len(news) != 2 || news[0].Event.ID <= last[1].Event.ID {
			t.Errorf("after the wipe: %q", summary(news))
		}
	})
}

func TestSyncRetention(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 3)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		r.member(t, s.Sid, ch.Sid, "alice")
		p := r.as(t, s.Sid, "alice")
		list := model.MessagesRef(ch.Sid)
		var ids []uint64
		for i := range 5 {
			r.message(t, s.Sid, ch.Sid, fmt.Sprint(i))
			news := r.news(t, s.Sid)
			ids = append(ids, news[0].Event.ID)
		}
		rp, err := r.SyncReplay(t.Context(), p, model.SyncList, list.Sid(), ids[2], 0)
		noErr(t, err)
		if !rp.Complete || len(rp.Events) != 2 || rp.Events[0].ID != ids[3] || rp.LastEventID != ids[4] {
			t.Errorf("replay after the third of five = %+v, want the last two, complete", rp)
		}
		rp, err = r.SyncReplay(t.Context(), p, model.SyncList, list.Name(), ids[0], 0)
		noErr(t, err)
		if rp.Complete || len(rp.Events) != 3 || rp.Events[0].ID != ids[2] {
			t.Errorf("replay after the first of five with three kept = %+v, want the newest three, incomplete", rp)
		}
		rp, err = r.SyncReplay(t.Context(), p, model.SyncList, list.Name(), ids[1], 0)
		noErr(t, err)
		if !rp.Complete || len(rp.Events) != 3 {
			t.Errorf("replay after the newest trimmed event = %+v, want complete", rp)
		}
	})
}

func TestSyncReadPermissions(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		s := r.service(t)
		public := r.channel(t, s.Sid)
		private := model.ChannelPrivate
		secret, err := r.CreateChannel(t.Context(), s.Sid, model.ChannelCreate{Type: &private})
		noErr(t, err)
		alice, bob := r.user(t, s.Sid, "alice"), r.user(t, s.Sid, "bob")
		r.user(t, s.Sid, "carol")
		r.member(t, s.Sid, secret.Sid, "alice")
		_, err = r.CreateInvite(t.Context(), s.Sid, secret.Sid, model.InviteCreate{Identity: "carol"})
		noErr(t, err)

		read := func(who string, typ, id string) error {
			_, err := r.SyncRoot(t.Context(), r.as(t, s.Sid, who), typ, id, false)
			return err
		}
		for _, c := range []struct {
			who, typ, id string
			code         int // 0: readable
		}{
			{"alice", model.SyncMap, model.SyncUserChannels(alice.Sid), 0},
			{"alice", model.SyncMap, model.UserChannelsRef(alice.Sid).Sid(), 0},
			{"bob", model.SyncMap, model.SyncUserChannels(alice.Sid), 54007},
			{"bob", model.SyncMap, model.SyncUserInfo(alice.Sid), 0},
			{"alice", model.SyncMap, model.SyncUserInfo(bob.Sid), 0},
			{"bob", model.SyncDocument, model.SyncChannel(public.Sid), 0},
			{"bob", model.SyncList, model.SyncMessages(public.Sid), 0},
			{"bob", model.SyncMap, model.SyncRoster(public.Sid), 0},
			{"alice", model.SyncDocument, model.SyncChannel(secret.Sid), 0},
			{"carol", model.SyncList, model.SyncMessages(secret.Sid), 0},
			{"bob", model.SyncDocument, model.SyncChannel(secret.Sid), 54100},
			{"bob", model.SyncList, model.SyncMessages(secret.Sid), 54150},
			{"bob", model.SyncMap, model.SyncRoster(secret.Sid), 54200},
			{"alice", model.SyncList, model.SyncChannel(public.Sid), 54150},
			{"alice", model.SyncDocument, "nothing", 54100},
			{"alice", model.SyncMap, model.SyncUserInfo(model.PrefixUser + fmt.Sprintf("%032d", 9)), 54200},
		} {
			err := read(c.who, c.typ, c.id)
			if c.code == 0 {
				noErr(t, err)
			} else {
				wantCode(t, fmt.Sprintf("%s reads %s %s", c.who, c.typ, c.id), err, c.code)
			}
		}
		r.message(t, s.Sid, secret.Sid, "for members only")
		_, err = r.SyncReplay(t.Context(), r.as(t, s.Sid, "bob"), model.SyncList, model.MessagesRef(secret.Sid).Sid(), 0, 0)
		wantCode(t, "bob replays the private Channel's messages", err, 54150)
		rp, err := r.SyncReplay(t.Context(), r.as(t, s.Sid, "alice"), model.SyncList, model.MessagesRef(secret.Sid).Sid(), 0, 0)
		if err != nil || len(rp.Events) != 1 {
			t.Errorf("alice replays the private Channel's messages: %+v, %v", rp, err)
		}
	})
}

// A Message appended and then changed in the same transaction is projected
// as it is at the commit, not as it was appended.
func TestSyncMessageChangedAfterAppend(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		s := r.service(t)
		ch := r.channel(t, s.Sid)
		r.news(t, s.Sid)
		list, doc := model.MessagesRef(ch.Sid), model.ChannelRef(ch.Sid)

		noErr(t, r.update(t.Context(), func(tx model.Tx) error {
			first := &model.Message{Sid: model.PrefixMessage + strings.Repeat("1", 32), ServiceSid: s.Sid, ChannelSid: ch.Sid,
				From: "alice", Body: "first", Attributes: "{}", DateCreated: r.clock.Now(), DateUpdated: r.clock.Now()}
			if err := tx.AppendMessage(first); err != nil {
				return err
			}
			edited := *first
			edited.Body, edited.DateCreated = "edited", r.clock.Now().Add(time.Minute)
			return tx.PutMessage(&edited)
		}))
		news := r.news(t, s.Sid)
		wantNews(t, "an append edited in its transaction", news, ev("list_item_added", list, "0"), ev("document_updated", doc))
		if len(news) != 2 {
			t.FailNow()
		}
		if d := data(t, news[0].Event.ItemData); d["text"] != "edited" {
			t.Errorf("item_data = %v, want the edited text", d)
		}
		if lm, _ := data(t, news[1].Event.DocumentData)["lastMessage"].(map[string]any); lm["timestamp"] != "2024-05-06T07:09:09.000Z" {
			t.Errorf("document lastMessage = %v, want the edited date", lm)
		}
	})
}

// TestSyncLogStartsAtSignIn: the writes to a Service no client signed in to
// append no events, and a client's first fetch finds them; its first
// sign-in starts the log, and every write after it appends its events.
func TestSyncLogStartsAtSignIn(t *testing.T) {
	onEngines(t, func(t *testing.T, e engine) {
		r := e.syncRig(t, 0)
		s := r.rig.service(t) // no client yet
		ch := r.channel(t, s.Sid)
		r.member(t, s.Sid, ch.Sid, "alice")
		before := r.message(t, s.Sid, ch.Sid, "before anyone signed in")
		wantNews(t, "writes before a sign-in", r.news(t, s.Sid))
		started := func() bool {
			var ok bool
			noErr(t, r.store.View(t.Context(), func(tx model.Tx) (err error) {
				ok, err = tx.SyncLogStarted(s.Sid)
				return err
			}))
			return ok
		}
		if started() {
			t.Fatal("the log is started before any sign-in")
		}

		token, err := r.MintToken(t.Context(), model.TokenMint{Identity: "alice", ServiceSid: s.Sid})
		noErr(t, err)
		p, err := r.Authenticate(t.Context(), token.Token)
		noErr(t, err)
		if !started() {
			t.Fatal("the log is not started after a sign-in")
		}
		list := model.MessagesRef(ch.Sid)
		page, err := r.SyncItems(t.Context(), p, model.SyncList, list.Sid(), model.SyncItemQuery{})
		noErr(t, err)
		if len(page.Items) != 1 || data(t, page.Items[0].Data)["sid"] != before.Sid {
			t.Fatalf("the first fetch of the Messages list has %d items, want the Message sent before the sign-in", len(page.Items))
		}

		r.message(t, s.Sid, ch.Sid, "after")
		wantNews(t, "a write after the sign-in", r.news(t, s.Sid),
			ev("list_item_added", list, "1"), ev("document_updated", model.ChannelRef(ch.Sid)))
	})
}
