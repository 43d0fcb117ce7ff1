package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// stageOp stages content as upload n (the SID of Media n) to service svc,
// from chunk first on: content[first*mediaBlock:] cut into chunks.
func stageOp(svc, n int, content []byte, first int) op {
	return func(tx model.Tx) error {
		for seq := first; seq == first || seq*mediaBlock < len(content); seq++ {
			chunk := content[min(seq*mediaBlock, len(content)):min((seq+1)*mediaBlock, len(content))]
			if err := tx.StageMediaChunk(sid("IS", svc), sid("ME", n), seq, chunk); err != nil {
				return fmt.Errorf("chunk %d: %w", seq, err)
			}
		}
		return nil
	}
}

// stageChunk stages chunk seq of upload n to service svc.
func stageChunk(svc, n, seq int, chunk []byte) op {
	return func(tx model.Tx) error { return tx.StageMediaChunk(sid("IS", svc), sid("ME", n), seq, chunk) }
}

// stageEach stages content as upload n, each chunk in an Update of its own,
// as an upload does, and returns the clock of the first one.
func stageEach(t *testing.T, st model.Store, svc, n int, content []byte) time.Time {
	t.Helper()
	var started time.Time
	for seq := 0; seq == 0 || seq*mediaBlock < len(content); seq++ {
		chunk := content[min(seq*mediaBlock, len(content)):min((seq+1)*mediaBlock, len(content))]
		mustUpdate(t, st, func(tx model.Tx) error {
			if seq == 0 {
				started = tx.Now()
			}
			return stageChunk(svc, n, seq, chunk)(tx)
		})
	}
	return started
}

func commitMedia(svc, n, size int) op {
	return func(tx model.Tx) error { return tx.CommitStagedMedia(newMedia(svc, n, size)) }
}

func dropStaged(n int) op {
	return func(tx model.Tx) error { return tx.DropStagedMedia(sid("ME", n)) }
}

// sweep runs SweepStagedMedia in an Update of its own.
func sweep(t *testing.T, st model.Store, before time.Time) int {
	t.Helper()
	var n int
	mustUpdate(t, st, func(tx model.Tx) (err error) {
		n, err = tx.SweepStagedMedia(before)
		return err
	})
	return n
}

func staged(t *testing.T, st model.Store) []*model.StagedMedia {
	t.Helper()
	return mustRead(t, st, func(tx model.Tx) ([]*model.StagedMedia, error) { return tx.StagedMedia() })
}

// wantStaged checks that the staged uploads are the Media numbers given,
// of service svc, with their sizes.
func wantStaged(t *testing.T, st model.Store, svc int, sizes map[int]int) {
	t.Helper()
	got := staged(t, st)
	if len(got) != len(sizes) {
		t.Errorf("StagedMedia lists %d uploads, want %d", len(got), len(sizes))
	}
	for i, u := range got {
		if i > 0 && got[i-1].Sid >= u.Sid {
			t.Errorf("StagedMedia is not in SID order: %s after %s", u.Sid, got[i-1].Sid)
		}
		size, ok := -1, false
		for n, s := range sizes {
			if u.Sid == sid("ME", n) {
				size, ok = s, true
			}
		}
		if !ok || u.ServiceSid != sid("IS", svc) || u.Size != int64(size) {
			t.Errorf("StagedMedia has %+v, want uploads %v of IS %d", u, sizes, svc)
		}
	}
}

