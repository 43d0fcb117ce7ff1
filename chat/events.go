package chat

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chatd/chatd/model"
)

// Post-event webhooks. A REST change made with X-Twilio-Webhook-Enabled:
// true, and every first-person change, records, in its own write
// transaction, one Delivery per receiver of the event it causes: the
// Service's post-event URL (v2, subject to its WebhookFilters), the v1
// per-event URL of that event, and the Channel's webhooks. The webhook
// package sends them after commit. A first-person change is attributed to
// its client (Source=SDK, ClientIdentity its identity); pre-event webhooks
// fire for first-person changes only, never for REST ones, as at Twilio.

// event is one post-event: its name, where it happened, who it is
// attributed to, and its parameters (Twilio's names and values).
type event struct {
	name     string
	service  string
	channel  string // "" for User events
	identity string // the ClientIdentity parameter
	source   string // the Source parameter: "API", or "SDK" for a first-person change
	body     string // of a message event, for trigger webhooks
	params   url.Values
}

// hookDate is the date format of webhook parameters: unlike REST JSON, they
// carry milliseconds.
const hookDate = "2006-01-02T15:04:05.000Z"

// Studio flows cannot run in chatd: their deliveries are recorded as
// undeliverable, with this reason.
const studioUndeliverable = "Studio flows are not emulated by chatd: the event was not sent to the flow"

func newEvent(name, service, channel, identity string) event {
	return event{name: name, service: service, channel: channel, identity: identity, source: sourceAPI, params: url.Values{}}
}

// The values of the Source parameter.
const (
	sourceAPI = "API"
	sourceSDK = "SDK"
)

// set adds a parameter, leaving out null values as Twilio does.
func (e event) set(key string, value *string) {
	if value != nil {
		e.params.Set(key, *value)
	}
}

func (e event) str(key, value string) { e.params.Set(key, value) }

func messageEvent(name string, m *model.Message) event {
	identity := m.From
	if name == "onMessageUpdated" && m.LastUpdatedBy != nil {
		identity = *m.LastUpdatedBy
	}
	if m.Media != nil && name == "onMessageSent" {
		name = "onMediaMessageSent"
	}
	e := newEvent(name, m.ServiceSid, m.ChannelSid, identity)
	e.body = m.Body
	e.str("ChannelSid", m.ChannelSid)
	e.str("MessageSid", m.Sid)
	e.str("Body", m.Body)
	e.str("Attributes", m.Attributes)
	e.str("From", m.From)
	e.str("To", m.ChannelSid)
	e.str("Index", strconv.Itoa(m.Index))
	e.str("DateCreated", m.DateCreated.UTC().Format(hookDate))
	if name == "onMessageUpdated" {
		e.str("DateUpdated", m.DateUpdated.UTC().Format(hookDate))
		e.set("ModifiedBy", m.LastUpdatedBy)
	}
	if md := m.Media; md != nil {
		e.str("MediaSid", md.Sid)
		e.str("MediaContentType", md.ContentType)
		e.str("MediaSize", strconv.FormatInt(md.Size, 10))
		e.set("MediaFilename", md.Filename)
	}
	return e
}

func channelEvent(name string, ch *model.Channel) event {
	e := newEvent(name, ch.ServiceSid, ch.Sid, ch.CreatedBy)
	e.str("ChannelSid", ch.Sid)
	e.str("ChannelType", ch.Type)
	e.set("FriendlyName", ch.FriendlyName)
	e.set("UniqueName", ch.UniqueName)
	e.str("Attributes", ch.Attributes)
	e.str("CreatedBy", ch.CreatedBy)
	e.str("DateCreated", ch.DateCreated.UTC().Format(hookDate))
	if name != "onChannelAdded" {
		e.str("DateUpdated", ch.DateUpdated.UTC().Format(hookDate))
	}
	return e
}

func memberEvent(name string, m *model.Member) event {
	e := newEvent(name, m.ServiceSid, m.ChannelSid, model.DefaultAuthor)
	e.str("ChannelSid", m.ChannelSid)
	e.str("MemberSid", m.Sid)
	e.str("Identity", m.Identity)
	e.str("DateCreated", m.DateCreated.UTC().Format(hookDate))
	if name != "onMemberRemoved" {
		e.str("RoleSid", m.RoleSid)
	}
	if name == "onMemberUpdated" {
		if i := m.LastConsumedMessageIndex; i != nil {
			e.str("LastConsumedMessageIndex", strconv.Itoa(*i))
		}
		e.str("Attributes", m.Attributes)
		e.str("DateUpdated", m.DateUpdated.UTC().Format(hookDate))
	}
	return e
}

func userEvent(name string, u *model.User) event {
	e := newEvent(name, u.ServiceSid, "", model.DefaultAuthor)
	e.str("UserSid", u.Sid)
	e.str("Identity", u.Identity)
	e.set("FriendlyName", u.FriendlyName)
	e.str("Attributes", u.Attributes)
	e.str("RoleSid", u.RoleSid)
	e.str("DateCreated", u.DateCreated.UTC().Format(hookDate))
	if name == "onUserUpdated" {
		e.str("DateUpdated", u.DateUpdated.UTC().Format(hookDate))
	}
	return e
}

