package chat

import (
	"cmp"
	"context"
	"errors"
	"io"

	"github.com/chatd/chatd/model"
)

// CreateMedia stores an upload as a Media of the Service, as MCS does for a
// REST upload: authored by "system", attached to no Message yet, typed
// application/octet-stream when the request named no type. The Service must
// exist (20404).
//
// The content is staged as it arrives, a few chunks of
// model.MediaChunkSize to a write, so an upload holds about a megabyte in
// memory whatever its size, and so does each write; the Media is stored,
// and exists, once the last chunk is. Content over the Service's
// media.size_limit_mb is 413/50512 as soon as it passes the limit. An upload
// that fails (the limit, a read error, its Service deleted meanwhile) drops
// what it staged; what a crash leaves staged, SweepStagedMedia drops.
func (c *Chat) CreateMedia(ctx context.Context, service string, in model.MediaCreate) (*model.Media, error) {
	return c.createMedia(ctx, service, model.DefaultAuthor, in)
}

// CreateMediaAs stores an upload of a first-person client as CreateMedia
// does, in p's Service and authored by p's identity, as MCS records the
// uploads of the client SDKs. Uploading needs no permission: sending the
// Media in a message does (sendMediaMessage).
func (c *Chat) CreateMediaAs(ctx context.Context, p *model.Principal, in model.MediaCreate) (*model.Media, error) {
	return c.createMedia(ctx, p.ServiceSid, p.Identity, in)
}

func (c *Chat) createMedia(ctx context.Context, service, author string, in model.MediaCreate) (me *model.Media, err error) {
	s, err := c.FindService(ctx, service)
	if err != nil {
		return nil, err
	}
	up := &upload{chat: c, service: service}
	defer func() {
		if err != nil {
			up.drop(ctx)
		}
	}()
	if err := up.stage(ctx, in.Content, s.MediaSizeLimit()); err != nil {
		return nil, err
	}
	err = c.update(ctx, func(tx model.Tx) error {
		now := tx.Now()
		me = &model.Media{
			Sid:         up.sid,
			ServiceSid:  service,
			ContentType: cmp.Or(in.ContentType, model.DefaultMediaContentType),
			Filename:    nilIfEmpty(in.Filename),
			Author:      author,
			DateCreated: now,
			DateUpdated: now,
		}
		return inPath(tx.CommitStagedMedia(me))
	})
	return me, err
}

// chunksPerWrite is how many chunks of an upload one write stages: 1 MiB,
// few enough that a write holds little memory, and enough that a large
// upload costs few commits, each of which waits for the disk.
const chunksPerWrite = 4

// upload is one upload being staged.
type upload struct {
	chat    *Chat
	service string
	sid     string // the SID its Media will have; "" until it is minted
}

// stage reads content to its end and stages it a few chunks at a time,
// refusing it (50512) once it passes limit bytes. The next chunks are read
// only once those before them are stored, so a client sends no faster than
// chatd stores.
func (u *upload) stage(ctx context.Context, content io.Reader, limit int64) error {
	block := make([]byte, chunksPerWrite*model.MediaChunkSize)
	var size int64
	for seq := 0; ; {
		n, ended, err := fill(content, block)
		if err != nil {
			return err
		}
		if size += int64(n); size > limit {
			return model.E(50512)
		}
		if n == 0 && seq > 0 {
			return nil // the block before was the last, and full
		}
		// An empty file is one empty chunk.
		var chunks [][]byte
		for off := 0; off == 0 || off < n; off += model.MediaChunkSize {
			chunks = append(chunks, block[off:min(off+model.MediaChunkSize, n)])
		}
		if err := u.stageChunks(ctx, seq, chunks); err != nil {
			return err
		}
		if ended {
			return nil
		}
		seq += len(chunks)
	}
}

// fill reads from r until p is full or r ends (io.EOF), and returns how
// much it read and whether r ended. Any other error fails the upload, even
// io.ErrUnexpectedEOF, which is how a body cut short ends: unlike
// io.ReadFull, fill never takes it for the end of the file.
func fill(r io.Reader, p []byte) (n int, ended bool, err error) {
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err == io.EOF {
			return n, true, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	return n, false, nil
}

// stageChunks stores chunks seq, seq+1, … in one write; chunk 0 mints the
// Media SID, with the store's clock as every SID.
func (u *upload) stageChunks(ctx context.Context, seq int, chunks [][]byte) error {
	return u.chat.update(ctx, func(tx model.Tx) error {
		if seq == 0 {
			u.sid = u.chat.sids.new(model.PrefixMedia, tx.Now())
		}
		for i, chunk := range chunks {
			if err := tx.StageMediaChunk(u.service, u.sid, seq+i, chunk); err != nil {
				return inPath(err)
			}
		}
		return nil
	})
}

// drop forgets what the upload staged. It runs after a failure, often the
// request's own (a client gone away), so it is not cut by the request's
// cancellation. Should it fail as well (the store closing), the upload
// stays staged until SweepStagedMedia.
func (u *upload) drop(ctx context.Context) {
	if u.sid == "" {
		return
	}
	u.chat.update(context.WithoutCancel(ctx), func(tx model.Tx) error {
		return tx.DropStagedMedia(u.sid)
	})
}

// SweepStagedMedia drops the uploads that were being staged when chatd last
// stopped (a crash, a kill, a shutdown that cut them short), which no
// request will ever finish, and returns how many. It is run at start,
// before chatd serves, so every upload staged before then is one of them.
func (c *Chat) SweepStagedMedia(ctx context.Context) (n int, err error) {
	err = c.update(ctx, func(tx model.Tx) (err error) {
		n, err = tx.SweepStagedMedia(tx.Now())
		return err
	})
	return n, err
}

// FindMedia returns the Media record: its size, type, name and, once a
// Message carries it, that Message and its Channel.
func (c *Chat) FindMedia(ctx context.Context, service, sid string) (*model.Media, error) {
	var me *model.Media
	err := c.store.Read(ctx, func(tx model.Tx) (err error) {
		me, err = tx.Media(service, sid)
		return inPath(err)
	})
	return me, err
}

// MediaContent returns the Media record and a reader of its bytes. The
// reader opens a short read transaction per ReadAt instead of holding one
// for the whole download, so a slow client never pins the store; a Media
// deleted mid-download fails the next ReadAt.
func (c *Chat) MediaContent(ctx context.Context, service, sid string) (*model.Media, io.ReaderAt, error) {
	me, err := c.FindMedia(ctx, service, sid)
	if err != nil {
		return nil, nil, err
	}
	return me, &mediaReader{ctx: ctx, store: c.store, service: service, sid: sid}, nil
}

// mediaReader is the io.ReaderAt of one Media's content.
type mediaReader struct {
	ctx          context.Context
	store        model.Store
	service, sid string
}

func (r *mediaReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("chat: negative media offset")
	}
	var n int
	var rerr error
	err := r.store.View(r.ctx, func(tx model.Tx) error {
		// io.EOF is a result, not a failure of the transaction: keep it
		// out of View so that no engine mistakes it for one.
		n, rerr = tx.ReadMedia(r.service, r.sid, p, off)
		if errors.Is(rerr, io.EOF) {
			return nil
		}
		return rerr
	})
	if err != nil {
		return n, err
	}
	return n, rerr
}
