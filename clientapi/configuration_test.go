package clientapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
)

// TestConfiguration logs alice in with a token minted by twilio-go's
// AccessToken: the Configuration names her and links everything else with
// absolute URLs, and her User exists over REST afterwards.
func TestConfiguration(t *testing.T) {
	e := newEnv(t)
	if _, err := e.rest.FetchUser(e.service, "alice"); err == nil {
		t.Fatal("alice exists before her first request")
	}
	alice := e.as(t, "alice")
	r := alice.Must(t, http.StatusOK, http.MethodGet, path("/Configuration"), nil)
	if got := r.Str("identity"); got != "alice" {
		t.Errorf("identity = %q, want alice", got)
	}
	links, _ := r.Body["links"].(map[string]any)
	for _, key := range []string{"my_conversations", "conversations", "users", "current_user", "typing", "media_service", "messages_receipts"} {
		u, err := url.Parse(strOf(links[key]))
		if err != nil || !u.IsAbs() || u.Scheme+"://"+u.Host != e.URL {
			t.Errorf("links.%s = %v, want an absolute URL on %s", key, links[key], e.URL)
		}
	}
	if got, want := links["media_service"], e.URL+"/v1/Services/"+e.service+"/Media"; got != want {
		t.Errorf("links.media_service = %v, want %s", got, want)
	}
	if got, want := links["current_user"], e.URL+path("/Users/alice"); got != want {
		t.Errorf("links.current_user = %v, want %s", got, want)
	}
	if id := r.Header.Get("Twilio-Request-Id"); !strings.HasPrefix(id, "RQ") {
		t.Errorf("Twilio-Request-Id = %q: the Client API is not behind the server's request handling", id)
	}
	options, _ := r.Body["options"].(map[string]any)
	if options["reachability_enabled"] != false || options["consumption_report_interval"] != "PT10S" ||
		options["http_cache_interval"] == nil || options["user_infos_to_subscribe"] == nil {
		t.Errorf("options = %v", options)
	}

	u, err := e.rest.FetchUser(e.service, "alice")
	if err != nil {
		t.Fatalf("the User after the first request, over REST: %v", err)
	}
	svc, err := e.rest.FetchService(e.service)
	if err != nil {
		t.Fatal(err)
	}
	if *u.RoleSid != *svc.DefaultServiceRoleSid {
		t.Errorf("alice's role %s, want the default service role %s", *u.RoleSid, *svc.DefaultServiceRoleSid)
	}
	sync, _ := r.Body["sync_objects"].(map[string]any)
	if sync["my_user_info"] != *u.Sid+".info" || sync["my_conversations"] != *u.Sid+".channels" {
		t.Errorf("sync_objects = %v, want the names of %s's objects", sync, *u.Sid)
	}
	// The links lead somewhere: the User is alice, and her channel list is empty.
	me := alice.Must(t, http.StatusOK, http.MethodGet, strOf(links["current_user"]), nil)
	if me.Str("identity") != "alice" || me.Body["sync_unique_name"] != *u.Sid+".info" {
		t.Errorf("current_user = %s", me.Raw)
	}
	mine := alice.Must(t, http.StatusOK, http.MethodGet, strOf(links["my_conversations"]), nil)
	if convs, _ := mine.Body["conversations"].([]any); len(convs) != 0 {
		t.Errorf("my_conversations = %s, want none", mine.Raw)
	}
}

// TestConfigurationPublicURL gives the links the configured public URL,
// as behind a proxy.
func TestConfigurationPublicURL(t *testing.T) {
	e := newEnv(t, testenv.WithPublicURL("https://chat.example.com"))
	r := e.as(t, "alice").Must(t, http.StatusOK, http.MethodGet, path("/Configuration"), nil)
	links, _ := r.Body["links"].(map[string]any)
	if got := links["media_service"]; got != "https://chat.example.com/v1/Services/"+e.service+"/Media" {
		t.Errorf("links.media_service = %v", got)
	}
	if got := links["conversations"]; got != "https://chat.example.com"+path("/Conversations") {
		t.Errorf("links.conversations = %v", got)
	}
}
