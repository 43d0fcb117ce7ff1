package clientapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	twjwt "github.com/twilio/twilio-go/client/jwt"
	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

func TestConfiguration(t *testing.T) {
	e := newEnv(t)
	alice := e.as("alice")
	r := alice.do(http.MethodGet, path("/Configuration"), nil).want(t, http.StatusOK)
	if got := r.str("identity"); got != "alice" {
		t.Errorf("identity = %q, want alice", got)
	}
	links, _ := r.body["links"].(map[string]any)
	for _, key := range []string{"my_conversations", "conversations", "users", "current_user", "typing", "media_service", "messages_receipts"} {
		u, err := url.Parse(strOf(links[key]))
		if err != nil || !u.IsAbs() || u.Scheme+"://"+u.Host != e.url {
			t.Errorf("links.%s = %v, want an absolute URL on %s", key, links[key], e.url)
		}
	}
	if got, want := links["media_service"], e.url+"/v1/Services/"+e.service+"/Media"; got != want {
		t.Errorf("links.media_service = %v, want %s", got, want)
	}
	if got, want := links["current_user"], e.url+path("/Users/alice"); got != want {
		t.Errorf("links.current_user = %v, want %s", got, want)
	}
	if id := r.header.Get("Twilio-Request-Id"); !strings.HasPrefix(id, "RQ") {
		t.Errorf("Twilio-Request-Id = %q: the Client API is not behind the server's request handling", id)
	}
	options, _ := r.body["options"].(map[string]any)
	if options["reachability_enabled"] != false || options["consumption_report_interval"] != "PT10S" ||
		options["http_cache_interval"] == nil || options["user_infos_to_subscribe"] == nil {
		t.Errorf("options = %v", options)
	}

	u, err := e.rest.FetchUser(e.service, "alice")
	if err != nil {
		t.Fatalf("the User after the first request, over REST: %v", err)
	}
	sync, _ := r.body["sync_objects"].(map[string]any)
	if sync["my_user_info"] != *u.Sid+".info" || sync["my_conversations"] != *u.Sid+".channels" {
		t.Errorf("sync_objects = %v, want the names of %s's objects", sync, *u.Sid)
	}
	// The links lead somewhere: the User is alice, and her channel list is empty.
	me := alice.do(http.MethodGet, strOf(links["current_user"]), nil).want(t, http.StatusOK)
	if me.str("identity") != "alice" || me.body["sync_unique_name"] != *u.Sid+".info" {
		t.Errorf("current_user = %s", me.raw)
	}
	mine := alice.do(http.MethodGet, strOf(links["my_conversations"]), nil).want(t, http.StatusOK)
	if convs, _ := mine.body["conversations"].([]any); len(convs) != 0 {
		t.Errorf("my_conversations = %s, want none", mine.raw)
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	mint := func(key, secret string, ttl float64, validUntil float64) string {
		tok := twjwt.CreateAccessToken(twjwt.AccessTokenParams{
			AccountSid: testAccount, SigningKeySid: key, Secret: secret, Identity: "alice", Ttl: ttl, ValidUntil: validUntil,
		})
		tok.AddGrant(&twjwt.ChatGrant{ServiceSid: e.service})
		s, err := tok.ToJwt()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := float64(time.Now().Unix())
	for _, c := range []struct {
		name  string
		token string
		code  int
	}{
		{"missing", "", 20101},
		{"not a JWT", "not-a-token", 20101},
		{"wrong signature", mint(testAPIKey, "some other secret", 3600, 0), 20101},
		{"unknown key", mint("SK00000000000000000000000000000009", testAPISecret, 3600, 0), 20103},
		{"expired", mint(testAPIKey, testAPISecret, 3600, now-60), 20104},
		{"25 hour lifetime", mint(testAPIKey, testAPISecret, 25*3600, 0), 20157},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := &user{e: e, identity: "alice", token: c.token}
			u.do(http.MethodGet, path("/Configuration"), nil).wantError(t, http.StatusUnauthorized, c.code)
		})
	}
	if _, err := e.rest.FetchUser(e.service, "alice"); err == nil {
		t.Error("a refused token created its User")
	}
}

