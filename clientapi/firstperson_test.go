package clientapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/chatd/chatd/internal/testenv"
)

// TestFirstPerson walks the acceptance story: alice creates a channel, adds
// bob and sends a message, all seen over REST as hers; bob, a plain member,
// is refused what the channel user role does not allow.
func TestFirstPerson(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.as(t, "alice"), e.as(t, "bob")
	bob.Must(t, http.StatusOK, http.MethodGet, path("/Configuration"), nil)

	created := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{
		"friendly_name": "General", "unique_name": "general", "attributes": `{"topic":"all"}`, "type": "public",
	})
	ch := created.Str("sid")
	if created.Str("conversation_sid") != ch || created.Str("url") != e.URL+path("/Conversations/"+ch) ||
		created.Str("status") != "joined" || created.Body["participants_count"] != float64(1) {
		t.Errorf("created = %s", created.Raw)
	}
	if sync, _ := created.Body["sync_objects"].(map[string]any); sync["conversation"] != ch+".channel" || sync["messages"] != ch+".messages" {
		t.Errorf("sync_objects = %v", created.Body["sync_objects"])
	}
	if links, _ := created.Body["links"].(map[string]any); links["messages"] != created.Str("url")+"/Messages" ||
		links["participants"] != created.Str("url")+"/Participants" || links["invites"] != created.Str("url")+"/Invites" {
		t.Errorf("links = %v", created.Body["links"])
	}
	restCh, err := e.rest.FetchChannel(e.service, ch)
	if err != nil {
		t.Fatal(err)
	}
	if *restCh.CreatedBy != "alice" || *restCh.UniqueName != "general" || *restCh.Attributes != `{"topic":"all"}` {
		t.Errorf("REST channel: created_by %s, unique_name %s, attributes %s", *restCh.CreatedBy, *restCh.UniqueName, *restCh.Attributes)
	}
	svc, err := e.rest.FetchService(e.service)
	if err != nil {
		t.Fatal(err)
	}
	creator, err := e.rest.FetchMember(e.service, ch, "alice")
	if err != nil {
		t.Fatalf("alice is not a member of her channel: %v", err)
	}
	if *creator.RoleSid != *svc.DefaultChannelCreatorRoleSid {
		t.Errorf("alice's role %s, want the channel creator role %s", *creator.RoleSid, *svc.DefaultChannelCreatorRoleSid)
	}

	added := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Participants"), map[string]any{"identity": "bob"})
	if added.Str("identity") != "bob" || added.Str("role_sid") != *svc.DefaultChannelRoleSid {
		t.Errorf("added = %s", added.Raw)
	}
	sent := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/"+ch+"/Messages"), map[string]any{"body": "hello", "attributes": `{"k":1}`})
	if sent.Body["index"] != float64(0) || sent.Str("author") != "alice" || sent.Str("type") != "text" {
		t.Errorf("sent = %s", sent.Raw)
	}
	msgs, err := e.rest.ListMessage(e.service, ch, &chatv2.ListMessageParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || *msgs[0].From != "alice" || *msgs[0].Body != "hello" || *msgs[0].Attributes != `{"k":1}` {
		t.Fatalf("REST messages = %+v, want alice's hello", msgs)
	}
	msg := sent.Str("sid")

	t.Run("bob cannot delete the channel", func(t *testing.T) {
		wantError(t, bob.Do(t, http.MethodDelete, path("/Conversations/"+ch), nil), http.StatusForbidden, 50107)
	})
	t.Run("bob cannot edit or delete alice's message", func(t *testing.T) {
		wantError(t, bob.Do(t, http.MethodPost, path("/Conversations/"+ch+"/Messages/"+msg), map[string]any{"body": "mine now"}), http.StatusForbidden, 50107)
		wantError(t, bob.Do(t, http.MethodPost, path("/Conversations/"+ch+"/Messages/"+msg), map[string]any{"attributes": `{}`}), http.StatusForbidden, 50107)
		wantError(t, bob.Do(t, http.MethodDelete, path("/Conversations/"+ch+"/Messages/"+msg), nil), http.StatusForbidden, 50107)
	})
	t.Run("bob cannot rename the channel or remove alice", func(t *testing.T) {
		wantError(t, bob.Do(t, http.MethodPost, path("/Conversations/"+ch), map[string]any{"friendly_name": "Bob's"}), http.StatusForbidden, 50107)
		wantError(t, bob.Do(t, http.MethodDelete, path("/Conversations/"+ch+"/Participants/alice"), nil), http.StatusForbidden, 50107)
	})
	if m, _ := e.rest.FetchMessage(e.service, ch, msg); m == nil || *m.Body != "hello" {
		t.Fatalf("alice's message after bob's refused edits: %+v", m)
	}
	if c, _ := e.rest.FetchChannel(e.service, ch); c == nil || *c.FriendlyName != "General" {
		t.Fatalf("the channel after bob's refused edits: %+v", c)
	}

	t.Run("bob sends and edits his own message", func(t *testing.T) {
		r := bob.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "hi"})
		edited := bob.Must(t, http.StatusOK, http.MethodPost, path("/Conversations/general/Messages/"+r.Str("sid")), map[string]any{"body": "hi all"})
		if edited.Str("body") != "hi all" || edited.Str("last_updated_by") != "bob" {
			t.Errorf("edited = %s", edited.Raw)
		}
		m, err := e.rest.FetchMessage(e.service, ch, r.Str("sid"))
		if err != nil || *m.Body != "hi all" || *m.From != "bob" || !*m.WasEdited {
			t.Errorf("REST message = %+v, %v", m, err)
		}
	})
	t.Run("alice, channel admin, edits bob's attributes and renames the channel", func(t *testing.T) {
		alice.Must(t, http.StatusOK, http.MethodPost, path("/Conversations/general/Participants/bob"), map[string]any{"attributes": `{"mod":false}`})
		m, err := e.rest.FetchMember(e.service, ch, "bob")
		if err != nil || *m.Attributes != `{"mod":false}` {
			t.Errorf("bob's REST attributes = %v, %v", m, err)
		}
		r := alice.Must(t, http.StatusOK, http.MethodPost, path("/Conversations/general"), map[string]any{"friendly_name": "Town square"})
		if r.Str("friendly_name") != "Town square" {
			t.Errorf("renamed = %s", r.Raw)
		}
	})
	t.Run("bob leaves, and cannot send any more", func(t *testing.T) {
		bob.Must(t, http.StatusNoContent, http.MethodDelete, path("/Conversations/general/Participants/bob"), nil)
		wantError(t, bob.Do(t, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "still here?"}), http.StatusForbidden, 50400)
		if _, err := e.rest.FetchMember(e.service, ch, "bob"); err == nil {
			t.Error("bob is still a member over REST")
		}
	})
	t.Run("alice destroys the channel", func(t *testing.T) {
		alice.Must(t, http.StatusNoContent, http.MethodDelete, path("/Conversations/"+ch), nil)
		if _, err := e.rest.FetchChannel(e.service, ch); err == nil {
			t.Error("the channel is still there over REST")
		}
	})
}

