package chat

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/postgres"
)

// engine is a storage engine the rules are tested over.
type engine struct {
	name string
	// open returns a new, empty store whose transactions read the time
	// from now; the test closes it.
	open func(t *testing.T, now func() time.Time) model.Store
}

// engines are every storage engine the rules tests run over, each test
// once per engine as a subtest named after it. An engine joins by adding
// its entry here; one that needs a server skips in open when none is
// configured.
var engines = []engine{
	{"bolt", func(t *testing.T, now func() time.Time) model.Store {
		st, err := bolt.Open(filepath.Join(t.TempDir(), "chatd.db"), bolt.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}},
	{"postgres", func(t *testing.T, now func() time.Time) model.Store {
		st, err := postgres.Open(context.Background(), pgtest.New(t), postgres.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}},
}

// TestMain runs the tests with a PostgreSQL server for the postgres engine,
// started on its first use.
func TestMain(m *testing.M) { pgtest.Main(m) }

// onEngines runs test once per engine.
func onEngines(t *testing.T, test func(t *testing.T, e engine)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, e) })
	}
}

// testAccount is the AccountSid of every Chat under test, and noService a
// Service SID that no test creates.
var (
	testAccount = "AC" + strings.Repeat("0", 32)
	noService   = model.PrefixService + strings.Repeat("f", 32)
)

// rig is a Chat over a fresh store of one engine, with a clock the test
// moves and a count of the sender's wakes.
type rig struct {
	*Chat
	store model.Store
	clock *clock
	wakes atomic.Int64
}

// rig opens a fresh store of e and a Chat over it; the store is closed when
// the test ends.
func (e engine) rig(t *testing.T) *rig {
	t.Helper()
	r := &rig{clock: &clock{now: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}}
	r.store = e.open(t, r.clock.Now)
	t.Cleanup(func() {
		if err := r.store.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	r.Chat = New(r.store, Options{AccountSid: testAccount, Wake: func() { r.wakes.Add(1) }})
	return r
}

// clock is a test clock: whole seconds in UTC, moved by the test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// advance moves the clock on by d and returns the new time.
func (c *clock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// noErr fails the test on err.
func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode fails unless err is the Twilio error with code.
func wantCode(t *testing.T, what string, err error, code int) {
	t.Helper()
	var e *model.Error
	if !errors.As(err, &e) || int(e.Code) != code {
		t.Errorf("%s: err = %v, want Twilio error %d", what, err, code)
	}
}

// service creates a Service with Twilio's defaults.
func (r *rig) service(t *testing.T) *model.Service {
	t.Helper()
	s, err := r.CreateService(t.Context(), model.ServiceCreate{FriendlyName: "test"})
	noErr(t, err)
	return s
}

// channel creates a public Channel in service.
func (r *rig) channel(t *testing.T, service string) *model.Channel {
	t.Helper()
	ch, err := r.CreateChannel(t.Context(), service, model.ChannelCreate{})
	noErr(t, err)
	return ch
}

// member adds identity to channel.
func (r *rig) member(t *testing.T, service, channel, identity string) *model.Member {
	t.Helper()
	m, err := r.CreateMember(t.Context(), service, channel, model.MemberCreate{Identity: identity})
	noErr(t, err)
	return m
}

// message sends body to channel.
func (r *rig) message(t *testing.T, service, channel, body string) *model.Message {
	t.Helper()
	m, err := r.CreateMessage(t.Context(), service, channel, model.MessageCreate{Body: &body})
	noErr(t, err)
	return m
}
