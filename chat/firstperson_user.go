package chat

import (
	"context"

	"github.com/chatd/chatd/model"
)

// FindUserAs fetches any User of p's Service, with its reachability as
// FindUser gives it.
func (c *Chat) FindUserAs(ctx context.Context, p *model.Principal, key string) (*model.User, *model.Reachability, error) {
	return c.FindUser(ctx, p.ServiceSid, key)
}

// UpdateUserAs changes a User's friendly name or attributes: p's own with
// editOwnUserInfo, anyone's with editAnyUserInfo. The pre-event
// onUserUpdate sees the User as it would become and may rewrite both.
func (c *Chat) UpdateUserAs(ctx context.Context, p *model.Principal, key string, in model.UserUpdate) (*model.User, error) {
	in = model.UserUpdate{FriendlyName: in.FriendlyName, Attributes: in.Attributes}
	if in == (model.UserUpdate{}) {
		return nil, model.MissingParam("friendly_name")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *model.User
	err := c.act(ctx, p, func(ctx context.Context, tx model.Tx) (*plan, error) {
		u, err := tx.User(p.ServiceSid, key)
		if err != nil {
			return nil, inPath(err)
		}
		if err := allowed(tx, p, nil, ownOr(p, u.Identity, actEditOwnUserInfo, actEditAnyUserInfo)); err != nil {
			return nil, err
		}
		proposed := editedUser(*u, in, tx)
		return &plan{event: "onUserUpdate", params: userEvent("onUserUpdated", &proposed).params, apply: func(pre preResult) (model.Ref, error) {
			final := model.UserUpdate{
				FriendlyName: override(in.FriendlyName, pre.FriendlyName),
				Attributes:   override(in.Attributes, pre.Attributes),
			}
			if err := final.Validate(); err != nil {
				return model.Ref{}, err
			}
			next := editedUser(*u, final, tx)
			if err := tx.PutUser(&next); err != nil {
				return model.Ref{}, err
			}
			out = &next
			return model.Ref{Kind: model.RefUser, Sid: u.Identity}, c.emit(ctx, tx, userEvent("onUserUpdated", &next))
		}}, nil
	})
	return out, err
}

// editedUser is u with a first-person update applied.
func editedUser(u model.User, in model.UserUpdate, tx model.Tx) model.User {
	if in.FriendlyName != nil {
		u.FriendlyName = nilIfEmpty(in.FriendlyName)
	}
	set(&u.Attributes, in.Attributes)
	u.DateUpdated = tx.Now()
	return u
}

// ListChannelUsersAs lists the Users of the Members of a Channel p can see,
// in Member (creation) order; page tokens carry MB SIDs.
func (c *Chat) ListChannelUsersAs(ctx context.Context, p *model.Principal, channel string, pg model.Page) (out []*model.User, cur model.Cursor, err error) {
	err = c.store.View(ctx, func(tx model.Tx) error {
		ch, err := visibleChannel(tx, p, channel)
		if err != nil {
			return err
		}
		ms, next, err := list[*model.Member]{
			read:     func(w model.Window) ([]*model.Member, error) { return tx.Members(p.ServiceSid, ch.Sid, w) },
			key:      func(m *model.Member) string { return m.Sid },
			validKey: func(k string) bool { return model.IsSID(model.PrefixMember, k) },
		}.page(pg)
		if err != nil {
			return err
		}
		cur = next
		for _, m := range ms {
			u, err := tx.User(p.ServiceSid, m.UserSid)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	return out, cur, err
}

// TypingAs checks that p may type in a Channel, as it may send there
// (sendMessage), and returns the indicator: the Service's typing indicator
// timeout in seconds, and the identities of the Channel's other Members,
// who are to be told.
func (c *Chat) TypingAs(ctx context.Context, p *model.Principal, channel string) (*model.Typing, error) {
	var t *model.Typing
	err := c.store.View(ctx, func(tx model.Tx) error {
		ch, err := visibleChannel(tx, p, channel)
		if err != nil {
			return err
		}
		if err := allowed(tx, p, ch, actSendMessage); err != nil {
			return err
		}
		s, err := tx.Service(p.ServiceSid)
		if err != nil {
			return inPath(err)
		}
		members, err := tx.Members(p.ServiceSid, ch.Sid, model.Window{})
		if err != nil {
			return err
		}
		t = &model.Typing{ChannelSid: ch.Sid, Identity: p.Identity, Timeout: s.TypingIndicatorTimeout}
		for _, m := range members {
			if m.Identity != p.Identity {
				t.Members = append(t.Members, m.Identity)
			}
		}
		return nil
	})
	return t, err
}
