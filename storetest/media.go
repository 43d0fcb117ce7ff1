package storetest

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/chatd/chatd/model"
)

// mediaBlock is the chunk Media content is staged in. The sizes and offsets
// below sit on its boundaries.
const mediaBlock = model.MediaChunkSize

// mediaContent is the content of Media n of the given size: noise, so that
// a piece read from the wrong place or the wrong Media never matches.
func mediaContent(n, size int) []byte {
	b := make([]byte, size)
	rand.NewChaCha8([32]byte{byte(n), byte(size), byte(size >> 8), byte(size >> 16)}).Read(b)
	return b
}

// newMedia is Media n of service svc with size bytes of content; the odd
// ones have a filename.
func newMedia(svc, n, size int) *model.Media {
	me := &model.Media{Sid: sid("ME", n), ServiceSid: sid("IS", svc), Size: int64(size),
		ContentType: "image/png", Author: model.DefaultAuthor, DateCreated: testNow, DateUpdated: testNow}
	if n%2 == 1 {
		me.Filename = ptr(fmt.Sprintf("file%d.png", n))
	}
	return me
}

// insMedia stores Media n: its content staged chunk by chunk and then
// committed, all in the op's one transaction.
func insMedia(svc, n, size int) op {
	return func(tx model.Tx) error {
		me := newMedia(svc, n, size)
		if err := stageOp(svc, n, mediaContent(n, size), 0)(tx); err != nil {
			return err
		}
		return tx.CommitStagedMedia(me)
	}
}

// mediaMessage is message n of channel ch carrying Media media.
func mediaMessage(svc, ch, n, media, size int) *model.Message {
	m := newMessage(svc, ch, n)
	me := newMedia(svc, media, size)
	m.Media = &model.MessageMedia{Sid: me.Sid, Size: me.Size, ContentType: me.ContentType, Filename: me.Filename}
	return m
}

func appendMediaMsg(svc, ch, n, media, size int) op {
	return func(tx model.Tx) error { return tx.AppendMessage(mediaMessage(svc, ch, n, media, size)) }
}

// mediaRecord reads Media n of service svc.
func mediaRecord(st model.Store, svc, n int) (*model.Media, error) {
	var me *model.Media
	err := viewErr(st, func(tx model.Tx) (err error) {
		me, err = tx.Media(sid("IS", svc), sid("ME", n))
		return err
	})
	return me, err
}

