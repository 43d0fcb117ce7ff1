package main

// End-to-end tests of the real chatd binary, built once by TestMain and run
// as a user or a test harness in another language runs it: flags and their
// CHATD_* environment defaults, the ready line on stdout, the /_chatd/
// routes, the healthcheck, backup and version commands, TLS, SIGTERM and
// exit codes. The tests are named TestE2E…; each chatd gets free ports and
// temporary files of its own, so they run in parallel.

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/speccheck"
	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/model"
)

var (
	chatdBin   string        // the binary under test
	buildSkip  string        // why the binary cannot be built here
	buildError string        // the output of a failed build
	buildTime  time.Duration // how long the build took
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

// runTests builds chatd into a temporary directory (unless -short), runs
// the tests and removes the directory.
func runTests(m *testing.M) int {
	if !testing.Short() && runtime.GOOS != "windows" {
		dir, err := os.MkdirTemp("", "chatd-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		buildChatd(dir)
	}
	return m.Run()
}

// buildChatd builds this package with the go command on PATH. Without one
// the e2e tests skip; a build that fails makes them fail.
func buildChatd(dir string) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		buildSkip = "no Go toolchain to build the chatd binary with: " + err.Error()
		return
	}
	bin := filepath.Join(dir, "chatd")
	start := time.Now()
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	buildTime = time.Since(start)
	if err != nil {
		buildError = fmt.Sprintf("go build: %v\n%s", err, out)
		return
	}
	chatdBin = bin
}

// binary is the chatd binary; it skips the test where there is none to run.
func binary(t *testing.T) string {
	t.Helper()
	switch {
	case testing.Short():
		t.Skip("e2e: skipped with -short")
	case runtime.GOOS == "windows":
		t.Skip("e2e: needs SIGTERM")
	case buildSkip != "":
		t.Skip("e2e: " + buildSkip)
	case buildError != "":
		t.Fatalf("e2e: building chatd failed:\n%s", buildError)
	}
	return chatdBin
}

// processTimeout bounds every wait for a chatd process to start, answer or
// exit: a guard against a hung test, not a timing assertion.
const processTimeout = 2 * time.Minute

// listen is the address flag of every chatd the tests serve.
var listen = []string{"--addr", "127.0.0.1:0"}

func args(groups ...[]string) []string { return slices.Concat(groups...) }

// capture collects what a process writes; line is closed once it has written
// a whole line.
type capture struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	line  chan struct{}
	lined bool
}

func newCapture() *capture { return &capture{line: make(chan struct{})} }

func (o *capture) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if !o.lined && bytes.IndexByte(o.buf.Bytes(), '\n') >= 0 {
		o.lined = true
		close(o.line)
	}
	return len(p), nil
}

func (o *capture) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// chatd is one process of the binary.
type chatd struct {
	args   []string
	dir    string // its working directory, empty but for what it writes
	tmp    string // its TMPDIR, where --ephemeral puts the file
	cmd    *exec.Cmd
	stdout *capture
	stderr *capture
	exited chan struct{} // closed once it has exited and waitErr is set
	err    error         // what Wait returned

	ready readyLine   // its ready line, once start has read it
	api   testenv.API // its REST API with the ready line's credentials
}

// environ is the test's environment without any CHATD_* variable, plus env:
// what a chatd sees is only what the test gives it.
func environ(env ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHATD_") {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}

// launch starts the binary with args and env in an empty working directory
// and with a TMPDIR of its own, without waiting for anything. It is killed, if still running,
// when the test ends, and its stderr is logged if the test failed.
func launch(t *testing.T, argv []string, env ...string) *chatd {
	t.Helper()
	c := &chatd{args: argv, dir: t.TempDir(), tmp: t.TempDir(), stdout: newCapture(), stderr: newCapture(), exited: make(chan struct{})}
	c.cmd = exec.Command(binary(t), argv...)
	c.cmd.Dir, c.cmd.Env = c.dir, environ(append([]string{"TMPDIR=" + c.tmp}, env...)...)
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("starting chatd %v: %v", argv, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-c.exited:
		default:
			c.cmd.Process.Kill()
			<-c.exited
		}
		if t.Failed() {
			t.Logf("chatd %v: stdout:\n%s\nstderr:\n%s", argv, c.stdout, c.stderr)
		}
	})
	return c
}

