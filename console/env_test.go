package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/model"
)

// TestMain starts PostgreSQL for the Envs when CHATD_TEST_STORE is postgres
// (see testenv.StoreVar).
func TestMain(m *testing.M) { pgtest.Main(m) }

// receiverAnswer is what the app's webhook receiver answers every event:
// the console shows its first bytes.
const receiverAnswer = `{"received":true,"by":"the app's server"}`

// fixture is a chatd with a Service whose post-event webhook goes to a
// receiver, a Channel "general" with alice and bob, and messages.
type fixture struct {
	env      *testenv.Env
	service  string
	channel  string
	received atomic.Int64
}

func newFixture(t *testing.T, opts ...testenv.Option) *fixture {
	t.Helper()
	f := &fixture{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.received.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, receiverAnswer)
	}))
	t.Cleanup(receiver.Close)
	f.env = testenv.New(t, opts...)
	api := &f.env.API
	s := api.Create(t, "/v2/Services", testenv.Form("FriendlyName", "Acme support"))
	f.service = s["sid"].(string)
	api.Update(t, "/v2/Services/"+f.service, testenv.Form(
		"PostWebhookUrl", receiver.URL+"/chat-events", "WebhookFilters", "onMessageSent"))
	ch := api.Create(t, f.channelsPath(), testenv.Form("FriendlyName", "General", "UniqueName", "general"))
	f.channel = ch["sid"].(string)
	for _, who := range []string{"alice", "bob"} {
		api.Create(t, f.channelPath()+"/Members", testenv.Form("Identity", who))
	}
	for _, m := range [][2]string{{"alice", "Hi Bob, is the order shipped?"}, {"bob", "It left the warehouse this morning."}} {
		api.Create(t, f.channelPath()+"/Messages", testenv.Form("From", m[0], "Body", m[1]))
	}
	api.Update(t, f.channelPath()+"/Members/alice", testenv.Form("LastConsumedMessageIndex", "1"))
	api.Create(t, "/v2/Services/"+f.service+"/Users", testenv.Form("Identity", "dave"))
	api.Create(t, f.channelPath()+"/Invites", testenv.Form("Identity", "dave"))
	api.Create(t, f.channelPath()+"/Webhooks", testenv.Form("Type", "trigger",
		"Configuration.Url", receiver.URL+"/triggers", "Configuration.Triggers", "urgent"))
	return f
}

func (f *fixture) channelsPath() string { return "/v2/Services/" + f.service + "/Channels" }
func (f *fixture) channelPath() string  { return f.channelsPath() + "/" + f.channel }

// consolePath is the console's page of the Channel.
func (f *fixture) consolePath() string {
	return "/_chatd/console/services/" + f.service + "/channels/" + f.channel
}

// sendHooked posts a message over REST with the webhooks on, and waits
// until the receiver has it.
func (f *fixture) sendHooked(t *testing.T, from, body string) {
	t.Helper()
	before := f.received.Load()
	r := f.env.DoHeader(t, http.MethodPost, f.channelPath()+"/Messages", testenv.Form("From", from, "Body", body),
		f.env.AccountSid, f.env.AuthToken, http.Header{"X-Twilio-Webhook-Enabled": {"true"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("send: %d %s", r.Status, r.Raw)
	}
	f.settle(t)
	if f.received.Load() == before {
		t.Fatal("the receiver got no webhook")
	}
}

// settle waits until no webhook delivery is pending: each was sent and
// its outcome recorded.
func (f *fixture) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pending []*model.Delivery
		err := f.env.Store.View(t.Context(), func(tx model.Tx) (err error) {
			pending, err = tx.PendingDeliveries(0, 1)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %d is still pending", pending[0].ID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// answer is a console answer, read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

// get fetches a console page with the Account credentials.
func (f *fixture) get(t *testing.T, path string) answer {
	t.Helper()
	return f.do(t, http.MethodGet, path, nil, nil)
}

// do sends a request with the Account credentials, without following
// redirects.
func (f *fixture) do(t *testing.T, method, path string, form url.Values, header http.Header) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, f.env.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(f.env.AccountSid, f.env.AuthToken)
	for k, vs := range header {
		req.Header[k] = vs
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// sameSite is the header a browser sends with a form of the console's own
// pages.
var sameSite = http.Header{"Sec-Fetch-Site": {"same-origin"}}

// messages lists the Channel's message bodies over REST, oldest first.
func (f *fixture) messages(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, m := range f.env.Walk(t, f.channelPath()+"/Messages") {
		out = append(out, m["body"].(string))
	}
	return out
}
