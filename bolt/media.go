package bolt

import (
	"encoding/binary"
	"io"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// mediaChunk is the size of one stored piece of Media content: small enough
// that bbolt never copies a huge value, large enough that a file is a few
// hundred keys at most.
const mediaChunk = 256 << 10

func (t *tx) InsertMedia(m *model.Media, content []byte) error {
	bs, err := t.children(m.ServiceSid, bucketMedia, bucketMediaContent)
	if err != nil {
		return err
	}
	media, contents := bs[0], bs[1]
	if media.Get([]byte(m.Sid)) != nil {
		return &model.TakenError{Field: "sid"}
	}
	c, err := contents.CreateBucket([]byte(m.Sid))
	if err != nil {
		return err
	}
	m.Size = int64(len(content))
	for i := 0; i*mediaChunk < len(content); i++ {
		part := content[i*mediaChunk : min((i+1)*mediaChunk, len(content))]
		if err := c.Put(binary.BigEndian.AppendUint64(nil, uint64(i)), part); err != nil {
			return err
		}
	}
	return mediaCodec.put(media, []byte(m.Sid), m)
}

func (t *tx) Media(service, sid string) (*model.Media, error) {
	b, err := t.serviceChild(service, bucketMedia)
	if err != nil {
		return nil, err
	}
	return mediaCodec.get(b, sid)
}

func (t *tx) ReadMedia(service, sid string, p []byte, off int64) (int, error) {
	contents, err := t.serviceChild(service, bucketMediaContent)
	if err != nil {
		return 0, err
	}
	c := contents.Bucket([]byte(sid))
	if c == nil {
		return 0, model.ErrNotFound
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		part := c.Get(binary.BigEndian.AppendUint64(nil, uint64(pos/mediaChunk)))
		if part == nil || pos%mediaChunk >= int64(len(part)) {
			return n, io.EOF
		}
		n += copy(p[n:], part[pos%mediaChunk:])
	}
	return n, nil
}

// attachMedia marks Media sid as the file of Message m (see AppendMessage).
func (t *tx) attachMedia(data *bbolt.Bucket, m *model.Message) error {
	media, err := t.serviceChild(m.ServiceSid, bucketMedia)
	if err != nil {
		return err
	}
	me, err := mediaCodec.get(media, m.Media.Sid)
	if err != nil {
		return err
	}
	if me.MessageSid != "" {
		return &model.TakenError{Field: "media"}
	}
	me.ChannelSid, me.MessageSid = m.ChannelSid, m.Sid
	if err := data.Bucket(bucketMessageMedia).Put([]byte(me.Sid), []byte(m.Sid)); err != nil {
		return err
	}
	return mediaCodec.put(media, []byte(me.Sid), me)
}

// deleteMedia removes a Media record and its content.
func (t *tx) deleteMedia(service, sid string) error {
	bs, err := t.children(service, bucketMedia, bucketMediaContent)
	if err != nil {
		return err
	}
	if bs[1].Bucket([]byte(sid)) != nil {
		if err := bs[1].DeleteBucket([]byte(sid)); err != nil {
			return err
		}
	}
	return bs[0].Delete([]byte(sid))
}
