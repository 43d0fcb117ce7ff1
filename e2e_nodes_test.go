package main

// Several chatd processes on one PostgreSQL database, as behind a load
// balancer: they must answer as one chatd.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/internal/testenv"
)

// answer is one response as a concurrent client records it; err is set
// when there was none.
type answer struct {
	status int
	body   map[string]any
	raw    []byte
	err    error
}

// post sends form to path of c with c's credentials, from any goroutine
// (testenv.API's methods end the test, which only its own goroutine may).
func post(client *http.Client, c *chatd, path string, form url.Values) answer {
	req, err := http.NewRequest(http.MethodPost, c.ready.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ready.AccountSid, c.ready.AuthToken)
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	if a.raw, a.err = io.ReadAll(resp.Body); a.err == nil {
		a.err = json.Unmarshal(a.raw, &a.body)
	}
	return a
}

// twilioError reports whether a is Twilio's error body with status and
// code: code, message, more_info and status, nothing else.
func (a answer) twilioError(status, code int) bool {
	msg, _ := a.body["message"].(string)
	return a.err == nil && a.status == status && len(a.body) == 4 && msg != "" &&
		a.body["code"] == float64(code) && a.body["status"] == float64(status) &&
		a.body["more_info"] == fmt.Sprint("https://www.twilio.com/docs/errors/", code)
}

// racers is how many clients race in each test of several nodes.
const racers = 64

// race sends racers requests at once, the i-th to nodes[i%len(nodes)],
// and returns the answers by i.
func race(nodes []*chatd, send func(i int, node *chatd) answer) []answer {
	answers := make([]answer, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			answers[i] = send(i, nodes[i%len(nodes)])
		}()
	}
	close(start)
	wg.Wait()
	return answers
}

