package chat

import (
	"context"

	"github.com/chatd/chatd/model"
)

func (c *Chat) CreateChannelWebhook(ctx context.Context, service, channel string, in model.ChannelWebhookCreate) (*model.ChannelWebhook, error) {
	return nil, errUnimplemented
}

func (c *Chat) FindChannelWebhook(ctx context.Context, service, channel, sid string) (*model.ChannelWebhook, error) {
	return nil, errUnimplemented
}

func (c *Chat) ListChannelWebhooks(ctx context.Context, service, channel string, p model.Page) ([]*model.ChannelWebhook, model.Cursor, error) {
	return nil, model.Cursor{}, errUnimplemented
}

func (c *Chat) UpdateChannelWebhook(ctx context.Context, service, channel, sid string, in model.ChannelWebhookUpdate) (*model.ChannelWebhook, error) {
	return nil, errUnimplemented
}

func (c *Chat) DeleteChannelWebhook(ctx context.Context, service, channel, sid string) error {
	return errUnimplemented
}
