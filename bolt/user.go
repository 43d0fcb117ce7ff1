package bolt

import (
	"errors"

	"github.com/chatd/chatd/model"
)

func (t *tx) User(service, key string) (*model.User, error) {
	bs, err := t.children(service, bucketUsers, bucketIdentities)
	if err != nil {
		return nil, err
	}
	return userCodec.decode(lookup(bs[0], bs[1], key))
}

func (t *tx) Users(service string, w model.Window) ([]*model.User, error) {
	b, err := t.serviceChild(service, bucketUsers)
	if err != nil {
		return nil, err
	}
	return userCodec.walk(b, w)
}

func (t *tx) InsertUser(u *model.User) error {
	bs, err := t.children(u.ServiceSid, bucketUsers, bucketIdentities)
	if err != nil {
		return err
	}
	users, identities := bs[0], bs[1]
	if users.Get([]byte(u.Sid)) != nil {
		return &model.TakenError{Field: "sid"}
	}
	if identities.Get([]byte(u.Identity)) != nil {
		return &model.TakenError{Field: "identity"}
	}
	u.JoinedChannelsCount = 0
	if err := identities.Put([]byte(u.Identity), []byte(u.Sid)); err != nil {
		return err
	}
	return userCodec.put(users, []byte(u.Sid), u)
}

func (t *tx) PutUser(u *model.User) error {
	users, err := t.serviceChild(u.ServiceSid, bucketUsers)
	if err != nil {
		return err
	}
	old, err := userCodec.get(users, u.Sid)
	if err != nil {
		return err
	}
	u.Identity = old.Identity
	u.JoinedChannelsCount = old.JoinedChannelsCount
	return userCodec.put(users, []byte(u.Sid), u)
}

func (t *tx) DeleteUserTree(service, sid string) error {
	bs, err := t.children(service, bucketUsers, bucketIdentities, bucketUserChannels)
	if err != nil {
		return err
	}
	users, identities, userChannels := bs[0], bs[1], bs[2]
	u, err := userCodec.get(users, sid)
	if err != nil {
		return err
	}
	links, err := t.UserChannels(service, sid, model.Window{Limit: -1})
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.MemberSid != "" {
			if err := t.DeleteMember(service, l.ChannelSid, l.MemberSid); err != nil {
				return err
			}
		}
		if l.InviteSid != "" {
			if err := t.DeleteInvite(service, l.ChannelSid, l.InviteSid); err != nil {
				return err
			}
		}
	}
	bindings, err := t.UserBindings(service, sid)
	if err != nil {
		return err
	}
	for _, b := range bindings {
		if err := t.DeleteBinding(service, b.Sid); err != nil {
			return err
		}
	}
	if byUser, err := t.serviceChild(service, bucketUserBindings); err != nil {
		return err
	} else if byUser.Bucket([]byte(sid)) != nil {
		if err := byUser.DeleteBucket([]byte(sid)); err != nil {
			return err
		}
	}
	if userChannels.Bucket([]byte(sid)) != nil {
		if err := userChannels.DeleteBucket([]byte(sid)); err != nil {
			return err
		}
	}
	if err := identities.Delete([]byte(u.Identity)); err != nil {
		return err
	}
	return users.Delete([]byte(sid))
}

// addJoined adds delta to the User's JoinedChannelsCount; a User that is
// already gone (being deleted) is left alone.
func (t *tx) addJoined(service, user string, delta int) error {
	users, err := t.serviceChild(service, bucketUsers)
	if err != nil {
		return err
	}
	u, err := userCodec.get(users, user)
	if errors.Is(err, model.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	u.JoinedChannelsCount += delta
	return userCodec.put(users, []byte(user), u)
}
