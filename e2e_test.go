package main

// End-to-end tests of the real chatd binary, built once by TestMain and run
// as a user or a test harness in another language runs it: flags and their
// CHATD_* environment defaults, the ready line on stdout, the /_chatd/
// routes, the healthcheck, backup and version commands, TLS, SIGTERM and
// exit codes. The tests are named TestE2E…; each chatd gets free ports and
// temporary files of its own, so they run in parallel. This file starts
// and drives the processes; the tests are in the e2e_*_test.go files.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/internal/speccheck"
	"github.com/chatd/chatd/internal/testenv"
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
// the tests (with the PostgreSQL server of pgtest, started on first use)
// and removes the directory.
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
	return pgtest.Run(m)
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
