package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// Staged uploads (see model.Tx). An upload's chunks are written where its
// Media's content will live, services/<IS>/media_content/<ME sid>, so that
// committing it writes the Media record and copies nothing. Until then the
// root bucket media_uploads holds the upload's record, which is what makes
// it staged: ReadMedia serves only content that has a Media record, and a
// drop or a sweep finds the content through the upload record.
//
// Each chunk is a bucket of its own holding the bytes under keyChunkData.
// bbolt rewrites a leaf page whole when a key is added to it, and a leaf
// keeps up to four values however large, so chunks stored as values of one
// bucket would make every appended chunk copy (and read back through the
// memory map) the chunks before it; a bucket per chunk is a leaf of its own
// that is written once.

// keyChunkData is the key of the bytes in a chunk bucket.
var keyChunkData = []byte("data")

// upload is the record of a staged upload, stored in media_uploads as the
// big-endian start time (Unix nanoseconds), chunk count and size, then the
// IS SID.
type upload struct {
	service string
	started time.Time
	chunks  int64
	size    int64
}

func (u upload) encode() []byte {
	b := make([]byte, 0, 24+len(u.service))
	b = binary.BigEndian.AppendUint64(b, uint64(u.started.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(u.chunks))
	b = binary.BigEndian.AppendUint64(b, uint64(u.size))
	return append(b, u.service...)
}

func decodeUpload(v []byte) (upload, error) {
	if len(v) < 24 {
		return upload{}, fmt.Errorf("bolt: malformed upload record (%d bytes)", len(v))
	}
	return upload{
		started: time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC(),
		chunks:  int64(binary.BigEndian.Uint64(v[8:])),
		size:    int64(binary.BigEndian.Uint64(v[16:])),
		service: string(v[24:]),
	}, nil
}

// stagedUpload returns the record of upload sid, or ErrNotFound.
func (t *tx) stagedUpload(sid string) (upload, error) {
	v := t.btx.Bucket(bucketMediaUploads).Get([]byte(sid))
	if v == nil {
		return upload{}, model.ErrNotFound
	}
	return decodeUpload(v)
}

func (t *tx) StageMediaChunk(service, sid string, seq int, chunk []byte) error {
	if len(chunk) > model.MediaChunkSize {
		return fmt.Errorf("bolt: chunk %d of upload %s holds %d bytes, over the chunk size", seq, sid, len(chunk))
	}
	bs, err := t.children(service, bucketMedia, bucketMediaContent)
	if err != nil {
		return err
	}
	media, contents := bs[0], bs[1]
	key := []byte(sid)
	var u upload
	var content *bbolt.Bucket
	if seq == 0 {
		if t.btx.Bucket(bucketMediaUploads).Get(key) != nil || media.Get(key) != nil || contents.Bucket(key) != nil {
			return &model.TakenError{Field: "sid"}
		}
		u = upload{service: service, started: t.now}
		if content, err = contents.CreateBucket(key); err != nil {
			return err
		}
	} else {
		if u, err = t.stagedUpload(sid); err != nil {
			return err
		}
		if content = contents.Bucket(key); u.service != service || content == nil {
			return model.ErrNotFound
		}
		if int64(seq) != u.chunks || u.size != u.chunks*model.MediaChunkSize {
			return fmt.Errorf("bolt: chunk %d of upload %s is out of order: %d chunks of %d bytes are staged", seq, sid, u.chunks, u.size)
		}
	}
	c, err := content.CreateBucket(indexKey(seq))
	if err != nil {
		return err
	}
	if err := c.Put(keyChunkData, chunk); err != nil {
		return err
	}
	u.chunks++
	u.size += int64(len(chunk))
	return t.btx.Bucket(bucketMediaUploads).Put(key, u.encode())
}

func (t *tx) CommitStagedMedia(m *model.Media) error {
	u, err := t.stagedUpload(m.Sid)
	if err != nil {
		return err
	}
	bs, err := t.children(m.ServiceSid, bucketMedia, bucketMediaContent)
	if err != nil {
		return err
	}
	// The Service may have been deleted, and seeded again under its SID,
	// since the upload started: then the staged content went with it.
	if u.service != m.ServiceSid || bs[1].Bucket([]byte(m.Sid)) == nil {
		return model.ErrNotFound
	}
	m.Size = u.size
	if err := mediaCodec.put(bs[0], []byte(m.Sid), m); err != nil {
		return err
	}
	return t.btx.Bucket(bucketMediaUploads).Delete([]byte(m.Sid))
}

func (t *tx) DropStagedMedia(sid string) error {
	u, err := t.stagedUpload(sid)
	if err == model.ErrNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	return t.dropUpload([]byte(sid), u)
}

func (t *tx) SweepStagedMedia(before time.Time) (int, error) {
	type stale struct {
		key []byte
		u   upload
	}
	var drop []stale
	err := t.btx.Bucket(bucketMediaUploads).ForEach(func(k, v []byte) error {
		u, err := decodeUpload(v)
		if err != nil {
			return err
		}
		if u.started.Before(before) {
			drop = append(drop, stale{bytes.Clone(k), u})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, s := range drop {
		if err := t.dropUpload(s.key, s.u); err != nil {
			return 0, err
		}
	}
	return len(drop), nil
}

// dropUpload deletes a staged upload's content, unless its Service is gone
// and took the content along, and its record.
func (t *tx) dropUpload(key []byte, u upload) error {
	if contents, err := t.serviceChild(u.service, bucketMediaContent); err == nil && contents.Bucket(key) != nil {
		if err := contents.DeleteBucket(key); err != nil {
			return err
		}
	}
	return t.btx.Bucket(bucketMediaUploads).Delete(key)
}

func (t *tx) StagedMedia() ([]*model.StagedMedia, error) {
	var out []*model.StagedMedia
	err := t.btx.Bucket(bucketMediaUploads).ForEach(func(k, v []byte) error {
		u, err := decodeUpload(v)
		if err != nil {
			return err
		}
		out = append(out, &model.StagedMedia{Sid: string(k), ServiceSid: u.service, Size: u.size, Started: u.started})
		return nil
	})
	return out, err
}
