package bolt

import "github.com/chatd/chatd/model"

func (t *tx) UserChannels(service, user string, w model.Window) ([]model.UserChannelLink, error) {
	all, err := t.serviceChild(service, bucketUserChannels)
	if err != nil {
		return nil, err
	}
	b := all.Bucket([]byte(user))
	if b == nil {
		return nil, nil
	}
	var out []model.UserChannelLink
	err = walk(b, sidKey(w), w, func(_, v []byte) error {
		l, err := userChannelCodec.decode(v)
		if err != nil {
			return err
		}
		out = append(out, *l)
		return nil
	})
	return out, err
}

func (t *tx) UserChannel(service, user, channel string) (model.UserChannelLink, error) {
	all, err := t.serviceChild(service, bucketUserChannels)
	if err != nil {
		return model.UserChannelLink{}, err
	}
	b := all.Bucket([]byte(user))
	if b == nil {
		return model.UserChannelLink{}, model.ErrNotFound
	}
	l, err := userChannelCodec.get(b, channel)
	if err != nil {
		return model.UserChannelLink{}, err
	}
	return *l, nil
}

// link applies fn to the link between user and channel, creating it when
// absent and deleting it when it no longer names a Member or an Invite.
func (t *tx) link(service, user, channel string, fn func(*model.UserChannelLink)) error {
	all, err := t.serviceChild(service, bucketUserChannels)
	if err != nil {
		return err
	}
	b, err := all.CreateBucketIfNotExists([]byte(user))
	if err != nil {
		return err
	}
	l := model.UserChannelLink{ChannelSid: channel}
	if v := b.Get([]byte(channel)); v != nil {
		old, err := userChannelCodec.decode(v)
		if err != nil {
			return err
		}
		l = *old
	}
	fn(&l)
	if l.MemberSid == "" && l.InviteSid == "" {
		return b.Delete([]byte(channel))
	}
	return userChannelCodec.put(b, []byte(channel), &l)
}
