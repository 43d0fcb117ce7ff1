package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runCmd runs chatd with args and the environment env, and returns its
// stdout and error.
func runCmd(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var stdout bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, io.Discard)
	return stdout.String(), err
}

// mustRun is runCmd that fails the test on an error.
func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	out, err := runCmd(t, env, args...)
	if err != nil {
		t.Fatalf("chatd %v: %v", args, err)
	}
	return out
}

// keyLines decodes the JSON lines chatd keys prints.
func keyLines(t *testing.T, out string) []keyJSON {
	t.Helper()
	var ks []keyJSON
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var k keyJSON
		if err := json.Unmarshal(sc.Bytes(), &k); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		ks = append(ks, k)
	}
	return ks
}

func sidsOf(ks []keyJSON) []string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Sid)
	}
	return out
}

// basicGet is a GET of base+path with Basic credentials; it returns the
// status.
func basicGet(t *testing.T, base, path, user, pass string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestKeysCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "chatd.db")
	ready, stop := startRun(t, "--db", db)
	// The running chatd is named by the environment, as in its container.
	env := map[string]string{"CHATD_URL": ready.URL, "CHATD_ACCOUNT_SID": ready.AccountSid, "CHATD_AUTH_TOKEN": ready.AuthToken}

	created := keyLines(t, mustRun(t, env, "keys", "create", "--friendly-name", "ci"))
	if len(created) != 1 || !strings.HasPrefix(created[0].Sid, "SK") || len(created[0].Secret) != 32 ||
		created[0].FriendlyName == nil || *created[0].FriendlyName != "ci" || created[0].DateCreated == "" {
		t.Fatalf("keys create printed %+v", created)
	}
	key := created[0]
	if st := basicGet(t, ready.URL, "/v2/Services", key.Sid, key.Secret); st != http.StatusOK {
		t.Errorf("GET /v2/Services with the new key: %d", st)
	}
	other := keyLines(t, mustRun(t, env, "keys", "create"))[0]
	if other.FriendlyName != nil {
		t.Errorf("a key created without a name is named %q", *other.FriendlyName)
	}
	listed := keyLines(t, mustRun(t, env, "keys", "list"))
	if want := []string{key.Sid, other.Sid}; !slices.Equal(sidsOf(listed), want) {
		t.Errorf("keys list = %v, want %v", sidsOf(listed), want)
	}
	for _, k := range listed {
		if k.Secret != "" {
			t.Errorf("keys list shows a secret: %+v", k)
		}
	}
	mustRun(t, env, "keys", "delete", other.Sid)
	if got := sidsOf(keyLines(t, mustRun(t, env, "keys", "list"))); !slices.Equal(got, []string{key.Sid}) {
		t.Errorf("after the delete, keys list = %v", got)
	}
	if _, err := runCmd(t, env, "keys", "delete", other.Sid); err == nil || !strings.Contains(err.Error(), "20404") {
		t.Errorf("deleting a deleted key: %v, want chatd's 20404", err)
	}
	// An API key may not make more of itself.
	asKey := map[string]string{"CHATD_URL": ready.URL, "CHATD_ACCOUNT_SID": key.Sid, "CHATD_AUTH_TOKEN": key.Secret}
	if _, err := runCmd(t, asKey, "keys", "list"); err == nil || !strings.Contains(err.Error(), "20403") {
		t.Errorf("keys list with an API key: %v, want chatd's 20403", err)
	}
	if _, err := runCmd(t, env, "keys", "list", "--db", db); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("keys list --db on the file chatd serves: %v, want it refused", err)
	}
	stop()

	t.Run("on a file no chatd serves", func(t *testing.T) {
		fileEnv := map[string]string{"CHATD_KEYS_DB": db}
		made := keyLines(t, mustRun(t, fileEnv, "keys", "create", "--friendly-name", "offline"))[0]
		if got := sidsOf(keyLines(t, mustRun(t, nil, "keys", "list", "--db", db))); !slices.Equal(got, []string{key.Sid, made.Sid}) {
			t.Errorf("keys list --db = %v, want %v and the new key", got, key.Sid)
		}
		mustRun(t, nil, "keys", "delete", "--db", db, key.Sid)

		ready, stop := startRun(t, "--db", db)
		defer stop()
		if st := basicGet(t, ready.URL, "/v2/Services", made.Sid, made.Secret); st != http.StatusOK {
			t.Errorf("the key made on the file: GET /v2/Services answered %d", st)
		}
		if st := basicGet(t, ready.URL, "/v2/Services", key.Sid, key.Secret); st != http.StatusUnauthorized {
			t.Errorf("the key deleted on the file: GET /v2/Services answered %d, want 401", st)
		}
	})

	t.Run("mistakes", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "none.db")
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"keys"}, "give a subcommand"},
			{[]string{"keys", "--db", db}, "give a subcommand"},
			{[]string{"keys", "rotate"}, `not "rotate"`},
			{[]string{"keys", "delete", "--db", db}, "give the SIDs"},
			{[]string{"keys", "list", "extra"}, "unexpected arguments: extra"},
			{[]string{"keys", "list", "--nope"}, "flag provided but not defined"},
			{[]string{"keys", "list", "--url", "http://127.0.0.1:1", "--db", db}, "not both"},
			{[]string{"keys", "list", "--url", "http://127.0.0.1:1"}, "--account-sid and --auth-token"},
			{[]string{"keys", "list", "--db", missing}, "no such file"},
			{[]string{"keys", "list", "--url", "https://127.0.0.1:1", "--account-sid", "AC1", "--auth-token", "t", "--insecure", "--ca-cert", "x.pem"}, "contradict"},
		} {
			if _, err := runCmd(t, nil, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("chatd %v: %v, want an error with %q", c.args, err, c.want)
			}
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Errorf("keys --db created %s", missing)
		}
	})
}

// createService makes a Service on the chatd of ready and returns its SID.
func createService(t *testing.T, ready readyLine, client *http.Client) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ready.URL+"/v2/Services", strings.NewReader(url.Values{"FriendlyName": {"app"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ready.AccountSid, ready.AuthToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct{ Sid string }
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create Service: %d, %v", resp.StatusCode, err)
	}
	return s.Sid
}