// TestFirstPerson walks the acceptance story: alice creates a channel, adds
// bob and sends a message, all seen over REST as hers; bob, a plain member,
// is refused what the channel user role does not allow.
func TestFirstPerson(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.as("alice"), e.as("bob")
	bob.do(http.MethodGet, path("/Configuration"), nil).want(t, http.StatusOK)

	created := alice.do(http.MethodPost, path("/Conversations"), map[string]any{
		"friendly_name": "General", "unique_name": "general", "attributes": `{"topic":"all"}`, "type": "public",
	}).want(t, http.StatusCreated)
	ch := created.str("sid")
	if created.str("conversation_sid") != ch || created.str("url") != e.url+path("/Conversations/"+ch) ||
		created.str("status") != "joined" || created.body["participants_count"] != float64(1) {
		t.Errorf("created = %s", created.raw)
	}
	if sync, _ := created.body["sync_objects"].(map[string]any); sync["conversation"] != ch+".channel" || sync["messages"] != ch+".messages" {
		t.Errorf("sync_objects = %v", created.body["sync_objects"])
	}
	if links, _ := created.body["links"].(map[string]any); links["messages"] != created.str("url")+"/Messages" ||
		links["participants"] != created.str("url")+"/Participants" || links["invites"] != created.str("url")+"/Invites" {
		t.Errorf("links = %v", created.body["links"])
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

	added := alice.do(http.MethodPost, path("/Conversations/general/Participants"), map[string]any{"identity": "bob"}).want(t, http.StatusCreated)
	if added.str("identity") != "bob" || added.str("role_sid") != *svc.DefaultChannelRoleSid {
		t.Errorf("added = %s", added.raw)
	}
	sent := alice.do(http.MethodPost, path("/Conversations/"+ch+"/Messages"), map[string]any{"body": "hello", "attributes": `{"k":1}`}).want(t, http.StatusCreated)
	if sent.body["index"] != float64(0) || sent.str("author") != "alice" || sent.str("type") != "text" {
		t.Errorf("sent = %s", sent.raw)
	}
	msgs, err := e.rest.ListMessage(e.service, ch, &chatv2.ListMessageParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || *msgs[0].From != "alice" || *msgs[0].Body != "hello" || *msgs[0].Attributes != `{"k":1}` {
		t.Fatalf("REST messages = %+v, want alice's hello", msgs)
	}
	msg := sent.str("sid")

	t.Run("bob cannot delete the channel", func(t *testing.T) {
		bob.do(http.MethodDelete, path("/Conversations/"+ch), nil).wantError(t, http.StatusForbidden, 50107)
	})
	t.Run("bob cannot edit or delete alice's message", func(t *testing.T) {
		bob.do(http.MethodPost, path("/Conversations/"+ch+"/Messages/"+msg), map[string]any{"body": "mine now"}).wantError(t, http.StatusForbidden, 50107)
		bob.do(http.MethodPost, path("/Conversations/"+ch+"/Messages/"+msg), map[string]any{"attributes": `{}`}).wantError(t, http.StatusForbidden, 50107)
		bob.do(http.MethodDelete, path("/Conversations/"+ch+"/Messages/"+msg), nil).wantError(t, http.StatusForbidden, 50107)
	})
	t.Run("bob cannot rename the channel or remove alice", func(t *testing.T) {
		bob.do(http.MethodPost, path("/Conversations/"+ch), map[string]any{"friendly_name": "Bob's"}).wantError(t, http.StatusForbidden, 50107)
		bob.do(http.MethodDelete, path("/Conversations/"+ch+"/Participants/alice"), nil).wantError(t, http.StatusForbidden, 50107)
	})
	if m, _ := e.rest.FetchMessage(e.service, ch, msg); m == nil || *m.Body != "hello" {
		t.Fatalf("alice's message after bob's refused edits: %+v", m)
	}
	if c, _ := e.rest.FetchChannel(e.service, ch); c == nil || *c.FriendlyName != "General" {
		t.Fatalf("the channel after bob's refused edits: %+v", c)
	}

	t.Run("bob sends and edits his own message", func(t *testing.T) {
		r := bob.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "hi"}).want(t, http.StatusCreated)
		edited := bob.do(http.MethodPost, path("/Conversations/general/Messages/"+r.str("sid")), map[string]any{"body": "hi all"}).want(t, http.StatusOK)
		if edited.str("body") != "hi all" || edited.str("last_updated_by") != "bob" {
			t.Errorf("edited = %s", edited.raw)
		}
		m, err := e.rest.FetchMessage(e.service, ch, r.str("sid"))
		if err != nil || *m.Body != "hi all" || *m.From != "bob" || !*m.WasEdited {
			t.Errorf("REST message = %+v, %v", m, err)
		}
	})
	t.Run("alice, channel admin, edits bob's attributes and renames the channel", func(t *testing.T) {
		alice.do(http.MethodPost, path("/Conversations/general/Participants/bob"), map[string]any{"attributes": `{"mod":false}`}).want(t, http.StatusOK)
		m, err := e.rest.FetchMember(e.service, ch, "bob")
		if err != nil || *m.Attributes != `{"mod":false}` {
			t.Errorf("bob's REST attributes = %v, %v", m, err)
		}
		r := alice.do(http.MethodPost, path("/Conversations/general"), map[string]any{"friendly_name": "Town square"}).want(t, http.StatusOK)
		if r.str("friendly_name") != "Town square" {
			t.Errorf("renamed = %s", r.raw)
		}
	})
	t.Run("bob leaves, and cannot send any more", func(t *testing.T) {
		bob.do(http.MethodDelete, path("/Conversations/general/Participants/bob"), nil).want(t, http.StatusNoContent)
		bob.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "still here?"}).wantError(t, http.StatusForbidden, 50400)
		if _, err := e.rest.FetchMember(e.service, ch, "bob"); err == nil {
			t.Error("bob is still a member over REST")
		}
	})
	t.Run("alice destroys the channel", func(t *testing.T) {
		alice.do(http.MethodDelete, path("/Conversations/"+ch), nil).want(t, http.StatusNoContent)
		if _, err := e.rest.FetchChannel(e.service, ch); err == nil {
			t.Error("the channel is still there over REST")
		}
	})
}

