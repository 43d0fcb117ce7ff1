package model

import (
	"context"
	"io"
	"time"
)

// PrefixMedia is the SID prefix of Media (MCS) items.
const PrefixMedia = "ME"

// Media is a file uploaded to Twilio's media service for a Service (ME…),
// attached to at most one Message. Its content is stored apart from the
// record and read in ranges.
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

// MediaCreate is the input of CreateMedia: the raw file and what the request
// said about it.
type MediaCreate struct {
	ContentType string
	Filename    *string
	Content     []byte
}

// MediaService is Twilio's media service (MCS) API for Chat Services.
type MediaService interface {
	CreateMedia(ctx context.Context, service string, in MediaCreate) (*Media, error)
	FindMedia(ctx context.Context, service, sid string) (*Media, error)
	// MediaContent returns a reader of the Media's bytes; each ReadAt is its
	// own short read transaction, so a slow download never holds the store.
	MediaContent(ctx context.Context, service, sid string) (*Media, io.ReaderAt, error)
}
