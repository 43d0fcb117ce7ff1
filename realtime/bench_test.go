package realtime_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/accesstoken"
	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/twilsock/twilsocktest"
)

// The realtime side as a deployment sees it: the chatd binary, built for
// the run, serves in a process of its own (so that its memory is its own),
// and the clients, twilsocktest sockets acknowledging every frame as the
// SDK does, run in the benchmark's process.
//
//	go test -run '^$' -bench Realtime -benchtime 1000x ./realtime
//
// (The paced runs take b.N/30 seconds each.)
//
// BenchmarkRealtimeSend: an op is one message POSTed over REST by an app's
// server while N sockets subscribed to the Channel's messages list are sent
// it, paced (30 a second, Twilio's limit on one Channel) or in a flood
// (back to back); delivery latency runs from the start of the POST to each
// socket's receipt. BenchmarkRealtimeConnected: an op is one more client connecting
// as the SDK starts (init, Configuration, the roots of its two maps, one
// subscription batch); chatd's resident memory is reported for all of them.

const (
	benchKeySid    = "SK00000000000000000000000000000002"
	benchKeySecret = "benchsecret0123456789"
)

var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// TestMain runs the tests with a PostgreSQL server for those that use one
// (started on first use), and removes the chatd a benchmark built.
func TestMain(m *testing.M) {
	code := pgtest.Run(m)
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// chatdProcess is a running chatd binary.
type chatdProcess struct {
	cmd                           *exec.Cmd
	url, accountSid, authToken    string
	http                          *http.Client
	service, svc, channel, sender string
}

// startChatd builds chatd (once per run) and starts it on an ephemeral
// file, stopped when b ends.
func startChatd(b *testing.B) *chatdProcess {
	b.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "chatd-bench-")
		if err != nil {
			built.err = err
			return
		}
		built.dir, built.bin = dir, filepath.Join(dir, "chatd")
		out, err := exec.Command("go", "build", "-o", built.bin, "github.com/chatd/chatd").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		b.Skip(built.err)
	}
	cmd := exec.Command(built.bin, "serve", "--ephemeral", "--addr", "127.0.0.1:0", "--log-level", "error",
		"--api-key-sid", benchKeySid, "--api-key-secret", benchKeySecret, "--max-connections", "8192")
	cmd.Env = append(os.Environ(), "TMPDIR="+b.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		b.Fatalf("chatd printed no ready line: %v", err)
	}
	var ready struct {
		URL        string `json:"url"`
		AccountSid string `json:"account_sid"`
		AuthToken  string `json:"auth_token"`
	}
	if err := json.Unmarshal(line, &ready); err != nil {
		b.Fatalf("ready line %q: %v", line, err)
	}
	go io.Copy(io.Discard, stdout)
	p := &chatdProcess{cmd: cmd, url: ready.URL, accountSid: ready.AccountSid, authToken: ready.AuthToken,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	p.service = p.post(b, "/v2/Services", url.Values{"FriendlyName": {"bench"}})["sid"].(string)
	p.svc = "/v2/Services/" + p.service
	p.channel = p.post(b, p.svc+"/Channels", nil)["sid"].(string)
	p.sender = "app-server"
	return p
}

// post sends a REST POST with the account's credentials; it must succeed.
func (p *chatdProcess) post(b *testing.B, path string, form url.Values) map[string]any {
	req, _ := http.NewRequest(http.MethodPost, p.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(p.accountSid, p.authToken)
	resp, err := p.http.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		b.Fatalf("POST %s: %d %s", path, resp.StatusCode, body)
	}
	var out map[string]any
	json.Unmarshal(body, &out)
	return out
}

// socket connects identity, as the SDK does.
func (p *chatdProcess) socket(b *testing.B, identity string) *twilsocktest.Client {
	now := time.Now()
	token, err := accesstoken.Mint(accesstoken.Token{
		KeySid: benchKeySid, AccountSid: p.accountSid, Identity: identity,
		Chat:     accesstoken.ChatGrant{ServiceSid: p.service},
		IssuedAt: now, NotBefore: now, Expires: now.Add(time.Hour),
	}, benchKeySecret)
	if err != nil {
		b.Fatal(err)
	}
	c, err := twilsocktest.Dial(ctx, "ws"+strings.TrimPrefix(p.url, "http")+"/v3/wsconnect", token)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.CloseNow() })
	return c
}

// rssKB is chatd's resident memory, from /proc.
func (p *chatdProcess) rssKB(b *testing.B) int {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		b.Skipf("no /proc to read chatd's memory from: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb
		}
	}
	b.Skip("no VmRSS in /proc")
	return 0
}