func TestPrivateChannels(t *testing.T) {
	e := newEnv(t)
	alice, bob, carol := e.as(t, "alice"), e.as(t, "bob"), e.as(t, "carol")
	for _, u := range []*testenv.FirstPerson{bob, carol} {
		u.Must(t, http.StatusOK, http.MethodGet, path("/Configuration"), nil)
	}
	priv := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "secret", "type": "private"})
	pub := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "lobby"})
	ch := priv.Str("sid")

	for _, key := range []string{ch, "secret"} {
		wantError(t, bob.Do(t, http.MethodGet, path("/Conversations/"+key), nil), http.StatusNotFound, 20404)
	}
	wantError(t, bob.Do(t, http.MethodPost, path("/Conversations/secret/Participants"), map[string]any{"identity": "bob"}), http.StatusNotFound, 20404)
	wantError(t, bob.Do(t, http.MethodPost, path("/Conversations/secret/Messages"), map[string]any{"body": "hi"}), http.StatusNotFound, 20404)
	wantError(t, bob.Do(t, http.MethodGet, path("/Users?ConversationSid="+ch), nil), http.StatusNotFound, 20404)

	list := bob.Must(t, http.StatusOK, http.MethodGet, path("/Conversations"), nil)
	if got := sidsOf(list, "conversations"); len(got) != 1 || got[0] != pub.Str("sid") {
		t.Errorf("bob's public list = %v, want only lobby", got)
	}
	if list.Body["meta"].(map[string]any)["next_token"] != nil {
		t.Errorf("meta = %v, want no next page", list.Body["meta"])
	}
	lobby := bob.Must(t, http.StatusOK, http.MethodGet, path("/Conversations/lobby"), nil)
	if lobby.Str("status") != "notParticipating" || lobby.Body["notification_level"] != nil {
		t.Errorf("bob's view of lobby = %s", lobby.Raw)
	}

	// Invited, bob sees the channel and may join it; carol still may not.
	inv := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/secret/Invites"), map[string]any{"identity": "bob"})
	if inv.Str("created_by") != "alice" {
		t.Errorf("invite = %s", inv.Raw)
	}
	if got := bob.Must(t, http.StatusOK, http.MethodGet, path("/Conversations/secret"), nil); got.Str("status") != "invited" {
		t.Errorf("bob's view after the invite = %s", got.Raw)
	}
	mine := bob.Must(t, http.StatusOK, http.MethodGet, path("/MyConversations"), nil)
	if got := sidsOf(mine, "conversations"); len(got) != 1 || got[0] != ch {
		t.Errorf("bob's conversations = %v, want the invitation", got)
	}
	wantError(t, carol.Do(t, http.MethodGet, path("/Conversations/secret"), nil), http.StatusNotFound, 20404)
	bob.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/secret/Participants"), map[string]any{"identity": "bob"})
	if got := bob.Must(t, http.StatusOK, http.MethodGet, path("/Conversations/secret"), nil); got.Str("status") != "joined" {
		t.Errorf("bob's view after joining = %s", got.Raw)
	}
	if invites, _ := e.rest.ListInvite(e.service, ch, &chatv2.ListInviteParams{}); len(invites) != 0 {
		t.Errorf("invites after bob joined = %d, want the invitation consumed", len(invites))
	}

	// carol, invited and declining, is invisible to the channel again.
	alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/secret/Invites"), map[string]any{"identity": "carol"})
	carol.Must(t, http.StatusNoContent, http.MethodDelete, path("/Conversations/secret/Invites/carol"), nil)
	wantError(t, carol.Do(t, http.MethodGet, path("/Conversations/secret"), nil), http.StatusNotFound, 20404)

	users := bob.Must(t, http.StatusOK, http.MethodGet, path("/Users?ConversationSid=secret&PageSize=1"), nil)
	meta, _ := users.Body["meta"].(map[string]any)
	if got := identitiesOf(users); len(got) != 1 || got[0] != "alice" || meta["next_token"] == nil {
		t.Fatalf("first page of users = %s", users.Raw)
	}
	if _, ok := meta["prev_token"]; !ok {
		t.Errorf("meta = %v, want prev_token", meta)
	}
	next := bob.Must(t, http.StatusOK, http.MethodGet, path("/Users?ConversationSid=secret&PageSize=1&PageToken="+url.QueryEscape(strOf(meta["next_token"]))), nil)
	if got := identitiesOf(next); len(got) != 1 || got[0] != "bob" {
		t.Errorf("second page of users = %s", next.Raw)
	}
}

