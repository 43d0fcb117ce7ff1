package main

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/pgtest"
)

// TestE2EPostgres serves from a PostgreSQL database given as --db: the
// ready line shows the URL without its password, the health check names
// the store, the data outlives the process, /_chatd/reset and the seed
// work, and what copies a bbolt file (the snapshot route, backup --db and
// backup --url) says that it does not apply.
func TestE2EPostgres(t *testing.T) {
	binary(t)
	dsn := pgtest.New(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("postgres", "unused-with-trust") // a password to hide
	withPassword := u.String()

	from := since() // before anything the seed dates
	c := start(t, args(listen, []string{"--seed", seedFile(t)}), "CHATD_DB="+withPassword)
	if strings.Contains(c.ready.DB, "unused-with-trust") || !strings.HasPrefix(c.ready.DB, "postgres://postgres:xxxxx@127.0.0.1:") {
		t.Errorf("ready line db = %q, want the URL without its password", c.ready.DB)
	}
	if r := c.api.DoAuth(t, http.MethodGet, "/_chatd/health", nil, "", ""); r.Status != 200 || r.Body["store"] != "postgres" {
		t.Errorf("health = %d %s, want 200 with store postgres", r.Status, r.Raw)
	}
	seeded := c.lists(t, from)
	if len(seeded) < 5 {
		t.Fatalf("the seed shows %d lists", len(seeded))
	}
	ch := c.api.Create(t, support+"/Channels", url.Values{"UniqueName": {"kept"}})
	c.api.Create(t, support+"/Channels/"+ch["sid"].(string)+"/Messages", url.Values{"Body": {"on PostgreSQL"}})

	t.Run("the snapshot route says it copies bbolt files", func(t *testing.T) {
		r := c.api.Do(t, http.MethodGet, "/_chatd/snapshot", nil)
		if r.Status != 501 || r.Body["code"] != float64(20501) || !strings.Contains(string(r.Raw), "pg_dump") {
			t.Errorf("GET /_chatd/snapshot = %d %s, want 501, 20501 and what to use instead", r.Status, r.Raw)
		}
	})
	t.Run("backup says it copies bbolt files", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "copy.db")
		r := runChatd(t, []string{"backup", "--db", withPassword, "--out", out})
		if r.code == 0 || !strings.Contains(r.stderr, "copies bbolt files") || strings.Contains(r.stderr, "unused-with-trust") {
			t.Errorf("backup --db URL exited %d: %s; want a refusal without the password", r.code, r.stderr)
		}
		r = runChatd(t, []string{"backup", "--url", c.ready.URL, "--account-sid", c.ready.AccountSid, "--auth-token", c.ready.AuthToken, "--out", out})
		if r.code == 0 || !strings.Contains(r.stderr, "501") || !strings.Contains(r.stderr, "pg_dump") {
			t.Errorf("backup --url exited %d: %s; want the server's refusal", r.code, r.stderr)
		}
	})
	c.stop(t)

	again := start(t, listen, "CHATD_DB="+withPassword)
	if again.ready.AccountSid != c.ready.AccountSid || again.ready.AuthToken != c.ready.AuthToken {
		t.Errorf("restarted with credentials %s/%s, want the stored %s/%s",
			again.ready.AccountSid, again.ready.AuthToken, c.ready.AccountSid, c.ready.AuthToken)
	}
	kept := again.api.Get(t, support+"/Channels/kept/Messages")
	if msgs := kept["messages"].([]any); len(msgs) != 1 || msgs[0].(map[string]any)["body"] != "on PostgreSQL" {
		t.Errorf("after a restart the channel holds %v, want the message sent before", kept["messages"])
	}
	again.api.Must(t, http.StatusNoContent, http.MethodPost, "/_chatd/reset", nil)
	// Reset with no seed given now: the data is gone.
	if list := again.api.Get(t, "/v2/Services"); len(list["services"].([]any)) != 0 {
		t.Errorf("after a reset without a seed, services = %v", list["services"])
	}
	again.stop(t)

	seededAgain := start(t, args(listen, []string{"--seed", seedFile(t)}), "CHATD_DB="+withPassword)
	seededAgain.api.Must(t, http.StatusNoContent, http.MethodPost, "/_chatd/reset", nil)
	diffLists(t, "after a reset to the seed", seededAgain.lists(t, from), seeded)
}
