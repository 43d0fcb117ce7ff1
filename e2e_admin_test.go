package main

// The /_chatd/ routes, and the backup and healthcheck commands.

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/testenv"
)

// change1 and change2 change the data of testdata/seed.json in every kind
// of way: create, update and delete, in both Services, and outside them.
func change1(t *testing.T, c *chatd) {
	t.Helper()
	c.api.Must(t, http.StatusCreated, http.MethodPost, support+"/Channels/general/Messages", testenv.Form("Body", "extra", "From", "alice"))
	c.api.Must(t, http.StatusNoContent, http.MethodDelete, support+"/Channels/general/Messages/IM00000000000000000000000000000001", nil)
	c.api.Must(t, http.StatusOK, http.MethodPost, support+"/Users/bob", testenv.Form("Attributes", `{"team":"red"}`))
	c.api.Must(t, http.StatusCreated, http.MethodPost, support+"/Channels", testenv.Form("UniqueName", "random"))
	c.api.Must(t, http.StatusNoContent, http.MethodDelete, sandbox, nil)
	c.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services", testenv.Form("FriendlyName", "extra"))
	c.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Credentials", testenv.Form("Type", "fcm", "Secret", "key"))
}

func change2(t *testing.T, c *chatd) {
	t.Helper()
	c.api.Must(t, http.StatusCreated, http.MethodPost, support+"/Channels/staff/Members", testenv.Form("Identity", "dave"))
	c.api.Must(t, http.StatusNoContent, http.MethodDelete, support+"/Users/carol", nil)
	c.api.Must(t, http.StatusOK, http.MethodPost, support, testenv.Form("FriendlyName", "Renamed"))
	c.api.Must(t, http.StatusCreated, http.MethodPost, support+"/Roles", testenv.Form("FriendlyName", "extra", "Type", "channel", "Permission", "sendMessage"))
	c.api.Must(t, http.StatusOK, http.MethodPost, support+"/Channels/general/Members/bob", testenv.Form("LastConsumedMessageIndex", "1"))
	c.api.Must(t, http.StatusCreated, http.MethodPost, sandbox+"/Channels", testenv.Form("UniqueName", "play"))
}

func TestE2EReset(t *testing.T) {
	t.Parallel()
	from := since()
	c := start(t, args(listen, []string{"--ephemeral", "--seed", seedFile(t)}))
	seeded := c.lists(t, from)
	for i, change := range []func(*testing.T, *chatd){change1, change2} {
		change(t, c)
		if changed := c.lists(t, from); maps.Equal(changed, seeded) {
			t.Fatalf("change %d changed no list", i+1)
		}
		c.api.Must(t, http.StatusNoContent, http.MethodPost, "/_chatd/reset", url.Values{})
		diffLists(t, fmt.Sprintf("after reset %d", i+1), c.lists(t, from), seeded)
	}
	c.stop(t)
}