// start starts chatd with args and env and waits for its ready line.
func start(t *testing.T, argv []string, env ...string) *chatd {
	t.Helper()
	c := launch(t, argv, env...)
	select {
	case <-c.stdout.line:
	case <-c.exited:
		select {
		case <-c.stdout.line:
		default:
			t.Fatalf("chatd %v exited (%v) without a ready line; stderr:\n%s", argv, c.err, c.stderr)
		}
	case <-time.After(processTimeout):
		t.Fatalf("chatd %v printed no ready line in %v; stderr:\n%s", argv, processTimeout, c.stderr)
	}
	line, _, _ := strings.Cut(c.stdout.String(), "\n")
	if err := json.Unmarshal([]byte(line), &c.ready); err != nil || !c.ready.Ready {
		t.Fatalf("chatd %v: ready line %q: %v", argv, line, err)
	}
	c.api = testenv.API{
		URL: c.ready.URL, AccountSid: c.ready.AccountSid, AuthToken: c.ready.AuthToken,
		HTTP: &http.Client{Timeout: processTimeout}, Spec: speccheck.For(t),
	}
	if c.ready.CACert != "" {
		c.api.HTTP.Transport = testenv.TLSTransport(t, []byte(c.ready.CACert))
	}
	return c
}

// wait waits for the process to exit.
func (c *chatd) wait(t *testing.T) {
	t.Helper()
	select {
	case <-c.exited:
	case <-time.After(processTimeout):
		c.cmd.Process.Kill()
		<-c.exited
		t.Fatalf("chatd %v did not exit in %v", c.args, processTimeout)
	}
}

// stop sends SIGTERM and waits for chatd to exit, which it must do with
// status 0.
func (c *chatd) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("SIGTERM: %v", err)
	}
	c.wait(t)
	if c.err != nil {
		t.Fatalf("chatd %v exited with %v after SIGTERM; stderr:\n%s", c.args, c.err, c.stderr)
	}
}

// result is how a command that exits by itself ended.
type result struct {
	stdout, stderr string
	code           int
}

// runChatd runs a chatd command to its end.
func runChatd(t *testing.T, argv []string, env ...string) result {
	t.Helper()
	c := launch(t, argv, env...)
	c.wait(t)
	return result{c.stdout.String(), c.stderr.String(), c.cmd.ProcessState.ExitCode()}
}

// lists is every list response that shows chatd's data, whole: the
// Services, and under each its Roles, Users (with their User Channels and
// Bindings), Channels (with their Members, Messages, Invites and Webhooks)
// and Bindings; and the Credentials. It is keyed by path; each body is
// re-encoded with chatd's own base URL replaced, so that the lists of two
// chatds compare, and with every date at or after since (when not zero)
// replaced, since a load of a seed dates what the seed does not.
func (c *chatd) lists(t *testing.T, since time.Time) map[string]string {
	t.Helper()
	out := map[string]string{}
	get := func(path string) map[string]any {
		t.Helper()
		list := c.api.Must(t, http.StatusOK, http.MethodGet, path, nil)
		if meta, _ := list["meta"].(map[string]any); meta["next_page_url"] != nil {
			t.Fatalf("GET %s has more than one page", path)
		}
		body, err := json.Marshal(undate(list, since))
		if err != nil {
			t.Fatal(err)
		}
		out[path] = strings.ReplaceAll(string(body), c.ready.URL, "<base>")
		return list
	}
	for _, s := range testenv.ItemsOf(t, get("/v2/Services?PageSize=100"), "services") {
		p := "/v2/Services/" + s["sid"].(string)
		get(p + "/Roles?PageSize=100")
		get(p + "/Bindings?PageSize=100")
		for _, u := range testenv.ItemsOf(t, get(p+"/Users?PageSize=100"), "users") {
			get(p + "/Users/" + u["sid"].(string) + "/Channels?PageSize=50")
			get(p + "/Users/" + u["sid"].(string) + "/Bindings?PageSize=100")
		}
		for _, ch := range testenv.ItemsOf(t, get(p+"/Channels?PageSize=100"), "channels") {
			cp := p + "/Channels/" + ch["sid"].(string)
			for _, sub := range []string{"Members", "Messages", "Invites", "Webhooks"} {
				get(cp + "/" + sub + "?PageSize=100")
			}
		}
	}
	get("/v2/Credentials?PageSize=100")
	return out
}

