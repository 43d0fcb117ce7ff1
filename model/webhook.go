package model

import (
	"context"
	"slices"
	"strings"
	"time"
)

// PrefixChannelWebhook is the SID prefix of Channel webhooks.
const PrefixChannelWebhook = "WH"

// Channel webhook types.
const (
	WebhookTypeWebhook = "webhook"
	WebhookTypeTrigger = "trigger"
	WebhookTypeStudio  = "studio"
)

// MaxChannelWebhooks and MaxWebhookTriggers are Twilio's per-channel limits.
// MaxWebhookURLLength is chatd's: Twilio has a code for a Configuration.Url
// that is too long (50332) but publishes no limit, and 2048 is the common
// ceiling for URLs.
const (
	MaxChannelWebhooks  = 5
	MaxWebhookTriggers  = 5
	MaxWebhookURLLength = 2048
)

// ChannelWebhook is a webhook scoped to one Channel (WH…). Its
// configuration holds only what was supplied, plus the defaults Twilio
// shows for the webhook and trigger types.
type ChannelWebhook struct {
	Sid         string
	ServiceSid  string
	ChannelSid  string
	Type        string
	URL         *string
	Method      *string
	Filters     []string
	Triggers    []string
	FlowSid     *string
	RetryCount  *int
	DateCreated time.Time
	DateUpdated time.Time
}

// ChannelWebhookCreate is the input of CreateChannelWebhook.
type ChannelWebhookCreate struct {
	Type string
	ChannelWebhookUpdate
}

// ChannelWebhookUpdate is the input of UpdateChannelWebhook (the
// Configuration.* parameters): nil fields are left alone.
type ChannelWebhookUpdate struct {
	URL        *string
	Method     *string
	Filters    *[]string
	Triggers   *[]string
	FlowSid    *string
	RetryCount *int
}

// Validate checks a create without looking at stored data: Type is required
// (20001) and one of webhook, trigger and studio (50324); every
// Configuration.* parameter sent is well formed (see
// ChannelWebhookUpdate.Validate); and the configuration is complete for the
// type (see ChannelWebhook.CheckConfiguration). A parameter the type does not
// use is checked but otherwise ignored. A missing Type is 20001 rather than
// Chat's 50328: the spec marks Type required, and Twilio answers a missing
// required parameter with 20001 before the Chat service sees the request.
func (in ChannelWebhookCreate) Validate() error {
	switch in.Type {
	case "":
		return MissingParam("Type")
	case WebhookTypeWebhook, WebhookTypeTrigger, WebhookTypeStudio:
	default:
		return Errorf(CodeInvalidChannelWebhookType, "Invalid channel webhook type: %s", in.Type)
	}
	if err := in.ChannelWebhookUpdate.Validate(); err != nil {
		return err
	}
	var filters, triggers []string
	if in.Filters != nil {
		filters = *in.Filters
	}
	if in.Triggers != nil {
		triggers = *in.Triggers
	}
	return checkWebhookConfig(in.Type, in.URL, filters, triggers, in.FlowSid)
}