func TestPrivateChannels(t *testing.T) {
	e := newEnv(t)
	alice, bob, carol := e.as("alice"), e.as("bob"), e.as("carol")
	for _, u := range []*user{bob, carol} {
		u.do(http.MethodGet, path("/Configuration"), nil).want(t, http.StatusOK)
	}
	priv := alice.do(http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "secret", "type": "private"}).want(t, http.StatusCreated)
	pub := alice.do(http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "lobby"}).want(t, http.StatusCreated)
	ch := priv.str("sid")

	for _, key := range []string{ch, "secret"} {
		bob.do(http.MethodGet, path("/Conversations/"+key), nil).wantError(t, http.StatusNotFound, 20404)
	}
	bob.do(http.MethodPost, path("/Conversations/secret/Participants"), map[string]any{"identity": "bob"}).wantError(t, http.StatusNotFound, 20404)
	bob.do(http.MethodPost, path("/Conversations/secret/Messages"), map[string]any{"body": "hi"}).wantError(t, http.StatusNotFound, 20404)
	bob.do(http.MethodGet, path("/Users?ConversationSid="+ch), nil).wantError(t, http.StatusNotFound, 20404)

	list := bob.do(http.MethodGet, path("/Conversations"), nil).want(t, http.StatusOK)
	if got := sidsOf(list, "conversations"); len(got) != 1 || got[0] != pub.str("sid") {
		t.Errorf("bob's public list = %v, want only lobby", got)
	}
	if list.body["meta"].(map[string]any)["next_token"] != nil {
		t.Errorf("meta = %v, want no next page", list.body["meta"])
	}
	lobby := bob.do(http.MethodGet, path("/Conversations/lobby"), nil).want(t, http.StatusOK)
	if lobby.str("status") != "notParticipating" || lobby.body["notification_level"] != nil {
		t.Errorf("bob's view of lobby = %s", lobby.raw)
	}

	// Invited, bob sees the channel and may join it; carol still may not.
	inv := alice.do(http.MethodPost, path("/Conversations/secret/Invites"), map[string]any{"identity": "bob"}).want(t, http.StatusCreated)
	if inv.str("created_by") != "alice" {
		t.Errorf("invite = %s", inv.raw)
	}
	if got := bob.do(http.MethodGet, path("/Conversations/secret"), nil).want(t, http.StatusOK); got.str("status") != "invited" {
		t.Errorf("bob's view after the invite = %s", got.raw)
	}
	mine := bob.do(http.MethodGet, path("/MyConversations"), nil).want(t, http.StatusOK)
	if got := sidsOf(mine, "conversations"); len(got) != 1 || got[0] != ch {
		t.Errorf("bob's conversations = %v, want the invitation", got)
	}
	carol.do(http.MethodGet, path("/Conversations/secret"), nil).wantError(t, http.StatusNotFound, 20404)
	bob.do(http.MethodPost, path("/Conversations/secret/Participants"), map[string]any{"identity": "bob"}).want(t, http.StatusCreated)
	if got := bob.do(http.MethodGet, path("/Conversations/secret"), nil).want(t, http.StatusOK); got.str("status") != "joined" {
		t.Errorf("bob's view after joining = %s", got.raw)
	}
	if invites, _ := e.rest.ListInvite(e.service, ch, &chatv2.ListInviteParams{}); len(invites) != 0 {
		t.Errorf("invites after bob joined = %d, want the invitation consumed", len(invites))
	}

	// carol, invited and declining, is invisible to the channel again.
	alice.do(http.MethodPost, path("/Conversations/secret/Invites"), map[string]any{"identity": "carol"}).want(t, http.StatusCreated)
	carol.do(http.MethodDelete, path("/Conversations/secret/Invites/carol"), nil).want(t, http.StatusNoContent)
	carol.do(http.MethodGet, path("/Conversations/secret"), nil).wantError(t, http.StatusNotFound, 20404)

	users := bob.do(http.MethodGet, path("/Users?ConversationSid=secret&PageSize=1"), nil).want(t, http.StatusOK)
	meta, _ := users.body["meta"].(map[string]any)
	if got := identitiesOf(users); len(got) != 1 || got[0] != "alice" || meta["next_token"] == nil {
		t.Fatalf("first page of users = %s", users.raw)
	}
	if _, ok := meta["prev_token"]; !ok {
		t.Errorf("meta = %v, want prev_token", meta)
	}
	next := bob.do(http.MethodGet, path("/Users?ConversationSid=secret&PageSize=1&PageToken="+url.QueryEscape(strOf(meta["next_token"]))), nil).want(t, http.StatusOK)
	if got := identitiesOf(next); len(got) != 1 || got[0] != "bob" {
		t.Errorf("second page of users = %s", next.raw)
	}
}

