package server

// Twilio's media service (MCS). Twilio serves it on a host of its own,
// https://mcs.us1.twilio.com/v1, with the same Basic auth as the Chat API,
// or a client SDK's access token in X-Twilio-Token; chatd serves the same
// paths on its one listener, so a client points its MCS base URL at chatd
// as it does its Chat base URL, and the Client API's Configuration points
// the client SDKs there.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

const (
	// mediaTemporaryPrefix starts chatd's own route for the signed download
	// URLs that stand in for the CDN URLs of links.content_direct_temporary;
	// authenticate lets it through without credentials.
	mediaTemporaryPrefix = "/_chatd/media/"
	// mediaURLLifetime is how long a signed download URL stays valid.
	mediaURLLifetime = 5 * time.Minute
	// multipartSlack is what a multipart/form-data upload may carry beyond
	// the file itself: boundaries, part headers, small form fields.
	multipartSlack = 64 << 10
	// mcsDateLayout is MCS's own date format, unlike the Chat API's: ISO
	// 8601 with fractional seconds and an offset, 2016-03-24T21:05:50.123456+00:00.
	mcsDateLayout = "2006-01-02T15:04:05.000000-07:00"
)

// mcsMedia writes me as MCS renders it. Unlike the Chat API, MCS gives url
// and links.content as paths relative to its host; only the temporary
// download link is absolute. channel_sid and message_sid are null until a
// Message carries the Media. The content is written once, at creation, so
// date_upload_updated is date_created.
func (b *body) mcsMedia(me *model.Media, authToken string) {
	path := "/v1/Services/" + me.ServiceSid + "/Media/" + me.Sid
	expires := time.Now().Add(mediaURLLifetime)
	b.open("")
	b.str("sid", me.Sid)
	b.accountSid()
	b.str("service_sid", me.ServiceSid)
	b.timeLayout("date_created", me.DateCreated, mcsDateLayout)
	b.timeLayout("date_updated", me.DateUpdated, mcsDateLayout)
	b.timeLayout("date_upload_updated", me.DateCreated, mcsDateLayout)
	b.strOrNull("channel_sid", me.ChannelSid)
	b.strOrNull("message_sid", me.MessageSid)
	b.int64("size", me.Size)
	b.str("content_type", me.ContentType)
	b.optStr("filename", me.Filename)
	b.str("author", me.Author)
	b.str("category", "media")
	b.str("url", path)
	b.open("links")
	b.concat("content", path, "/Content")
	b.concat("content_direct_temporary", b.base, TemporaryMediaPath(authToken, me.ServiceSid, me.Sid, expires))
	b.close()
	b.bool("is_multipart_upstream", false)
	b.close()
}

// handleMediaCreate is an upload. The body is the file itself, typed by the
// request's Content-Type; client SDKs may instead send multipart/form-data
// with one file part. An upload made with Basic credentials is authored by
// "system", one made with an access token by the token's identity. The
// Service is read first for its size limit, so that a Content-Length over
// it is refused (413/50512) before any of the body is read; otherwise
// CreateMedia stores the file as it is read.
func (s *Server) handleMediaCreate(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	service := param(p, "service")
	sv, err := s.api.FindService(r.Context(), service)
	if err != nil {
		return err
	}
	in, err := readUpload(w, r, sv.MediaSizeLimit())
	if err != nil {
		return err
	}
	var me *model.Media
	if p := principalOf(r); p != nil {
		me, err = s.api.CreateMediaAs(r.Context(), p, in)
	} else {
		me, err = s.api.CreateMedia(r.Context(), service, in)
	}
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusCreated, func(b *body) { b.mcsMedia(me, s.cfg.AuthToken) })
}

// readUpload opens an upload of at most limit bytes: it reads the request's
// headers, and of a multipart body, everything up to the file part; the
// file itself is left for CreateMedia to read. A Content-Length over the
// limit is refused unread; any other body is read through a MaxBytesReader
// one byte past the limit, so a chunked body over it stops there.
//
// The filename comes, in order, from the Filename query parameter (what
// Twilio's mcs-client sends), a Content-Disposition header, or the file part
// of a multipart body.
func readUpload(w http.ResponseWriter, r *http.Request, limit int64) (model.MediaCreate, error) {
	in := model.MediaCreate{ContentType: r.Header.Get("Content-Type"), Filename: uploadFilename(r)}
	mediaType, params, _ := mime.ParseMediaType(in.ContentType)
	multi := mediaType == "multipart/form-data"
	if multi {
		limit += multipartSlack
	}
	if r.ContentLength > limit {
		return in, model.E(model.CodeMediaTooLarge)
	}
	body := http.MaxBytesReader(w, r.Body, limit+1)
	if !multi {
		in.Content = uploadReader{body}
		return in, nil
	}
	return in, openFilePart(&in, multipart.NewReader(body, params["boundary"]))
}

// uploadReader reads the file of an upload, turning a failed read into
// Twilio's error for it.
type uploadReader struct{ r io.Reader }

func (u uploadReader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if err != nil && err != io.EOF {
		err = uploadError(err)
	}
	return n, err
}

