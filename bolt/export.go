package bolt

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// ExportOptions configure Export.
type ExportOptions struct {
	// LockTimeout is how long Export waits for another process to release
	// the file; one second when zero.
	LockTimeout time.Duration
}

// Export hands every record of the chatd file at path to to, as
// model.Loader says: walking the bucket tree (schema.go) in one read
// transaction, so the copy is of one moment. Index entries are not
// records and are not handed out (a copy's store builds its own); nor are
// staged uploads, which are no Media yet.
//
// No chatd may be serving the file: one holds it locked, and Export
// refuses it after opts.LockTimeout. Export opens it read-only and changes
// nothing, so a file of an older schema, which only a chatd opening it for
// writing migrates, is refused too.
func Export(ctx context.Context, path string, to model.Loader, opts ExportOptions) error {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: opts.LockTimeout})
	if err != nil {
		return openError(path, err)
	}
	defer bdb.Close()
	return bdb.View(func(btx *bbolt.Tx) error {
		if err := checkVersion(path, btx); err != nil {
			return err
		}
		e := &exporter{ctx: ctx, btx: btx, to: to}
		return e.export()
	})
}

// checkVersion refuses a file that is no chatd file, or not of the
// current schema.
func checkVersion(path string, btx *bbolt.Tx) error {
	meta := btx.Bucket(bucketMeta)
	if meta == nil {
		return fmt.Errorf("bolt: %s is not a chatd file", path)
	}
	v := meta.Get(keyVersion)
	if len(v) != 8 {
		return fmt.Errorf("bolt: %s has a malformed schema version", path)
	}
	switch version := int(binary.BigEndian.Uint64(v)); {
	case version > schemaVersion:
		return fmt.Errorf("bolt: %s has schema version %d, this chatd knows up to %d: use a newer chatd", path, version, schemaVersion)
	case version < schemaVersion:
		return fmt.Errorf("bolt: %s has schema version %d, an older one: start this chatd on it once (chatd serve --db %s), "+
			"which migrates it to version %d, then copy it", path, version, path, schemaVersion)
	}
	return nil
}

// exporter walks one read transaction of a chatd file.
type exporter struct {
	ctx context.Context
	btx *bbolt.Tx
	to  model.Loader
}

// export hands out the file's records: account-level ones, then each
// Service's tree, then the outbox and the counters.
func (e *exporter) export() error {
	if err := e.settings(); err != nil {
		return err
	}
	if err := eachRecord(e.root(bucketAPIKeys), apiKeyCodec, e.to.APIKey); err != nil {
		return err
	}
	if err := eachRecord(e.root(bucketCredentials), credentialCodec, e.to.Credential); err != nil {
		return err
	}
	if err := eachService(e.btx, func(_ []byte, dir *bbolt.Bucket) error { return e.service(dir) }); err != nil {
		return err
	}
	if err := eachRecord(e.root(bucketDeliveries), deliveryCodec, e.to.Delivery); err != nil {
		return err
	}
	return e.to.Counters(e.sequence(bucketDeliveries), e.sequence(bucketSync))
}

// root is a root bucket; nil in a file that has none of that name (one
// never opened by a chatd that creates it).
func (e *exporter) root(name []byte) *bbolt.Bucket { return e.btx.Bucket(name) }

// sequence is the sequence of a root bucket: 0 when there is none.
func (e *exporter) sequence(name []byte) uint64 {
	if b := e.root(name); b != nil {
		return b.Sequence()
	}
	return 0
}

func (e *exporter) settings() error {
	b := e.root(bucketSettings)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error { return e.to.Setting(string(k), string(v)) })
}