func TestMyConversations(t *testing.T) {
	e := newEnv(t)
	alice := e.as("alice")
	ch := alice.do(http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).want(t, http.StatusCreated).str("sid")
	for _, body := range []string{"one", "two", "three"} {
		alice.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": body}).want(t, http.StatusCreated)
	}
	mine := alice.do(http.MethodGet, path("/MyConversations/"+ch), nil).want(t, http.StatusOK)
	if mine.str("conversation_sid") != ch || mine.body["unread_messages_count"] != nil || mine.body["last_consumed_message_index"] != nil ||
		mine.str("notification_level") != "default" || mine.body["messages_count"] != float64(3) {
		t.Errorf("before any report: %s", mine.raw)
	}
	r := alice.do(http.MethodPost, path("/MyConversations/"+ch), map[string]any{"last_consumed_message_index": 0}).want(t, http.StatusOK)
	if r.body["unread_messages_count"] != float64(2) || r.body["last_consumed_message_index"] != float64(0) {
		t.Errorf("after reading message 0: %s", r.raw)
	}
	r = alice.do(http.MethodPost, path("/MyConversations/general"), map[string]any{"notification_level": "muted"}).want(t, http.StatusOK)
	if r.str("notification_level") != "muted" || r.body["last_consumed_message_index"] != float64(0) {
		t.Errorf("after muting: %s", r.raw)
	}
	r = alice.do(http.MethodPost, path("/MyConversations/general"), map[string]any{"last_consumed_message_index": nil}).want(t, http.StatusOK)
	if r.body["last_consumed_message_index"] != nil {
		t.Errorf("after setting no message read: %s", r.raw)
	}
	alice.do(http.MethodPost, path("/MyConversations/general"), map[string]any{"notification_level": "loud"}).wantError(t, http.StatusBadRequest, 50210)
	alice.do(http.MethodPost, path("/MyConversations/general"), map[string]any{"last_consumed_message_index": "x"}).wantError(t, http.StatusBadRequest, 20001)
	uc, err := e.rest.FetchUserChannel(e.service, "alice", ch)
	if err != nil || *uc.NotificationLevel != "muted" {
		t.Errorf("REST user channel = %+v, %v", uc, err)
	}
	// bob is no member: he can look, but has no horizon to move.
	bob := e.as("bob")
	bob.do(http.MethodPost, path("/MyConversations/general"), map[string]any{"last_consumed_message_index": 1}).wantError(t, http.StatusForbidden, 50400)

	list := alice.do(http.MethodGet, path("/MyConversations"), nil).want(t, http.StatusOK)
	if got := sidsOf(list, "conversations"); len(got) != 1 || got[0] != ch {
		t.Errorf("alice's conversations = %v", got)
	}
}