// TestE2ETwoNodes runs two chatd processes on one PostgreSQL database and
// drives them at once: what one writes the other reads, a unique name
// raced for on both is given once, and a Channel's messages sent through
// both get dense indexes and the count that recounts them.
func TestE2ETwoNodes(t *testing.T) {
	binary(t)
	dsn := pgtest.New(t)
	a := start(t, args(listen, []string{"--log-level", "warn"}), "CHATD_DB="+dsn)
	b := start(t, args(listen, []string{"--log-level", "warn"}), "CHATD_DB="+dsn)
	if b.ready.AccountSid != a.ready.AccountSid || b.ready.AuthToken != a.ready.AuthToken {
		t.Fatalf("the second node has the credentials %s/%s, want the first's %s/%s",
			b.ready.AccountSid, b.ready.AuthToken, a.ready.AccountSid, a.ready.AuthToken)
	}
	nodes := []*chatd{a, b}
	client := &http.Client{Timeout: processTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: racers}}
	service := a.api.NewService(t)

	t.Run("what one node writes the other reads", func(t *testing.T) {
		ch := a.api.Create(t, service+"/Channels", testenv.Form("UniqueName", "seen", "FriendlyName", "made on A"))
		if got := b.api.Get(t, service+"/Channels/seen"); got["sid"] != ch["sid"] || got["friendly_name"] != "made on A" {
			t.Errorf("B reads the Channel made on A as %v, want %v", got, ch)
		}
		b.api.Create(t, service+"/Channels/seen/Members", testenv.Form("Identity", "bob"))
		b.api.Create(t, service+"/Channels/seen/Messages", testenv.Form("Body", "sent on B", "From", "bob"))
		msgs := testenv.ItemsOf(t, a.api.Get(t, service+"/Channels/seen/Messages"), "messages")
		if len(msgs) != 1 || msgs[0]["body"] != "sent on B" || msgs[0]["index"] != float64(0) {
			t.Errorf("A reads the Messages sent on B as %v", msgs)
		}
		got := a.api.Get(t, service+"/Channels/seen")
		if got["members_count"] != float64(1) || got["messages_count"] != float64(1) {
			t.Errorf("A counts %v members and %v messages, want 1 and 1", got["members_count"], got["messages_count"])
		}
		if u := a.api.Get(t, service+"/Users/bob"); u["joined_channels_count"] != float64(1) {
			t.Errorf("A counts bob's joined Channels as %v, want 1", u["joined_channels_count"])
		}
	})

	t.Run("a unique name is given once across nodes", func(t *testing.T) {
		answers := race(nodes, func(i int, node *chatd) answer {
			return post(client, node, service+"/Channels", testenv.Form("UniqueName", "raced", "FriendlyName", fmt.Sprint("racer ", i)))
		})
		created := 0
		for i, r := range answers {
			switch {
			case r.err == nil && r.status == http.StatusCreated:
				created++
			case !r.twilioError(http.StatusConflict, 50307):
				t.Errorf("racer %d got %d %s (%v), want 201, or 409 with Twilio's error 50307", i, r.status, r.raw, r.err)
			}
		}
		if created != 1 {
			t.Errorf("%d of %d racers created the Channel, want 1", created, racers)
		}
		if chans := a.api.Walk(t, service+"/Channels?PageSize=100"); countUniqueName(chans, "raced") != 1 {
			t.Errorf("%d Channels are named raced, want 1", countUniqueName(chans, "raced"))
		}
	})

	t.Run("an identity is given once across nodes", func(t *testing.T) {
		answers := race(nodes, func(i int, node *chatd) answer {
			return post(client, node, service+"/Users", testenv.Form("Identity", "carol"))
		})
		created := 0
		for i, r := range answers {
			switch {
			case r.err == nil && r.status == http.StatusCreated:
				created++
			case !r.twilioError(http.StatusConflict, 50201):
				t.Errorf("racer %d got %d %s (%v), want 201, or 409 with Twilio's error 50201", i, r.status, r.raw, r.err)
			}
		}
		if created != 1 {
			t.Errorf("%d of %d racers created the User, want 1", created, racers)
		}
	})

	t.Run("appends through both nodes get dense indexes", func(t *testing.T) {
		const each = 4 // messages per racer
		path := service + "/Channels/" + a.api.Create(t, service+"/Channels", testenv.Form("UniqueName", "appends"))["sid"].(string)
		acked := make([][]string, racers)
		answers := race(nodes, func(i int, node *chatd) answer {
			for j := range each {
				r := post(client, node, path+"/Messages", testenv.Form("Body", fmt.Sprintf("racer %d message %d", i, j)))
				if r.err != nil || r.status != http.StatusCreated {
					return r
				}
				acked[i] = append(acked[i], r.body["sid"].(string))
			}
			return answer{status: http.StatusCreated}
		})
		for i, r := range answers {
			if r.err != nil || r.status != http.StatusCreated {
				t.Fatalf("racer %d got %d %s (%v)", i, r.status, r.raw, r.err)
			}
		}
		for n, node := range nodes {
			msgs := node.api.Walk(t, path+"/Messages?PageSize=100")
			bySid := map[string]bool{}
			for k, m := range msgs {
				if m["index"] != float64(k) {
					t.Fatalf("node %d: message %d of the list has index %v: indexes are not 0..n-1", n, k, m["index"])
				}
				bySid[m["sid"].(string)] = true
			}
			for i, sids := range acked {
				for _, sid := range sids {
					if !bySid[sid] {
						t.Errorf("node %d: message %s of racer %d is not listed", n, sid, i)
					}
				}
			}
			if len(msgs) != racers*each {
				t.Errorf("node %d lists %d messages, want the %d sent", n, len(msgs), racers*each)
			}
			if got := node.api.Get(t, path)["messages_count"]; got != float64(len(msgs)) {
				t.Errorf("node %d: messages_count = %v, want the %d listed", n, got, len(msgs))
			}
		}
	})
}

func countUniqueName(channels []map[string]any, name string) int {
	n := 0
	for _, c := range channels {
		if c["unique_name"] == name {
			n++
		}
	}
	return n
}
