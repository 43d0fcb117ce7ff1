package main

// chatd on a PostgreSQL primary with a synchronous standby, losing the
// primary under load.

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/internal/testenv"
)

// Sizes of the failover test.
const (
	failoverClients  = 64
	failoverChannels = 16
	failoverCycles   = 2   // primaries lost, one after the other
	ackedBeforeKill  = 200 // acknowledged writes in a cycle before its kill
)

// TestE2EFailover runs chatd on a primary and a synchronous standby, with
// both in its connection string (target_session_attrs=read-write), while
// 64 clients send messages and add Members. Each cycle kills the
// primary's postmaster (SIGKILL) mid-load, checks that chatd answers 503
// with Twilio's error body while no database takes writes, promotes the
// standby (pg_ctl promote), and lets each client send until it is
// answered 2xx again; the next cycle first makes the lost node a standby
// again. Then, on the last primary: every acknowledged message and Member
// is there exactly once, each Channel's indexes are 0..n-1, and the
// counts (messages_count, members_count, joined_channels_count) equal
// what is listed. Answers other than 2xx must all have been that 503.
// Writes that were not acknowledged may or may not be there.
func TestE2EFailover(t *testing.T) {
	binary(t)
	cluster := pgtest.NewCluster(t)
	c := start(t, args(listen, []string{"--log-level", "warn"}), "CHATD_DB="+cluster.DSN())
	service := c.api.NewService(t)
	load := &failoverLoad{c: c, service: service, client: &http.Client{Timeout: processTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: failoverClients}}}
	for i := range failoverChannels {
		ch := c.api.Create(t, service+"/Channels", testenv.Form("UniqueName", fmt.Sprint("failover-", i)))
		load.channels = append(load.channels, service+"/Channels/"+ch["sid"].(string))
	}

	for cycle := range failoverCycles {
		if cycle > 0 {
			cluster.Rejoin(t)
		}
		began := time.Now()
		load.run(t, cycle, func() {
			cluster.KillPrimary(t)
			killed := time.Now()
			if r := c.api.DoAuth(t, http.MethodGet, "/_chatd/health", nil, "", ""); r.Status != http.StatusServiceUnavailable {
				t.Errorf("cycle %d: health with no primary = %d %s, want 503", cycle, r.Status, r.Raw)
			} else {
				testenv.WantError(t, r, http.StatusServiceUnavailable, 20503)
			}
			if r := post(load.client, c, load.channels[0]+"/Messages", testenv.Form("Body", "no primary")); !r.twilioError(http.StatusServiceUnavailable, 20503) {
				t.Errorf("cycle %d: a send with no primary got %d %s (%v), want 503 with Twilio's error 20503", cycle, r.status, r.raw, r.err)
			}
			cluster.Promote(t)
			t.Logf("cycle %d: primary killed after %v of load, standby promoted %v later", cycle, killed.Sub(began), time.Since(killed))
		})
		if r := c.api.DoAuth(t, http.MethodGet, "/_chatd/health", nil, "", ""); r.Status != http.StatusOK {
			t.Errorf("cycle %d: health after the promotion = %d %s, want 200", cycle, r.Status, r.Raw)
		}
	}
	if t.Failed() {
		return
	}
	load.check(t)
}

// failoverLoad is the clients of TestE2EFailover and what they were
// answered.
type failoverLoad struct {
	c        *chatd
	client   *http.Client
	service  string          // the Service path
	channels []string        // Channel paths
	writes   []failoverWrite // acknowledged, over every cycle
	failed   int             // answers other than 2xx
}

// failoverWrite is one acknowledged write: a message (its body) or a
// Member (its identity), with the SID it was answered with.
type failoverWrite struct {
	channel int
	member  bool
	key     string
	sid     string
}

