package chat

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/model"
)

// openMediaStore opens a bolt store whose clock moves on a second at every
// reading, holding a Service whose media limit is 1 MiB.
func openMediaStore(t *testing.T) (*Chat, *bolt.DB, string) {
	t.Helper()
	var tick atomic.Int64
	st, err := bolt.Open(filepath.Join(t.TempDir(), "chatd.db"), bolt.Options{
		Now: func() time.Time { return seedNow.Add(time.Duration(tick.Add(1)) * time.Second) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := New(st, Options{AccountSid: "AC00000000000000000000000000000001"})
	s, err := c.CreateService(context.Background(), model.ServiceCreate{FriendlyName: "media"})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), func(tx model.Tx) error {
		s, err := tx.Service(s.Sid)
		if err != nil {
			return err
		}
		s.Media.SizeLimitMB = 1
		return tx.PutService(s)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, st, s.Sid
}

func stagedMedia(t *testing.T, st model.Store) []*model.StagedMedia {
	t.Helper()
	var out []*model.StagedMedia
	err := st.View(context.Background(), func(tx model.Tx) (err error) {
		out, err = tx.StagedMedia()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// failingContent reads as size bytes of zeros and then fails with err,
// noting what the store had staged at that moment.
type failingContent struct {
	t      *testing.T
	st     model.Store
	size   int
	err    error
	read   int
	staged []*model.StagedMedia
}

func (f *failingContent) Read(p []byte) (int, error) {
	if f.read == f.size {
		f.staged = stagedMedia(f.t, f.st)
		return 0, f.err
	}
	n := min(len(p), f.size-f.read)
	clear(p[:n])
	f.read += n
	return n, nil
}

// TestCreateMediaFailedRead fails uploads mid-way: the upload fails with the
// read's error and what it staged is dropped. io.ErrUnexpectedEOF, how a
// body cut short ends, is a failure like any other, never the end of a
// shorter file.
func TestCreateMediaFailedRead(t *testing.T) {
	c, st, service := openMediaStore(t)
	for _, readErr := range []error{io.ErrUnexpectedEOF, errors.New("connection reset")} {
		t.Run(readErr.Error(), func(t *testing.T) {
			block := chunksPerWrite * model.MediaChunkSize
			content := &failingContent{t: t, st: st, size: block + 100, err: readErr}
			me, err := c.CreateMedia(context.Background(), service, model.MediaCreate{Content: content})
			if !errors.Is(err, readErr) || me != nil {
				t.Fatalf("CreateMedia = %+v, %v; want the read's error", me, err)
			}
			if len(content.staged) != 1 || content.staged[0].Size != int64(block) {
				t.Fatalf("staged when the read failed: %v, want one upload of %d bytes", content.staged, block)
			}
			if left := stagedMedia(t, st); len(left) != 0 {
				t.Errorf("staged after the failure: %v", left)
			}
			if _, err := c.FindMedia(context.Background(), service, content.staged[0].Sid); !isCode(err, 20404) {
				t.Errorf("FindMedia of the failed upload = %v, want 20404", err)
			}
		})
	}
}

// countingZeros reads as endless zeros and counts them.
type countingZeros struct{ read int64 }

func (z *countingZeros) Read(p []byte) (int, error) {
	clear(p)
	z.read += int64(len(p))
	return len(p), nil
}

// TestCreateMediaStopsPastTheLimit uploads an endless file: it is refused
// (413/50512) once it passes the limit, having read no more than one write's
// chunks past it, and leaves nothing.
func TestCreateMediaStopsPastTheLimit(t *testing.T) {
	c, st, service := openMediaStore(t)
	content := &countingZeros{}
	_, err := c.CreateMedia(context.Background(), service, model.MediaCreate{Content: content})
	if !isCode(err, 50512) {
		t.Fatalf("CreateMedia = %v, want 50512", err)
	}
	if limit := int64(1 << 20); content.read <= limit || content.read > limit+chunksPerWrite*model.MediaChunkSize {
		t.Errorf("read %d bytes, want more than the limit %d by at most %d chunks", content.read, limit, chunksPerWrite)
	}
	if left := stagedMedia(t, st); len(left) != 0 {
		t.Errorf("staged after the refusal: %v", left)
	}
}

// TestSweepStagedMedia drops what a crash left staged: an upload whose
// request never ended.
func TestSweepStagedMedia(t *testing.T) {
	c, st, service := openMediaStore(t)
	err := st.Update(context.Background(), func(tx model.Tx) error {
		return tx.StageMediaChunk(service, "ME00000000000000000000000000000001", 0, make([]byte, model.MediaChunkSize))
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.SweepStagedMedia(context.Background())
	if err != nil || n != 1 {
		t.Errorf("SweepStagedMedia = %d, %v; want 1", n, err)
	}
	if left := stagedMedia(t, st); len(left) != 0 {
		t.Errorf("staged after the sweep: %v", left)
	}
}

// isCode reports whether err is Twilio error code.
func isCode(err error, code int) bool {
	var e *model.Error
	return errors.As(err, &e) && int(e.Code) == code
}
