package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/chatd/chatd/model"
)

// Pre-event webhooks. Before a first-person action (never a REST one) is
// stored, the Service's pre-event receivers for it are called, one after
// the other and outside any transaction: the v2 PreWebhookUrl when
// WebhookFilters is empty or names the event, and the v1 per-event URL of
// the event. Each answer decides, as at Twilio:
//
//   - 2xx: the action goes ahead, with the fields the JSON body names (if
//     it is a JSON object) in place of the client's;
//   - any other status: the action is refused with 50056 (403);
//   - no answer in time (5 seconds unless configured), or none at all: the
//     action goes ahead unchanged, and the log records 50076 or 50057.
//
// Every call is recorded, finished, in the deliveries log.

// PreEventSender makes pre-event webhook calls; package webhook's
// PreSender is the one chatd runs with.
type PreEventSender interface {
	Send(ctx context.Context, call model.PreEventCall) model.PreEventAnswer
}

// preResult holds the fields an app's pre-event answer overrides (nil:
// unchanged). Only those the event's object has are set: Body and
// Attributes for message events, FriendlyName, UniqueName and Attributes
// for channel events, FriendlyName and Attributes for user events. They
// are the app's values as given; the action checks them as it checks the
// client's.
type preResult struct{ Body, Attributes, FriendlyName, UniqueName *string }

// preEvent fires svc's pre-event webhook for event (e.g. "onMessageSend")
// on behalf of p, with the event's own parameters (Twilio's names; no SIDs
// of what does not exist yet). It adds EventType, AccountSid, InstanceSid,
// ClientIdentity (p.Identity), Source=SDK and RetryCount.
//
// It waits on the app's server and then writes the delivery record, so it
// must never run inside a transaction: call it before the action's write.
func (c *Chat) preEvent(ctx context.Context, svc *model.Service, p *model.Principal, event string, params url.Values) (preResult, error) {
	var res preResult
	if c.preEvents == nil {
		return res, nil
	}
	for _, r := range preReceivers(svc, event) {
		call := model.PreEventCall{
			URL:     r.url,
			Method:  r.method,
			Params:  cloneParams(params),
			Retries: svc.PreWebhookRetryCount,
		}
		call.Params["EventType"] = []string{event}
		call.Params["AccountSid"] = []string{c.accountSid}
		call.Params["InstanceSid"] = []string{svc.Sid}
		call.Params["ClientIdentity"] = []string{p.Identity}
		call.Params["Source"] = []string{"SDK"}
		ans := c.preEvents.Send(ctx, call)
		if err := ctx.Err(); err != nil {
			return preResult{}, err
		}
		d := preDelivery(svc, event, call, ans)
		if err := c.update(ctx, func(tx model.Tx) error {
			d.DateCreated, d.DateUpdated = tx.Now().Add(-ans.Duration), tx.Now()
			return tx.EnqueueDelivery(d)
		}); err != nil {
			return preResult{}, err
		}
		if d.ErrorCode == int(model.CodePreWebhookRejected) {
			return preResult{}, model.Errorf(model.CodePreWebhookRejected,
				"Webhook cancelled processing of command: the %s webhook answered %d", event, ans.Status)
		}
		if d.Status == model.DeliveryDelivered {
			res = res.merge(overrides(event, ans.Body))
		}
	}
	return res, nil
}

// preReceiver is a URL a pre-event is sent to, and how.
type preReceiver struct{ url, method string }

// preReceivers are svc's receivers of event, chosen as post-event
// receivers are (see emit): the v2 pre-event URL, subject to the filters,
// then the v1 per-event URL.
func preReceivers(svc *model.Service, event string) []preReceiver {
	var out []preReceiver
	if u := svc.PreWebhookURL; u != nil && (len(svc.WebhookFilters) == 0 || slices.Contains(svc.WebhookFilters, event)) {
		out = append(out, preReceiver{*u, orDefault(svc.WebhookMethod, "POST")})
	}
	if wh, ok := svc.Webhooks[event]; ok && wh.URL != nil {
		out = append(out, preReceiver{*wh.URL, orDefault(wh.Method, "POST")})
	}
	return out
}

// preDelivery is the finished record of a pre-event call: delivered on a
// 2xx answer; failed otherwise, with the code of what followed.
func preDelivery(svc *model.Service, event string, call model.PreEventCall, ans model.PreEventAnswer) *model.Delivery {
	d := &model.Delivery{
		ServiceSid:   svc.Sid,
		ChannelSid:   url.Values(call.Params).Get("ChannelSid"),
		Event:        event,
		URL:          call.URL,
		Method:       call.Method,
		Params:       cloneParams(call.Params),
		MaxRetries:   call.Retries,
		Status:       model.DeliveryFailed,
		Attempts:     ans.Attempts,
		ResponseCode: ans.Status,
		Duration:     ans.Duration,
		Log:          ans.Log,
	}
	d.Params["RetryCount"] = []string{strconv.Itoa(max(ans.Attempts-1, 0))}
	switch {
	case ans.Status >= 200 && ans.Status < 300:
		d.Status = model.DeliveryDelivered
	case ans.Status != 0:
		d.ErrorCode = int(model.CodePreWebhookRejected)
		d.Error = fmt.Sprintf("receiver answered %d: the action was refused", ans.Status)
	case ans.TimedOut:
		d.ErrorCode = int(model.CodeWebhookTimedOut)
		d.Error = fmt.Sprintf("%v: the action went ahead unchanged", ans.Err)
	default:
		d.ErrorCode = int(model.CodeWebhookCallFailed)
		d.Error = fmt.Sprintf("%v: the action went ahead unchanged", ans.Err)
	}
	return d
}

// overrides reads the fields of a pre-event answer that event's object
// has. The reading is lenient: an empty body, one that is not a JSON
// object, and fields that are null or of another type change nothing.
// Attributes may be given as a JSON string or as the JSON value itself.
func overrides(event string, body []byte) preResult {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return preResult{}
	}
	text := func(key string) *string {
		var s *string
		if json.Unmarshal(fields[key], &s) != nil {
			return nil
		}
		return s
	}
	attributes := func() *string {
		raw := fields["attributes"]
		if s := text("attributes"); s != nil || len(raw) == 0 || string(raw) == "null" {
			return s
		}
		var compact bytes.Buffer
		if json.Compact(&compact, raw) != nil {
			return nil
		}
		s := compact.String()
		return &s
	}
	switch {
	case strings.HasPrefix(event, "onMessage"), strings.HasPrefix(event, "onMediaMessage"):
		return preResult{Body: text("body"), Attributes: attributes()}
	case strings.HasPrefix(event, "onChannel"):
		return preResult{FriendlyName: text("friendly_name"), UniqueName: text("unique_name"), Attributes: attributes()}
	case strings.HasPrefix(event, "onUser"):
		return preResult{FriendlyName: text("friendly_name"), Attributes: attributes()}
	}
	return preResult{}
}

// merge is r with the fields set in o in place of its own: a later
// receiver's answer wins over an earlier one's.
func (r preResult) merge(o preResult) preResult {
	for _, f := range []struct{ dst, src **string }{
		{&r.Body, &o.Body}, {&r.Attributes, &o.Attributes},
		{&r.FriendlyName, &o.FriendlyName}, {&r.UniqueName, &o.UniqueName},
	} {
		if *f.src != nil {
			*f.dst = *f.src
		}
	}
	return r
}