// testStagedMedia checks the staged upload of Media content: chunks stored
// by transactions of their own, seen by nothing but StagedMedia until a
// commit makes them a Media, and gone without a trace when dropped or
// swept.
func testStagedMedia(t *testing.T, e Engine) {
	content := mediaContent(1, 3*mediaBlock+100)

	t.Run("chunks staged one per Update commit to a Media that reads back", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		var started time.Time
		for seq := 0; seq < 4; seq++ {
			mustUpdate(t, st, func(tx model.Tx) error {
				started = tx.Now()
				return stageChunk(1, 1, seq, content[seq*mediaBlock:min((seq+1)*mediaBlock, len(content))])(tx)
			})
			wantStaged(t, st, 1, map[int]int{1: min((seq+1)*mediaBlock, len(content))})
			if seq == 0 {
				if u := staged(t, st)[0]; u.Started.Sub(started).Abs() >= time.Second {
					t.Errorf("Started = %v, want the clock of the first chunk's transaction, %v", u.Started, started)
				}
			}
		}
		wantMediaGone(t, st, 1, 1)
		me := newMedia(1, 1, len(content))
		me.Size = 0 // the store sets it
		mustSeed(t, st, func(tx model.Tx) error { return tx.CommitStagedMedia(me) })
		if me.Size != int64(len(content)) {
			t.Errorf("CommitStagedMedia set Size %d, want %d", me.Size, len(content))
		}
		if got, err := mediaRecord(st, 1, 1); err != nil || !reflect.DeepEqual(got, newMedia(1, 1, len(content))) {
			t.Errorf("Media = %+v, %v; want %+v", got, err, newMedia(1, 1, len(content)))
		}
		wantStaged(t, st, 1, nil)
		testReadMedia(t, st, 1, len(content))
	})
	t.Run("an empty file is one empty chunk", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), stageChunk(1, 1, 0, []byte{}))
		wantStaged(t, st, 1, map[int]int{1: 0})
		mustSeed(t, st, commitMedia(1, 1, 0))
		wantMediaKept(t, st, 1, 1, 0)
	})
	t.Run("staged content is no Media: not read, not sent, not committed twice", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""), stageOp(1, 1, content, 0))
		wantMediaGone(t, st, 1, 1)
		before := e.state(t, st)
		wantNotFound(t, "AppendMessage of a staged upload", tryOp(t, st, appendMediaMsg(1, 1, 1, 1, len(content))))
		e.wantUnchanged(t, st, before)
		mustSeed(t, st, commitMedia(1, 1, len(content)))
		before = e.state(t, st)
		wantNotFound(t, "a second CommitStagedMedia", tryOp(t, st, commitMedia(1, 1, len(content))))
		wantTaken(t, "staging under the SID of a Media", tryOp(t, st, stageChunk(1, 1, 0, []byte("x"))), "sid")
		e.wantUnchanged(t, st, before)
		wantMediaKept(t, st, 1, 1, len(content))
	})
	t.Run("DropStagedMedia leaves the store as it was", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insMedia(1, 2, 10))
		before := e.state(t, st)
		stageEach(t, st, 1, 1, content)
		mustSeed(t, st, dropStaged(1))
		e.wantUnchanged(t, st, before)
		wantStaged(t, st, 1, nil)
		wantMediaGone(t, st, 1, 1)
		mustSeed(t, st, dropStaged(1), dropStaged(2), dropStaged(3)) // dropped, committed, unknown: no error
		e.wantUnchanged(t, st, before)
		wantMediaKept(t, st, 1, 2, 10)
	})
	t.Run("SweepStagedMedia drops the uploads started before the time given", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2), insMedia(1, 3, 10))
		before := e.state(t, st)
		started := stageEach(t, st, 1, 1, content)
		stageEach(t, st, 2, 2, content[:10])
		if n := sweep(t, st, started.Add(-time.Second)); n != 0 {
			t.Errorf("a sweep of uploads started before both swept %d", n)
		}
		if got := staged(t, st); len(got) != 2 {
			t.Fatalf("StagedMedia lists %d uploads after a sweep of none, want 2", len(got))
		}
		if n := sweep(t, st, started.Add(time.Minute)); n != 2 {
			t.Errorf("SweepStagedMedia swept %d, want 2", n)
		}
		e.wantUnchanged(t, st, before)
		wantStaged(t, st, 1, nil)
		wantMediaKept(t, st, 1, 3, 10)
	})
	t.Run("a staged upload outlives a reopen, and a sweep then drops it", func(t *testing.T) {
		if e.Reopen == nil {
			t.Skip("Engine.Reopen is nil")
		}
		st := e.Open(t)
		mustSeed(t, st, insService(1))
		before := e.state(t, st)
		started := stageEach(t, st, 1, 1, content[:2*mediaBlock])
		st = e.Reopen(t, st)
		t.Cleanup(func() { closeStore(t, st) })
		wantStaged(t, st, 1, map[int]int{1: 2 * mediaBlock})
		if n := sweep(t, st, started.Add(time.Minute)); n != 1 {
			t.Errorf("SweepStagedMedia swept %d, want 1", n)
		}
		e.wantUnchanged(t, st, before)
	})

	t.Run("a deleted Service takes its staged content along", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insService(2))
		before := e.state(t, st)
		mustSeed(t, st, insService(3), stageOp(3, 1, content[:mediaBlock], 0), delService(3))
		wantNotFound(t, "the next chunk", tryOp(t, st, stageChunk(3, 1, 1, []byte("x"))))
		wantNotFound(t, "CommitStagedMedia", tryOp(t, st, commitMedia(3, 1, mediaBlock)))
		mustSeed(t, st, insService(3)) // the same SID again, as a reseed gives it
		wantNotFound(t, "CommitStagedMedia into the Service seeded again", tryOp(t, st, commitMedia(3, 1, mediaBlock)))
		mustSeed(t, st, dropStaged(1), delService(3))
		e.wantUnchanged(t, st, before)
	})

	// Misuse: each refused, and writing nothing.
	for _, c := range []struct {
		name  string
		setup []op
		try   op
		want  func(t *testing.T, err error)
	}{
		{"chunk 0 to a missing Service is not found", nil, stageChunk(9, 1, 0, []byte("x")), notFound},
		{"chunk 1 of no upload is not found", nil, stageChunk(1, 1, 1, []byte("x")), notFound},
		{"chunk 1 of an upload to another Service is not found",
			[]op{insService(2), stageChunk(2, 1, 0, content[:mediaBlock])}, stageChunk(1, 1, 1, []byte("x")), notFound},
		{"chunk 0 again is TakenError", []op{stageChunk(1, 1, 0, []byte("x"))}, stageChunk(1, 1, 0, []byte("y")), taken},
		{"a chunk out of order is an error", []op{stageChunk(1, 1, 0, content[:mediaBlock])}, stageChunk(1, 1, 2, []byte("x")), failed},
		{"a chunk again is an error", []op{stageOp(1, 1, content[:2*mediaBlock], 0)}, stageChunk(1, 1, 1, []byte("x")), failed},
		{"a chunk after a short one is an error", []op{stageChunk(1, 1, 0, []byte("short"))}, stageChunk(1, 1, 1, []byte("x")), failed},
		{"a chunk over the chunk size is an error", nil, stageChunk(1, 1, 0, make([]byte, mediaBlock+1)), failed},
		{"CommitStagedMedia of no upload is not found", nil, commitMedia(1, 1, 0), notFound},
		{"CommitStagedMedia to another Service is not found",
			[]op{insService(2), stageChunk(1, 1, 0, []byte("x"))}, commitMedia(2, 1, 1), notFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := e.open(t)
			mustSeed(t, st, append([]op{insService(1)}, c.setup...)...)
			before := e.state(t, st)
			c.want(t, tryOp(t, st, c.try))
			e.wantUnchanged(t, st, before)
		})
	}
}

func notFound(t *testing.T, err error) { t.Helper(); wantNotFound(t, "the write", err) }
func taken(t *testing.T, err error)    { t.Helper(); wantTaken(t, "the write", err, "sid") }

// failed wants an error that is neither of the seam's sentinels: a misuse,
// not a missing or taken record.
func failed(t *testing.T, err error) {
	t.Helper()
	var tk *model.TakenError
	if err == nil || errors.Is(err, model.ErrNotFound) || errors.As(err, &tk) || errors.Is(err, context.Canceled) {
		t.Errorf("the write: err = %v, want a misuse error", err)
	}
}
