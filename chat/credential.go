package chat

import (
	"context"
	"errors"

	"github.com/chatd/chatd/model"
)

var errUnimplemented = errors.New("chat: not implemented")

func (c *Chat) CreateCredential(ctx context.Context, in model.CredentialCreate) (*model.Credential, error) {
	return nil, errUnimplemented
}

func (c *Chat) FindCredential(ctx context.Context, sid string) (*model.Credential, error) {
	return nil, errUnimplemented
}

func (c *Chat) ListCredentials(ctx context.Context, p model.Page) ([]*model.Credential, model.Cursor, error) {
	return nil, model.Cursor{}, errUnimplemented
}

func (c *Chat) UpdateCredential(ctx context.Context, sid string, in model.CredentialUpdate) (*model.Credential, error) {
	return nil, errUnimplemented
}

func (c *Chat) DeleteCredential(ctx context.Context, sid string) error { return errUnimplemented }