// readMedia is one ReadMedia in a View of its own.
func readMedia(st model.Store, svc, n int, p []byte, off int64) (int, error) {
	var got int
	var rerr error
	err := viewErr(st, func(tx model.Tx) error {
		got, rerr = tx.ReadMedia(sid("IS", svc), sid("ME", n), p, off)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return got, rerr
}

// wantMediaGone checks that Media n of svc has neither record nor content.
func wantMediaGone(t *testing.T, st model.Store, svc, n int) {
	t.Helper()
	_, err := mediaRecord(st, svc, n)
	wantNotFound(t, fmt.Sprintf("Media(ME %d)", n), err)
	_, err = readMedia(st, svc, n, make([]byte, 1), 0)
	wantNotFound(t, fmt.Sprintf("ReadMedia(ME %d)", n), err)
}

// wantMediaKept checks that Media n of svc still reads back whole.
func wantMediaKept(t *testing.T, st model.Store, svc, n, size int) {
	t.Helper()
	if _, err := mediaRecord(st, svc, n); err != nil {
		t.Errorf("Media(ME %d): %v", n, err)
	}
	p := make([]byte, size+1)
	got, err := readMedia(st, svc, n, p, 0)
	// io.EOF itself, not wrapped: callers of an io.ReaderAt compare with ==.
	if got != size || err != io.EOF || !bytes.Equal(p[:got], mediaContent(n, size)) {
		t.Errorf("ReadMedia(ME %d) = %d, %v; want its %d bytes and io.EOF", n, got, err, size)
	}
}

func testMedia(t *testing.T, e Engine) {
	sizes := []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"exactly one chunk", mediaBlock},
		{"one chunk and a byte", mediaBlock + 1},
		{"several chunks, the last short", 3*mediaBlock + 100},
	}
	for i, sz := range sizes {
		n := i + 1
		t.Run("a Media of "+sz.name+" reads back", func(t *testing.T) {
			st := e.open(t)
			mustSeed(t, st, insService(1), insMedia(1, n, sz.size))
			me, err := mediaRecord(st, 1, n)
			if err != nil || !reflect.DeepEqual(me, newMedia(1, n, sz.size)) {
				t.Errorf("Media = %+v, %v; want %+v", me, err, newMedia(1, n, sz.size))
			}
			testReadMedia(t, st, n, sz.size)
		})
	}

	t.Run("a Media under a missing service is not found", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1))
		before := e.state(t, st)
		wantNotFound(t, "insMedia", tryOp(t, st, insMedia(9, 1, 10)))
		e.wantUnchanged(t, st, before)
	})
	t.Run("a Media with a taken SID is TakenError and writes nothing", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insMedia(1, 1, 10))
		before := e.state(t, st)
		wantTaken(t, "insMedia", tryOp(t, st, insMedia(1, 1, mediaBlock+1)), "sid")
		e.wantUnchanged(t, st, before)
		wantMediaKept(t, st, 1, 1, 10)
	})
	t.Run("unknown Media and missing services are not found", func(t *testing.T) {
		st := e.open(t)
		mustSeed(t, st, insService(1), insMedia(1, 1, 10))
		for _, c := range []struct{ svc, n int }{{1, 2}, {9, 1}} {
			wantMediaGone(t, st, c.svc, c.n)
		}
	})

	// Attaching: Media 1 (3 bytes) and 2 (two chunks) in channels 1 and 2.
	setup := func(t *testing.T) model.Store {
		st := e.open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""), insChannel(1, 2, model.ChannelPublic, ""),
			insMedia(1, 1, 3), insMedia(1, 2, 2*mediaBlock), insMedia(1, 3, 5))
		return st
	}
	t.Run("AppendMessage attaches its Media", func(t *testing.T) {
		st := setup(t)
		mustSeed(t, st, appendMediaMsg(1, 1, 1, 2, 2*mediaBlock))
		me, err := mediaRecord(st, 1, 2)
		want := newMedia(1, 2, 2*mediaBlock)
		want.ChannelSid, want.MessageSid = sid("CH", 1), sid("IM", 1)
		if err != nil || !reflect.DeepEqual(me, want) {
			t.Errorf("Media = %+v, %v; want %+v", me, err, want)
		}
		m := mustRead(t, st, func(tx model.Tx) (*model.Message, error) { return tx.Message(sid("IS", 1), sid("CH", 1), sid("IM", 1)) })
		if wantMsg := mediaMessage(1, 1, 1, 2, 2*mediaBlock); !reflect.DeepEqual(m, wantMsg) {
			t.Errorf("Message = %+v, want %+v", m, wantMsg)
		}
		wantMediaKept(t, st, 1, 2, 2*mediaBlock)
	})
	t.Run("AppendMessage of an unknown Media is not found and writes nothing", func(t *testing.T) {
		st := setup(t)
		before := e.state(t, st)
		wantNotFound(t, "AppendMessage", tryOp(t, st, appendMediaMsg(1, 1, 1, 9, 1)))
		e.wantUnchanged(t, st, before)
	})
	for _, ch := range []int{1, 2} {
		t.Run(fmt.Sprintf("AppendMessage of a Media sent already, in channel %d, is TakenError and writes nothing", ch), func(t *testing.T) {
			st := setup(t)
			mustSeed(t, st, appendMediaMsg(1, 1, 1, 1, 3))
			before := e.state(t, st)
			wantTaken(t, "AppendMessage", tryOp(t, st, appendMediaMsg(1, ch, 2, 1, 3)), "media")
			e.wantUnchanged(t, st, before)
			if me, _ := mediaRecord(st, 1, 1); me == nil || me.MessageSid != sid("IM", 1) {
				t.Errorf("Media 1 = %+v, want it still on IM 1", me)
			}
		})
	}

	// Cascades: Media 1 on a message of channel 1, Media 2 on one of
	// channel 2, Media 3 on nothing.
	cascade := func(t *testing.T) model.Store {
		st := setup(t)
		mustSeed(t, st, appendMsg(1, 1, 1), appendMediaMsg(1, 1, 2, 1, 3), appendMediaMsg(1, 2, 3, 2, 2*mediaBlock))
		return st
	}
	for _, c := range []struct {
		name string
		del  op
		gone []int
		kept []int // Media that stay, with their sizes below
	}{
		{"DeleteMessage removes its Media", delMsg(1, 1, 2), []int{1}, []int{2, 3}},
		{"DeleteMessage of a text message keeps every Media", delMsg(1, 1, 1), nil, []int{1, 2, 3}},
		{"DeleteChannelTree removes the Media of its Messages", delChannel(1, 1), []int{1}, []int{2, 3}},
		{"DeleteServiceTree removes every Media", delService(1), []int{1, 2, 3}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := cascade(t)
			mustSeed(t, st, c.del)
			for _, n := range c.gone {
				wantMediaGone(t, st, 1, n)
			}
			size := map[int]int{1: 3, 2: 2 * mediaBlock, 3: 5}
			for _, n := range c.kept {
				wantMediaKept(t, st, 1, n, size[n])
			}
		})
	}
	t.Run("Media survive a reopen", func(t *testing.T) {
		if e.Reopen == nil {
			t.Skip("Engine.Reopen is nil")
		}
		st := e.Open(t)
		mustSeed(t, st, insService(1), insChannel(1, 1, model.ChannelPublic, ""),
			insMedia(1, 1, 3*mediaBlock+100), insMedia(1, 2, 1), appendMediaMsg(1, 1, 1, 1, 3*mediaBlock+100))
		st = e.Reopen(t, st)
		t.Cleanup(func() { closeStore(t, st) })
		wantMediaKept(t, st, 1, 1, 3*mediaBlock+100)
		wantMediaKept(t, st, 1, 2, 1)
		if me, _ := mediaRecord(st, 1, 1); me == nil || me.MessageSid != sid("IM", 1) {
			t.Errorf("Media 1 = %+v after reopen, want it on IM 1", me)
		}
	})
}

