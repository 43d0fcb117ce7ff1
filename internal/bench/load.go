package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// op is one kind of request of the load.
type op int

const (
	opSend    op = iota // POST …/Channels/{CH}/Messages
	opPage              // GET …/Channels/{CH}/Messages?PageSize=50&Order=desc
	opChannel           // GET …/Channels/{CH}
	numOps
)

func (o op) String() string { return [...]string{"send", "page", "channel"}[o] }

// load is a run's traffic: the path of each operation on each Channel,
// the message sent, and the live counts of the phase running.
type load struct {
	cfg     Config
	c       *client
	sends   []string
	pages   []string
	fetches []string
	message []byte // the url-encoded form of a send

	done, failed atomic.Int64
}

func newLoad(cfg Config, c *client, svc string, chans []string) *load {
	l := &load{cfg: cfg, c: c}
	for _, ch := range chans {
		p := channelPath(svc, ch)
		l.sends = append(l.sends, p+"/Messages")
		l.pages = append(l.pages, p+"/Messages?PageSize="+strconv.Itoa(PageSize)+"&Order=desc")
		l.fetches = append(l.fetches, p)
	}
	const text = "The quick brown fox jumps over the lazy dog. "
	body := strings.Repeat(text, cfg.BodySize/len(text)+1)[:cfg.BodySize]
	l.message = []byte(url.Values{"Body": {body}, "From": {"chatd-bench"}}.Encode())
	return l
}

// run loads chatd for d with cfg.Clients clients, reporting progress to p,
// and returns their merged tally and the time from the start to the last
// answer. Requests in flight at the deadline are waited for and counted.
func (l *load) run(ctx context.Context, phase string, d time.Duration, p *progress) (*tally, time.Duration) {
	l.done.Store(0)
	l.failed.Store(0)
	tallies := make([]tally, l.cfg.Clients)
	start := time.Now()
	stop := p.follow(phase, start, d, &l.done, &l.failed)
	var wg sync.WaitGroup
	for i := range tallies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.client(ctx, i, start.Add(d), &tallies[i])
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	stop()
	var total tally
	for i := range tallies {
		total.merge(&tallies[i])
	}
	return &total, elapsed
}

// client is the loop of client n: one request after the other until the
// deadline. Clients start at different points of the scenario's cycle and
// of the Channels, so that they spread over both.
func (l *load) client(ctx context.Context, n int, deadline time.Time, t *tally) {
	var next [numOps]int // the Channel each operation goes to next
	for i := n; ctx.Err() == nil && time.Now().Before(deadline); i++ {
		o := l.cfg.Scenario.op(i)
		ch := (n + next[o]) % len(l.sends)
		next[o]++
		method, path, form := http.MethodGet, l.fetches[ch], []byte(nil)
		switch o {
		case opSend:
			method, path, form = http.MethodPost, l.sends[ch], l.message
		case opPage:
			path = l.pages[ch]
		}
		start := time.Now()
		status, body, err := l.c.do(ctx, method, path, form, false)
		latency := time.Since(start)
		if ctx.Err() != nil {
			return // interrupted: this answer says nothing about chatd
		}
		l.done.Add(1)
		if err == nil && status >= 200 && status <= 299 {
			t.ok[o].record(latency)
			continue
		}
		l.failed.Add(1)
		t.fail(o, method+" "+path, status, body, err)
	}
}

// Bounds of what a tally keeps of failures.
const (
	maxSamples   = 3  // failures described in full
	maxErrorKeys = 50 // distinct kinds of failure; more count as "other"
)

// tally is what one client, or all of them merged, measured.
type tally struct {
	ok      [numOps]histogram // latencies of the 2xx answers
	failed  [numOps]int64     // other answers and transport errors
	errors  map[string]int64  // failures by kind (see failure)
	samples []string          // the first failures
}

func (t *tally) fail(o op, request string, status int, body []byte, err error) {
	t.failed[o]++
	kind, sample := failure(request, status, body, err)
	if t.errors == nil {
		t.errors = make(map[string]int64)
	}
	if _, seen := t.errors[kind]; !seen && len(t.errors) >= maxErrorKeys {
		kind = "other"
	}
	t.errors[kind]++
	if len(t.samples) < maxSamples {
		t.samples = append(t.samples, sample)
	}
}

func (t *tally) merge(o *tally) {
	for i := range t.ok {
		t.ok[i].merge(&o.ok[i])
		t.failed[i] += o.failed[i]
	}
	for kind, n := range o.errors {
		if t.errors == nil {
			t.errors = make(map[string]int64)
		}
		t.errors[kind] += n
	}
	for _, s := range o.samples {
		if len(t.samples) < maxSamples {
			t.samples = append(t.samples, s)
		}
	}
}

// failure returns the kind a failed request counts as, the status and
// Twilio's error code ("429 20429", or "502" when the body has no code) or
// the transport's error ("transport: timeout"), and a line describing it.
func failure(request string, status int, body []byte, err error) (kind, line string) {
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which the line has
		}
		line = request + ": " + err.Error()
		var ne net.Error
		var oe *net.OpError
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return "transport: timeout", line
		case errors.As(err, &oe):
			return "transport: " + oe.Err.Error(), line // without the addresses and ports
		}
		return "transport: " + err.Error(), line
	}
	kind = strconv.Itoa(status)
	var se *statusError
	if errors.As(answerError(status, body), &se) && se.code != 0 {
		kind += " " + strconv.Itoa(se.code)
	}
	return kind, fmt.Sprintf("%s: %d %s", request, status, snippet(body))
}

// progress reports what a run does on a writer, stderr for chatd bench.
type progress struct {
	w    io.Writer
	live bool // rewrite the rate line in place
}

func (p *progress) printf(format string, args ...any) {
	fmt.Fprintf(p.w, "chatd bench: "+format+"\n", args...)
}

// follow reports a phase's request count, rate over the last second and
// errors once a second, and a last time, with the phase's average rate,
// when stop is called.
func (p *progress) follow(phase string, start time.Time, d time.Duration, done, failed *atomic.Int64) (stop func()) {
	line := func(now time.Time, state string, n int64, rate float64) {
		s := fmt.Sprintf("chatd bench: %-7s %5.1fs %-8s %9d requests %8.0f req/s %6d errors",
			phase, now.Sub(start).Seconds(), state, n, rate, failed.Load())
		if p.live {
			fmt.Fprintf(p.w, "\r%s\x1b[K", s) // \x1b[K clears what a longer line left
		} else {
			fmt.Fprintln(p.w, s)
		}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last, lastAt := int64(0), start
		for {
			select {
			case now := <-tick.C:
				n := done.Load()
				line(now, "of "+d.String(), n, float64(n-last)/now.Sub(lastAt).Seconds())
				last, lastAt = n, now
			case <-quit:
				now, n := time.Now(), done.Load()
				line(now, "done", n, float64(n)/now.Sub(start).Seconds())
				if p.live {
					fmt.Fprintln(p.w)
				}
				return
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}
