package chat

import (
	"context"
	"errors"

	"github.com/chatd/chatd/model"
)

// Reachability: whether a User's clients are connected, counted by chatd's
// socket while the User's Service has reachability enabled. It is kept on
// the User (User.Online), so that REST's is_online and the reachability
// item of the User's info map say the same thing, and a change of it is a
// write like any other: the projection appends the info map's event in the
// same transaction. It fires no webhook: Twilio sends onUserUpdated for a
// User's friendly name, attributes and role, never for reachability.

// SetOnline records that identity's first client connected (online true)
// or that its last one left (false). A User comes online only while its
// Service has reachability enabled; one goes offline whatever the setting,
// so that turning reachability off and on again shows no stale presence.
// Nothing is written when nothing changes, and a Service or User that no
// longer exists is no error: the socket outlived it.
func (c *Chat) SetOnline(ctx context.Context, service, identity string, online bool) error {
	err := c.update(ctx, func(tx model.Tx) error {
		s, err := tx.Service(service)
		if err != nil {
			return err
		}
		u, err := tx.User(service, identity)
		if err != nil || u.Identity != identity {
			return err
		}
		was := u.Online != nil && *u.Online
		if was == online || online && !s.ReachabilityEnabled {
			return nil
		}
		u.Online = &online
		return tx.PutUser(u)
	})
	if errors.Is(err, model.ErrNotFound) {
		return nil
	}
	return err
}

// ResetOnline marks every User offline: what chatd does when it starts, as
// no client is connected to it yet. It returns how many were online.
//
// With several chatd nodes sharing a store, the clients of the other nodes
// are connected: a node runs it only when it starts alone (see
// model.SharedStore), and a User left online by a node that stopped is set
// offline when its client, reconnected to another node, leaves.
func (c *Chat) ResetOnline(ctx context.Context) (int, error) {
	var services []*model.Service
	if err := c.store.View(ctx, func(tx model.Tx) (err error) {
		services, err = tx.Services(model.Window{})
		return err
	}); err != nil {
		return 0, err
	}
	total := 0
	for _, s := range services {
		n := 0
		err := c.update(ctx, func(tx model.Tx) error {
			n = 0 // fn may run again
			users, err := tx.Users(s.Sid, model.Window{})
			if err != nil {
				return notFoundIsNil(err)
			}
			for _, u := range users {
				if u.Online == nil || !*u.Online {
					continue
				}
				offline := false
				u.Online = &offline
				if err := tx.PutUser(u); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