// testReadMedia reads Media n (of service 1) from every interesting offset
// with buffers of several lengths, checking the io.ReaderAt contract the
// seam states: the bytes at off, and io.EOF exactly when fewer than len(p)
// remain.
func testReadMedia(t *testing.T, st model.Store, n, size int) {
	t.Helper()
	content := mediaContent(n, size)
	var offsets []int
	for _, off := range []int{0, 1, mediaBlock - 1, mediaBlock, mediaBlock + 1, 2*mediaBlock + 7, size - 1, size, size + 1} {
		if off >= 0 {
			offsets = append(offsets, off)
		}
	}
	for _, off := range offsets {
		remain := max(0, size-off)
		for _, length := range []int{1, remain, mediaBlock, size + 2} {
			if length == 0 {
				continue
			}
			p := make([]byte, length)
			got, err := readMedia(st, 1, n, p, int64(off))
			want := min(length, remain)
			var wantErr error
			if want < length {
				wantErr = io.EOF
			}
			lo := min(off, size)
			if got != want || err != wantErr || !bytes.Equal(p[:got], content[lo:lo+want]) {
				t.Errorf("size %d: ReadMedia(len %d, off %d) = %d, %v; want %d bytes of the content, %v",
					size, length, off, got, err, want, wantErr)
			}
		}
	}
	if got, err := readMedia(st, 1, n, nil, 0); got != 0 || err != nil {
		t.Errorf("size %d: ReadMedia(empty p, off 0) = %d, %v; want 0, nil", size, got, err)
	}
}