func TestTyping(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.as("alice"), e.as("bob")
	ch := alice.do(http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).want(t, http.StatusCreated).str("sid")
	typing := func(u *user, channel string) reply {
		req, err := http.NewRequest(http.MethodPost, e.url+path("/Typing"), strings.NewReader(url.Values{"ChannelSid": {channel}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Token", u.token)
		return send(t, req)
	}
	if r := typing(alice, ch).want(t, http.StatusOK); r.body["typing_timeout"] != float64(5) {
		t.Errorf("typing = %s, want the Service's 5 seconds", r.raw)
	}
	typing(bob, ch).wantError(t, http.StatusForbidden, 50400)
	typing(alice, "").wantError(t, http.StatusBadRequest, 20001)
	typing(alice, "CH00000000000000000000000000000000").wantError(t, http.StatusNotFound, 20404)
}

func TestMutationID(t *testing.T) {
	e := newEnv(t)
	alice := e.as("alice")
	ch := alice.do(http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).want(t, http.StatusCreated).str("sid")
	const id = "5f4dcc3b-5aa7-4b2c-9c1d-7e2f0a6b8e11"
	first := alice.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "once"}, "X-Twilio-Mutation-Id", id).want(t, http.StatusCreated)
	again := alice.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "once"}, "X-Twilio-Mutation-Id", id).want(t, http.StatusAccepted)
	want := e.url + path("/Conversations/"+ch+"/Messages/"+first.str("sid"))
	if got := again.str("resource_url"); got != want {
		t.Fatalf("resource_url = %q, want %q", got, want)
	}
	fetched := alice.do(http.MethodGet, again.str("resource_url"), nil).want(t, http.StatusOK)
	if fetched.str("sid") != first.str("sid") || fetched.body["index"] != float64(0) {
		t.Errorf("resource_url leads to %s", fetched.raw)
	}
	if msgs, _ := e.rest.ListMessage(e.service, ch, &chatv2.ListMessageParams{}); len(msgs) != 1 {
		t.Errorf("%d messages over REST, want the one", len(msgs))
	}

	// The id is alice's: bob's change under the same id is made.
	bob := e.as("bob")
	bob.do(http.MethodPost, path("/Conversations/general/Participants"), map[string]any{}, "X-Twilio-Mutation-Id", id).want(t, http.StatusCreated)
	// A repeated delete is not made twice either, and points where the
	// deleted thing was.
	del := "0d9a8a52-8d0c-4c85-9a4e-3f1d2b7c6a50"
	alice.do(http.MethodDelete, path("/Conversations/general/Messages/"+first.str("sid")), nil, "X-Twilio-Mutation-Id", del).want(t, http.StatusNoContent)
	r := alice.do(http.MethodDelete, path("/Conversations/general/Messages/"+first.str("sid")), nil, "X-Twilio-Mutation-Id", del).want(t, http.StatusAccepted)
	if got := r.str("resource_url"); got != e.url+path("/Conversations/"+ch) {
		t.Errorf("resource_url of a repeated delete = %q", got)
	}
	alice.do(http.MethodGet, r.str("resource_url"), nil).want(t, http.StatusOK)
	// A refused change records nothing: once allowed, the same id acts.
	refused := "b3c1e6f4-0a4e-4f0e-9d5e-2c8b7a6f5e43"
	bob.do(http.MethodDelete, path("/Conversations/general"), nil, "X-Twilio-Mutation-Id", refused).wantError(t, http.StatusForbidden, 50107)
	bob.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "hi"}, "X-Twilio-Mutation-Id", refused).want(t, http.StatusCreated)
	alice.do(http.MethodPost, path("/Conversations/general/Messages"), nil, "X-Twilio-Mutation-Id", strings.Repeat("x", 129)).wantError(t, http.StatusBadRequest, 20001)
}