// Validate checks the shape of every Configuration.* parameter sent:
//   - Url: an absolute http or https URL (20001) of at most
//     MaxWebhookURLLength characters (50332); "" means none.
//   - Method: GET or POST in any case (20001).
//   - Filters: event names of WebhookEvents (50325).
//   - Triggers: at most MaxWebhookTriggers (50322), none empty (50326).
//   - FlowSid: a Studio Flow SID, FW + 32 hex digits (50327).
//   - RetryCount: 0 to MaxRetryCount (50065).
//
// Whether the configuration is complete depends on the type, so an update
// is checked again once applied to the stored webhook.
func (in ChannelWebhookUpdate) Validate() error {
	if v := in.URL; v != nil && *v != "" {
		if err := checkLen(*v, MaxWebhookURLLength, CodeChannelWebhookURLTooLong); err != nil {
			return err
		}
		if !isWebhookURL(*v) {
			return InvalidParam("Configuration.Url", *v)
		}
	}
	if v := in.Method; v != nil {
		if m := strings.ToUpper(*v); m != "GET" && m != "POST" {
			return InvalidParam("Configuration.Method", *v)
		}
	}
	if in.Filters != nil {
		for _, f := range *in.Filters {
			if !slices.Contains(WebhookEvents, f) {
				return Errorf(CodeInvalidChannelWebhookFilter, "Invalid channel webhook filter: %s", f)
			}
		}
	}
	if in.Triggers != nil {
		if len(*in.Triggers) > MaxWebhookTriggers {
			return Errorf(CodeTooManyChannelWebhookTriggers, "Too many channel webhook triggers: at most %d", MaxWebhookTriggers)
		}
		if slices.Contains(*in.Triggers, "") {
			return Errorf(CodeInvalidChannelWebhookTrigger, "Invalid channel webhook trigger: empty")
		}
	}
	if v := in.FlowSid; v != nil && !IsSID(PrefixFlow, *v) {
		return Errorf(CodeInvalidChannelWebhookFlowSid, "Invalid channel webhook flow sid: %s", *v)
	}
	if v := in.RetryCount; v != nil && (*v < 0 || *v > MaxRetryCount) {
		return E(CodeInvalidWebhookRetryCount)
	}
	return nil
}

// CheckConfiguration reports whether wh's configuration is complete for its
// type: webhook needs a Url (50329) and at least one Filter (50330); trigger
// a Url (50329) and at least one Trigger (50331); studio a FlowSid (50327).
// The rules layer calls it on a webhook after applying an update.
func (wh *ChannelWebhook) CheckConfiguration() error {
	return checkWebhookConfig(wh.Type, wh.URL, wh.Filters, wh.Triggers, wh.FlowSid)
}

// checkWebhookConfig is CheckConfiguration over loose values. Twilio has
// "not provided" codes for the type, url, filters and triggers (50328-50331)
// but none for a flow SID, so a missing one is 50327 like a malformed one.
func checkWebhookConfig(typ string, url *string, filters, triggers []string, flowSid *string) error {
	switch typ {
	case WebhookTypeWebhook, WebhookTypeTrigger:
		if url == nil || *url == "" {
			return E(CodeChannelWebhookURLMissing)
		}
		if typ == WebhookTypeWebhook && len(filters) == 0 {
			return E(CodeChannelWebhookFilterMissing)
		}
		if typ == WebhookTypeTrigger && len(triggers) == 0 {
			return E(CodeChannelWebhookTriggerMissing)
		}
	case WebhookTypeStudio:
		if flowSid == nil {
			return Errorf(CodeInvalidChannelWebhookFlowSid, "Channel webhook flow sid not provided")
		}
	}
	return nil
}

// ChannelWebhookService is the Channel Webhooks resource (v2). channel is
// a CH SID or unique name.
type ChannelWebhookService interface {
	CreateChannelWebhook(ctx context.Context, service, channel string, in ChannelWebhookCreate) (*ChannelWebhook, error)
	FindChannelWebhook(ctx context.Context, service, channel, sid string) (*ChannelWebhook, error)
	ListChannelWebhooks(ctx context.Context, service, channel string, p Page) ([]*ChannelWebhook, Cursor, error)
	UpdateChannelWebhook(ctx context.Context, service, channel, sid string, in ChannelWebhookUpdate) (*ChannelWebhook, error)
	DeleteChannelWebhook(ctx context.Context, service, channel, sid string) error
}

// webhooksKey marks a request context with X-Twilio-Webhook-Enabled.
type webhooksKey struct{}

// WithWebhooks records on ctx whether a REST request asked for post-event
// webhooks (X-Twilio-Webhook-Enabled: true) on an operation that accepts
// the header.
func WithWebhooks(ctx context.Context, enabled bool) context.Context {
	return context.WithValue(ctx, webhooksKey{}, enabled)
}

// WebhooksEnabled reports whether ctx carries a request that asked for
// post-event webhooks.
func WebhooksEnabled(ctx context.Context) bool {
	enabled, _ := ctx.Value(webhooksKey{}).(bool)
	return enabled
}
