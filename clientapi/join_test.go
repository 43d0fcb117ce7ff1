package clientapi_test

import (
	"net/http"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
)

// TestJoinOwnChannel: the creator of a Channel is its first Member, and an
// app that joins the Channel it has just created (as Twilio's quickstarts
// do) gets that membership back instead of a conflict; adding someone who
// is a Member already is still 409/50404.
func TestJoinOwnChannel(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.as(t, "alice"), e.as(t, "bob")
	created := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "mine"})
	ch := created.Str("sid")

	joined := alice.Must(t, http.StatusOK, http.MethodPost, path("/Conversations/"+ch+"/Participants"), map[string]any{})
	first := alice.Must(t, http.StatusOK, http.MethodGet, path("/Conversations/"+ch+"/Participants/alice"), nil)
	if joined.Str("sid") != first.Str("sid") || joined.Str("identity") != "alice" {
		t.Errorf("joining again = %s, want alice's membership %s", joined.Raw, first.Raw)
	}
	if got := alice.Must(t, http.StatusOK, http.MethodGet, path("/Conversations/"+ch), nil); got.Body["participants_count"] != float64(1) {
		t.Errorf("participants_count after the second join = %v, want 1", got.Body["participants_count"])
	}

	bob.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/"+ch+"/Participants"), map[string]any{})
	testenv.WantError(t, alice.Do(t, http.MethodPost, path("/Conversations/"+ch+"/Participants"), map[string]any{"identity": "bob"}), http.StatusConflict, 50404)
}