func TestE2EResetOneService(t *testing.T) {
	t.Parallel()
	from := since()
	c := start(t, args(listen, []string{"--ephemeral", "--seed", seedFile(t)}))
	seeded := c.lists(t, from)
	c.api.Must(t, http.StatusCreated, http.MethodPost, support+"/Channels/general/Messages", testenv.Form("Body", "extra"))
	c.api.Must(t, http.StatusCreated, http.MethodPost, support+"/Channels", testenv.Form("UniqueName", "random"))
	c.api.Must(t, http.StatusCreated, http.MethodPost, sandbox+"/Channels", testenv.Form("UniqueName", "play"))
	changed := c.lists(t, from)

	t.Run("restores that Service and leaves the other's changes", func(t *testing.T) {
		c.api.Must(t, http.StatusNoContent, http.MethodPost, "/_chatd/reset", testenv.Form("ServiceSid", "IS00000000000000000000000000000001"))
		want := maps.Clone(changed)
		maps.DeleteFunc(want, func(k, _ string) bool { return strings.HasPrefix(k, support) })
		for k, v := range seeded {
			if strings.HasPrefix(k, support) {
				want[k] = v
			}
		}
		diffLists(t, "after resetting Support", c.lists(t, from), want)
	})
	t.Run("then the other", func(t *testing.T) {
		c.api.Must(t, http.StatusNoContent, http.MethodPost, "/_chatd/reset", testenv.Form("ServiceSid", "IS00000000000000000000000000000002"))
		diffLists(t, "after resetting both", c.lists(t, from), seeded)
	})
	t.Run("a Service that is not in the seed is removed", func(t *testing.T) {
		extra := c.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services", testenv.Form("FriendlyName", "extra"))
		c.api.Must(t, http.StatusNoContent, http.MethodPost, "/_chatd/reset", testenv.Form("ServiceSid", extra["sid"].(string)))
		diffLists(t, "after resetting the extra Service", c.lists(t, from), seeded)
	})
	t.Run("an unknown Service is 404/20404 and changes nothing", func(t *testing.T) {
		c.api.Must(t, http.StatusCreated, http.MethodPost, sandbox+"/Channels", testenv.Form("UniqueName", "play"))
		before := c.lists(t, from)
		unknown := c.api.Do(t, http.MethodPost, "/_chatd/reset", testenv.Form("ServiceSid", "IS"+strings.Repeat("f", 32)))
		testenv.WantError(t, unknown, http.StatusNotFound, 20404)
		noSid := c.api.Do(t, http.MethodPost, "/_chatd/reset", testenv.Form("ServiceSid", "general"))
		testenv.WantError(t, noSid, http.StatusBadRequest, 20001)
		diffLists(t, "after the failed resets", c.lists(t, from), before)
	})
	c.stop(t)
}

func TestE2EAdminRoutesNeedCredentials(t *testing.T) {
	t.Parallel()
	c := start(t, args(listen, []string{"--ephemeral", "--seed", seedFile(t)}))
	c.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services", testenv.Form("FriendlyName", "kept"))
	before := c.lists(t, time.Time{})
	for _, r := range []struct{ method, path string }{
		{http.MethodPost, "/_chatd/reset"},
		{http.MethodGet, "/_chatd/snapshot"},
		{http.MethodGet, "/_chatd/deliveries"},
	} {
		for _, cred := range []struct{ name, user, pass string }{
			{"without credentials", "", ""},
			{"with a wrong token", c.ready.AccountSid, "wrong"},
		} {
			t.Run(r.method+" "+r.path+" "+cred.name+" is 401", func(t *testing.T) {
				var f url.Values
				if r.method == http.MethodPost {
					f = url.Values{}
				}
				resp := c.api.DoAuth(t, r.method, r.path, f, cred.user, cred.pass)
				testenv.WantError(t, resp, http.StatusUnauthorized, 20003)
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s: 401 without WWW-Authenticate", r.method, r.path)
				}
			})
		}
	}
	diffLists(t, "after the refused resets", c.lists(t, time.Time{}), before)
	c.stop(t)
}

