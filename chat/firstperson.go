package chat

import (
	"context"
	"errors"
	"net/url"

	"github.com/chatd/chatd/model"
)

// First-person operations: what a client holding an access token does, as
// its identity (model.FirstPersonService). They share Twilio's rules with
// the REST operations and add the client's: every action is checked
// against the roles of the acting User and of its Member in the Channel,
// inside the write transaction that makes it; private Channels are
// invisible to those who neither belong nor are invited to them; the
// Service's pre-event webhook is asked before the change (outside every
// transaction: the writer never waits on an app's server) and may veto or
// rewrite it; and the change always records its post-events, attributed to
// the client.

// actorKey marks the context of a first-person change with who makes it.
type actorKey struct{}

func withActor(ctx context.Context, p *model.Principal) context.Context {
	return context.WithValue(ctx, actorKey{}, p)
}

// actorOf is the Principal making the change of ctx, nil for a REST one.
func actorOf(ctx context.Context) *model.Principal {
	p, _ := ctx.Value(actorKey{}).(*model.Principal)
	return p
}

// plan is one first-person change, prepared in a transaction: the pre-event
// it fires ("" for none) with its parameters, and apply, which makes the
// change in the write transaction it was prepared in and names what it
// touched.
type plan struct {
	event  string
	params url.Values
	apply  func(pre preResult) (model.Ref, error)
}

// act makes a first-person change. prepare reads what the change needs,
// checks p's permission and plans the change, under a context that
// attributes the change to p. It runs twice: in a read transaction, whose
// plan's pre-event is fired, and again in the write transaction, whose plan
// is applied with the pre-event's overrides, so that the permission holds
// in the transaction that writes. A mutation id p used before stops the
// change in either transaction; a new one is recorded with the change.
func (c *Chat) act(ctx context.Context, p *model.Principal, prepare func(ctx context.Context, tx model.Tx) (*plan, error)) error {
	ctx = withActor(ctx, p)
	var svc *model.Service
	var first *plan
	err := c.store.View(ctx, func(tx model.Tx) (err error) {
		if err := repeated(ctx, tx, p); err != nil {
			return err
		}
		if svc, err = tx.Service(p.ServiceSid); err != nil {
			return inPath(err)
		}
		first, err = prepare(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	var pre preResult
	if first.event != "" {
		if pre, err = c.preEvent(ctx, svc, p, first.event, first.params); err != nil {
			return err
		}
	}
	err = c.update(ctx, func(tx model.Tx) error {
		if err := repeated(ctx, tx, p); err != nil {
			return err
		}
		pl, err := prepare(ctx, tx)
		if err != nil {
			return err
		}
		ref, err := pl.apply(pre)
		if err != nil {
			return err
		}
		return record(ctx, tx, p, ref)
	})
	var repeat *model.RepeatedMutation
	if !errors.As(err, &repeat) {
		return err
	}
	// The write transaction saw the record of a change made under the same
	// id by another request committed in the same group: in an attempt of
	// that group, maybe not the one that committed, with other SIDs. The
	// answer is the record as committed; should the other change have
	// failed in the end, this one is made after all.
	err = c.store.View(ctx, func(tx model.Tx) error { return repeated(ctx, tx, p) })
	if err == nil {
		return c.act(ctx, p, prepare)
	}
	return err
}

// repeated returns *model.RepeatedMutation when ctx carries a mutation id
// that p used before.
func repeated(ctx context.Context, tx model.Tx, p *model.Principal) error {
	id := model.MutationID(ctx)
	if id == "" {
		return nil
	}
	m, err := tx.Mutation(p.ServiceSid, p.Identity, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return &model.RepeatedMutation{Ref: model.ParseRef(m.Ref)}
}

// record keeps ctx's mutation id, if any, with what the change touched.
func record(ctx context.Context, tx model.Tx, p *model.Principal, ref model.Ref) error {
	id := model.MutationID(ctx)
	if id == "" {
		return nil
	}
	return tx.InsertMutation(&model.Mutation{
		ServiceSid:  p.ServiceSid,
		Identity:    p.Identity,
		ID:          id,
		Ref:         ref.String(),
		DateCreated: tx.Now(),
	}, model.MutationsKept)
}

// visibleChannel finds the Channel named by key as p sees it: a private
// Channel that p neither belongs nor is invited to is 20404, as if it did
// not exist.
func visibleChannel(tx model.Tx, p *model.Principal, key string) (*model.Channel, error) {
	ch, err := channelOf(tx, p.ServiceSid, key)
	if err != nil {
		return nil, err
	}
	if ch.Type != model.ChannelPrivate {
		return ch, nil
	}
	if _, err := memberOf(tx, p.ServiceSid, ch.Sid, p.Identity); err == nil {
		return ch, nil
	} else if !errors.Is(err, model.ErrNotFound) {
		return nil, err
	}
	return ch, invited(tx, p, ch)
}

// memberOf finds identity's Member of channel: ErrNotFound when identity is
// not in it (and not when it only names the SID of another Member).
func memberOf(tx model.Tx, service, channel, identity string) (*model.Member, error) {
	m, err := tx.Member(service, channel, identity)
	if err == nil && m.Identity != identity {
		return nil, model.ErrNotFound
	}
	return m, err
}

// channelView is ch with p's relation to it.
func channelView(tx model.Tx, p *model.Principal, ch *model.Channel) (*model.ChannelView, error) {
	mine, err := myChannel(tx, p, ch.Sid)
	if err != nil {
		return nil, err
	}
	return &model.ChannelView{Channel: ch, Mine: mine}, nil
}

// myChannel is p's User Channel of the Channel sid: joined, invited, or not
// participating.
// (A User deleted over REST since p logged in relates to nothing.)
func myChannel(tx model.Tx, p *model.Principal, channel string) (*model.UserChannel, error) {
	none := &model.UserChannel{
		ServiceSid:        p.ServiceSid,
		ChannelSid:        channel,
		Status:            model.UserChannelNotParticipating,
		NotificationLevel: model.NotificationDefault,
	}
	u, err := tx.User(p.ServiceSid, p.Identity)
	if errors.Is(err, model.ErrNotFound) {
		return none, nil
	} else if err != nil {
		return nil, err
	}
	none.UserSid = u.Sid
	l, err := tx.UserChannel(p.ServiceSid, u.Sid, channel)
	if errors.Is(err, model.ErrNotFound) {
		return none, nil
	} else if err != nil {
		return nil, err
	}
	return userChannel(tx, p.ServiceSid, u.Sid, l)
}

// override returns the pre-event's value when it gave one, else v.
func override(v, pre *string) *string {
	if pre != nil {
		return pre
	}
	return v
}