func TestPostEvents(t *testing.T) {
	e := newEnv(t)
	hooks := newReceiver(t)
	if _, err := e.rest.UpdateService(e.service, (&chatv2.UpdateServiceParams{}).SetPostWebhookUrl(hooks.url)); err != nil {
		t.Fatal(err)
	}
	alice := e.as("alice")
	ch := alice.do(http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).want(t, http.StatusCreated).str("sid")
	msg := alice.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "hello"}).want(t, http.StatusCreated).str("sid")
	alice.do(http.MethodPost, path("/Users/alice"), map[string]any{"friendly_name": "Alice"}).want(t, http.StatusOK)

	// Events of different channels (a User's have none) may arrive in any
	// order.
	got := map[string]url.Values{}
	for range 4 {
		v := hooks.next(t)
		got[v.Get("EventType")] = v
	}
	for _, want := range []struct{ event, key, value string }{
		{"onChannelAdded", "ChannelSid", ch},
		{"onMemberAdded", "Identity", "alice"},
		{"onMessageSent", "MessageSid", msg},
		{"onUserUpdated", "FriendlyName", "Alice"},
	} {
		v, ok := got[want.event]
		if !ok || v.Get(want.key) != want.value {
			t.Errorf("%s = %s, want one with %s=%s", want.event, v.Encode(), want.key, want.value)
			continue
		}
		if v.Get("Source") != "SDK" || v.Get("ClientIdentity") != "alice" || v.Get("InstanceSid") != e.service {
			t.Errorf("%s: Source %q, ClientIdentity %q, InstanceSid %q", want.event, v.Get("Source"), v.Get("ClientIdentity"), v.Get("InstanceSid"))
		}
	}
	// A REST change without X-Twilio-Webhook-Enabled still fires nothing.
	if _, err := e.rest.CreateMessage(e.service, ch, (&chatv2.CreateMessageParams{}).SetBody("quiet")); err != nil {
		t.Fatal(err)
	}
	alice.do(http.MethodDelete, path("/Conversations/general/Messages/"+msg), nil).want(t, http.StatusNoContent)
	if got := hooks.next(t); got.Get("EventType") != "onMessageRemoved" || got.Get("Source") != "SDK" {
		t.Errorf("after the silent REST message: %s, want alice's onMessageRemoved", got.Encode())
	}
}

