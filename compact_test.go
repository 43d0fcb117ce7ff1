package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/testenv"
)

func TestParseCompact(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cfg, err := parseCompact(nil, env("CHATD_COMPACT_DB", "a.db", "CHATD_COMPACT_OUT", "b.db", "CHATD_DB", "served.db"), io.Discard)
	if want := (compactConfig{db: "a.db", out: "b.db"}); err != nil || cfg != want {
		t.Errorf("from the environment: %+v, %v; want %+v", cfg, err, want)
	}
	cfg, err = parseCompact([]string{"--db", "c.db"}, env("CHATD_COMPACT_DB", "a.db"), io.Discard)
	if want := (compactConfig{db: "c.db"}); err != nil || cfg != want {
		t.Errorf("flags over the environment: %+v, %v; want %+v", cfg, err, want)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--db is required"},
		{[]string{"--db", "a.db", "extra"}, "unexpected arguments: extra"},
		{[]string{"--nope"}, "not defined"},
	} {
		if _, err := parseCompact(c.args, env("CHATD_DB", "served.db"), io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error saying %q", c.args, err, c.want)
		}
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 204800: "204.8 kB", 3_400_000_000: "3.4 GB", 5e15: "5000.0 TB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// runCompact runs chatd compact with args and the environment env.
func runCompact(env map[string]string, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"compact"}, args...), func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestCompactCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "chatd.db")
	ready, stop := startRun(t, "--db", db)
	api := testenv.API{URL: ready.URL, AccountSid: ready.AccountSid, AuthToken: ready.AuthToken}

	if _, _, err := runCompact(nil, "--db", db); err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("compact of a served file: %v, want an error saying it is in use", err)
	}

	// Channels of messages, all but one then deleted.
	service := api.NewService(t)
	body := strings.Repeat("x", 2000)
	var channels []string
	for c := range 5 {
		ch := service + "/Channels/" + api.Create(t, service+"/Channels", testenv.Form("UniqueName", fmt.Sprint("ch", c)))["sid"].(string)
		channels = append(channels, ch)
		for range 25 {
			api.Create(t, ch+"/Messages", testenv.Form("Body", body))
		}
	}
	for _, ch := range channels[1:] {
		api.Delete(t, ch)
	}
	stop()

	line := regexp.MustCompile(`^compacted (.+): [0-9.]+ [kMG]?B → [0-9.]+ [kMG]?B in [0-9.]+m?s\n$`)
	original, _ := os.ReadFile(db)
	out := filepath.Join(dir, "compacted.db")
	stdout, stderr, err := runCompact(nil, "--db", db, "--out", out)
	if err != nil {
		t.Fatalf("compact --out: %v; stderr: %s", err, stderr)
	}
	if m := line.FindStringSubmatch(stdout); m == nil || m[1] != db+" into "+out {
		t.Errorf("compact --out printed %q, want one line of sizes and time", stdout)
	}
	if now, _ := os.ReadFile(db); !bytes.Equal(now, original) {
		t.Error("compact --out changed the file")
	}
	compacted, err := os.Stat(out)
	if err != nil || compacted.Size() >= int64(len(original)) {
		t.Fatalf("compact --out wrote %v (%v), want a file smaller than the %d bytes of the original", compacted, err, len(original))
	}

	// In place, with the file from the environment.
	stdout, stderr, err = runCompact(map[string]string{"CHATD_COMPACT_DB": db})
	if err != nil {
		t.Fatalf("compact: %v; stderr: %s", err, stderr)
	}
	if m := line.FindStringSubmatch(stdout); m == nil || m[1] != db {
		t.Errorf("compact printed %q, want one line of sizes and time", stdout)
	}
	if info, err := os.Stat(db); err != nil || info.Size() != compacted.Size() {
		t.Errorf("the file compacted in place: %v, %v; want %d bytes, as the copy", info, err, compacted.Size())
	}

	for _, file := range []string{db, out} {
		ready, stop := startRun(t, "--db", file)
		api := testenv.API{URL: ready.URL, AccountSid: ready.AccountSid, AuthToken: ready.AuthToken}
		if got := api.Walk(t, service+"/Channels"); len(got) != 1 || "/Channels/"+got[0]["sid"].(string) != channels[0][len(service):] {
			t.Errorf("%s serves the Channels %v, want only %s", file, got, channels[0])
		}
		messages := api.Walk(t, channels[0]+"/Messages?PageSize=10")
		if len(messages) != 25 {
			t.Errorf("%s serves %d Messages, want 25", file, len(messages))
		}
		for i, m := range messages {
			if m["body"] != body || m["index"] != float64(i) {
				t.Errorf("%s: Message %d is %v", file, i, m)
				break
			}
		}
		api.Create(t, channels[0]+"/Messages", testenv.Form("Body", "after compaction"))
		stop()
	}
}

func TestCompactProgress(t *testing.T) {
	for _, live := range []bool{false, true} {
		var out strings.Builder
		p := newProgressLine(&out, live)
		report := compactReport(p)
		report(1500) // within the first second: quiet
		if out.Len() != 0 {
			t.Errorf("live=%v: a report in the first second printed %q", live, out.String())
		}
		p.last = p.last.Add(-time.Second)
		report(2_500_000)
		p.end()
		s := out.String()
		if !strings.Contains(s, "chatd compact: 2.5 MB copied") || !strings.HasSuffix(s, "\n") || strings.Count(s, "\n") != 1 {
			t.Errorf("live=%v: progress %q, want one line of what was copied", live, s)
		}
		if live != strings.HasPrefix(s, "\r") {
			t.Errorf("live=%v: progress %q; a live line is rewritten in place, another is not", live, s)
		}
	}
}
