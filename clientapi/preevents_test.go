package clientapi_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/chatd/chatd/internal/testenv"
)

// refuse answers event with 403 and every other pre-event with 200.
func refuse(event string) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, _ *http.Request, got string) {
		if got == event {
			http.Error(w, "not allowed", http.StatusForbidden)
		}
	}
}

// rewrite answers event with 200 and body, and every other pre-event with
// an empty 200.
func rewrite(event, body string) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, _ *http.Request, got string) {
		if got == event {
			io.WriteString(w, body)
		}
	}
}

// wantParams fails unless form holds every name, value pair of want ("" as
// a value: present, any value) and none of the names in absent.
func wantParams(t *testing.T, form url.Values, want map[string]string, absent ...string) {
	t.Helper()
	for k, v := range want {
		if !form.Has(k) || (v != "" && form.Get(k) != v) {
			t.Errorf("%s: %s = %q, want %q", form.Get("EventType"), k, form.Get(k), v)
		}
	}
	for _, k := range absent {
		if form.Has(k) {
			t.Errorf("%s: %s = %q, want none", form.Get("EventType"), k, form.Get(k))
		}
	}
}

// TestPreEventSend is the acceptance of pre-events on a message send: the
// app's server refuses it, rewrites it, and is asked with Twilio's signed
// parameters.
func TestPreEventSend(t *testing.T) {
	e := newEnv(t)
	app := e.newAppServer(t)
	alice := e.as(t, "alice")
	ch := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).Str("sid")

	t.Run("a 403 blocks the send with 50056 and stores nothing", func(t *testing.T) {
		app.answer(refuse("onMessageSend"))
		wantError(t, alice.Do(t, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "hello", "attributes": `{"k":1}`}),
			http.StatusForbidden, 50056)
		pre := app.lastPre(t)
		wantParams(t, pre.form, map[string]string{
			"EventType": "onMessageSend", "Source": "SDK", "ClientIdentity": "alice", "AccountSid": e.AccountSid,
			"InstanceSid": e.service, "RetryCount": "0", "ChannelSid": ch, "Body": "hello", "Attributes": `{"k":1}`,
			"From": "alice", "To": ch, "DateCreated": "",
		}, "MessageSid", "Index")
		if msgs, err := e.rest.ListMessage(e.service, ch, &chatv2.ListMessageParams{}); err != nil || len(msgs) != 0 {
			t.Errorf("REST messages after the refusal: %d, %v; want none", len(msgs), err)
		}
		d := e.deliveries(t)[0]
		if d["event"] != "onMessageSend" || d["status"] != "failed" || d["error_code"] != float64(50056) || d["response_code"] != float64(403) {
			t.Errorf("newest delivery = %v, want the refused onMessageSend", d)
		}
	})

	t.Run("a JSON answer rewrites the body", func(t *testing.T) {
		app.answer(rewrite("onMessageSend", `{"body":"[edited]"}`))
		sent := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "darn", "attributes": `{"k":2}`})
		if sent.Str("body") != "[edited]" || sent.Str("attributes") != `{"k":2}` {
			t.Errorf("sent = %s, want the app's body and the client's attributes", sent.Raw)
		}
		m, err := e.rest.FetchMessage(e.service, ch, sent.Str("sid"))
		if err != nil || *m.Body != "[edited]" || *m.From != "alice" {
			t.Errorf("REST message = %+v, %v; want [edited] from alice", m, err)
		}
		if pre := app.lastPre(t); pre.form.Get("Body") != "darn" {
			t.Errorf("the pre-event carried Body %q, want the client's", pre.form.Get("Body"))
		}
		if d := e.newestDelivery(t, "onMessageSend"); d["status"] != "delivered" || d["error_code"] != nil {
			t.Errorf("the onMessageSend delivery = %v, want delivered", d)
		}
	})

	t.Run("the message update and remove pre-events", func(t *testing.T) {
		app.answer(rewrite("onMessageUpdate", `{"body":"[moderated]","attributes":{"flag":true}}`))
		sid := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "one"}).Str("sid")
		edited := alice.Must(t, http.StatusOK, http.MethodPost, path("/Conversations/general/Messages/"+sid), map[string]any{"body": "two"})
		if edited.Str("body") != "[moderated]" || edited.Str("attributes") != `{"flag":true}` {
			t.Errorf("edited = %s", edited.Raw)
		}
		wantParams(t, app.lastPre(t).form, map[string]string{
			"EventType": "onMessageUpdate", "Source": "SDK", "ClientIdentity": "alice", "ChannelSid": ch, "MessageSid": sid, "Body": "two",
		})
		app.answer(refuse("onMessageRemove"))
		wantError(t, alice.Do(t, http.MethodDelete, path("/Conversations/general/Messages/"+sid), nil), http.StatusForbidden, 50056)
		wantParams(t, app.lastPre(t).form, map[string]string{"EventType": "onMessageRemove", "MessageSid": sid, "Body": "[moderated]"})
		if _, err := e.rest.FetchMessage(e.service, ch, sid); err != nil {
			t.Errorf("the message after a refused remove: %v", err)
		}
	})
}

