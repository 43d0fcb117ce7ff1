package bolt

import (
	"slices"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// Channel answers from the transaction's cache when it can, so that a send
// that has read its Channel does not decode it again to update its counts.
// A read transaction decodes without caching: it has no write to spare a
// decode for, and a cached Channel is handed out as a copy.
func (t *tx) Channel(service, key string) (*model.Channel, error) {
	if c, ok := t.channels[channelKey{service, key}]; ok {
		return cloneChannel(c), nil
	}
	channels, err := t.serviceChild(service, bucketChannels)
	if err != nil {
		return nil, err
	}
	sid, v := key, channels.Get([]byte(key))
	if v == nil {
		// Not a SID: a unique name, looked up only now.
		names, err := t.serviceChild(service, bucketChannelNames)
		if err != nil {
			return nil, err
		}
		s := names.Get([]byte(key))
		if s == nil {
			return nil, model.ErrNotFound
		}
		sid = string(s)
		if c, ok := t.channels[channelKey{service, sid}]; ok {
			return cloneChannel(c), nil
		}
		if v = channels.Get(s); v == nil {
			return nil, model.ErrNotFound
		}
	}
	if !t.btx.Writable() {
		return channelCodec.decode(v)
	}
	c, err := t.cacheChannel(service, sid, v)
	if err != nil {
		return nil, err
	}
	return cloneChannel(c), nil
}

// Channels walks the channels bucket, or for a single type that type's index,
// so that a page costs the same however many Channels of other types exist.
func (t *tx) Channels(service string, types []string, w model.Window) ([]*model.Channel, error) {
	bs, err := t.children(service, bucketChannels, bucketChannelTypes)
	if err != nil {
		return nil, err
	}
	channels, byType := bs[0], bs[1]
	types = slices.Compact(slices.Sorted(slices.Values(types)))
	if len(types) != 1 {
		return channelCodec.walk(channels, w)
	}
	index := byType.Bucket([]byte(types[0]))
	if index == nil {
		return nil, nil
	}
	var out []*model.Channel
	err = walk(index, sidKey(w), w, func(k, _ []byte) error {
		c, err := channelCodec.decode(channels.Get(k))
		if err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

func (t *tx) InsertChannel(c *model.Channel) error {
	bs, err := t.children(c.ServiceSid, bucketChannels, bucketChannelNames, bucketChannelTypes, bucketChannelData, bucketChannelMessages)
	if err != nil {
		return err
	}
	channels, names, byType, data, messages := bs[0], bs[1], bs[2], bs[3], bs[4]
	if channels.Get([]byte(c.Sid)) != nil {
		return &model.TakenError{Field: "sid"}
	}
	if c.UniqueName != nil {
		if names.Get([]byte(*c.UniqueName)) != nil {
			return &model.TakenError{Field: "unique_name"}
		}
		if err := names.Put([]byte(*c.UniqueName), []byte(c.Sid)); err != nil {
			return err
		}
	}
	if err := indexType(byType, c.Type, c.Sid); err != nil {
		return err
	}
	b, err := data.CreateBucket([]byte(c.Sid))
	if err != nil {
		return err
	}
	if err := createBuckets(b, channelBuckets); err != nil {
		return err
	}
	if _, err := messages.CreateBucket([]byte(c.Sid)); err != nil {
		return err
	}
	c.MembersCount, c.MessagesCount, c.LastMessageSid = 0, 0, ""
	return channelCodec.put(channels, []byte(c.Sid), c)
}

func (t *tx) PutChannel(c *model.Channel) error {
	bs, err := t.children(c.ServiceSid, bucketChannels, bucketChannelNames, bucketChannelTypes)
	if err != nil {
		return err
	}
	channels, names, byType := bs[0], bs[1], bs[2]
	old, err := t.cachedChannel(channels, c.ServiceSid, c.Sid)
	if err != nil {
		return err
	}
	if oldName, newName := model.Deref(old.UniqueName), model.Deref(c.UniqueName); oldName != newName {
		if newName != "" {
			if names.Get([]byte(newName)) != nil {
				return &model.TakenError{Field: "unique_name"}
			}
			if err := names.Put([]byte(newName), []byte(c.Sid)); err != nil {
				return err
			}
		}
		if oldName != "" {
			if err := names.Delete([]byte(oldName)); err != nil {
				return err
			}
		}
	}
	if old.Type != c.Type {
		if err := unindexType(byType, old.Type, c.Sid); err != nil {
			return err
		}
		if err := indexType(byType, c.Type, c.Sid); err != nil {
			return err
		}
	}
	c.MembersCount, c.MessagesCount, c.LastMessageSid = old.MembersCount, old.MessagesCount, old.LastMessageSid
	t.forgetChannel(c.ServiceSid, c.Sid)
	return channelCodec.put(channels, []byte(c.Sid), c)
}

func (t *tx) DeleteChannelTree(service, sid string) error {
	bs, err := t.children(service, bucketChannels, bucketChannelNames, bucketChannelTypes, bucketChannelData, bucketChannelMessages)
	if err != nil {
		return err
	}
	channels, names, byType, data, messages := bs[0], bs[1], bs[2], bs[3], bs[4]
	c, err := t.cachedChannel(channels, service, sid)
	if err != nil {
		return err
	}
	t.forgetChannel(service, sid)
	members, err := t.Members(service, sid, model.Window{})
	if err != nil {
		return err
	}
	for _, m := range members {
		if err := t.addJoined(service, m.UserSid, -1); err != nil {
			return err
		}
		if err := t.link(service, m.UserSid, sid, func(l *model.UserChannelLink) { l.MemberSid = "" }); err != nil {
			return err
		}
	}
	invites, err := t.Invites(service, sid, model.Window{})
	if err != nil {
		return err
	}
	for _, in := range invites {
		if err := t.link(service, in.UserSid, sid, func(l *model.UserChannelLink) { l.InviteSid = "" }); err != nil {
			return err
		}
	}
	var media []string
	if err := data.Bucket([]byte(sid)).Bucket(bucketMessageMedia).ForEach(func(k, _ []byte) error {
		media = append(media, string(k))
		return nil
	}); err != nil {
		return err
	}
	for _, me := range media {
		if err := t.deleteMedia(service, me); err != nil {
			return err
		}
	}
	if err := data.DeleteBucket([]byte(sid)); err != nil {
		return err
	}
	if err := messages.DeleteBucket([]byte(sid)); err != nil {
		return err
	}
	t.forgetChannel(service, sid) // the reads above kept its subtree
	if c.UniqueName != nil {
		if err := names.Delete([]byte(*c.UniqueName)); err != nil {
			return err
		}
	}
	if err := unindexType(byType, c.Type, sid); err != nil {
		return err
	}
	return channels.Delete([]byte(sid))
}

// updateChannel applies fn to the stored Channel: how the store keeps the
// derived counts. It changes the cached Channel and writes it through.
func (t *tx) updateChannel(service, sid string, fn func(*model.Channel)) error {
	channels, err := t.serviceChild(service, bucketChannels)
	if err != nil {
		return err
	}
	c, err := t.cachedChannel(channels, service, sid)
	if err != nil {
		return err
	}
	fn(c)
	return channelCodec.put(channels, []byte(sid), c)
}

func indexType(byType *bbolt.Bucket, typ, sid string) error {
	b, err := byType.CreateBucketIfNotExists([]byte(typ))
	if err != nil {
		return err
	}
	return b.Put([]byte(sid), []byte{})
}

func unindexType(byType *bbolt.Bucket, typ, sid string) error {
	if b := byType.Bucket([]byte(typ)); b != nil {
		return b.Delete([]byte(sid))
	}
	return nil
}
