package model

import (
	"context"
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
const (
	MaxChannelWebhooks = 5
	MaxWebhookTriggers = 5
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