func TestMyConversations(t *testing.T) {
	e := newEnv(t)
	alice := e.as(t, "alice")
	ch := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).Str("sid")
	for _, body := range []string{"one", "two", "three"} {
		alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": body})
	}
	mine := alice.Must(t, http.StatusOK, http.MethodGet, path("/MyConversations/"+ch), nil)
	if mine.Str("conversation_sid") != ch || mine.Body["unread_messages_count"] != nil || mine.Body["last_consumed_message_index"] != nil ||
		mine.Str("notification_level") != "default" || mine.Body["messages_count"] != float64(3) {
		t.Errorf("before any report: %s", mine.Raw)
	}
	r := alice.Must(t, http.StatusOK, http.MethodPost, path("/MyConversations/"+ch), map[string]any{"last_consumed_message_index": 0})
	if r.Body["unread_messages_count"] != float64(2) || r.Body["last_consumed_message_index"] != float64(0) {
		t.Errorf("after reading message 0: %s", r.Raw)
	}
	r = alice.Must(t, http.StatusOK, http.MethodPost, path("/MyConversations/general"), map[string]any{"notification_level": "muted"})
	if r.Str("notification_level") != "muted" || r.Body["last_consumed_message_index"] != float64(0) {
		t.Errorf("after muting: %s", r.Raw)
	}
	r = alice.Must(t, http.StatusOK, http.MethodPost, path("/MyConversations/general"), map[string]any{"last_consumed_message_index": nil})
	if r.Body["last_consumed_message_index"] != nil {
		t.Errorf("after setting no message read: %s", r.Raw)
	}
	wantError(t, alice.Do(t, http.MethodPost, path("/MyConversations/general"), map[string]any{"notification_level": "loud"}), http.StatusBadRequest, 50210)
	wantError(t, alice.Do(t, http.MethodPost, path("/MyConversations/general"), map[string]any{"last_consumed_message_index": "x"}), http.StatusBadRequest, 20001)
	uc, err := e.rest.FetchUserChannel(e.service, "alice", ch)
	if err != nil || *uc.NotificationLevel != "muted" {
		t.Errorf("REST user channel = %+v, %v", uc, err)
	}
	// bob is no member: he can look, but has no horizon to move.
	bob := e.as(t, "bob")
	wantError(t, bob.Do(t, http.MethodPost, path("/MyConversations/general"), map[string]any{"last_consumed_message_index": 1}), http.StatusForbidden, 50400)

	list := alice.Must(t, http.StatusOK, http.MethodGet, path("/MyConversations"), nil)
	if got := sidsOf(list, "conversations"); len(got) != 1 || got[0] != ch {
		t.Errorf("alice's conversations = %v", got)
	}
}