func TestE2EBackup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	c := start(t, args(listen, []string{"--db", db, "--seed", seedFile(t)}))
	change1(t, c)
	want := c.lists(t, time.Time{})

	// served starts chatd on a copy and checks that it serves the same data
	// with the same (development) credentials.
	served := func(t *testing.T, file string) {
		t.Helper()
		s := start(t, args(listen, []string{"--db", file}))
		if s.ready.AccountSid != c.ready.AccountSid || s.ready.AuthToken != c.ready.AuthToken {
			t.Errorf("the copy serves with %s/%s, want the original's %s/%s", s.ready.AccountSid, s.ready.AuthToken, c.ready.AccountSid, c.ready.AuthToken)
		}
		diffLists(t, "the copy", s.lists(t, time.Time{}), want)
		s.stop(t)
	}
	// wantNothingWritten checks that a failed backup left no file in dir.
	wantNothingWritten := func(t *testing.T, dir string) {
		t.Helper()
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("the failed backup left %v", left)
		}
	}

	t.Run("--url copies a running chatd", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "url.db")
		r := runChatd(t, []string{"backup", "--url", c.ready.URL, "--account-sid", c.ready.AccountSid, "--auth-token", c.ready.AuthToken, "--out", out})
		if r.code != 0 {
			t.Fatalf("backup --url exited %d: %s", r.code, r.stderr)
		}
		served(t, out)
	})
	t.Run("--url takes CHATD_URL and the credentials from the environment", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "env.db")
		r := runChatd(t, []string{"backup", "--out", out},
			"CHATD_URL="+c.ready.URL, "CHATD_ACCOUNT_SID="+c.ready.AccountSid, "CHATD_AUTH_TOKEN="+c.ready.AuthToken)
		if r.code != 0 {
			t.Fatalf("backup exited %d: %s", r.code, r.stderr)
		}
		served(t, out)
	})
	t.Run("--url with a wrong token fails and writes nothing", func(t *testing.T) {
		outDir := t.TempDir()
		r := runChatd(t, []string{"backup", "--url", c.ready.URL, "--account-sid", c.ready.AccountSid, "--auth-token", "wrong", "--out", filepath.Join(outDir, "x.db")})
		if r.code == 0 || !strings.Contains(r.stderr, "401") {
			t.Errorf("backup with a wrong token exited %d: %s; want a failure naming the 401", r.code, r.stderr)
		}
		wantNothingWritten(t, outDir)
	})
	t.Run("--db of the file a running chatd holds fails clearly and writes nothing", func(t *testing.T) {
		outDir := t.TempDir()
		r := runChatd(t, []string{"backup", "--db", db, "--out", filepath.Join(outDir, "x.db")})
		if r.code == 0 || !strings.Contains(r.stderr, db) || !strings.Contains(r.stderr, "in use by a running chatd") {
			t.Errorf("backup --db of a held file exited %d: %s; want a failure saying the file is in use", r.code, r.stderr)
		}
		wantNothingWritten(t, outDir)
	})
	c.stop(t)
	t.Run("--db copies a stopped chatd's file", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "db.db")
		r := runChatd(t, []string{"backup", "--db", db, "--out", out})
		if r.code != 0 {
			t.Fatalf("backup --db exited %d: %s", r.code, r.stderr)
		}
		served(t, out)
	})
	t.Run("--db of a file that is not chatd's fails and writes nothing", func(t *testing.T) {
		outDir, notChatd := t.TempDir(), filepath.Join(t.TempDir(), "notes.txt")
		if err := os.WriteFile(notChatd, bytes.Repeat([]byte("not a database\n"), 1000), 0o600); err != nil {
			t.Fatal(err)
		}
		r := runChatd(t, []string{"backup", "--db", notChatd, "--out", filepath.Join(outDir, "x.db")})
		if r.code == 0 || !strings.Contains(r.stderr, notChatd) {
			t.Errorf("backup --db of a JSON file exited %d: %s; want a failure naming it", r.code, r.stderr)
		}
		wantNothingWritten(t, outDir)
	})
}

func TestE2EHealthcheck(t *testing.T) {
	t.Parallel()
	c := start(t, args(listen, []string{"--ephemeral"}))
	for _, env := range [][]string{nil, {"CHATD_URL=" + c.ready.URL}} {
		argv := []string{"healthcheck", "--url", c.ready.URL}
		if env != nil {
			argv = argv[:1]
		}
		if r := runChatd(t, argv, env...); r.code != 0 {
			t.Errorf("healthcheck %v %v of a running chatd exited %d: %s", argv, env, r.code, r.stderr)
		}
	}
	for _, o := range []struct {
		name string
		h    http.HandlerFunc
	}{
		{"a 404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }},
		{"a 200 that is not JSON", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }},
		{"a 200 whose status is not ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"status":"starting"}`) }},
		{"a 503 saying ok", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"status":"ok"}`)
		}},
	} {
		t.Run("a URL answering "+o.name+" is unhealthy", func(t *testing.T) {
			other := httptest.NewServer(o.h)
			defer other.Close()
			if r := runChatd(t, []string{"healthcheck", "--url", other.URL}); r.code != 1 || !strings.Contains(r.stderr, "healthcheck") {
				t.Errorf("healthcheck of a server answering %s exited %d: %s; want 1", o.name, r.code, r.stderr)
			}
		})
	}
	c.stop(t)
	t.Run("a stopped chatd is unhealthy", func(t *testing.T) {
		if r := runChatd(t, []string{"healthcheck", "--url", c.ready.URL}); r.code != 1 || !strings.Contains(r.stderr, "healthcheck") {
			t.Errorf("healthcheck of a stopped chatd exited %d: %s; want 1", r.code, r.stderr)
		}
	})
}
