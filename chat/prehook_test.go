package chat

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// fakeSender answers pre-event calls with answer and remembers them.
type fakeSender struct {
	mu     sync.Mutex
	calls  []model.PreEventCall
	answer func(call model.PreEventCall) model.PreEventAnswer
}

func (f *fakeSender) Send(_ context.Context, call model.PreEventCall) model.PreEventAnswer {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
	if f.answer == nil {
		return model.PreEventAnswer{Attempts: 1, Status: 200}
	}
	return f.answer(call)
}

func (f *fakeSender) sent() []model.PreEventCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]model.PreEventCall(nil), f.calls...)
}

// answered is a one-attempt answer with status and body.
func answered(status int, body string) func(model.PreEventCall) model.PreEventAnswer {
	return func(model.PreEventCall) model.PreEventAnswer {
		return model.PreEventAnswer{Attempts: 1, Status: status, Body: []byte(body), Duration: time.Millisecond}
	}
}

// newPreChat is a Chat whose pre-event calls go to a fake sender, with a
// Service configured by update.
func newPreChat(t *testing.T, update model.ServiceUpdate) (*Chat, *fakeSender, *model.Service) {
	t.Helper()
	c, _ := openChat(t, filepath.Join(t.TempDir(), "chatd.db"))
	f := &fakeSender{}
	c.preEvents = f
	s := mustService(t, c)
	s, err := c.UpdateService(context.Background(), s.Sid, update)
	if err != nil {
		t.Fatal(err)
	}
	return c, f, s
}

func alice(s *model.Service) *model.Principal {
	return &model.Principal{Identity: "alice", ServiceSid: s.Sid}
}

// sendParams are onMessageSend's own parameters.
func sendParams() url.Values {
	return url.Values{
		"ChannelSid": {"CH00000000000000000000000000000001"}, "To": {"CH00000000000000000000000000000001"},
		"Body": {"hello"}, "Attributes": {"{}"}, "From": {"alice"}, "DateCreated": {"2026-01-02T03:04:05.000Z"},
	}
}

