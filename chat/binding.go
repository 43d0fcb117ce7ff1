package chat

import (
	"context"

	"github.com/chatd/chatd/model"
)

func (c *Chat) CreateBinding(ctx context.Context, service string, in model.BindingCreate) (*model.Binding, bool, error) {
	return nil, false, errUnimplemented
}

func (c *Chat) FindBinding(ctx context.Context, service, sid string) (*model.Binding, error) {
	return nil, errUnimplemented
}

func (c *Chat) ListBindings(ctx context.Context, service string, f model.BindingFilter, p model.Page) ([]*model.Binding, model.Cursor, error) {
	return nil, model.Cursor{}, errUnimplemented
}

func (c *Chat) DeleteBinding(ctx context.Context, service, sid string) error { return errUnimplemented }

func (c *Chat) FindUserBinding(ctx context.Context, service, user, sid string) (*model.Binding, error) {
	return nil, errUnimplemented
}

func (c *Chat) ListUserBindings(ctx context.Context, service, user string, types []string, p model.Page) ([]*model.Binding, model.Cursor, error) {
	return nil, model.Cursor{}, errUnimplemented
}

func (c *Chat) DeleteUserBinding(ctx context.Context, service, user, sid string) error {
	return errUnimplemented
}
