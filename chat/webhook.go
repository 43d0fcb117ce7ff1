package chat

import (
	"context"
	"slices"
	"strings"

	"github.com/chatd/chatd/model"
)

// Channel webhooks (v2 only) are stored and served here; delivering them is
// not part of this resource. Twilio's rules: at most MaxChannelWebhooks per
// Channel (403/50321), a Type that never changes, and a configuration that
// holds only what the type uses: url, method, filters and retry_count for
// webhook; url, method, triggers and retry_count for trigger; flow_sid, and
// filters and retry_count when given, for studio.

// CreateChannelWebhook adds a webhook to a Channel (a CH SID or unique
// name). The webhook and trigger types get Twilio's defaults, method POST
// and retry_count 0; studio gets none. A sixth webhook on the Channel is
// 50321 and stores nothing.
func (c *Chat) CreateChannelWebhook(ctx context.Context, service, channel string, in model.ChannelWebhookCreate) (*model.ChannelWebhook, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var wh *model.ChannelWebhook
	err := c.update(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		// Counting in the write transaction makes the limit hold under
		// concurrent creates: the store has one writer at a time.
		existing, err := tx.ChannelWebhooks(service, ch.Sid, model.Window{Limit: model.MaxChannelWebhooks})
		if err != nil {
			return err
		}
		if len(existing) >= model.MaxChannelWebhooks {
			return model.Errorf(model.CodeTooManyChannelWebhooks, "Too many channel webhooks: a channel has at most %d", model.MaxChannelWebhooks)
		}
		now := tx.Now()
		wh = &model.ChannelWebhook{
			Sid:         c.sids.new(model.PrefixChannelWebhook, now),
			ServiceSid:  ch.ServiceSid,
			ChannelSid:  ch.Sid,
			Type:        in.Type,
			DateCreated: now,
			DateUpdated: now,
		}
		if in.Type != model.WebhookTypeStudio {
			method, retries := "POST", 0
			wh.Method, wh.RetryCount = &method, &retries
		}
		applyWebhookConfig(wh, in.ChannelWebhookUpdate)
		return tx.InsertChannelWebhook(wh)
	})
	if err != nil {
		return nil, err
	}
	return wh, nil
}

// applyWebhookConfig copies into wh the Configuration.* parameters given in
// in that wh's type uses; the others are ignored, as they are not part of
// that type's configuration. A Method is stored in upper case, and an empty
// Url or Filters list clears the field (CheckConfiguration then decides
// whether the type can do without it).
func applyWebhookConfig(wh *model.ChannelWebhook, in model.ChannelWebhookUpdate) {
	// Values are copied, so that the record never aliases its input.
	studio := wh.Type == model.WebhookTypeStudio
	if !studio {
		if in.URL != nil {
			url := *in.URL
			wh.URL = nilIfEmpty(&url)
		}
		if in.Method != nil {
			method := strings.ToUpper(*in.Method)
			wh.Method = &method
		}
	}
	if in.Filters != nil && wh.Type != model.WebhookTypeTrigger {
		wh.Filters = webhookList(*in.Filters)
	}
	if in.Triggers != nil && wh.Type == model.WebhookTypeTrigger {
		wh.Triggers = webhookList(*in.Triggers)
	}
	if in.FlowSid != nil && studio {
		flow := *in.FlowSid
		wh.FlowSid = &flow
	}
	if in.RetryCount != nil {
		retries := *in.RetryCount
		wh.RetryCount = &retries
	}
}

// webhookList copies l, or returns nil when it is empty: a list that is not
// configured is absent from the configuration.
func webhookList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return slices.Clone(l)
}

// FindChannelWebhook fetches a webhook of the Channel; one of another
// Channel is 20404, as Twilio scopes the SID to the Channel in the path.
func (c *Chat) FindChannelWebhook(ctx context.Context, service, channel, sid string) (*model.ChannelWebhook, error) {
	var wh *model.ChannelWebhook
	err := c.store.Read(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		wh, err = tx.ChannelWebhook(service, ch.Sid, sid)
		return inPath(err)
	})
	return wh, err
}

// ListChannelWebhooks lists a Channel's webhooks in creation (SID) order.
func (c *Chat) ListChannelWebhooks(ctx context.Context, service, channel string, p model.Page) (out []*model.ChannelWebhook, cur model.Cursor, err error) {
	err = c.store.Read(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		l := list[*model.ChannelWebhook]{
			read: func(w model.Window) ([]*model.ChannelWebhook, error) {
				return tx.ChannelWebhooks(service, ch.Sid, w)
			},
			key:      func(wh *model.ChannelWebhook) string { return wh.Sid },
			validKey: func(k string) bool { return model.IsSID(model.PrefixChannelWebhook, k) },
		}
		out, cur, err = l.page(p)
		return err
	})
	return out, cur, err
}

// UpdateChannelWebhook changes the Configuration.* parameters given and
// leaves the others, and the type, as they are. The result is checked
// against the type as a create is: clearing the Url of a webhook is 50329,
// emptying its Filters 50330. An update without parameters changes nothing.
func (c *Chat) UpdateChannelWebhook(ctx context.Context, service, channel, sid string, in model.ChannelWebhookUpdate) (*model.ChannelWebhook, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var wh *model.ChannelWebhook
	err := c.update(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		if wh, err = tx.ChannelWebhook(service, ch.Sid, sid); err != nil {
			return inPath(err)
		}
		if in == (model.ChannelWebhookUpdate{}) {
			return nil
		}
		applyWebhookConfig(wh, in)
		if err := wh.CheckConfiguration(); err != nil {
			return err
		}
		wh.DateUpdated = tx.Now()
		return tx.PutChannelWebhook(wh)
	})
	if err != nil {
		return nil, err
	}
	return wh, nil
}

// DeleteChannelWebhook removes a webhook of the Channel.
func (c *Chat) DeleteChannelWebhook(ctx context.Context, service, channel, sid string) error {
	return c.update(ctx, func(tx model.Tx) error {
		ch, err := channelOf(tx, service, channel)
		if err != nil {
			return err
		}
		return inPath(tx.DeleteChannelWebhook(service, ch.Sid, sid))
	})
}
