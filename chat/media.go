package chat

import (
	"context"
	"io"

	"github.com/chatd/chatd/model"
)

func (c *Chat) CreateMedia(ctx context.Context, service string, in model.MediaCreate) (*model.Media, error) {
	return nil, errUnimplemented
}

func (c *Chat) FindMedia(ctx context.Context, service, sid string) (*model.Media, error) {
	return nil, errUnimplemented
}

func (c *Chat) MediaContent(ctx context.Context, service, sid string) (*model.Media, io.ReaderAt, error) {
	return nil, nil, errUnimplemented
}