func TestTyping(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.as(t, "alice"), e.as(t, "bob")
	ch := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).Str("sid")
	// The SDK posts a form to links.typing, not JSON.
	typing := func(u *testenv.FirstPerson, channel string) *testenv.Response {
		req, err := http.NewRequest(http.MethodPost, e.URL+path("/Typing"), strings.NewReader(url.Values{"ChannelSid": {channel}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Token", u.Token)
		return e.Send(t, req)
	}
	if r := typing(alice, ch); r.Status != http.StatusOK || r.Body["typing_timeout"] != float64(5) {
		t.Errorf("typing = %d %s, want the Service's 5 seconds", r.Status, r.Raw)
	}
	wantError(t, typing(bob, ch), http.StatusForbidden, 50400)
	wantError(t, typing(alice, ""), http.StatusBadRequest, 20001)
	wantError(t, typing(alice, "CH00000000000000000000000000000000"), http.StatusNotFound, 20404)
}

// TestEscapedPaths reaches a channel and a user whose names hold a "/"
// (sent as %2F): each stays one path segment, in requests and in links.
func TestEscapedPaths(t *testing.T) {
	e := newEnv(t)
	slash := e.as(t, "team/alice")
	r := slash.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "a/b"})
	got := slash.Must(t, http.StatusOK, http.MethodGet, path("/Conversations/a%2Fb"), nil)
	if got.Str("sid") != r.Str("sid") {
		t.Errorf("a%%2Fb = %s, want %s", got.Raw, r.Str("sid"))
	}
	cfg := slash.Must(t, http.StatusOK, http.MethodGet, path("/Configuration"), nil)
	me := cfg.Body["links"].(map[string]any)["current_user"]
	if me != e.URL+path("/Users/team%2Falice") {
		t.Errorf("current_user = %v", me)
	}
	if u := slash.Must(t, http.StatusOK, http.MethodGet, strOf(me), nil); u.Str("identity") != "team/alice" {
		t.Errorf("current_user leads to %s", u.Raw)
	}
	wantError(t, slash.Do(t, http.MethodGet, path("/Conversations/a/b"), nil), http.StatusNotFound, 20404)
}