// undate replaces, in a decoded JSON body, every date at or after since
// with "<since>".
func undate(v any, since time.Time) any {
	if since.IsZero() {
		return v
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && (strings.HasPrefix(k, "date_") || strings.HasSuffix(k, "_timestamp")) {
				if d, err := time.Parse(time.RFC3339, s); err == nil && !d.Before(since) {
					v[k] = "<since>"
				}
				continue
			}
			v[k] = undate(x, since)
		}
	case []any:
		for i, x := range v {
			v[i] = undate(x, since)
		}
	}
	return v
}

// diffLists reports every path whose list differs between got and want.
func diffLists(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if w, ok := want[k]; !ok {
			t.Errorf("%s: GET %s is new: %s", what, k, got[k])
		} else if w != got[k] {
			t.Errorf("%s: GET %s =\n %s\nwant\n %s", what, k, got[k], w)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if _, ok := got[k]; !ok {
			t.Errorf("%s: GET %s is gone (was %s)", what, k, want[k])
		}
	}
}

// seedFile is the example seed of the repository.
func seedFile(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	support = "/v2/Services/IS00000000000000000000000000000001" // testdata/seed.json's Services
	sandbox = "/v2/Services/IS00000000000000000000000000000002"
)

// since is a moment before anything the test is about to make, for undate.
func since() time.Time { return time.Now().UTC().Truncate(time.Second) }

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

// wantTLS checks that chatd serves HTTPS that verifies with the client's
// roots, and nothing in plain HTTP or to a client that does not trust it.
func wantTLS(t *testing.T, c *chatd) {
	t.Helper()
	if !strings.HasPrefix(c.ready.URL, "https://127.0.0.1:") {
		t.Fatalf("url = %q, want https", c.ready.URL)
	}
	t.Run("HTTPS verifies with the certificate as the only root", func(t *testing.T) {
		if tr := c.api.HTTP.Transport.(*http.Transport); tr.TLSClientConfig.InsecureSkipVerify {
			t.Fatal("the client skips verification")
		}
		r := c.api.DoAuth(t, http.MethodGet, "/_chatd/health", nil, "", "")
		if r.Status != http.StatusOK || r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			t.Errorf("health over verified HTTPS = %d %s (TLS %v)", r.Status, r.Raw, r.TLS)
		}
		c.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil)
	})
	t.Run("a client that does not trust the certificate is refused", func(t *testing.T) {
		resp, err := (&http.Client{Transport: &http.Transport{}}).Get(c.ready.URL + "/_chatd/health")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET with the system roots = %s, want a certificate error", resp.Status)
		}
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("GET with the system roots: %v, want an unknown authority", err)
		}
	})
	t.Run("plain HTTP gets no health answer", func(t *testing.T) {
		resp, err := http.Get("http://" + strings.TrimPrefix(c.ready.URL, "https://") + "/_chatd/health")
		if err != nil {
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || bytes.Contains(body, []byte(`"ok"`)) {
			t.Errorf("plain HTTP = %s %s, want a refusal", resp.Status, body)
		}
	})
	t.Run("healthcheck accepts it", func(t *testing.T) {
		if r := runChatd(t, []string{"healthcheck", "--url", c.ready.URL}); r.code != 0 {
			t.Errorf("healthcheck over HTTPS exited %d: %s", r.code, r.stderr)
		}
	})
}

