package chat

import (
	"context"
	"errors"
	"io"

	"github.com/chatd/chatd/model"
)

// CreateMedia stores an upload as a Media of the Service, as MCS does for a
// REST upload: authored by "system", attached to no Message yet, typed
// application/octet-stream when the request named no type. Content over the
// Service's media.size_limit_mb is 413/50512; the Service must exist (20404).
func (c *Chat) CreateMedia(ctx context.Context, service string, in model.MediaCreate) (*model.Media, error) {
	var me *model.Media
	err := c.update(ctx, func(tx model.Tx) error {
		s, err := tx.Service(service)
		if err != nil {
			return inPath(err)
		}
		if int64(len(in.Content)) > s.MediaSizeLimit() {
			return model.E(model.CodeMediaTooLarge)
		}
		contentType := in.ContentType
		if contentType == "" {
			contentType = model.DefaultMediaContentType
		}
		now := tx.Now()
		me = &model.Media{
			Sid:         c.sids.new(model.PrefixMedia, now),
			ServiceSid:  service,
			Size:        int64(len(in.Content)),
			ContentType: contentType,
			Filename:    nilIfEmpty(in.Filename),
			Author:      model.DefaultAuthor,
			DateCreated: now,
			DateUpdated: now,
		}
		return tx.InsertMedia(me, in.Content)
	})
	return me, err
}

// FindMedia returns the Media record: its size, type, name and, once a
// Message carries it, that Message and its Channel.
func (c *Chat) FindMedia(ctx context.Context, service, sid string) (*model.Media, error) {
	var me *model.Media
	err := c.store.View(ctx, func(tx model.Tx) (err error) {
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
