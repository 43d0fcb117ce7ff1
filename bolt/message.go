package bolt

import (
	"bytes"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// AppendMessage mints the SID of a Message that has none so that it
// carries the Message's index (model.NewMessageSid): such a Message is
// found by its SID without an entry in messages_by_sid, which a send would
// otherwise write, on pages of their own, with every Message. A SID given
// by the caller (a seed's, say) gets its entry as before.
func (t *tx) AppendMessage(m *model.Message) error {
	messages, err := t.channelMessages(m.ServiceSid, m.ChannelSid)
	if err != nil {
		return err
	}
	appendOnly(messages)
	if m.Sid != "" {
		if _, _, err := t.findMessage(m.ServiceSid, m.ChannelSid, m.Sid, &model.Message{}); err == nil {
			return &model.TakenError{Field: "sid"}
		} else if err != model.ErrNotFound {
			return err
		}
	}
	// The bucket's sequence counts the indexes ever assigned; it never goes
	// down, so a deleted Message's index is never reused.
	seq, err := messages.NextSequence()
	if err != nil {
		return err
	}
	m.Index = int(seq - 1)
	key := indexKey(m.Index)
	indexed := true // in messages_by_sid
	if m.Sid == "" {
		var carries bool
		m.Sid, carries = model.NewMessageSid(t.now, m.Index)
		indexed = !carries
	}
	if m.Media != nil || indexed {
		// Only then does a send write to the Channel's channel_data.
		data, err := t.channelData(m.ServiceSid, m.ChannelSid)
		if err != nil {
			return err
		}
		if m.Media != nil {
			if err := t.attachMedia(data, m); err != nil {
				return err
			}
		}
		if indexed {
			if err := appendOnly(data.Bucket(bucketMessagesBySid)).Put(messageSidKey(m.Sid), key); err != nil {
				return err
			}
		}
	}
	if err := putMessage(messages, key, m); err != nil {
		return err
	}
	return t.updateChannel(m.ServiceSid, m.ChannelSid, func(c *model.Channel) {
		c.MessagesCount++
		c.LastMessageSid = m.Sid
	})
}

// findMessage decodes the Message sid of a Channel into m and returns the
// Channel's Messages bucket and the Message's key there: the index its SID
// carries when the Message there has that SID, else the entry of
// messages_by_sid (a SID given by a caller, or minted before schema 7). It
// is ErrNotFound when there is none.
func (t *tx) findMessage(service, channel, sid string, m *model.Message) (*bbolt.Bucket, []byte, error) {
	messages, err := t.channelMessages(service, channel)
	if err != nil {
		return nil, nil, err
	}
	if index, ok := model.MessageSidIndex(sid); ok {
		key := indexKey(index)
		if v := messages.Get(key); v != nil {
			if err := record.DecodeMessage(v, m); err != nil {
				return nil, nil, err
			}
			if m.Sid == sid {
				return messages, key, nil
			}
		}
	}
	data, err := t.channelData(service, channel)
	if err != nil {
		return nil, nil, err
	}
	key := data.Bucket(bucketMessagesBySid).Get(messageSidKey(sid))
	if key == nil {
		return nil, nil, model.ErrNotFound
	}
	if err := record.DecodeMessage(messages.Get(key), m); err != nil {
		return nil, nil, err
	}
	return messages, key, nil
}

func (t *tx) Message(service, channel, sid string) (*model.Message, error) {
	m := &model.Message{}
	_, key, err := t.findMessage(service, channel, sid, m)
	if err != nil {
		return nil, err
	}
	m.ServiceSid, m.ChannelSid, m.Index = service, channel, int(decodeIndex(key))
	return m, nil
}

// messageChunk is how many Messages a page read decodes at once: their
// structs are one allocation, and so are their strings.
const messageChunk = 64

// Messages decodes the Messages of a window a chunk at a time: the stored
// values of a chunk are copied into one string, which the strings of its
// Messages are cut from (record.DecodeMessageIn).
func (t *tx) Messages(service, channel string, w model.Window) ([]*model.Message, error) {
	messages, err := t.channelMessages(service, channel)
	if err != nil {
		return nil, err
	}
	after, err := parseIndexKey(w.After)
	if err != nil {
		return nil, err
	}
	chunk := messageChunk
	if w.Limit > 0 {
		chunk = min(w.Limit, messageChunk)
	}
	var (
		out     []*model.Message
		indexes = make([]uint64, 0, chunk)
		values  = make([][]byte, 0, chunk) // valid until the transaction ends
		size    int
	)
	flush := func() error {
		all := make([]model.Message, len(values))
		var shared strings.Builder
		shared.Grow(size)
		for _, v := range values {
			shared.Write(v)
		}
		s := shared.String()
		for i, v := range values {
			m := &all[i]
			if err := record.DecodeMessageIn(v, s[:len(v)], m); err != nil {
				return err
			}
			s = s[len(v):]
			m.ServiceSid, m.ChannelSid, m.Index = service, channel, int(indexes[i])
			out = append(out, m)
		}
		indexes, values, size = indexes[:0], values[:0], 0
		return nil
	}
	err = walk(messages, after, w, func(k, v []byte) error {
		indexes, values, size = append(indexes, decodeIndex(k)), append(values, v), size+len(v)
		if len(values) == chunk {
			return flush()
		}
		return nil
	})
	if err == nil && len(values) > 0 {
		err = flush()
	}
	return out, err
}

// PutMessage stores the record without what its key and buckets say
// (putMessage).
func (t *tx) PutMessage(m *model.Message) error {
	messages, key, err := t.findMessage(m.ServiceSid, m.ChannelSid, m.Sid, &model.Message{})
	if err != nil {
		return err
	}
	m.Index = int(decodeIndex(key))
	return putMessage(appendOnly(messages), bytes.Clone(key), m)
}

func (t *tx) DeleteMessage(service, channel, sid string) error {
	var m model.Message
	messages, key, err := t.findMessage(service, channel, sid, &m)
	if err != nil {
		return err
	}
	key = bytes.Clone(key)
	data, err := t.channelData(service, channel)
	if err != nil {
		return err
	}
	if m.Media != nil {
		if err := t.deleteMedia(service, m.Media.Sid); err != nil {
			return err
		}
		if err := data.Bucket(bucketMessageMedia).Delete([]byte(m.Media.Sid)); err != nil {
			return err
		}
	}
	if err := messages.Delete(key); err != nil {
		return err
	}
	if err := data.Bucket(bucketMessagesBySid).Delete(messageSidKey(sid)); err != nil {
		return err
	}
	if err := data.Bucket(bucketMessageGaps).Put(key, []byte{}); err != nil {
		return err
	}
	last := ""
	if _, v := messages.Cursor().Last(); v != nil {
		if err := record.DecodeMessage(v, &m); err != nil {
			return err
		}
		last = m.Sid
	}
	return t.updateChannel(service, channel, func(c *model.Channel) {
		c.MessagesCount--
		c.LastMessageSid = last
	})
}

// CountMessagesAfter derives the count from the index sequence and the
// deleted indexes, so its cost grows with deletions after index, not with
// the number of Messages.
func (t *tx) CountMessagesAfter(service, channel string, index int) (int, error) {
	messages, err := t.channelMessages(service, channel)
	if err != nil {
		return 0, err
	}
	last := int(messages.Sequence()) - 1
	if index >= last {
		return 0, nil
	}
	index = max(index, -1)
	n := last - index
	data, err := t.channelData(service, channel)
	if err != nil {
		return 0, err
	}
	c := data.Bucket(bucketMessageGaps).Cursor()
	for k, _ := c.Seek(indexKey(index + 1)); k != nil; k, _ = c.Next() {
		n--
	}
	return n, nil
}
