package bolt

import (
	"bytes"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// noise is n bytes that differ from one seed to another.
func noise(n int, seed byte) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}

// TestStagingAChunkWritesOnlyThatChunk checks why each chunk is a bucket of
// its own: staging a chunk writes that chunk and a few small pages, never
// again the chunks staged before it, so an upload's transactions stay a
// chunk each however long it grows.
func TestStagingAChunkWritesOnlyThatChunk(t *testing.T) {
	d := mustOpen(t, filepath.Join(t.TempDir(), "chatd.db"))
	service, media := sid("IS", 1), sid("ME", 1)
	mustUpdate(t, d, func(tx model.Tx) error {
		return tx.InsertService(&model.Service{Sid: service, DateCreated: testNow, DateUpdated: testNow})
	})
	chunk := noise(model.MediaChunkSize, 1)
	allocated := func() int64 {
		s := d.bolt.Stats()
		return s.TxStats.GetPageAlloc()
	}
	for seq := range 12 {
		before := allocated()
		mustUpdate(t, d, func(tx model.Tx) error { return tx.StageMediaChunk(service, media, seq, chunk) })
		written := allocated() - before
		if written > model.MediaChunkSize*5/4 {
			t.Errorf("staging chunk %d wrote %d bytes of pages, want little more than its %d", seq, written, len(chunk))
		}
	}
}

// TestReadMediaOfSchema3Files reads content as files of schema version 3
// hold it, each chunk the value under its key, which no migration rewrote.
func TestReadMediaOfSchema3Files(t *testing.T) {
	d := mustOpen(t, filepath.Join(t.TempDir(), "chatd.db"))
	service, media := sid("IS", 1), sid("ME", 1)
	content := noise(2*model.MediaChunkSize+7, 2)
	mustUpdate(t, d, func(tx model.Tx) error {
		return tx.InsertService(&model.Service{Sid: service, DateCreated: testNow, DateUpdated: testNow})
	})
	err := d.bolt.Update(func(btx *bbolt.Tx) error {
		s := btx.Bucket([]byte(service))
		c, err := s.Bucket(bucketMediaContent).CreateBucket([]byte(media))
		if err != nil {
			return err
		}
		for i := 0; i*model.MediaChunkSize < len(content); i++ {
			if err := c.Put(indexKey(i), content[i*model.MediaChunkSize:min((i+1)*model.MediaChunkSize, len(content))]); err != nil {
				return err
			}
		}
		return mediaCodec.put(s.Bucket(bucketMedia), []byte(media), &model.Media{Sid: media, ServiceSid: service, Size: int64(len(content))})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int{0, model.MediaChunkSize - 3, 2 * model.MediaChunkSize} {
		p := make([]byte, len(content)+1)
		var n int
		var rerr error
		mustView(t, d, func(tx model.Tx) error {
			n, rerr = tx.ReadMedia(service, media, p, int64(off))
			return nil
		})
		if n != len(content)-off || rerr != io.EOF || !bytes.Equal(p[:n], content[off:]) {
			t.Errorf("ReadMedia(off %d) = %d, %v; want the %d bytes from there and io.EOF", off, n, rerr, len(content)-off)
		}
	}
}
