package twilsock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// A twilsock frame is one binary WebSocket message:
//
//	TWILSOCK V3.0 <N>\r\n<N bytes of JSON header>\r\n<payload>
//
// N is the header's length in bytes, written in decimal; the header's
// payload_size is the payload's length in bytes. The client refuses any
// other magic or version, and reads the payload as JSON when payload_type
// is absent or starts with application/json, as text for text/plain.
const magic = "TWILSOCK V3.0 "

// Size limits of a frame: chatd refuses to read or write a larger one. The
// header carries the token, the tunnelled request line and its headers, a
// few kilobytes at most; the payload carries a request or response body.
const (
	MaxFrameSize  = 4 << 20
	MaxHeaderSize = 64 << 10
)

// ErrFrameTooLarge is the error of a frame over MaxFrameSize, or of a
// header over MaxHeaderSize.
var ErrFrameTooLarge = errors.New("twilsock: frame too large")

// Methods of the frames chatd reads and writes.
const (
	MethodInit         = "init"          // client: first frame, with the token
	MethodUpdate       = "update"        // client: a refreshed token
	MethodMessage      = "message"       // client: one tunnelled HTTP request
	MethodReply        = "reply"         // both: the answer to a frame, by id
	MethodClose        = "close"         // both: the end of the connection
	MethodNotification = "notification"  // server: a pushed message
	MethodClientUpdate = "client_update" // server: e.g. the token is about to expire
)

// Frame is one decoded twilsock frame. Decode returns a Payload that shares
// the bytes it was given; nil when the payload is empty.
type Frame struct {
	Header
	Payload []byte
}

// Header is a frame's JSON header: the fields every frame has, then those of
// each method. Fields a method does not use are left out when encoding.
type Header struct {
	Method      string `json:"method"`
	ID          string `json:"id"`
	PayloadSize int    `json:"payload_size"`
	PayloadType string `json:"payload_type,omitzero"`

	// init and update. Metadata (the SDK and platform), registrations
	// (the notification types the client takes) and tweaks are kept as
	// the client sent them, compacted.
	Token             string          `json:"token,omitzero"`
	ContinuationToken string          `json:"continuation_token,omitzero"`
	Metadata          json.RawMessage `json:"metadata,omitzero"`
	Registrations     json.RawMessage `json:"registrations,omitzero"`
	Tweaks            json.RawMessage `json:"tweaks,omitzero"`
	Capabilities      []string        `json:"capabilities,omitzero"`

	// message
	ActiveGrant string       `json:"active_grant,omitzero"`
	HTTPRequest *HTTPRequest `json:"http_request,omitzero"`

	// reply (and close, which carries a status too)
	Status                  *Status                  `json:"status,omitzero"`
	HTTPStatus              *HTTPStatus              `json:"http_status,omitzero"`
	HTTPHeaders             Headers                  `json:"http_headers,omitzero"`
	ContinuationTokenStatus *ContinuationTokenStatus `json:"continuation_token_status,omitzero"`

	// notification, client_update and the notification contexts
	MessageType       string `json:"message_type,omitzero"`
	ClientUpdateType  string `json:"client_update_type,omitzero"`
	NotificationCtxID string `json:"notification_ctx_id,omitzero"`
}

// Encode writes f as a frame, with its header's payload_size set to the
// payload's length. A frame over the size limits is ErrFrameTooLarge.
func Encode(f *Frame) ([]byte, error) {
	h := f.Header
	h.PayloadSize = len(f.Payload)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Kept literal, so that raw fields survive a decode and an encode
	// byte for byte.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&h); err != nil {
		return nil, fmt.Errorf("twilsock: encode header: %w", err)
	}
	header := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(header) > MaxHeaderSize {
		return nil, ErrFrameTooLarge
	}
	size := strconv.Itoa(len(header))
	n := len(magic) + len(size) + 2 + len(header) + 2 + len(f.Payload)
	if n > MaxFrameSize {
		return nil, ErrFrameTooLarge
	}
	b := make([]byte, 0, n)
	b = append(b, magic...)
	b = append(b, size...)
	b = append(b, "\r\n"...)
	b = append(b, header...)
	b = append(b, "\r\n"...)
	return append(b, f.Payload...), nil
}

// Decode reads one frame. It is strict: the magic and version exactly, a
// header length in plain decimal that the frame holds, CRLF after the
// prefix and after the header, a JSON object header with a method and an
// id, and exactly payload_size bytes after it.
func Decode(b []byte) (*Frame, error) {
	if len(b) > MaxFrameSize {
		return nil, ErrFrameTooLarge
	}
	rest, ok := bytes.CutPrefix(b, []byte(magic))
	if !ok {
		return nil, errors.New("twilsock: not a TWILSOCK V3.0 frame")
	}
	digits, rest, ok := bytes.Cut(rest, []byte("\r\n"))
	if !ok {
		return nil, errors.New("twilsock: frame prefix has no CRLF")
	}
	n, err := headerLength(digits)
	if err != nil {
		return nil, err
	}
	if len(rest) < n+2 {
		return nil, fmt.Errorf("twilsock: frame shorter than its %d-byte header", n)
	}
	raw, rest := rest[:n], rest[n:]
	rest, ok = bytes.CutPrefix(rest, []byte("\r\n"))
	if !ok {
		return nil, errors.New("twilsock: no CRLF after the header")
	}
	f := &Frame{}
	if err := json.Unmarshal(raw, &f.Header); err != nil {
		return nil, fmt.Errorf("twilsock: header: %w", err)
	}
	h := &f.Header
	switch {
	case h.Method == "":
		return nil, errors.New("twilsock: header has no method")
	case h.ID == "":
		return nil, errors.New("twilsock: header has no id")
	case h.PayloadSize != len(rest):
		return nil, fmt.Errorf("twilsock: payload_size %d, but %d bytes follow the header", h.PayloadSize, len(rest))
	}
	for _, m := range []*json.RawMessage{&h.Metadata, &h.Registrations, &h.Tweaks} {
		if err := compact(m); err != nil {
			return nil, err
		}
	}
	if len(rest) > 0 {
		f.Payload = rest
	}
	return f, nil
}

// headerLength parses the decimal header length: digits only, no sign and no
// leading zero, at most MaxHeaderSize.
func headerLength(digits []byte) (int, error) {
	if len(digits) == 0 || len(digits) > len(strconv.Itoa(MaxHeaderSize)) || digits[0] == '0' {
		return 0, fmt.Errorf("twilsock: bad header length %q", digits)
	}
	n := 0
	for _, d := range digits {
		if d < '0' || d > '9' {
			return 0, fmt.Errorf("twilsock: bad header length %q", digits)
		}
		n = n*10 + int(d-'0')
	}
	if n > MaxHeaderSize {
		return 0, ErrFrameTooLarge
	}
	return n, nil
}

// compact removes the insignificant spaces of a raw JSON field, so that it
// reads the same once encoded again.
func compact(m *json.RawMessage) error {
	if len(*m) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, *m); err != nil {
		return fmt.Errorf("twilsock: header: %w", err)
	}
	*m = buf.Bytes()
	return nil
}