// TestPreEventTimeout lets a send through, unchanged, when the app's
// server does not answer in time (retried once here), and logs 50076. The pre-event timeout is
// the webhook options' Timeout, short here; Twilio's 5 seconds is its
// default (webhook.TestDefaultTimeout).
func TestPreEventTimeout(t *testing.T) {
	opts := testenv.QuickWebhooks()
	opts.Timeout = 300 * time.Millisecond
	e := newEnv(t, testenv.WithWebhooks(opts))
	app := e.newAppServer(t)
	e.Update(t, "/v2/Services/"+e.service, testenv.Form("PreWebhookRetryCount", "1"))
	alice := e.as(t, "alice")
	ch := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).Str("sid")
	app.answer(func(w http.ResponseWriter, r *http.Request, event string) {
		if event != "onMessageSend" {
			return
		}
		select { // hang until chatd gives up, or the test ends
		case <-r.Context().Done():
		case <-app.release:
		}
		io.WriteString(w, `{"body":"too late"}`)
	})
	sent := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "hello"})
	if sent.Str("body") != "hello" {
		t.Errorf("sent = %s, want the client's body", sent.Raw)
	}
	if m, err := e.rest.FetchMessage(e.service, ch, sent.Str("sid")); err != nil || *m.Body != "hello" {
		t.Errorf("REST message = %+v, %v", m, err)
	}
	d := e.newestDelivery(t, "onMessageSend")
	if d["status"] != "failed" || d["error_code"] != float64(50076) || d["response_code"] != nil || d["attempts"] != float64(2) {
		t.Errorf("the onMessageSend delivery = %v, want two attempts, failed with 50076 and no answer", d)
	}
	if params, _ := d["params"].(map[string]any); params["RetryCount"] != "1" {
		t.Errorf("the delivery's RetryCount = %v, want the last attempt's 1", params["RetryCount"])
	}
	var retries []string
	for _, h := range app.preEvents() {
		if h.form.Get("EventType") == "onMessageSend" {
			retries = append(retries, h.form.Get("RetryCount"))
		}
	}
	if len(retries) != 2 || retries[0] != "0" || retries[1] != "1" {
		t.Errorf("the attempts carried RetryCount %v, want 0 then 1", retries)
	}
}

