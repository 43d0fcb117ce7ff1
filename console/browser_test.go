package console_test

// The console in a real browser: headless Chromium, driven over the
// DevTools protocol. It runs wherever Chromium is installed (Debian's
// chromium package; .ci/run installs it), and must run under CI.

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/chatd/chatd/internal/testenv"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts a headless Chromium with a fresh profile for the test
// and returns the context of its first tab. Without Chromium the test is
// skipped, unless under CI, where it fails.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no Chromium at %s (apt-get install chromium): %v", chromiumPath, err)
		}
		t.Fatalf("no Chromium at %s under CI: %v", chromiumPath, err)
	}
	// A fresh profile, removed once the browser is gone: its last
	// processes may still write to it for a moment after it is told to
	// stop, so the removal is tried until it holds.
	profile, err := os.MkdirTemp("", "chatd-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1200, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
		for try := 0; ; try++ {
			err := os.RemoveAll(profile)
			if err == nil {
				return
			}
			if try == 50 {
				t.Errorf("remove the browser's profile: %v", err)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Run(ctx); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// artifacts is where the screenshots go: $CHATD_ARTIFACTS, or a
// directory of the test's.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CHATD_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestConsoleInABrowser(t *testing.T) {
	ctx := newBrowser(t)
	f := newFixture(t)
	f.sendHooked(t, "alice", "Great, thank you!")
	shots := artifacts(t)
	t.Logf("screenshots in %s", shots)

	// Every request the pages make is noted: none may leave chatd.
	var mu sync.Mutex
	var requested []string
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requested = append(requested, e.Request.URL)
			mu.Unlock()
		}
	})
	// run runs actions, each run bounded so that a page that never shows
	// what is awaited fails the test with what the page shows instead.
	run := func(t *testing.T, actions ...chromedp.Action) {
		t.Helper()
		step, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(step, actions...); err != nil {
			var u, main string
			chromedp.Run(ctx, chromedp.Location(&u), chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &main))
			t.Fatalf("%v\nthe page at %s shows:\n%s", err, u, main)
		}
	}
	screenshot := func(t *testing.T, name string) {
		t.Helper()
		var png []byte
		run(t, chromedp.FullScreenshot(&png, 100))
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := func(t *testing.T, sel string) string {
		t.Helper()
		var s string
		run(t, chromedp.Text(sel, &s, chromedp.ByQuery))
		return s
	}
	location := func(t *testing.T) string {
		t.Helper()
		var u string
		run(t, chromedp.Location(&u))
		return strings.TrimPrefix(u, f.env.URL)
	}

	t.Run("without credentials the console is 401", func(t *testing.T) {
		// Headless Chromium asks no one for credentials: it ends the load
		// with net::ERR_INVALID_AUTH_CREDENTIALS, or shows the 401.
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(f.env.URL+"/_chatd/console/"))
		switch {
		case err != nil && !strings.Contains(err.Error(), "ERR_INVALID_AUTH_CREDENTIALS"):
			t.Fatal(err)
		case err == nil && resp.Status != http.StatusUnauthorized:
			t.Errorf("status %d, want 401", resp.Status)
		}
		// A page of chatd's that takes no credentials asks for the
		// console's: 401.
		var status int
		run(t,
			chromedp.Navigate(f.env.URL+"/_chatd/health"),
			chromedp.Evaluate(`fetch("/_chatd/console/", {credentials: "omit"}).then(r => r.status)`, &status, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
				return p.WithAwaitPromise(true)
			}),
		)
		if status != http.StatusUnauthorized {
			t.Errorf("the console answered a page's request without credentials with %d, want 401", status)
		}
	})

	// From here on the browser signs in as a user does: Basic credentials
	// with every request.
	basic := base64.StdEncoding.EncodeToString([]byte(f.env.AccountSid + ":" + f.env.AuthToken))
	run(t, network.Enable(), network.SetExtraHTTPHeaders(network.Headers{"Authorization": "Basic " + basic}))

	t.Run("the Services page, then down to a Channel by its links", func(t *testing.T) {
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(f.env.URL+"/_chatd/console/"))
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("GET the console: %v %v", resp, err)
		}
		if got := text(t, "main table tbody"); !strings.Contains(got, "Acme support") {
			t.Errorf("the Services page shows %q", got)
		}
		screenshot(t, "services")
		run(t, chromedp.Click(`//a[text()="Acme support"]`, chromedp.BySearch), chromedp.WaitVisible(`//h2[text()="Settings"]`, chromedp.BySearch))
		screenshot(t, "service")
		run(t, chromedp.Click(`//a[starts-with(text(),"Channels (")]`, chromedp.BySearch), chromedp.WaitVisible(`//h1[text()="Channels"]`, chromedp.BySearch))
		screenshot(t, "channels")
		run(t, chromedp.Click(`//a[text()="General"]`, chromedp.BySearch), chromedp.WaitVisible(`ol#messages li`, chromedp.ByQuery))
		if got := location(t); got != f.consolePath() {
			t.Errorf("the Channel's page is at %s, want %s", got, f.consolePath())
		}
		if got := text(t, "ol#messages"); !strings.Contains(got, "It left the warehouse") {
			t.Errorf("the messages shown: %q", got)
		}
	})

	t.Run("a message posted through the form appears", func(t *testing.T) {
		run(t,
			chromedp.SetValue(`form.post input[name="From"]`, "carol", chromedp.ByQuery),
			chromedp.SetValue(`form.post textarea[name="Body"]`, "Posted from a real browser", chromedp.ByQuery),
			chromedp.Click(`form.post button[type="submit"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`//ol[@id="messages"]/li[1]//div[@class="body"][text()="Posted from a real browser"]`, chromedp.BySearch),
		)
		if got := text(t, `ol#messages li:first-child .from`); got != "carol" {
			t.Errorf("the newest message is from %q, want carol", got)
		}
		if got := f.messages(t); got[len(got)-1] != "Posted from a real browser" {
			t.Errorf("the stored messages end with %q", got[len(got)-1])
		}
	})

	t.Run("a message sent over REST appears live", func(t *testing.T) {
		before := location(t)
		f.env.Create(t, f.channelPath()+"/Messages", testenv.Form("From", "bob", "Body", "Sent over REST while the page is open"))
		run(t, chromedp.WaitVisible(`//ol[@id="messages"]/li[1]//div[@class="body"][text()="Sent over REST while the page is open"]`, chromedp.BySearch))
		if got := location(t); got != before {
			t.Errorf("the page moved to %s", got)
		}
		var rows int
		run(t, chromedp.Evaluate(`document.querySelectorAll("ol#messages li").length`, &rows))
		if rows != 5 {
			t.Errorf("%d messages shown, want 5 (each once)", rows)
		}
		screenshot(t, "channel")
		if os.Getenv("CHATD_UPDATE_SCREENSHOTS") == "1" {
			var png []byte
			run(t, chromedp.CaptureScreenshot(&png))
			if err := os.WriteFile(filepath.Join("..", "docs", "console.png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("a webhook delivery's details", func(t *testing.T) {
		f.settle(t)
		run(t,
			chromedp.Click(`//header//a[text()="Deliveries"]`, chromedp.BySearch),
			chromedp.WaitVisible(`table.deliveries`, chromedp.ByQuery),
		)
		screenshot(t, "deliveries")
		// The newest delivery is that of the form's message.
		run(t,
			chromedp.Click(`table.deliveries tbody tr:first-child td:nth-child(3) a`, chromedp.ByQuery),
			chromedp.WaitVisible(`section.attempt`, chromedp.ByQuery),
		)
		if got := text(t, "main"); !strings.Contains(got, "Posted from a real browser") || !strings.Contains(got, "onMessageSent") {
			t.Errorf("the delivery page shows %q", got)
		}
		if got := text(t, "section.attempt pre.response"); got != receiverAnswer {
			t.Errorf("the answer shown is %q, want %q", got, receiverAnswer)
		}
		if got := text(t, "section.attempt .signature"); len(got) < 20 {
			t.Errorf("the signature shown is %q", got)
		}
		screenshot(t, "delivery")
		// The back button goes back along real links (the page may come
		// back from the browser's cache, without a load event to wait for).
		run(t, chromedp.ActionFunc(func(ctx context.Context) error {
			cur, entries, err := page.GetNavigationHistory().Do(ctx)
			if err != nil {
				return err
			}
			return page.NavigateToHistoryEntry(entries[cur-1].ID).Do(ctx)
		}))
		for deadline := time.Now().Add(30 * time.Second); location(t) != "/_chatd/console/deliveries"; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("back went to %s", location(t))
			}
		}
		// (Read by a script: the page may be restored without the DOM
		// events chromedp's queries follow.)
		var listed bool
		run(t, chromedp.Evaluate(`document.querySelector("table.deliveries tbody tr") !== null`, &listed))
		if !listed {
			t.Error("the deliveries page came back without its list")
		}
	})

	t.Run("the other main pages", func(t *testing.T) {
		s := "/_chatd/console/services/" + f.service
		pages := []struct{ name, path, heading string }{
			{"users", s + "/users", "Users"},
			{"roles", s + "/roles", "Roles"},
			{"reset", "/_chatd/console/reset", "Reset"},
		}
		if testenv.DefaultStore(t) == "bolt" { // only a bbolt file copies itself
			pages = append(pages, struct{ name, path, heading string }{"snapshot", "/_chatd/console/snapshot", "Snapshot"})
		}
		for _, p := range pages {
			run(t, chromedp.Navigate(f.env.URL+p.path), chromedp.WaitVisible(`//h1[text()="`+p.heading+`"]`, chromedp.BySearch))
			screenshot(t, p.name)
		}
	})

	t.Run("a narrow screen needs no sideways scrolling", func(t *testing.T) {
		for _, path := range []string{f.consolePath(), "/_chatd/console/deliveries", "/_chatd/console/deliveries/1"} {
			var fits bool
			run(t,
				chromedp.EmulateViewport(390, 844),
				chromedp.Navigate(f.env.URL+path),
				chromedp.WaitVisible("main", chromedp.ByQuery),
				chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fits),
			)
			if !fits {
				t.Errorf("%s is wider than a phone", path)
			}
		}
		run(t, chromedp.Navigate(f.env.URL+f.consolePath()), chromedp.WaitVisible("main", chromedp.ByQuery))
		screenshot(t, "channel-narrow")
	})

	mu.Lock()
	defer mu.Unlock()
	for _, u := range requested {
		if !strings.HasPrefix(u, f.env.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("a page requested %s, outside chatd", u)
		}
	}
}
