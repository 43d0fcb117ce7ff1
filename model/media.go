package model

import (
	"context"
	"io"
	"time"
)

// PrefixMedia is the SID prefix of Media (MCS) items.
const PrefixMedia = "ME"

// DefaultMediaContentType is the content_type of a Media uploaded without a
// Content-Type: MCS stores the bytes as an opaque file.
const DefaultMediaContentType = "application/octet-stream"

// MediaSizeLimit is the largest Media the Service accepts, in bytes: its
// media.size_limit_mb (150 by default) in MiB. A larger upload is 413/50512.
func (s *Service) MediaSizeLimit() int64 { return int64(s.Media.SizeLimitMB) << 20 }

// MediaChunkSize is the piece in which Media content is staged, stored and
// read: every chunk of an upload but the last holds exactly this many bytes,
// so the chunk that holds an offset is the offset divided by it.
const MediaChunkSize = 256 << 10

// Media is a file uploaded to Twilio's media service for a Service (ME…),
// attached to at most one Message. Its content is stored apart from the
// record, in chunks of MediaChunkSize, and read in ranges.
type Media struct {
	Sid         string
	ServiceSid  string
	ChannelSid  string // "" until attached to a Message
	MessageSid  string // "" until attached to a Message
	Size        int64
	ContentType string
	Filename    *string
	Author      string
	DateCreated time.Time
	DateUpdated time.Time
}

// MessageMedia is the `media` object of a media Message.
type MessageMedia struct {
	Sid         string
	Size        int64
	ContentType string
	Filename    *string
}

// StagedMedia is an upload whose content is being stored: staged under the
// SID its Media will have, and not a Media until it is committed.
type StagedMedia struct {
	Sid        string
	ServiceSid string
	Size       int64     // the bytes staged so far
	Started    time.Time // when its first chunk was staged
}

// MediaCreate is the input of CreateMedia: the file, read as it arrives,
// and what the request said about it. An empty ContentType is
// DefaultMediaContentType; a nil or empty Filename is null. An error from
// Content other than io.EOF fails the upload with that error.
type MediaCreate struct {
	ContentType string
	Filename    *string
	Content     io.Reader
}

// MediaService is Twilio's media service (MCS) API for Chat Services. A
// Media is addressed by its Service and ME SID; an unknown one is 20404.
type MediaService interface {
	// CreateMedia stores an upload as a new Media of the Service, authored by
	// "system" and attached to nothing. The content is stored as it is read,
	// a few chunks at a time, and the Media exists once all of it is stored;
	// content over the Service's MediaSizeLimit is 413/50512. An upload that
	// fails leaves nothing behind.
	CreateMedia(ctx context.Context, service string, in MediaCreate) (*Media, error)
	// CreateMediaAs is CreateMedia by a first-person client: in p's
	// Service, authored by p's identity, as MCS records an SDK's upload.
	CreateMediaAs(ctx context.Context, p *Principal, in MediaCreate) (*Media, error)
	FindMedia(ctx context.Context, service, sid string) (*Media, error)
	// MediaContent returns a reader of the Media's bytes; each ReadAt is its
	// own short read transaction, so a slow download never holds the store.
	MediaContent(ctx context.Context, service, sid string) (*Media, io.ReaderAt, error)
}
