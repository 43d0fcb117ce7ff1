package main

// chatd serve as a process: its ready line, its file, SIGTERM.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/model"
)

func TestE2EReadyLine(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "chatd.db")
	began := time.Now()
	c := start(t, args(listen, []string{"--db", db}))
	t.Logf("ready on a new file after %v (build took %v)", time.Since(began), buildTime)

	t.Run("it holds exactly the documented fields", func(t *testing.T) {
		line, _, _ := strings.Cut(c.stdout.String(), "\n")
		var fields map[string]any
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatal(err)
		}
		if got, want := slices.Sorted(maps.Keys(fields)), []string{"account_sid", "auth_token", "db", "ephemeral", "ready", "url"}; !slices.Equal(got, want) {
			t.Errorf("ready line %s has fields %v, want %v", line, got, want)
		}
		r := c.ready
		if !regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*$`).MatchString(r.URL) {
			t.Errorf("url = %q, want http://127.0.0.1 and the port chosen", r.URL)
		}
		if !model.IsSID(model.PrefixAccount, r.AccountSid) || !regexp.MustCompile(`^[0-9a-zA-Z]+$`).MatchString(r.AuthToken) {
			t.Errorf("credentials %q/%q, want an Account SID and a token of letters and digits", r.AccountSid, r.AuthToken)
		}
		if r.DB != db || r.Ephemeral || r.CACert != "" {
			t.Errorf("ready line %+v, want db %s, not ephemeral, no certificate", r, db)
		}
	})
	t.Run("the URL serves the health check without credentials", func(t *testing.T) {
		r := c.api.DoAuth(t, http.MethodGet, "/_chatd/health", nil, "", "")
		if r.Status != http.StatusOK || r.Body["status"] != "ok" {
			t.Errorf("health = %d %s", r.Status, r.Raw)
		}
	})
	t.Run("the URL serves the API with the credentials and refuses others", func(t *testing.T) {
		c.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services", testenv.Form("FriendlyName", "first"))
		if list := c.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil); len(testenv.ItemsOf(t, list, "services")) != 1 {
			t.Errorf("Services = %v, want the one created", list)
		}
		r := c.api.DoAuth(t, http.MethodGet, "/v2/Services", nil, c.ready.AccountSid, "wrong")
		testenv.WantError(t, r, http.StatusUnauthorized, 20003)
	})
	c.stop(t)
	t.Run("stdout holds the ready line and nothing else", func(t *testing.T) {
		if out := c.stdout.String(); strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
			t.Errorf("stdout = %q, want exactly one line", out)
		}
	})
	t.Run("a restart on the file keeps the credentials and the data", func(t *testing.T) {
		again := start(t, args(listen, []string{"--db", db}))
		if again.ready.AccountSid != c.ready.AccountSid || again.ready.AuthToken != c.ready.AuthToken {
			t.Errorf("credentials %s/%s after a restart, want %s/%s", again.ready.AccountSid, again.ready.AuthToken, c.ready.AccountSid, c.ready.AuthToken)
		}
		if list := again.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil); len(testenv.ItemsOf(t, list, "services")) != 1 {
			t.Errorf("Services after a restart = %v, want the one created", list)
		}
		again.stop(t)
	})
}

// TestE2EReadyWithMuchData starts chatd on a file of 50,000 messages. Only
// that it becomes ready is asserted; the times are logged.
func TestE2EReadyWithMuchData(t *testing.T) {
	t.Parallel()
	const n = 50000
	dir := t.TempDir()
	var seed bytes.Buffer
	seed.WriteString(`{"services": [{"sid": "IS00000000000000000000000000000001", "friendly_name": "big", "channels": [{"unique_name": "big", "members": [{"identity": "alice"}], "messages": [`)
	for i := range n {
		if i > 0 {
			seed.WriteString(",")
		}
		fmt.Fprintf(&seed, `{"from": "alice", "body": "message %d"}`, i)
	}
	seed.WriteString(`]}]}]}`)
	seedPath, db := filepath.Join(dir, "big.json"), filepath.Join(dir, "big.db")
	if err := os.WriteFile(seedPath, seed.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	began := time.Now()
	c := start(t, args(listen, []string{"--db", db, "--seed", seedPath, "--log-level", "warn"}))
	t.Logf("first start, loading a seed of %d messages: ready after %v", n, time.Since(began))
	c.stop(t)
	info, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}

	began = time.Now()
	c = start(t, args(listen, []string{"--db", db, "--log-level", "warn"}))
	t.Logf("restart on the file of %d messages (%d MiB): ready after %v", n, info.Size()>>20, time.Since(began))
	ch := c.api.Must(t, http.StatusOK, http.MethodGet, support+"/Channels/big", nil)
	if ch["messages_count"] != float64(n) {
		t.Errorf("messages_count = %v, want %d", ch["messages_count"], n)
	}
	last := testenv.ItemsOf(t, c.api.Must(t, http.StatusOK, http.MethodGet, support+"/Channels/big/Messages?Order=desc&PageSize=1", nil), "messages")
	if len(last) != 1 || last[0]["index"] != float64(n-1) || last[0]["body"] != fmt.Sprint("message ", n-1) {
		t.Errorf("newest message = %v, want index %d", last, n-1)
	}
	c.stop(t)
}

func TestE2EEphemeral(t *testing.T) {
	t.Parallel()
	c := start(t, args(listen, []string{"--ephemeral"}))
	if !c.ready.Ephemeral || c.ready.DB == "" {
		t.Fatalf("ready line %+v, want ephemeral with its file", c.ready)
	}
	if _, err := os.Stat(c.ready.DB); err != nil || !strings.HasPrefix(c.ready.DB, c.tmp) {
		t.Errorf("the ephemeral file %s while chatd runs: %v, want it in TMPDIR", c.ready.DB, err)
	}
	c.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services", testenv.Form("FriendlyName", "gone soon"))
	c.stop(t)
	if _, err := os.Stat(c.ready.DB); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the ephemeral file after SIGTERM: %v, want it gone", err)
	}
	if _, err := os.Stat(filepath.Dir(c.ready.DB)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the ephemeral file's directory after SIGTERM: %v, want it gone", err)
	}
	for _, dir := range []string{c.dir, c.tmp} {
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("chatd --ephemeral left %v in %s", left, dir)
		}
	}
}

// TestE2ESigtermDuringWrites sends SIGTERM while 8 clients post messages
// as fast as they can: every message acknowledged with a 201 must be in the
// file when chatd starts again. Writes that failed or got no answer may or
// may not be there.
func TestE2ESigtermDuringWrites(t *testing.T) {
	t.Parallel()
	const writers, beforeSignal = 8, 200
	db := filepath.Join(t.TempDir(), "chatd.db")
	c := start(t, args(listen, []string{"--db", db, "--log-level", "warn"}))
	svc := c.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services", testenv.Form("FriendlyName", "burst"))["sid"].(string)
	channel := "/v2/Services/" + svc + "/Channels/burst"
	c.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services/"+svc+"/Channels", testenv.Form("UniqueName", "burst"))

	client := &http.Client{Timeout: processTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: writers}}
	// post sends one message; it returns the SID of an acknowledged one.
	post := func(body string) (string, error) {
		req, err := http.NewRequest(http.MethodPost, c.ready.URL+channel+"/Messages", strings.NewReader(testenv.Form("Body", body).Encode()))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ready.AccountSid, c.ready.AuthToken)
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var m struct{ Sid string }
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusCreated || m.Sid == "" {
			return "", fmt.Errorf("answered %s (%v)", resp.Status, err)
		}
		return m.Sid, nil
	}
	acked := make([][]string, writers)
	ended := make([]error, writers) // how each writer's last request failed
	var count atomic.Int64
	enough, done := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				sid, err := post(fmt.Sprintf("writer %d message %d", w, i))
				if err != nil {
					var ue *url.Error
					if errors.As(err, &ue) {
						err = ue.Err
					}
					ended[w] = err // chatd is going away
					return
				}
				acked[w] = append(acked[w], sid)
				if count.Add(1) == beforeSignal {
					close(enough)
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-enough:
	case <-done:
		t.Fatalf("every writer stopped after %d messages, before SIGTERM", count.Load())
	case <-time.After(processTimeout):
		t.Fatalf("only %d messages acknowledged in %v", count.Load(), processTimeout)
	}
	c.stop(t)
	<-done
	all := slices.Concat(acked...)
	if len(all) < beforeSignal {
		t.Fatalf("%d messages acknowledged, want at least %d", len(all), beforeSignal)
	}

	again := start(t, args(listen, []string{"--db", db, "--log-level", "warn"}))
	stored := map[string]bool{}
	next := again.ready.URL + channel + "/Messages?PageSize=100"
	for next != "" {
		page := again.api.Must(t, http.StatusOK, http.MethodGet, strings.TrimPrefix(next, again.ready.URL), nil)
		for i, m := range testenv.ItemsOf(t, page, "messages") {
			if want := float64(len(stored)); m["index"] != want {
				t.Fatalf("message %d of the page has index %v, want %v: indexes are not contiguous", i, m["index"], want)
			}
			stored[m["sid"].(string)] = true
		}
		next, _ = page["meta"].(map[string]any)["next_page_url"].(string)
	}
	t.Logf("%d messages acknowledged, %d stored (SIGTERM after %d); the writers ended with %v", len(all), len(stored), beforeSignal, ended)
	lost := 0
	for _, sid := range all {
		if !stored[sid] {
			lost++
			t.Errorf("acknowledged message %s is not in the file", sid)
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged messages lost", lost, len(all))
	}
	if ch := again.api.Must(t, http.StatusOK, http.MethodGet, channel, nil); ch["messages_count"] != float64(len(stored)) {
		t.Errorf("messages_count = %v, want the %d stored", ch["messages_count"], len(stored))
	}
	again.stop(t)
}

// TestE2EFileHeldByAnotherChatd starts a second chatd on the file of a
// running one: it must refuse, saying why, and leave the first serving.
func TestE2EFileHeldByAnotherChatd(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "chatd.db")
	first := start(t, args(listen, []string{"--db", db}))
	r := runChatd(t, args(listen, []string{"--db", db}))
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, db) || !strings.Contains(r.stderr, "in use by another process") {
		t.Errorf("a second chatd on a held file: exit %d, stdout %q, stderr:\n%s\nwant exit 1 saying the file is in use", r.code, r.stdout, r.stderr)
	}
	first.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil)
	first.stop(t)
}
