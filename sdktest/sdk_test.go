// Package sdktest runs the unmodified twilio-chat JavaScript SDK (6.0.0,
// the npm build and the browser build) against the chatd binary: the
// scenarios are a Node test suite in test/, this Go test builds chatd,
// starts it and runs them.
package sdktest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// suiteTimeout bounds the whole Node run: a guard against a hung suite,
// not a measure of speed.
const suiteTimeout = 8 * time.Minute

// TestSDK runs node --test on every scenario file against one chatd
// started with --ephemeral. Without Node it skips, unless CI is set;
// without the packages of package-lock.json it installs them (npm ci),
// unless CI is set, where .ci/run must have done it.
func TestSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("sdktest: skipped with -short")
	}
	ci := os.Getenv("CI") != ""
	node, err := exec.LookPath("node")
	if err != nil {
		if ci {
			t.Fatalf("sdktest: CI is set and there is no node on PATH: %v", err)
		}
		t.Skipf("sdktest: no node on PATH (%v); install Node.js to run the SDK suite", err)
	}
	ensurePackages(t, ci)

	bin := buildChatd(t)
	srv := startChatd(t, bin)

	files, err := filepath.Glob(filepath.Join("test", "*.test.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("sdktest: no scenario files in test/ (%v)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
	defer cancel()
	args := append([]string{"--test", "--test-force-exit", "--test-reporter=spec", "--test-concurrency=1"}, files...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Env = append(os.Environ(),
		"SDKTEST_URL="+srv.URL,
		"SDKTEST_ACCOUNT_SID="+srv.AccountSid,
		"SDKTEST_AUTH_TOKEN="+srv.AuthToken,
		"SDKTEST_CHATD="+bin,
		"NO_COLOR=1",
	)
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start).Round(time.Second)
	if err != nil {
		t.Fatalf("sdktest: node --test failed after %v (%v):\n%s\n--- chatd's log ---\n%s", took, err, out, srv.log())
	}
	t.Logf("node --test passed in %v:\n%s", took, out)
	srv.stop(t)
}

// ensurePackages makes sure node_modules holds what package-lock.json
// pins.
func ensurePackages(t *testing.T, ci bool) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("node_modules", "twilio-chat", "package.json")); err == nil {
		return
	}
	if ci {
		t.Fatal("sdktest: CI is set and sdktest/node_modules is missing: .ci/run installs it with npm ci --prefix sdktest")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skipf("sdktest: node_modules is missing and there is no npm to install it (%v)", err)
	}
	if out, err := exec.Command(npm, "ci", "--no-audit", "--no-fund").CombinedOutput(); err != nil {
		t.Fatalf("sdktest: npm ci: %v\n%s", err, out)
	}
}

// buildChatd builds the chatd command into a temporary directory, with the
// race detector when this test runs with it.
func buildChatd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chatd")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "github.com/chatd/chatd")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("sdktest: go build: %v\n%s", err, out)
	}
	return bin
}

// server is the chatd the suite runs against.
type server struct {
	URL        string `json:"url"`
	AccountSid string `json:"account_sid"`
	AuthToken  string `json:"auth_token"`

	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
}

func (s *server) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.Write(p)
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// startChatd runs chatd serve on a free loopback port with an ephemeral
// file and reads its ready line.
func startChatd(t *testing.T, bin string) *server {
	t.Helper()
	s := &server{done: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--ephemeral", "--log-level", "debug")
	s.cmd.Stderr = s
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("sdktest: start chatd: %v", err)
	}
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(line, s)
		}
		ready <- err
		s.cmd.Wait()
		close(s.done)
	}()
	select {
	case err := <-ready:
		if err != nil || s.URL == "" {
			t.Fatalf("sdktest: no ready line from chatd (%v):\n%s", err, s.log())
		}
	case <-time.After(time.Minute):
		t.Fatalf("sdktest: chatd did not print its ready line:\n%s", s.log())
	}
	return s
}

// stop ends chatd with SIGTERM: it must exit cleanly, and a chatd built
// with the race detector must have found no race.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		t.Fatalf("sdktest: chatd did not exit after SIGTERM:\n%s", s.log())
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 || strings.Contains(s.log(), "DATA RACE") {
		t.Fatalf("sdktest: chatd exited with %d:\n%s", code, s.log())
	}
}
