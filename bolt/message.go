package bolt

import (
	"bytes"
	"strings"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

func (t *tx) AppendMessage(m *model.Message) error {
	data, err := t.channelData(m.ServiceSid, m.ChannelSid)
	if err != nil {
		return err
	}
	messages, sids := appendOnly(data.Bucket(bucketMessages)), appendOnly(data.Bucket(bucketMessagesBySid))
	sidKey := messageSidKey(m.Sid)
	if sids.Get(sidKey) != nil {
		return &model.TakenError{Field: "sid"}
	}
	// The bucket's sequence counts the indexes ever assigned; it never goes
	// down, so a deleted Message's index is never reused.
	seq, err := messages.NextSequence()
	if err != nil {
		return err
	}
	m.Index = int(seq - 1)
	key := indexKey(m.Index)
	if m.Media != nil {
		if err := t.attachMedia(data, m); err != nil {
			return err
		}
	}
	if err := sids.Put(sidKey, key); err != nil {
		return err
	}
	if err := putMessage(messages, key, m); err != nil {
		return err
	}
	return t.updateChannel(m.ServiceSid, m.ChannelSid, func(c *model.Channel) {
		c.MessagesCount++
		c.LastMessageSid = m.Sid
	})
}

func (t *tx) Message(service, channel, sid string) (*model.Message, error) {
	data, err := t.channelData(service, channel)
	if err != nil {
		return nil, err
	}
	key := data.Bucket(bucketMessagesBySid).Get(messageSidKey(sid))
	if key == nil {
		return nil, model.ErrNotFound
	}
	m := &model.Message{}
	if err := decodeMessage(data.Bucket(bucketMessages).Get(key), m, service, channel, decodeIndex(key)); err != nil {
		return nil, err
	}
	return m, nil
}

// messageChunk is how many Messages a page read decodes at once: their
// structs are one allocation, and so are their strings.
const messageChunk = 64

// Messages decodes the Messages of a window a chunk at a time: the stored
// values of a chunk are copied into one string, which the strings of its
// Messages are cut from (record.DecodeMessageIn).
func (t *tx) Messages(service, channel string, w model.Window) ([]*model.Message, error) {
	data, err := t.channelData(service, channel)
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
	err = walk(data.Bucket(bucketMessages), after, w, func(k, v []byte) error {
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
	data, err := t.channelData(m.ServiceSid, m.ChannelSid)
	if err != nil {
		return err
	}
	key := data.Bucket(bucketMessagesBySid).Get(messageSidKey(m.Sid))
	if key == nil {
		return model.ErrNotFound
	}
	m.Index = int(decodeIndex(key))
	return putMessage(appendOnly(data.Bucket(bucketMessages)), bytes.Clone(key), m)
}

func (t *tx) DeleteMessage(service, channel, sid string) error {
	data, err := t.channelData(service, channel)
	if err != nil {
		return err
	}
	messages, sids := data.Bucket(bucketMessages), data.Bucket(bucketMessagesBySid)
	sidKey := messageSidKey(sid)
	key := bytes.Clone(sids.Get(sidKey))
	if key == nil {
		return model.ErrNotFound
	}
	var m model.Message
	if err := record.DecodeMessage(messages.Get(key), &m); err != nil {
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
	if err := sids.Delete(sidKey); err != nil {
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
	data, err := t.channelData(service, channel)
	if err != nil {
		return 0, err
	}
	last := int(data.Bucket(bucketMessages).Sequence()) - 1
	if index >= last {
		return 0, nil
	}
	index = max(index, -1)
	n := last - index
	c := data.Bucket(bucketMessageGaps).Cursor()
	for k, _ := c.Seek(indexKey(index + 1)); k != nil; k, _ = c.Next() {
		n--
	}
	return n, nil
}