// service hands out one Service's tree, in dependency order.
func (e *exporter) service(b *bbolt.Bucket) error {
	if err := e.ctx.Err(); err != nil {
		return err
	}
	s, err := serviceCodec.decode(b.Get(keyRecord))
	if err != nil {
		return err
	}
	if err := e.to.Service(s); err != nil {
		return err
	}
	if err := eachRecord(b.Bucket(bucketRoles), roleCodec, e.to.Role); err != nil {
		return err
	}
	if err := eachRecord(b.Bucket(bucketUsers), userCodec, e.to.User); err != nil {
		return err
	}
	data, messages := b.Bucket(bucketChannelData), b.Bucket(bucketChannelMessages)
	err = eachRecord(b.Bucket(bucketChannels), channelCodec, func(c *model.Channel) error {
		channel, channelMessages := data.Bucket([]byte(c.Sid)), messages.Bucket([]byte(c.Sid))
		if channel == nil || channelMessages == nil {
			return fmt.Errorf("bolt: Channel %s of %s has no channel_data or channel_messages", c.Sid, s.Sid)
		}
		return e.channel(c, channel, channelMessages)
	})
	if err != nil {
		return err
	}
	if err := eachRecord(b.Bucket(bucketBindings), bindingCodec, e.to.Binding); err != nil {
		return err
	}
	if err := e.media(b); err != nil {
		return err
	}
	if err := e.mutations(s.Sid); err != nil {
		return err
	}
	return e.syncLog(s.Sid)
}

// channel hands out a Channel and what lives in it.
func (e *exporter) channel(c *model.Channel, data, messages *bbolt.Bucket) error {
	if err := e.ctx.Err(); err != nil {
		return err
	}
	if err := e.to.Channel(c, int(messages.Sequence())-1); err != nil {
		return err
	}
	if err := eachRecord(data.Bucket(bucketMembers), memberCodec, e.to.Member); err != nil {
		return err
	}
	if err := eachRecord(data.Bucket(bucketInvites), inviteCodec, e.to.Invite); err != nil {
		return err
	}
	err := messages.ForEach(func(k, v []byte) error {
		m := &model.Message{}
		if err := decodeMessage(v, m, c.ServiceSid, c.Sid, decodeIndex(k)); err != nil {
			return err
		}
		return e.to.Message(m)
	})
	if err != nil {
		return err
	}
	return eachRecord(data.Bucket(bucketWebhooks), channelWebhookCodec, e.to.ChannelWebhook)
}

// media hands out a Service's Media, each with its content. Content
// without a Media record is a staged upload: it is left out.
func (e *exporter) media(service *bbolt.Bucket) error {
	content := service.Bucket(bucketMediaContent)
	return eachRecord(service.Bucket(bucketMedia), mediaCodec, func(me *model.Media) error {
		if err := e.to.Media(me); err != nil {
			return err
		}
		chunks := content.Bucket([]byte(me.Sid))
		if chunks == nil {
			return fmt.Errorf("bolt: Media %s of %s has no content", me.Sid, me.ServiceSid)
		}
		for seq := 0; ; seq++ {
			data := mediaChunk(chunks, int64(seq))
			if data == nil {
				return nil
			}
			if err := e.to.MediaChunk(me.ServiceSid, me.Sid, seq, data); err != nil {
				return err
			}
		}
	})
}

// mutations hands out a Service's mutation records in their order.
func (e *exporter) mutations(service string) error {
	root := e.root(bucketMutations)
	if root == nil {
		return nil
	}
	b := root.Bucket([]byte(service))
	if b == nil {
		return nil
	}
	ids := b.Bucket(bucketMutationIDs)
	return b.Bucket(bucketMutationOrder).ForEach(func(k, key []byte) error {
		m, err := decodeMutation(service, key, ids.Get(key))
		if err != nil {
			return err
		}
		return e.to.Mutation(m, binary.BigEndian.Uint64(k))
	})
}

// decodeMutation decodes the record under the ids key of a Service's
// mutation records.
func decodeMutation(service string, key, v []byte) (*model.Mutation, error) {
	n, size := binary.Uvarint(key)
	if size <= 0 || uint64(len(key)-size) < n {
		return nil, fmt.Errorf("bolt: malformed mutation key %q", key)
	}
	identity, id := key[size:size+int(n)], key[size+int(n):]
	return decodeMutationValue(service, string(identity), string(id), v)
}

// eachRecord decodes every value of b, a bucket of records (nil: none),
// and hands it to fn, in key order.
func eachRecord[M any](b *bbolt.Bucket, c codec[M], fn func(*M) error) error {
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			return nil // a nested bucket holds no record
		}
		m, err := c.decode(v)
		if err != nil {
			return fmt.Errorf("bolt: record %q: %w", k, err)
		}
		return fn(m)
	})
}
