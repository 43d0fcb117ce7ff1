package clientapi_test

import (
	"net/http"
	"strings"
	"testing"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

func TestMutationID(t *testing.T) {
	e := newEnv(t)
	alice := e.as(t, "alice")
	ch := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).Str("sid")
	const id = "5f4dcc3b-5aa7-4b2c-9c1d-7e2f0a6b8e11"
	first := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "once"}, "X-Twilio-Mutation-Id", id)
	again := alice.Must(t, http.StatusAccepted, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "once"}, "X-Twilio-Mutation-Id", id)
	want := e.URL + path("/Conversations/"+ch+"/Messages/"+first.Str("sid"))
	if got := again.Str("resource_url"); got != want {
		t.Fatalf("resource_url = %q, want %q", got, want)
	}
	fetched := alice.Must(t, http.StatusOK, http.MethodGet, again.Str("resource_url"), nil)
	if fetched.Str("sid") != first.Str("sid") || fetched.Body["index"] != float64(0) {
		t.Errorf("resource_url leads to %s", fetched.Raw)
	}
	if msgs, _ := e.rest.ListMessage(e.service, ch, &chatv2.ListMessageParams{}); len(msgs) != 1 {
		t.Errorf("%d messages over REST, want the one", len(msgs))
	}

	// The id is alice's: bob's change under the same id is made.
	bob := e.as(t, "bob")
	bob.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Participants"), map[string]any{}, "X-Twilio-Mutation-Id", id)
	// A repeated delete is not made twice either, and points where the
	// deleted thing was.
	del := "0d9a8a52-8d0c-4c85-9a4e-3f1d2b7c6a50"
	alice.Must(t, http.StatusNoContent, http.MethodDelete, path("/Conversations/general/Messages/"+first.Str("sid")), nil, "X-Twilio-Mutation-Id", del)
	r := alice.Must(t, http.StatusAccepted, http.MethodDelete, path("/Conversations/general/Messages/"+first.Str("sid")), nil, "X-Twilio-Mutation-Id", del)
	if got := r.Str("resource_url"); got != e.URL+path("/Conversations/"+ch) {
		t.Errorf("resource_url of a repeated delete = %q", got)
	}
	alice.Must(t, http.StatusOK, http.MethodGet, r.Str("resource_url"), nil)
	// A refused change records nothing: once allowed, the same id acts.
	refused := "b3c1e6f4-0a4e-4f0e-9d5e-2c8b7a6f5e43"
	wantError(t, bob.Do(t, http.MethodDelete, path("/Conversations/general"), nil, "X-Twilio-Mutation-Id", refused), http.StatusForbidden, 50107)
	bob.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "hi"}, "X-Twilio-Mutation-Id", refused)
	wantError(t, alice.Do(t, http.MethodPost, path("/Conversations/general/Messages"), nil, "X-Twilio-Mutation-Id", strings.Repeat("x", 129)), http.StatusBadRequest, 20001)
}