// emit records the deliveries of e in tx when the change is first-person
// or its request asked for post-event webhooks. It must run before a delete
// removes what it reads (the Channel's webhooks).
func (c *Chat) emit(ctx context.Context, tx model.Tx, e event) error {
	if !hooked(ctx) {
		return nil
	}
	if p := actorOf(ctx); p != nil {
		e.identity, e.source = p.Identity, sourceSDK
	}
	s, err := tx.Service(e.service)
	if err != nil {
		return err
	}
	var ds []*model.Delivery
	if u := s.PostWebhookURL; u != nil && (len(s.WebhookFilters) == 0 || slices.Contains(s.WebhookFilters, e.name)) {
		ds = append(ds, c.delivery(e, *u, s.WebhookMethod, s.PostWebhookRetryCount))
	}
	if wh, ok := s.Webhooks[e.name]; ok && wh.URL != nil {
		ds = append(ds, c.delivery(e, *wh.URL, wh.Method, s.PostWebhookRetryCount))
	}
	if e.channel != "" {
		webhooks, err := tx.ChannelWebhooks(e.service, e.channel, model.Window{})
		if err != nil {
			return err
		}
		for _, wh := range webhooks {
			if d := c.channelDelivery(e, wh); d != nil {
				ds = append(ds, d)
			}
		}
	}
	now := tx.Now()
	for _, d := range ds {
		d.DateCreated, d.DateUpdated, d.NextAttempt = now, now, now
		if err := tx.EnqueueDelivery(d); err != nil {
			return err
		}
	}
	return nil
}

// delivery is a pending Delivery of e to url, with the parameters every
// Chat webhook carries. RetryCount is rewritten at each attempt.
func (c *Chat) delivery(e event, target string, method *string, retries int) *model.Delivery {
	params := cloneParams(e.params)
	params["EventType"] = []string{e.name}
	params["AccountSid"] = []string{c.accountSid}
	params["InstanceSid"] = []string{e.service}
	params["ClientIdentity"] = []string{e.identity}
	params["Source"] = []string{e.source}
	params["RetryCount"] = []string{"0"}
	m := "POST"
	if method != nil {
		m = *method
	}
	return &model.Delivery{
		ServiceSid: e.service,
		ChannelSid: e.channel,
		Event:      e.name,
		URL:        target,
		Method:     m,
		Params:     params,
		MaxRetries: retries,
		Status:     model.DeliveryPending,
	}
}

// cloneParams copies v, so that deliveries never share their parameters.
func cloneParams(v url.Values) map[string][]string {
	out := make(map[string][]string, len(v)+8)
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// channelDelivery is the delivery of e to a Channel webhook, or nil when the
// webhook does not want e: a webhook-type webhook wants the events of its
// filters; a trigger webhook wants new messages whose body holds one of its
// trigger words; a studio webhook wants the events of its filters but cannot
// be delivered here.
func (c *Chat) channelDelivery(e event, wh *model.ChannelWebhook) *model.Delivery {
	var d *model.Delivery
	switch wh.Type {
	case model.WebhookTypeWebhook:
		if !slices.Contains(wh.Filters, e.name) || wh.URL == nil {
			return nil
		}
		d = c.delivery(e, *wh.URL, wh.Method, orDefault(wh.RetryCount, 0))
	case model.WebhookTypeTrigger:
		if (e.name != "onMessageSent" && e.name != "onMediaMessageSent") || wh.URL == nil || !triggered(e.body, wh.Triggers) {
			return nil
		}
		d = c.delivery(e, *wh.URL, wh.Method, orDefault(wh.RetryCount, 0))
	case model.WebhookTypeStudio:
		if !slices.Contains(wh.Filters, e.name) {
			return nil
		}
		d = c.delivery(e, "", nil, 0)
		d.Method = ""
		d.Status = model.DeliveryUndeliverable
		d.Error = studioUndeliverable
		if wh.FlowSid != nil {
			d.Params["FlowSid"] = []string{*wh.FlowSid}
		}
	default:
		return nil
	}
	d.WebhookSid, d.WebhookType = wh.Sid, wh.Type
	d.Params["WebhookSid"] = []string{wh.Sid}
	d.Params["WebhookType"] = []string{wh.Type}
	return d
}

// triggered reports whether body holds one of the trigger words: as a whole
// word or phrase (not inside a longer word), in any case.
func triggered(body string, triggers []string) bool {
	lower := strings.ToLower(body)
	for _, t := range triggers {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		for from := 0; ; {
			i := strings.Index(lower[from:], t)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(t)
			if boundary(lower, start, true) && boundary(lower, end, false) {
				return true
			}
			from = start + 1
		}
	}
	return false
}

// boundary reports whether position i of s is a word boundary: the rune
// before it (before is true) or at it is not a letter or digit.
func boundary(s string, i int, before bool) bool {
	var r rune
	if before {
		if i == 0 {
			return true
		}
		r, _ = utf8.DecodeLastRuneInString(s[:i])
	} else {
		if i == len(s) {
			return true
		}
		r, _ = utf8.DecodeRuneInString(s[i:])
	}
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// hooked reports whether a change fires post-events: a first-person one
// always, a REST one when its request asked for them.
func hooked(ctx context.Context) bool {
	return actorOf(ctx) != nil || model.WebhooksEnabled(ctx)
}