// TestPreEventChannels checks the channel, member and user pre-events:
// each fires with Twilio's parameters, and the app's answer overrides what
// Twilio lets it override.
func TestPreEventChannels(t *testing.T) {
	e := newEnv(t)
	app := e.newAppServer(t)
	alice, bob := e.as(t, "alice"), e.as(t, "bob")
	bob.Must(t, http.StatusOK, http.MethodGet, path("/Configuration"), nil)
	svc, err := e.rest.FetchService(e.service)
	if err != nil {
		t.Fatal(err)
	}

	app.answer(rewrite("onChannelAdd", `{"friendly_name":"Renamed","unique_name":"renamed","attributes":{"by":"app"}}`))
	created := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"),
		map[string]any{"friendly_name": "General", "unique_name": "general", "attributes": `{"topic":"all"}`, "type": "private"})
	ch := created.Str("sid")
	wantParams(t, app.lastPre(t).form, map[string]string{
		"EventType": "onChannelAdd", "Source": "SDK", "ClientIdentity": "alice", "InstanceSid": e.service,
		"ChannelType": "private", "FriendlyName": "General", "UniqueName": "general", "Attributes": `{"topic":"all"}`, "CreatedBy": "alice",
	}, "ChannelSid")
	rc, err := e.rest.FetchChannel(e.service, ch)
	if err != nil {
		t.Fatal(err)
	}
	if *rc.FriendlyName != "Renamed" || *rc.UniqueName != "renamed" || *rc.Attributes != `{"by":"app"}` || *rc.CreatedBy != "alice" {
		t.Errorf("REST channel: %s, %s, %s, created by %s; want the app's names and attributes", *rc.FriendlyName, *rc.UniqueName, *rc.Attributes, *rc.CreatedBy)
	}

	app.answer(rewrite("onChannelUpdate", `{"friendly_name":"Town square","attributes":"{\"v\":2}"}`))
	alice.Must(t, http.StatusOK, http.MethodPost, path("/Conversations/"+ch), map[string]any{"friendly_name": "Lobby", "unique_name": "lobby"})
	wantParams(t, app.lastPre(t).form, map[string]string{
		"EventType": "onChannelUpdate", "Source": "SDK", "ClientIdentity": "alice", "ChannelSid": ch, "ChannelType": "private",
		"FriendlyName": "Lobby", "UniqueName": "lobby", "Attributes": `{"by":"app"}`, "CreatedBy": "alice", "DateCreated": "", "DateUpdated": "",
	})
	if rc, err = e.rest.FetchChannel(e.service, ch); err != nil || *rc.FriendlyName != "Town square" || *rc.UniqueName != "lobby" || *rc.Attributes != `{"v":2}` {
		t.Errorf("REST channel after the update: %+v, %v", rc, err)
	}

	app.answer(nil)
	alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/"+ch+"/Participants"), map[string]any{"identity": "bob"})
	wantParams(t, app.lastPre(t).form, map[string]string{
		"EventType": "onMemberAdd", "Source": "SDK", "ClientIdentity": "alice", "ChannelSid": ch, "Identity": "bob", "RoleSid": *svc.DefaultChannelRoleSid,
	}, "MemberSid")
	member, err := e.rest.FetchMember(e.service, ch, "bob")
	if err != nil {
		t.Fatal(err)
	}

	app.answer(refuse("onMemberRemove"))
	wantError(t, bob.Do(t, http.MethodDelete, path("/Conversations/"+ch+"/Participants/bob"), nil), http.StatusForbidden, 50056)
	wantParams(t, app.lastPre(t).form, map[string]string{
		"EventType": "onMemberRemove", "Source": "SDK", "ClientIdentity": "bob", "ChannelSid": ch, "MemberSid": *member.Sid, "Identity": "bob",
	})
	if _, err := e.rest.FetchMember(e.service, ch, "bob"); err != nil {
		t.Errorf("bob after a refused leave: %v", err)
	}
	app.answer(nil)
	bob.Must(t, http.StatusNoContent, http.MethodDelete, path("/Conversations/"+ch+"/Participants/bob"), nil)
	if _, err := e.rest.FetchMember(e.service, ch, "bob"); err == nil {
		t.Error("bob is still a member after leaving")
	}

	app.answer(rewrite("onUserUpdate", `{"friendly_name":"Alice A.","attributes":{"vip":true}}`))
	alice.Must(t, http.StatusOK, http.MethodPost, path("/Users/alice"), map[string]any{"friendly_name": "alice!", "attributes": `{"vip":false}`})
	user, err := e.rest.FetchUser(e.service, "alice")
	if err != nil {
		t.Fatal(err)
	}
	wantParams(t, app.lastPre(t).form, map[string]string{
		"EventType": "onUserUpdate", "Source": "SDK", "ClientIdentity": "alice", "UserSid": *user.Sid, "Identity": "alice",
		"FriendlyName": "alice!", "Attributes": `{"vip":false}`, "RoleSid": *svc.DefaultServiceRoleSid,
	})
	if *user.FriendlyName != "Alice A." || *user.Attributes != `{"vip":true}` {
		t.Errorf("REST user: %s, %s; want the app's", *user.FriendlyName, *user.Attributes)
	}

	app.answer(refuse("onChannelDestroy"))
	wantError(t, alice.Do(t, http.MethodDelete, path("/Conversations/"+ch), nil), http.StatusForbidden, 50056)
	wantParams(t, app.lastPre(t).form, map[string]string{
		"EventType": "onChannelDestroy", "Source": "SDK", "ClientIdentity": "alice", "ChannelSid": ch, "FriendlyName": "Town square", "UniqueName": "lobby",
	})
	if _, err := e.rest.FetchChannel(e.service, ch); err != nil {
		t.Errorf("the channel after a refused destroy: %v", err)
	}
	app.answer(nil)
	alice.Must(t, http.StatusNoContent, http.MethodDelete, path("/Conversations/"+ch), nil)
	if _, err := e.rest.FetchChannel(e.service, ch); err == nil {
		t.Error("the channel is still there after its destroy")
	}
}