func TestE2ETLSSelfSigned(t *testing.T) {
	t.Parallel()
	c := start(t, args(listen, []string{"--ephemeral", "--tls-self-signed"}))
	if !strings.HasPrefix(c.ready.CACert, "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("ca_cert = %q, want a PEM certificate", c.ready.CACert)
	}
	wantTLS(t, c)
	c.stop(t)
}

func TestE2ETLSCertAndKey(t *testing.T) {
	t.Parallel()
	certPath, keyPath := testenv.WriteCert(t, t.TempDir())
	c := start(t, args(listen, []string{"--ephemeral", "--tls-cert", certPath, "--tls-key", keyPath}))
	if c.ready.CACert != "" {
		t.Errorf("ca_cert = %q with a given certificate, want none", c.ready.CACert)
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	c.api.HTTP.Transport = testenv.TLSTransport(t, certPEM)
	wantTLS(t, c)
	c.stop(t)
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

// TestE2EEnvironment checks flags through their CHATD_* defaults, and that
// a flag given wins over its variable.
func TestE2EEnvironment(t *testing.T) {
	t.Parallel()
	sid1, sid2 := "AC"+strings.Repeat("1", 32), "AC"+strings.Repeat("2", 32)
	seed := seedFile(t)
	for _, c := range []struct {
		name  string
		args  func(dir string) []string
		env   func(dir string) []string
		check func(t *testing.T, c *chatd, dir string)
	}{{
		name: "CHATD_ADDR is the listen address",
		args: func(dir string) []string { return []string{"--db", filepath.Join(dir, "a.db")} },
		env:  func(string) []string { return []string{"CHATD_ADDR=127.0.0.1:0"} },
		check: func(t *testing.T, c *chatd, _ string) {
			if !regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*$`).MatchString(c.ready.URL) {
				t.Errorf("url = %q, want 127.0.0.1 and a port chosen", c.ready.URL)
			}
		},
	}, {
		name: "--addr wins over CHATD_ADDR",
		args: func(dir string) []string { return args(listen, []string{"--db", filepath.Join(dir, "a.db")}) },
		env:  func(string) []string { return []string{"CHATD_ADDR=not an address"} },
	}, {
		name: "CHATD_DB is the file",
		args: func(string) []string { return listen },
		env:  func(dir string) []string { return []string{"CHATD_DB=" + filepath.Join(dir, "env.db")} },
		check: func(t *testing.T, c *chatd, dir string) {
			if c.ready.DB != filepath.Join(dir, "env.db") {
				t.Errorf("db = %q, want CHATD_DB's", c.ready.DB)
			}
		},
	}, {
		name: "--db wins over CHATD_DB",
		args: func(dir string) []string { return args(listen, []string{"--db", filepath.Join(dir, "flag.db")}) },
		env:  func(dir string) []string { return []string{"CHATD_DB=" + filepath.Join(dir, "env.db")} },
		check: func(t *testing.T, c *chatd, dir string) {
			if c.ready.DB != filepath.Join(dir, "flag.db") {
				t.Errorf("db = %q, want --db's", c.ready.DB)
			}
			if _, err := os.Stat(filepath.Join(dir, "env.db")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("CHATD_DB's file: %v, want none made", err)
			}
		},
	}, {
		name: "CHATD_ACCOUNT_SID and CHATD_AUTH_TOKEN are the credentials",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_ACCOUNT_SID=" + sid1, "CHATD_AUTH_TOKEN=envtoken"} },
		check: func(t *testing.T, c *chatd, _ string) {
			if c.ready.AccountSid != sid1 || c.ready.AuthToken != "envtoken" {
				t.Errorf("credentials %s/%s, want the environment's", c.ready.AccountSid, c.ready.AuthToken)
			}
			c.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil)
		},
	}, {
		name: "--account-sid and --auth-token win over the environment",
		args: func(string) []string {
			return args(listen, []string{"--ephemeral", "--account-sid", sid2, "--auth-token", "flagtoken"})
		},
		env: func(string) []string { return []string{"CHATD_ACCOUNT_SID=" + sid1, "CHATD_AUTH_TOKEN=envtoken"} },
		check: func(t *testing.T, c *chatd, _ string) {
			if c.ready.AccountSid != sid2 || c.ready.AuthToken != "flagtoken" {
				t.Errorf("credentials %s/%s, want the flags'", c.ready.AccountSid, c.ready.AuthToken)
			}
			r := c.api.DoAuth(t, http.MethodGet, "/v2/Services", nil, sid1, "envtoken")
			testenv.WantError(t, r, http.StatusUnauthorized, 20003)
		},
	}, {
		name: "CHATD_EPHEMERAL=true makes the file ephemeral",
		args: func(string) []string { return listen },
		env:  func(string) []string { return []string{"CHATD_EPHEMERAL=true"} },
		check: func(t *testing.T, c *chatd, _ string) {
			if !c.ready.Ephemeral {
				t.Errorf("ready line %+v, want ephemeral", c.ready)
			}
		},
	}, {
		name: "CHATD_SEED is the seed",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_SEED=" + seed} },
		check: func(t *testing.T, c *chatd, _ string) {
			c.api.Must(t, http.StatusOK, http.MethodGet, support+"/Channels/general", nil)
		},
	}, {
		name: "CHATD_PUBLIC_URL is the host of URLs",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_PUBLIC_URL=https://chat.example.com"} },
		check: func(t *testing.T, c *chatd, _ string) {
			list := c.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil)
			if u := list["meta"].(map[string]any)["url"].(string); !strings.HasPrefix(u, "https://chat.example.com/v2/Services") {
				t.Errorf("meta.url = %q, want CHATD_PUBLIC_URL's host", u)
			}
		},
	}, {
		name: "CHATD_TLS_SELF_SIGNED=1 serves HTTPS",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_TLS_SELF_SIGNED=1"} },
		check: func(t *testing.T, c *chatd, _ string) {
			if !strings.HasPrefix(c.ready.URL, "https://") || c.ready.CACert == "" {
				t.Errorf("ready line %+v, want HTTPS with a certificate", c.ready)
			}
			c.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil)
		},
	}, {
		name: "CHATD_LOG_FORMAT=json logs a JSON line per request",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_LOG_FORMAT=json"} },
		check: func(t *testing.T, c *chatd, _ string) {
			resp := c.api.Do(t, http.MethodGet, "/v2/Services?PageSize=5", nil)
			id := resp.Header.Get("Twilio-Request-Id")
			c.stop(t)
			var found bool
			sc := bufio.NewScanner(strings.NewReader(c.stderr.String()))
			for sc.Scan() {
				var line map[string]any
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Errorf("log line %q is not JSON: %v", sc.Text(), err)
					continue
				}
				if line["msg"] != "request" || line["request_id"] != id {
					continue
				}
				found = true
				if line["method"] != "GET" || line["route"] != "/v2/Services" || line["status"] != float64(200) {
					t.Errorf("request line %s, want GET /v2/Services 200", sc.Text())
				}
				if d, ok := line["duration"].(float64); !ok || d <= 0 {
					t.Errorf("request line %s, want a duration", sc.Text())
				}
			}
			if !found || !strings.HasPrefix(id, "RQ") {
				t.Errorf("no request line with request_id %q in:\n%s", id, c.stderr)
			}
		},
	}, {
		name: "--log-format text wins over CHATD_LOG_FORMAT=json",
		args: func(string) []string { return args(listen, []string{"--ephemeral", "--log-format", "text"}) },
		env:  func(string) []string { return []string{"CHATD_LOG_FORMAT=json"} },
		check: func(t *testing.T, c *chatd, _ string) {
			resp := c.api.Do(t, http.MethodGet, "/v2/Services", nil)
			c.stop(t)
			want := "msg=request method=GET route=/v2/Services status=200 duration="
			if logs := c.stderr.String(); !strings.Contains(logs, want) || !strings.Contains(logs, "request_id="+resp.Header.Get("Twilio-Request-Id")) ||
				strings.HasPrefix(logs, "{") {
				t.Errorf("logs, want text lines with %q:\n%s", want, logs)
			}
		},
	}, {
		name: "CHATD_LOG_LEVEL=warn leaves out request lines",
		args: func(string) []string { return args(listen, []string{"--ephemeral"}) },
		env:  func(string) []string { return []string{"CHATD_LOG_LEVEL=warn"} },
		check: func(t *testing.T, c *chatd, _ string) {
			c.api.Must(t, http.StatusOK, http.MethodGet, "/v2/Services", nil)
			c.stop(t)
			if logs := c.stderr.String(); strings.Contains(logs, "msg=request") {
				t.Errorf("logs at warn hold request lines:\n%s", logs)
			}
		},
	}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := start(t, c.args(dir), c.env(dir)...)
			if c.check != nil {
				c.check(t, p, dir)
			}
			select {
			case <-p.exited: // the check stopped it
			default:
				p.stop(t)
			}
		})
	}
}

// TestE2EEveryFlagHasAnEnvironmentDefault reads the usage of chatd serve:
// it exits 0, and every flag names its CHATD_* variable.
func TestE2EEveryFlagHasAnEnvironmentDefault(t *testing.T) {
	t.Parallel()
	r := runChatd(t, []string{"serve", "--help"})
	if r.code != 0 {
		t.Errorf("serve --help exited %d, want 0", r.code)
	}
	flagLine := regexp.MustCompile(`^  -([a-z-]+)`)
	var flags []string
	lines := strings.Split(r.stderr, "\n")
	for i, line := range lines {
		m := flagLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		flags = append(flags, m[1])
		// The usage is on the flag's line or the next.
		usage := line
		if i+1 < len(lines) {
			usage += lines[i+1]
		}
		want := "[CHATD_" + strings.ToUpper(strings.ReplaceAll(m[1], "-", "_")) + "]"
		if !strings.Contains(usage, want) {
			t.Errorf("flag --%s: usage %q does not name %s", m[1], usage, want)
		}
	}
	for _, f := range []string{"addr", "db", "ephemeral", "seed", "account-sid", "auth-token", "api-key-sid", "api-key-secret",
		"public-url", "tls-cert", "tls-key", "tls-self-signed", "log-format", "log-level"} {
		if !slices.Contains(flags, f) {
			t.Errorf("serve --help does not list --%s (it lists %v)", f, flags)
		}
	}
}

// TestE2EBadStart checks that a bad configuration stops chatd before it
// serves: a message naming the problem on stderr, no ready line, exit 1.
func TestE2EBadStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certPath, keyPath := testenv.WriteCert(t, dir)
	_, otherKey := testenv.WriteCert(t, t.TempDir())
	unknownField := filepath.Join(dir, "unknown.json")
	badRule := filepath.Join(dir, "rule.json")
	for path, js := range map[string]string{
		unknownField: `{"services": [{"friendly_name": "a", "frendly_name": "b"}]}`,
		badRule:      `{"services": [{"sid": "IS00000000000000000000000000000001", "friendly_name": "a", "channels": [{"unique_name": "x"}, {"unique_name": "x"}]}]}`,
	} {
		if err := os.WriteFile(path, []byte(js), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // after the parallel subtests
	// db stands for a file of the subtest's own.
	db := []string{"--db", "{db}"}

	for _, c := range []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"an unknown log level", args(listen, db, []string{"--log-level", "loud"}), nil, `--log-level must be debug, info, warn or error, not "loud"`},
		{"an unknown log format from the environment", args(listen, db), []string{"CHATD_LOG_FORMAT=xml"}, `--log-format must be text or json, not "xml"`},
		{"--tls-cert without --tls-key", args(listen, db, []string{"--tls-cert", certPath}), nil, "--tls-cert and --tls-key go together"},
		{"--tls-cert with --tls-self-signed", args(listen, db, []string{"--tls-cert", certPath, "--tls-key", keyPath, "--tls-self-signed"}), nil, "exclude each other"},
		{"a key that is not the certificate's", args(listen, db, []string{"--tls-cert", certPath, "--tls-key", otherKey}), nil, "tls: private key does not match public key"},
		{"a missing certificate file", args(listen, db, []string{"--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", keyPath}), nil, "--tls-cert: stat " + filepath.Join(dir, "none.pem")},
		{"CHATD_EPHEMERAL=maybe", args(listen, db), []string{"CHATD_EPHEMERAL=maybe"}, `CHATD_EPHEMERAL="maybe" is not a boolean`},
		{"CHATD_TLS_SELF_SIGNED=sometimes", args(listen, db), []string{"CHATD_TLS_SELF_SIGNED=sometimes"}, `CHATD_TLS_SELF_SIGNED="sometimes" is not a boolean`},
		{"a missing seed file", args(listen, db, []string{"--seed", filepath.Join(dir, "missing.json")}), nil, "--seed: stat " + filepath.Join(dir, "missing.json")},
		{"a seed with an unknown field", args(listen, db, []string{"--seed", unknownField}), nil, `seed: json: unknown field "frendly_name"`},
		{"a seed that breaks a rule", args(listen, []string{"--ephemeral", "--seed", badRule}), nil, `seed: service "IS00000000000000000000000000000001": channel x`},
		{"an account SID without a token", args(listen, db, []string{"--account-sid", "AC" + strings.Repeat("1", 32)}), nil, "--account-sid and --auth-token go together"},
		{"a public URL that is not one", args(listen, db), []string{"CHATD_PUBLIC_URL=chat.example.com"}, `--public-url "chat.example.com" is not an http(s) URL`},
		{"an unknown flag", args(listen, db, []string{"--nope"}), nil, "flag provided but not defined: -nope"},
		{"an extra argument", args([]string{"serve"}, listen, db, []string{"extra"}), nil, "unexpected arguments: extra"},
		{"an address in use", args([]string{"--addr", busy.Addr().String()}, db), nil, "address already in use"},
		{"a file in a missing directory", args(listen, []string{"--db", filepath.Join(dir, "none", "chatd.db")}), nil, filepath.Join(dir, "none", "chatd.db")},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			own := filepath.Join(t.TempDir(), "chatd.db")
			for i, a := range c.args {
				if a == "{db}" {
					c.args[i] = own
				}
			}
			r := runChatd(t, c.args, c.env...)
			if r.code != 1 || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
				t.Errorf("chatd %v %v: exit %d, stdout %q, stderr:\n%s\nwant exit 1, no ready line, and %q", c.args, c.env, r.code, r.stdout, r.stderr, c.want)
			}
		})
	}
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

func TestE2ECommands(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name         string
		args         []string
		code         int
		stdout       string // a pattern
		stderrSubstr string
	}{
		{"version prints the version", []string{"version"}, 0, `^chatd \S+\n$`, ""},
		{"an unknown command fails", []string{"frobnicate"}, 1, `^$`, `unknown command "frobnicate"`},
		{"backup without --out fails", []string{"backup", "--url", "http://127.0.0.1:1"}, 1, `^$`, "--out is required"},
		{"backup with both --url and --db fails", []string{"backup", "--url", "http://127.0.0.1:1", "--db", "x.db", "--out", "y.db"}, 1, `^$`, "one of them"},
		{"healthcheck with an unknown flag fails", []string{"healthcheck", "--nope"}, 1, `^$`, "flag provided but not defined: -nope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runChatd(t, c.args)
			if r.code != c.code || !regexp.MustCompile(c.stdout).MatchString(r.stdout) || !strings.Contains(r.stderr, c.stderrSubstr) {
				t.Errorf("chatd %v: exit %d, stdout %q, stderr %q; want exit %d, stdout like %s, stderr with %q",
					c.args, r.code, r.stdout, r.stderr, c.code, c.stdout, c.stderrSubstr)
			}
		})
	}
}