func loggedDeliveries(t *testing.T, c *Chat) []*model.Delivery {
	t.Helper()
	ds, _, err := c.ListDeliveries(context.Background(), model.DeliveryFilter{}, model.Page{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestPreEventReceivers(t *testing.T) {
	ctx := context.Background()
	pre, v1 := "https://app.example.com/pre", "https://app.example.com/v1/send"
	for _, c := range []struct {
		name   string
		update model.ServiceUpdate
		event  string
		want   []string // URL and method of each call
	}{
		{"no pre-event URL", model.ServiceUpdate{PostWebhookURL: &pre}, "onMessageSend", nil},
		{"every event without filters", model.ServiceUpdate{PreWebhookURL: &pre}, "onChannelAdd", []string{pre, "POST"}},
		{"the method of the Service", model.ServiceUpdate{PreWebhookURL: &pre, WebhookMethod: ptrTo("GET")}, "onMessageSend", []string{pre, "GET"}},
		{"an event the filters name", model.ServiceUpdate{PreWebhookURL: &pre, WebhookFilters: &[]string{"onMessageSend", "onMessageSent"}}, "onMessageSend", []string{pre, "POST"}},
		{"not an event the filters leave out", model.ServiceUpdate{PreWebhookURL: &pre, WebhookFilters: &[]string{"onMessageSent"}}, "onMessageSend", nil},
		{"the v1 per-event URL", model.ServiceUpdate{Webhooks: map[string]model.EventWebhook{
			"onMessageSend": {URL: &v1, Method: ptrTo("GET")}, "onMessageSent": {URL: &pre},
		}}, "onMessageSend", []string{v1, "GET"}},
		{"not another event's v1 URL", model.ServiceUpdate{Webhooks: map[string]model.EventWebhook{"onChannelAdd": {URL: &v1}}}, "onMessageSend", nil},
		{"both, the v2 URL first", model.ServiceUpdate{PreWebhookURL: &pre, Webhooks: map[string]model.EventWebhook{
			"onMessageSend": {URL: &v1},
		}}, "onMessageSend", []string{pre, "POST", v1, "POST"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			chat, f, s := newPreChat(t, c.update)
			res, err := chat.preEvent(ctx, s, alice(s), c.event, sendParams())
			if err != nil || res != (preResult{}) {
				t.Fatalf("preEvent = %+v, %v; want no change", res, err)
			}
			var got []string
			for _, call := range f.sent() {
				got = append(got, call.URL, call.Method)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("calls = %v, want %v", got, c.want)
			}
			if n := len(loggedDeliveries(t, chat)); n != len(c.want)/2 {
				t.Errorf("%d deliveries recorded, want one per call (%d)", n, len(c.want)/2)
			}
		})
	}

	t.Run("none without a sender", func(t *testing.T) {
		chat, f, s := newPreChat(t, model.ServiceUpdate{PreWebhookURL: &pre})
		chat.preEvents = nil
		if _, err := chat.preEvent(ctx, s, alice(s), "onMessageSend", sendParams()); err != nil || len(f.sent()) != 0 {
			t.Errorf("preEvent without a sender: err %v, %d calls", err, len(f.sent()))
		}
	})
}

func TestPreEventParams(t *testing.T) {
	pre := "https://app.example.com/pre"
	c, f, s := newPreChat(t, model.ServiceUpdate{PreWebhookURL: &pre, PreWebhookRetryCount: ptrTo(2)})
	f.answer = func(model.PreEventCall) model.PreEventAnswer {
		return model.PreEventAnswer{Attempts: 3, Status: 200, Duration: 30 * time.Millisecond}
	}
	params := sendParams()
	if _, err := c.preEvent(context.Background(), s, alice(s), "onMessageSend", params); err != nil {
		t.Fatal(err)
	}
	calls := f.sent()
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1", len(calls))
	}
	want := sendParams()
	for k, v := range map[string]string{
		"EventType": "onMessageSend", "AccountSid": testAccount, "InstanceSid": s.Sid,
		"ClientIdentity": "alice", "Source": "SDK",
	} {
		want.Set(k, v)
	}
	if got := url.Values(calls[0].Params); !reflect.DeepEqual(got, want) {
		t.Errorf("params = %v\nwant %v", got, want)
	}
	if calls[0].Retries != 2 {
		t.Errorf("Retries = %d, want the Service's PreWebhookRetryCount 2", calls[0].Retries)
	}
	if !reflect.DeepEqual(params, sendParams()) {
		t.Errorf("the caller's params changed: %v", params)
	}

	ds := loggedDeliveries(t, c)
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1", len(ds))
	}
	d := ds[0]
	want.Set("RetryCount", "2")
	if d.Event != "onMessageSend" || d.URL != pre || d.Method != "POST" || d.ServiceSid != s.Sid ||
		d.ChannelSid != "CH00000000000000000000000000000001" || d.Status != model.DeliveryDelivered ||
		d.Attempts != 3 || d.MaxRetries != 2 || d.ResponseCode != 200 || d.ErrorCode != 0 || d.Error != "" ||
		d.Duration != 30*time.Millisecond || !d.Finished() || !reflect.DeepEqual(url.Values(d.Params), want) {
		t.Errorf("delivery = %+v", d)
	}
	if d.DateUpdated.Sub(d.DateCreated) != 30*time.Millisecond {
		t.Errorf("dates %v → %v do not span the call", d.DateCreated, d.DateUpdated)
	}
}

func TestPreEventAnswers(t *testing.T) {
	str := func(s string) *string { return &s }
	timedOut := func(model.PreEventCall) model.PreEventAnswer {
		return model.PreEventAnswer{Attempts: 1, TimedOut: true, Err: errors.New("timed out after 5s")}
	}
	refused := func(model.PreEventCall) model.PreEventAnswer {
		return model.PreEventAnswer{Attempts: 4, Err: errors.New("connection refused")}
	}
	for _, c := range []struct {
		name   string
		event  string
		answer func(model.PreEventCall) model.PreEventAnswer
		want   preResult
		code   int // of the error preEvent returns
		status string
		logged int // the recorded ErrorCode
	}{
		{"200 with no body goes ahead", "onMessageSend", answered(200, ""), preResult{}, 0, model.DeliveryDelivered, 0},
		{"200 with {} goes ahead", "onMessageSend", answered(200, "{}"), preResult{}, 0, model.DeliveryDelivered, 0},
		{"204 goes ahead", "onMessageSend", answered(204, ""), preResult{}, 0, model.DeliveryDelivered, 0},
		{"200 that is not JSON goes ahead", "onMessageSend", answered(200, "OK"), preResult{}, 0, model.DeliveryDelivered, 0},
		{"200 with a JSON array goes ahead", "onMessageSend", answered(200, `["body"]`), preResult{}, 0, model.DeliveryDelivered, 0},
		{"a message body", "onMessageSend", answered(200, `{"body":"[edited]"}`), preResult{Body: str("[edited]")}, 0, model.DeliveryDelivered, 0},
		{"an empty message body", "onMessageUpdate", answered(200, `{"body":""}`), preResult{Body: str("")}, 0, model.DeliveryDelivered, 0},
		{"attributes as a string", "onMediaMessageSend", answered(200, `{"attributes":"{\"a\":1}"}`), preResult{Attributes: str(`{"a":1}`)}, 0, model.DeliveryDelivered, 0},
		{"attributes as JSON", "onMessageSend", answered(200, `{"body":"b", "attributes": {"a": [1, 2]}}`), preResult{Body: str("b"), Attributes: str(`{"a":[1,2]}`)}, 0, model.DeliveryDelivered, 0},
		{"nulls and other types change nothing", "onMessageSend", answered(200, `{"body":null,"attributes":null,"friendly_name":5}`), preResult{}, 0, model.DeliveryDelivered, 0},
		{"a body that is not a string changes nothing", "onMessageSend", answered(200, `{"body":5}`), preResult{}, 0, model.DeliveryDelivered, 0},
		{"other fields are not a message's", "onMessageSend", answered(200, `{"friendly_name":"f","unique_name":"u","mute_notification":true}`), preResult{}, 0, model.DeliveryDelivered, 0},
		{"a channel's fields", "onChannelAdd", answered(200, `{"friendly_name":"F","unique_name":"u","attributes":"{}","body":"not a channel's"}`),
			preResult{FriendlyName: str("F"), UniqueName: str("u"), Attributes: str("{}")}, 0, model.DeliveryDelivered, 0},
		{"a user's fields", "onUserUpdate", answered(200, `{"friendly_name":"F","unique_name":"not a user's","attributes":"{\"x\":true}"}`),
			preResult{FriendlyName: str("F"), Attributes: str(`{"x":true}`)}, 0, model.DeliveryDelivered, 0},
		{"nothing of a member", "onMemberAdd", answered(200, `{"attributes":"{}","friendly_name":"F"}`), preResult{}, 0, model.DeliveryDelivered, 0},
		{"403 refuses", "onMessageSend", answered(403, `{"body":"ignored"}`), preResult{}, 50056, model.DeliveryFailed, 50056},
		{"400 refuses", "onChannelDestroy", answered(400, ""), preResult{}, 50056, model.DeliveryFailed, 50056},
		{"500 refuses", "onMessageSend", answered(500, ""), preResult{}, 50056, model.DeliveryFailed, 50056},
		{"a 3xx refuses", "onMessageSend", answered(302, ""), preResult{}, 50056, model.DeliveryFailed, 50056},
		{"a timeout goes ahead, logged as 50076", "onMessageSend", timedOut, preResult{}, 0, model.DeliveryFailed, 50076},
		{"no connection goes ahead, logged as 50057", "onMessageSend", refused, preResult{}, 0, model.DeliveryFailed, 50057},
	} {
		t.Run(c.name, func(t *testing.T) {
			pre := "https://app.example.com/pre"
			chat, f, s := newPreChat(t, model.ServiceUpdate{PreWebhookURL: &pre})
			f.answer = c.answer
			res, err := chat.preEvent(context.Background(), s, alice(s), c.event, sendParams())
			if c.code != 0 {
				wantCode(t, "preEvent", err, c.code)
			} else if err != nil {
				t.Fatalf("preEvent: %v", err)
			}
			if !reflect.DeepEqual(res, c.want) {
				t.Errorf("result = %s, want %s", show(res), show(c.want))
			}
			ds := loggedDeliveries(t, chat)
			if len(ds) != 1 || ds[0].Status != c.status || ds[0].ErrorCode != c.logged || ds[0].Event != c.event {
				t.Fatalf("deliveries = %+v, want one %s %s with code %d", ds, c.event, c.status, c.logged)
			}
			if (c.logged == 0) != (ds[0].Error == "") {
				t.Errorf("error %q with code %d", ds[0].Error, c.logged)
			}
		})
	}
}

func show(r preResult) string {
	s := ""
	for _, f := range []struct {
		name string
		v    *string
	}{{"Body", r.Body}, {"Attributes", r.Attributes}, {"FriendlyName", r.FriendlyName}, {"UniqueName", r.UniqueName}} {
		if f.v != nil {
			s += f.name + "=" + *f.v + " "
		}
	}
	return "{" + s + "}"
}

func TestPreEventTwoReceivers(t *testing.T) {
	pre, v1 := "https://app.example.com/pre", "https://app.example.com/v1"
	update := model.ServiceUpdate{PreWebhookURL: &pre, Webhooks: map[string]model.EventWebhook{"onMessageSend": {URL: &v1}}}

	t.Run("the later answer wins, field by field", func(t *testing.T) {
		c, f, s := newPreChat(t, update)
		f.answer = func(call model.PreEventCall) model.PreEventAnswer {
			if call.URL == pre {
				return answered(200, `{"body":"first","attributes":"{\"by\":1}"}`)(call)
			}
			return answered(200, `{"body":"second"}`)(call)
		}
		res, err := c.preEvent(context.Background(), s, alice(s), "onMessageSend", sendParams())
		if err != nil || res.Body == nil || *res.Body != "second" || res.Attributes == nil || *res.Attributes != `{"by":1}` {
			t.Errorf("preEvent = %s, %v; want the second body and the first attributes", show(res), err)
		}
	})
	t.Run("a refusal stops the calls", func(t *testing.T) {
		c, f, s := newPreChat(t, update)
		f.answer = answered(403, "")
		_, err := c.preEvent(context.Background(), s, alice(s), "onMessageSend", sendParams())
		wantCode(t, "preEvent", err, 50056)
		if n := len(f.sent()); n != 1 {
			t.Errorf("%d calls after a refusal, want 1", n)
		}
	})
}

func TestPreEventCanceled(t *testing.T) {
	pre := "https://app.example.com/pre"
	c, f, s := newPreChat(t, model.ServiceUpdate{PreWebhookURL: &pre})
	ctx, cancel := context.WithCancel(context.Background())
	f.answer = func(model.PreEventCall) model.PreEventAnswer {
		cancel() // the client went away while the app's server was thinking
		return model.PreEventAnswer{Attempts: 1, Err: context.Canceled}
	}
	if _, err := c.preEvent(ctx, s, alice(s), "onMessageSend", sendParams()); !errors.Is(err, context.Canceled) {
		t.Errorf("preEvent = %v, want the context's error", err)
	}
	if ds := loggedDeliveries(t, c); len(ds) != 0 {
		t.Errorf("recorded %+v for a canceled call", ds)
	}
}