// TestNoPreEventsForREST makes REST changes, with X-Twilio-Webhook-Enabled,
// that fire post-events but never a pre-event.
func TestNoPreEventsForREST(t *testing.T) {
	e := newEnv(t)
	app := e.newAppServer(t)
	app.answer(func(w http.ResponseWriter, _ *http.Request, _ string) {
		http.Error(w, "pre-events refuse everything", http.StatusForbidden)
	})
	svc := "/v2/Services/" + e.service
	hooked := http.Header{"X-Twilio-Webhook-Enabled": {"true"}}
	do := func(method, path string, form url.Values, want int) map[string]any {
		t.Helper()
		r := e.DoHeader(t, method, path, form, e.AccountSid, e.AuthToken, hooked)
		if r.Status != want {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Raw)
		}
		return r.Body
	}
	ch := do(http.MethodPost, svc+"/Channels", testenv.Form("UniqueName", "general"), http.StatusCreated)["sid"].(string)
	do(http.MethodPost, svc+"/Channels/"+ch, testenv.Form("FriendlyName", "General"), http.StatusOK)
	do(http.MethodPost, svc+"/Channels/"+ch+"/Members", testenv.Form("Identity", "alice"), http.StatusCreated)
	msg := do(http.MethodPost, svc+"/Channels/"+ch+"/Messages", testenv.Form("Body", "hello", "From", "alice"), http.StatusCreated)["sid"].(string)
	do(http.MethodPost, svc+"/Channels/"+ch+"/Messages/"+msg, testenv.Form("Body", "hello again"), http.StatusOK)
	do(http.MethodPost, svc+"/Users/alice", testenv.Form("FriendlyName", "Alice"), http.StatusOK)
	do(http.MethodDelete, svc+"/Channels/"+ch+"/Messages/"+msg, nil, http.StatusNoContent)
	do(http.MethodDelete, svc+"/Channels/"+ch+"/Members/alice", nil, http.StatusNoContent)
	do(http.MethodDelete, svc+"/Channels/"+ch, nil, http.StatusNoContent)

	// The post-events arrive, sent after each change; a pre-event would
	// have come before its change's answer.
	want := map[string]bool{
		"onChannelAdded": true, "onChannelUpdated": true, "onMemberAdded": true, "onMessageSent": true, "onMessageUpdated": true,
		"onUserUpdated": true, "onMessageRemoved": true, "onMemberRemoved": true, "onChannelDestroyed": true,
	}
	for len(want) > 0 {
		h := app.nextPost(t)
		delete(want, h.form.Get("EventType"))
		if h.form.Get("Source") != "API" {
			t.Errorf("%s: Source %q, want API", h.form.Get("EventType"), h.form.Get("Source"))
		}
	}
	if pres := app.preEvents(); len(pres) != 0 {
		t.Errorf("REST changes fired %d pre-events, the first %v", len(pres), pres[0].form)
	}
	for _, d := range e.deliveries(t) {
		if name, _ := d["event"].(string); preEventNames[name] {
			t.Errorf("a %s delivery for a REST change", name)
		}
	}
}

// preEventNames are Twilio's pre-events.
var preEventNames = map[string]bool{
	"onMessageSend": true, "onMessageUpdate": true, "onMessageRemove": true, "onMediaMessageSend": true,
	"onChannelAdd": true, "onChannelUpdate": true, "onChannelDestroy": true,
	"onMemberAdd": true, "onMemberUpdate": true, "onMemberRemove": true, "onUserUpdate": true,
}