// run runs one cycle of the load: 64 clients send to the Channels (a
// message, or every fifth time a Member with a new identity) until
// ackedBeforeKill writes are acknowledged; then lose runs, while they go
// on; after it each client sends until a request it began after lose
// ended is acknowledged. Every key is new, so that a write sent again
// after a failure cannot be taken for the first.
func (l *failoverLoad) run(t *testing.T, cycle int, lose func()) {
	var (
		acked     atomic.Int64
		recovered atomic.Bool
		enough    = make(chan struct{})
		stop      = make(chan struct{}) // the test gave up
		wg        sync.WaitGroup
		mu        sync.Mutex
		bad       []string
		slowest   time.Duration // of the answers other than 2xx
	)
	defer close(stop)
	for w := range failoverClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch := w % failoverChannels
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				after := recovered.Load()
				write := failoverWrite{channel: ch, member: i%5 == 4, key: fmt.Sprintf("cycle %d client %d write %d", cycle, w, i)}
				var r answer
				sent := time.Now()
				if write.member {
					r = post(l.client, l.c, l.channels[ch]+"/Members", testenv.Form("Identity", write.key))
				} else {
					r = post(l.client, l.c, l.channels[ch]+"/Messages", testenv.Form("Body", write.key))
				}
				if r.err == nil && r.status == http.StatusCreated {
					write.sid, _ = r.body["sid"].(string)
					mu.Lock()
					l.writes = append(l.writes, write)
					mu.Unlock()
					if acked.Add(1) == ackedBeforeKill {
						close(enough)
					}
					if after {
						return
					}
					continue
				}
				mu.Lock()
				l.failed++
				slowest = max(slowest, time.Since(sent))
				if !r.twilioError(http.StatusServiceUnavailable, 20503) {
					bad = append(bad, fmt.Sprintf("%s: %d %s (%v)", write.key, r.status, r.raw, r.err))
				}
				mu.Unlock()
				time.Sleep(10 * time.Millisecond) // as a client backs off
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-enough:
	case <-time.After(processTimeout):
		t.Fatalf("cycle %d: %d writes acknowledged in %v, want %d before the kill", cycle, acked.Load(), processTimeout, ackedBeforeKill)
	}
	lose()
	recovered.Store(true)
	select {
	case <-done:
	case <-time.After(processTimeout):
		t.Fatalf("cycle %d: some clients got no 2xx in %v after the promotion", cycle, processTimeout)
	}
	for i, b := range bad {
		if i == 5 {
			t.Errorf("cycle %d: %d more answered so", cycle, len(bad)-i)
			break
		}
		t.Errorf("cycle %d: answered other than 201 or 503 with Twilio's error 20503: %s", cycle, b)
	}
	t.Logf("cycle %d: %d writes acknowledged; %d answers other than 2xx so far, the slowest in %v", cycle, acked.Load(), l.failed, slowest)
}

// check reads every Channel, its Messages and Members, and every User
// through chatd on the last primary, and holds them against the
// acknowledged writes.
func (l *failoverLoad) check(t *testing.T) {
	api := l.c.api
	joined := map[string]int{} // Channels by identity, as their Members lists say
	found := map[string]int{}  // each key listed, how many times
	sids := map[string]string{}
	extra := 0
	for i, path := range l.channels {
		msgs := api.Walk(t, path+"/Messages?PageSize=100")
		for k, m := range msgs {
			if m["index"] != float64(k) {
				t.Fatalf("Channel %d: message %d of the list has index %v: indexes are not 0..n-1", i, k, m["index"])
			}
			key := fmt.Sprint(i, " message ", m["body"])
			found[key]++
			sids[key] = m["sid"].(string)
		}
		members := api.Walk(t, path+"/Members?PageSize=100")
		for _, m := range members {
			identity := m["identity"].(string)
			joined[identity]++
			key := fmt.Sprint(i, " member ", identity)
			found[key]++
			sids[key] = m["sid"].(string)
		}
		ch := api.Get(t, path)
		if ch["messages_count"] != float64(len(msgs)) || ch["members_count"] != float64(len(members)) {
			t.Errorf("Channel %d counts %v messages and %v members; %d and %d are listed",
				i, ch["messages_count"], ch["members_count"], len(msgs), len(members))
		}
		extra += len(msgs) + len(members)
	}
	for _, w := range l.writes {
		kind := "message"
		if w.member {
			kind = "member"
		}
		key := fmt.Sprint(w.channel, " ", kind, " ", w.key)
		switch {
		case found[key] != 1:
			t.Errorf("acknowledged %s %q of Channel %d is listed %d times, want once", kind, w.key, w.channel, found[key])
		case sids[key] != w.sid:
			t.Errorf("acknowledged %s %q is listed as %s, but was answered with %s", kind, w.key, sids[key], w.sid)
		}
	}
	extra -= len(l.writes)
	users := api.Walk(t, l.service+"/Users?PageSize=100")
	for _, u := range users {
		if identity := u["identity"].(string); u["joined_channels_count"] != float64(joined[identity]) {
			t.Errorf("User %s counts %v joined Channels, but is a Member of %d", identity, u["joined_channels_count"], joined[identity])
		}
	}
	t.Logf("%d writes acknowledged, all present once; %d answers other than 2xx; %d writes present that were not acknowledged", len(l.writes), l.failed, extra)
}