// uploadError is Twilio's error for a failed read of an upload: 413/50512
// past the read bound, 400/20001 for any other failure (a body cut short, a
// client gone away, a malformed multipart body).
func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	var twilio *model.Error
	switch {
	case errors.As(err, &tooBig):
		return model.E(model.CodeMediaTooLarge)
	case errors.As(err, &twilio):
		return err
	default:
		return model.Errorf(model.CodeInvalidParameter, "Could not read the uploaded media: %v", err)
	}
}

// uploadFilename is the filename an upload names outside its body, nil when
// none.
func uploadFilename(r *http.Request) *string {
	if f := queryForm(r).str("Filename"); f != nil && *f != "" {
		return f
	}
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
		if f := params["filename"]; f != "" {
			return &f
		}
	}
	return nil
}

// openFilePart finds the file of a multipart/form-data upload: the first
// part with a filename, whose Content-Type and name (unless the request
// named one) become the Media's, and whose body is the content. Parts
// without a filename are form fields and skipped.
func openFilePart(in *model.MediaCreate, mr *multipart.Reader) error {
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return model.Errorf(model.CodeInvalidParameter, "The multipart upload has no file part")
		}
		if err != nil {
			return uploadError(err)
		}
		name := part.FileName()
		if name == "" {
			continue
		}
		if in.Filename == nil {
			in.Filename = &name
		}
		in.ContentType = part.Header.Get("Content-Type")
		in.Content = uploadReader{part}
		return nil
	}
}

func (s *Server) handleMediaFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	me, err := s.api.FindMedia(r.Context(), param(p, "service"), param(p, "sid"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.mcsMedia(me, s.cfg.AuthToken) })
}

// handleMediaContent downloads the Media's bytes (links.content).
func (s *Server) handleMediaContent(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	return s.serveMedia(w, r, param(p, "service"), param(p, "sid"))
}

// handleMediaTemporary downloads the Media's bytes through a signed URL
// (links.content_direct_temporary): no credentials, but a valid signature and
// an expiry not yet past, else 403/20403. A bad URL is refused before the
// store is asked whether the Media exists, so it reveals nothing.
func (s *Server) handleMediaTemporary(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	service, sid := param(p, "service"), param(p, "sid")
	q := r.URL.Query()
	expires, signature := q.Get("Expires"), q.Get("Signature")
	want := mediaSignature(s.cfg.AuthToken, service, sid, expires)
	if !hmac.Equal([]byte(signature), []byte(want)) {
		return model.Errorf(model.CodeForbidden, "The media URL signature is not valid")
	}
	if exp, err := strconv.ParseInt(expires, 10, 64); err != nil || time.Now().Unix() > exp {
		return model.Errorf(model.CodeForbidden, "The media URL has expired")
	}
	return s.serveMedia(w, r, service, sid)
}

// serveMedia writes a Media's bytes with its stored Content-Type, and its
// filename in Content-Disposition. http.ServeContent answers Range,
// If-Range and If-Modified-Since requests, and copies the bytes through a
// small buffer, each fill of it one ReadAt of the store: a download holds
// no more of the content than that. The bytes are whatever was
// uploaded, so the browser is told not to sniff them and to run any HTML in
// a sandbox, away from chatd's origin.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request, service, sid string) error {
	me, content, err := s.api.MediaContent(r.Context(), service, sid)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", me.ContentType)
	if me.Filename != nil {
		if cd := mime.FormatMediaType("inline", map[string]string{"filename": *me.Filename}); cd != "" {
			h.Set("Content-Disposition", cd)
		}
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	rw := &rangeRefusal{ResponseWriter: w}
	http.ServeContent(rw, r, "", me.DateCreated, io.NewSectionReader(content, 0, me.Size))
	if rw.refused {
		return model.Errorf(model.CodeRangeNotSatisfiable,
			"The requested range %s cannot be served from the %d bytes of the media", r.Header.Get("Range"), me.Size)
	}
	return nil
}

// rangeRefusal holds back the plain-text 416 that http.ServeContent writes
// for a Range it cannot satisfy, so that the handler answers with Twilio's
// error instead. The Content-Range (bytes */size) it sets stays. Every
// other answer passes through.
type rangeRefusal struct {
	http.ResponseWriter
	refused bool
}

func (w *rangeRefusal) WriteHeader(code int) {
	if code == http.StatusRequestedRangeNotSatisfiable {
		w.refused = true
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *rangeRefusal) Write(b []byte) (int, error) {
	if w.refused {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// TemporaryMediaPath is the path and query of a signed download URL of a
// Media's content, valid until expires without credentials: what chatd puts,
// after its base URL, in links.content_direct_temporary. The signature is an
// HMAC-SHA256, keyed with the auth token, over the Service SID, the Media SID
// and the expiry, so only a holder of the token can mint one and none can be
// moved to another Media or given a longer life.
func TemporaryMediaPath(authToken, service, sid string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	q := url.Values{"Expires": {exp}, "Signature": {mediaSignature(authToken, service, sid, exp)}}
	return mediaTemporaryPrefix + url.PathEscape(service) + "/" + url.PathEscape(sid) + "?" + q.Encode()
}

// mediaSignature is the hex HMAC-SHA256 of a temporary URL. SIDs hold no
// newline, so the signed text names one (service, sid, expiry) only.
func mediaSignature(authToken, service, sid, expires string) string {
	mac := hmac.New(sha256.New, []byte(authToken))
	mac.Write([]byte(service + "\n" + sid + "\n" + expires))
	return hex.EncodeToString(mac.Sum(nil))
}