func sidsOf(r reply, key string) []string {
	items, _ := r.body[key].([]any)
	var out []string
	for _, it := range items {
		out = append(out, strOf(it.(map[string]any)["sid"]))
	}
	return out
}

func identitiesOf(r reply) []string {
	items, _ := r.body["users"].([]any)
	var out []string
	for _, it := range items {
		out = append(out, strOf(it.(map[string]any)["identity"]))
	}
	return out
}

func strOf(v any) string {
	s, _ := v.(string)
	return s
}

func TestMediaMessages(t *testing.T) {
	e := newEnv(t)
	alice := e.as("alice")
	ch := alice.do(http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).want(t, http.StatusCreated).str("sid")
	media := e.upload("PNG bytes", "image/png", "cat.png")
	sent := alice.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": media, "attributes": `{"kind":"photo"}`}).want(t, http.StatusCreated)
	md, _ := sent.body["media"].(map[string]any)
	if sent.str("type") != "media" || md["sid"] != media || md["filename"] != "cat.png" || md["content_type"] != "image/png" || md["size"] != float64(9) {
		t.Errorf("sent = %s", sent.raw)
	}
	m, err := e.rest.FetchMessage(e.service, ch, sent.str("sid"))
	if err != nil || *m.Type != "media" || *m.From != "alice" {
		t.Errorf("REST message = %+v, %v", m, err)
	}
	// The body of a media message cannot change; its attributes can.
	alice.do(http.MethodPost, path("/Conversations/general/Messages/"+sent.str("sid")), map[string]any{"body": "caption"}).wantError(t, http.StatusBadRequest, 50509)
	alice.do(http.MethodPost, path("/Conversations/general/Messages/"+sent.str("sid")), map[string]any{"attributes": `{"kind":"cat"}`}).want(t, http.StatusOK)
	// A Media goes with one message only, and an unknown one is refused.
	alice.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": media}).wantError(t, http.StatusConflict, 50508)
	alice.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": "ME00000000000000000000000000000000"}).wantError(t, http.StatusBadRequest, 50507)

	// Without sendMediaMessage in the channel user role, bob sends text only.
	svc, err := e.rest.FetchService(e.service)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.rest.UpdateRole(e.service, *svc.DefaultChannelRoleSid, (&chatv2.UpdateRoleParams{}).SetPermission([]string{"sendMessage"})); err != nil {
		t.Fatal(err)
	}
	bob := e.as("bob")
	bob.do(http.MethodPost, path("/Conversations/general/Participants"), nil).want(t, http.StatusCreated)
	bob.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": e.upload("x", "text/plain", "x.txt")}).wantError(t, http.StatusForbidden, 50107)
	bob.do(http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "text is fine"}).want(t, http.StatusCreated)
}

// TestEscapedPaths reaches a channel and a user whose names hold a "/"
// (sent as %2F): each stays one path segment, in requests and in links.
func TestEscapedPaths(t *testing.T) {
	e := newEnv(t)
	slash := e.as("team/alice")
	r := slash.do(http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "a/b"}).want(t, http.StatusCreated)
	got := slash.do(http.MethodGet, path("/Conversations/a%2Fb"), nil).want(t, http.StatusOK)
	if got.str("sid") != r.str("sid") {
		t.Errorf("a%%2Fb = %s, want %s", got.raw, r.str("sid"))
	}
	cfg := slash.do(http.MethodGet, path("/Configuration"), nil).want(t, http.StatusOK)
	me := cfg.body["links"].(map[string]any)["current_user"]
	if me != e.url+path("/Users/team%2Falice") {
		t.Errorf("current_user = %v", me)
	}
	if u := slash.do(http.MethodGet, strOf(me), nil).want(t, http.StatusOK); u.str("identity") != "team/alice" {
		t.Errorf("current_user leads to %s", u.raw)
	}
	slash.do(http.MethodGet, path("/Conversations/a/b"), nil).wantError(t, http.StatusNotFound, 20404)
}
