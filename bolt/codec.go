package bolt

import (
	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// Records are stored in the format of package record, which every engine
// shares; codec puts them in buckets and walks them.

// codec stores model values of type M as records in buckets.
type codec[M any] struct{ record.Codec[M] }

var (
	serviceCodec        = codec[model.Service]{record.Service}
	roleCodec           = codec[model.Role]{record.Role}
	userCodec           = codec[model.User]{record.User}
	userChannelCodec    = codec[model.UserChannelLink]{record.UserChannel}
	channelCodec        = codec[model.Channel]{record.Channel}
	memberCodec         = codec[model.Member]{record.Member}
	inviteCodec         = codec[model.Invite]{record.Invite}
	credentialCodec     = codec[model.Credential]{record.Credential}
	apiKeyCodec         = codec[model.APIKey]{record.APIKey}
	bindingCodec        = codec[model.Binding]{record.Binding}
	channelWebhookCodec = codec[model.ChannelWebhook]{record.ChannelWebhook}
	mediaCodec          = codec[model.Media]{record.Media}
	deliveryCodec       = codec[model.Delivery]{record.Delivery}
)

// encode is the stored form of m.
func (c codec[M]) encode(m *M) ([]byte, error) { return c.Encode(m) }

// decode decodes a stored value; nil means there is none (ErrNotFound).
func (c codec[M]) decode(v []byte) (*M, error) { return c.Decode(v) }

// put stores m under key in b.
func (c codec[M]) put(b *bbolt.Bucket, key []byte, m *M) error {
	v, err := c.Encode(m)
	if err != nil {
		return err
	}
	return b.Put(key, v)
}

// get decodes the value under key in b, or returns ErrNotFound.
func (c codec[M]) get(b *bbolt.Bucket, key string) (*M, error) {
	return c.Decode(b.Get([]byte(key)))
}

// walk decodes the values of a window over b, a bucket keyed by SID.
func (c codec[M]) walk(b *bbolt.Bucket, w model.Window) ([]*M, error) {
	var out []*M
	err := walk(b, sidKey(w), w, func(_, v []byte) error {
		m, err := c.Decode(v)
		if err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// putMessage stores m under key in b, without what the key and the
// buckets say (record.EncodeMessage).
func putMessage(b *bbolt.Bucket, key []byte, m *model.Message) error {
	v, err := record.EncodeMessage(m)
	if err != nil {
		return err
	}
	return b.Put(key, v)
}

// decodeMessage decodes the stored Message at index of channel of service
// into m.
func decodeMessage(v []byte, m *model.Message, service, channel string, index uint64) error {
	if err := record.DecodeMessage(v, m); err != nil {
		return err
	}
	m.ServiceSid, m.ChannelSid, m.Index = service, channel, int(index)
	return nil
}
