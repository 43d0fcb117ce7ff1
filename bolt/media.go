package bolt

import (
	"io"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

func (t *tx) Media(service, sid string) (*model.Media, error) {
	b, err := t.serviceChild(service, bucketMedia)
	if err != nil {
		return nil, err
	}
	return mediaCodec.get(b, sid)
}

func (t *tx) ReadMedia(service, sid string, p []byte, off int64) (int, error) {
	bs, err := t.children(service, bucketMedia, bucketMediaContent)
	if err != nil {
		return 0, err
	}
	// Content without a Media record is a staged upload: no Media's yet.
	content := bs[1].Bucket([]byte(sid))
	if bs[0].Get([]byte(sid)) == nil || content == nil {
		return 0, model.ErrNotFound
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		part := mediaChunk(content, pos/model.MediaChunkSize)
		if part == nil || pos%model.MediaChunkSize >= int64(len(part)) {
			return n, io.EOF
		}
		n += copy(p[n:], part[pos%model.MediaChunkSize:])
	}
	return n, nil
}

// mediaChunk is chunk i of a Media's content: the bytes in the chunk's own
// bucket or, in files written before schema version 4, the value under the
// chunk's key itself.
func mediaChunk(content *bbolt.Bucket, i int64) []byte {
	k := indexKey(int(i))
	if c := content.Bucket(k); c != nil {
		return c.Get(keyChunkData)
	}
	return content.Get(k)
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