// TestPreEventRouting sends pre-events where the Service says: only the
// filtered events to PreWebhookUrl, with WebhookMethod, retried up to
// PreWebhookRetryCount; and a repeated mutation id asks none again.
func TestPreEventRouting(t *testing.T) {
	e := newEnv(t)
	app := e.newAppServer(t)
	alice := e.as(t, "alice")
	alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"})

	t.Run("filters", func(t *testing.T) {
		_, err := e.rest.UpdateService(e.service, (&chatv2.UpdateServiceParams{}).SetWebhookFilters([]string{"onMessageSend", "onMessageSent"}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			e.Update(t, "/v2/Services/"+e.service, testenv.Form("WebhookFilters", ""))
		})
		before := len(app.preEvents())
		alice.Must(t, http.StatusOK, http.MethodPost, path("/Users/alice"), map[string]any{"friendly_name": "Alice"})
		alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "hello"})
		var got []string
		for _, h := range app.preEvents()[before:] {
			got = append(got, h.form.Get("EventType"))
		}
		if len(got) != 1 || got[0] != "onMessageSend" {
			t.Errorf("pre-events %v, want only the filtered onMessageSend", got)
		}
	})

	t.Run("GET", func(t *testing.T) {
		var query url.Values
		app.answer(func(w http.ResponseWriter, r *http.Request, _ string) {
			query = r.URL.Query()
			io.WriteString(w, `{"body":"via GET"}`)
		})
		e.Update(t, "/v2/Services/"+e.service, testenv.Form("WebhookMethod", "GET"))
		t.Cleanup(func() { e.Update(t, "/v2/Services/"+e.service, testenv.Form("WebhookMethod", "POST")) })
		sent := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "hello"})
		if sent.Str("body") != "via GET" || query.Get("EventType") != "onMessageSend" || query.Get("ClientIdentity") != "alice" {
			t.Errorf("sent %s; the query was %v", sent.Raw, query)
		}
		if !app.lastPre(t).signed {
			t.Error("the GET is not signed")
		}
	})

	t.Run("retries", func(t *testing.T) {
		e.Update(t, "/v2/Services/"+e.service, testenv.Form("PreWebhookRetryCount", "2"))
		var counts []string
		app.answer(func(w http.ResponseWriter, r *http.Request, _ string) {
			counts = append(counts, r.PostForm.Get("RetryCount"))
			if len(counts) < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, `{"body":"third time"}`)
		})
		sent := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "hello"})
		if sent.Str("body") != "third time" || len(counts) != 3 || counts[0] != "0" || counts[2] != "2" {
			t.Errorf("sent %s after attempts with RetryCount %v", sent.Raw, counts)
		}
		if d := e.newestDelivery(t, "onMessageSend"); d["attempts"] != float64(3) || d["status"] != "delivered" {
			t.Errorf("delivery = %v, want delivered at the third attempt", d)
		}
	})

	t.Run("a repeated mutation id asks once", func(t *testing.T) {
		app.answer(nil)
		before := len(app.preEvents())
		const id = "9a0c8c55-3f0e-4e0b-8f43-6b1c1a2d3e4f"
		alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "once"}, "X-Twilio-Mutation-Id", id)
		alice.Must(t, http.StatusAccepted, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "once"}, "X-Twilio-Mutation-Id", id)
		if n := len(app.preEvents()) - before; n != 1 {
			t.Errorf("%d pre-events for one change sent twice, want 1", n)
		}
		// A refused change records no id: sent again once allowed, it is made.
		app.answer(refuse("onMessageSend"))
		const refused = "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"
		wantError(t, alice.Do(t, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "x"}, "X-Twilio-Mutation-Id", refused),
			http.StatusForbidden, 50056)
		app.answer(nil)
		alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "x"}, "X-Twilio-Mutation-Id", refused)
	})

	t.Run("v1 per-event URL", func(t *testing.T) {
		e.Update(t, "/v2/Services/"+e.service, testenv.Form("PreWebhookUrl", ""))
		e.Update(t, "/v1/Services/"+e.service, testenv.Form("Webhooks.OnChannelAdd.Url", app.srv.URL+"/pre/v1", "Webhooks.OnChannelAdd.Method", "POST"))
		app.answer(rewrite("onChannelAdd", `{"friendly_name":"From v1"}`))
		before := len(app.preEvents())
		created := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "v1"})
		alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/v1/Messages"), map[string]any{"body": "no pre-event"})
		pres := app.preEvents()[before:]
		if len(pres) != 1 || pres[0].path != "/pre/v1" || created.Str("friendly_name") != "From v1" {
			t.Errorf("pre-events %v, created %s; want onChannelAdd at the v1 URL only", pres, created.Raw)
		}
	})
}