// cpu is the CPU time chatd has used, from /proc.
func (p *chatdProcess) cpu(b *testing.B) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		b.Skipf("no /proc to read chatd's CPU time from: %v", err)
	}
	// The fields after the command name, which is in parentheses: utime
	// and stime are the 12th and 13th, in clock ticks (100 a second).
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	utime, _ := strconv.Atoi(fields[11])
	stime, _ := strconv.Atoi(fields[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// subscribeNow subscribes c to the objects and waits until each is
// established.
func subscribeNow(b *testing.B, c *twilsocktest.Client, objects ...object) {
	body, _ := json.Marshal(map[string]any{"event_protocol_version": 4, "action": "establish", "correlation_id": 1, "requests": objects})
	resp, err := c.Do(ctx, http.MethodPost, "https://cds.us1.twilio.com/v4/Subscriptions", map[string]string{"Content-Type": "application/json"}, body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("subscribe: %v %v", err, resp)
	}
	for range objects {
		f := <-c.Events()
		if f == nil || !bytes.Contains(f.Payload, []byte(`"subscription_established"`)) {
			b.Fatalf("subscribe: got %+v", f)
		}
	}
}

// rootOf fetches an object's root through c.
func rootOf(b *testing.B, c *twilsocktest.Client, path string) root {
	resp, err := c.Get(ctx, "https://cds.us1.twilio.com"+path)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %v %v", path, err, resp)
	}
	var r root
	json.Unmarshal(resp.Body, &r)
	return r
}

func BenchmarkRealtimeSend(b *testing.B) {
	for _, paced := range []bool{true, false} {
		mode := "paced"
		if !paced {
			mode = "flood"
		}
		for _, n := range []int{0, 100} {
			b.Run(fmt.Sprintf("%s/subscribers=%d", mode, n), func(b *testing.B) { benchSend(b, n, paced) })
		}
	}
}

// delivery is a message's arrival on a socket: its index in the run, and
// how long after its POST began.
type delivery struct {
	index   int
	latency time.Duration
}

// channelRate is the pace of the paced sends: Twilio's limit of actions
// per second on one Channel, the most a busy chat room sends.
const channelRate = 30

// benchSend POSTs b.N messages to a Channel with subscribers sockets
// subscribed to its messages list: paced at channelRate, or in a flood,
// back to back, as fast as chatd takes them.
func benchSend(b *testing.B, subscribers int, paced bool) {
	p := startChatd(b)
	sent := make([]atomic.Int64, b.N) // when each message's POST began
	deliveries := make(chan delivery, 64*subscribers)
	for i := range subscribers {
		identity := fmt.Sprintf("member%03d", i)
		p.post(b, p.svc+"/Channels/"+p.channel+"/Members", url.Values{"Identity": {identity}})
		c := p.socket(b, identity)
		list := rootOf(b, c, messagesList(p.channel))
		subscribeNow(b, c, object{list.Sid, "list", list.LastEventID})
		go func() {
			for f := range c.Events() {
				at := time.Now()
				var e struct {
					Event struct {
						ItemIndex *int `json:"item_index"`
					} `json:"event"`
				}
				if json.Unmarshal(f.Payload, &e) != nil || e.Event.ItemIndex == nil || *e.Event.ItemIndex >= b.N {
					continue
				}
				i := *e.Event.ItemIndex
				deliveries <- delivery{i, at.Sub(time.Unix(0, sent[i].Load()))}
			}
		}()
	}
	latencies := make([]time.Duration, 0, b.N*subscribers)
	collected := make(chan struct{})
	go func() {
		for range b.N * subscribers {
			latencies = append(latencies, (<-deliveries).latency)
		}
		close(collected)
	}()
	body := url.Values{"From": {p.sender}, "Body": {strings.Repeat("x", 100)}}
	path := p.svc + "/Channels/" + p.channel + "/Messages"
	posts := make([]time.Duration, 0, b.N)
	var pace <-chan time.Time
	if paced {
		tick := time.NewTicker(time.Second / channelRate)
		defer tick.Stop()
		pace = tick.C
	}
	cpu := p.cpu(b)
	b.ResetTimer()
	for i := range b.N {
		if paced {
			<-pace
		}
		began := time.Now()
		sent[i].Store(began.UnixNano())
		p.post(b, path, body)
		posts = append(posts, time.Since(began))
	}
	<-collected
	b.StopTimer()
	b.ReportMetric(float64((p.cpu(b)-cpu).Microseconds())/1000/float64(b.N), "chatd-cpu-ms/op")
	b.ReportMetric(quantile(posts, 0.5), "post-p50-ms")
	if len(latencies) > 0 {
		b.ReportMetric(quantile(latencies, 0.5), "p50-ms")
		b.ReportMetric(quantile(latencies, 0.99), "p99-ms")
	}
}

// quantile is the q-quantile of ds, in milliseconds.
func quantile(ds []time.Duration, q float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000
}

func BenchmarkRealtimeConnected(b *testing.B) {
	p := startChatd(b)
	before := p.rssKB(b)
	b.ResetTimer()
	for i := range b.N {
		c := p.socket(b, fmt.Sprintf("client%04d", i))
		resp, err := c.Get(ctx, "https://aim.us1.twilio.com/Client/v1/Configuration")
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("Configuration: %v %v", err, resp)
		}
		var conf configurationJSON
		json.Unmarshal(resp.Body, &conf)
		channels := rootOf(b, c, "/v3/Maps/"+conf.SyncObjects.MyConversations)
		info := rootOf(b, c, "/v3/Maps/"+conf.SyncObjects.MyUserInfo)
		subscribeNow(b, c, object{channels.Sid, "map", channels.LastEventID}, object{info.Sid, "map", info.LastEventID})
	}
	b.StopTimer()
	after := p.rssKB(b)
	b.ReportMetric(float64(after)/1024, "rss-MB")
	b.ReportMetric(float64(after-before)/float64(b.N), "KB/client")
}
