package server_test

// Wire tests of Twilio's media service (MCS) on chatd's listener: uploads,
// the Media record, downloads (whole, ranged and through the signed
// temporary URL), the size limit, media Messages and the cascades that
// delete Media with their Message, Channel or Service.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/server"
)

// mediaLimit is a Service's default media.size_limit_mb (150) in bytes.
const mediaLimit = 150 << 20

// mediaChunk is the size of one stored piece of content in bolt: contents
// are sized and ranges placed around its multiples.
const mediaChunk = 256 << 10

// mediaDateRe is MCS's date format: fractional seconds and an offset.
var mediaDateRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$`)

// mediaReply is a reply read whole; MCS downloads are not JSON.
type mediaReply struct {
	status int
	header http.Header
	body   []byte
}

// response turns r into the harness's decoded reply, for wantError.
func (r mediaReply) response(t testing.TB) *response {
	t.Helper()
	out := &response{Status: r.status, Header: r.header, Raw: r.body}
	if err := json.Unmarshal(r.body, &out.Body); err != nil {
		t.Fatalf("status %d: body is not a JSON object: %v\n%.200s", r.status, err, r.body)
	}
	return out
}

// mediaSend sends req, with the test credentials when auth is set, and reads
// the whole reply.
func mediaSend(t testing.TB, h *harness, req *http.Request, auth bool) mediaReply {
	t.Helper()
	if auth {
		req.SetBasicAuth(testAccount, testToken)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return mediaReply{status: resp.StatusCode, header: resp.Header, body: body}
}

// mediaRequest builds a request to path (relative to the harness, or
// absolute) with header given as name, value pairs.
func mediaRequest(t testing.TB, h *harness, method, path string, body io.Reader, header ...string) *http.Request {
	t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = h.URL() + path
	}
	req, err := http.NewRequest(method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// mediaGet fetches path with credentials.
func mediaGet(t testing.TB, h *harness, path string, header ...string) mediaReply {
	t.Helper()
	return mediaSend(t, h, mediaRequest(t, h, http.MethodGet, path, nil, header...), true)
}

// mediaPath is the MCS collection of Service service (an IS SID).
func mediaPath(service string) string { return "/v1/Services/" + service + "/Media" }

// mediaUpload uploads body to service's MCS collection (query appended to
// the path) with the given headers and returns the 201 record.
func mediaUpload(t testing.TB, h *harness, service, query string, body []byte, header ...string) map[string]any {
	t.Helper()
	r := mediaSend(t, h, mediaRequest(t, h, http.MethodPost, mediaPath(service)+query, bytes.NewReader(body), header...), true)
	if r.status != http.StatusCreated {
		t.Fatalf("upload: status %d, want 201\n%.300s", r.status, r.body)
	}
	return r.response(t).Body
}

// mediaContent downloads the content of a Media record with credentials and
// fails unless it is 200.
func mediaContent(t testing.TB, h *harness, media map[string]any) mediaReply {
	t.Helper()
	r := mediaGet(t, h, str(obj(media["links"])["content"]))
	if r.status != http.StatusOK {
		t.Fatalf("download: status %d\n%.300s", r.status, r.body)
	}
	return r
}

// mediaBytes is n bytes of deterministic noise that starts with a NUL and
// bytes that are not UTF-8.
func mediaBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	copy(b, []byte{0, 0xff, 0xfe, 0xc3, 0x28, 0})
	return b
}

// mediaServiceSid is the IS SID at the end of a /v2/Services/IS… path.
func mediaServiceSid(path string) string { return path[strings.LastIndex(path, "/")+1:] }

func TestMediaRoundTrip(t *testing.T) {
	h := newHarness(t)
	service := mediaServiceSid(h.newService())
	content := mediaBytes(12*mediaChunk+12345, 1) // 13 chunks, the last one short
	me := mediaUpload(t, h, service, "?Filename=noise.bin", content, "Content-Type", "image/png")
	sid := str(me["sid"])

	t.Run("record", func(t *testing.T) {
		self := mediaPath(service) + "/" + sid
		want := map[string]any{
			"account_sid": testAccount, "service_sid": service, "channel_sid": nil, "message_sid": nil,
			"size": float64(len(content)), "content_type": "image/png", "filename": "noise.bin",
			"author": "system", "category": "media", "url": self, "is_multipart_upstream": false,
		}
		for k, v := range want {
			if me[k] != v {
				t.Errorf("%s = %v, want %v", k, me[k], v)
			}
		}
		if len(me) != 16 {
			t.Errorf("record has keys %v, want the 16 of MCS", keys(me))
		}
		if !strings.HasPrefix(sid, "ME") || len(sid) != 34 {
			t.Errorf("sid = %q", sid)
		}
		for _, k := range []string{"date_created", "date_updated", "date_upload_updated"} {
			if !mediaDateRe.MatchString(str(me[k])) || me[k] != me["date_created"] {
				t.Errorf("%s = %v, want date_created %v in MCS's format", k, me[k], me["date_created"])
			}
		}
		links := obj(me["links"])
		if links["content"] != self+"/Content" || len(links) != 2 {
			t.Errorf("links = %v", links)
		}
		if tmp := str(links["content_direct_temporary"]); !strings.HasPrefix(tmp, h.URL()+"/_chatd/media/"+service+"/"+sid+"?") {
			t.Errorf("content_direct_temporary = %q, want an absolute chatd URL", tmp)
		}
	})
	t.Run("fetch", func(t *testing.T) {
		r := mediaGet(t, h, str(me["url"]))
		got := r.response(t).Body
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		// The temporary link is minted per response; everything else is the
		// stored record.
		delete(obj(got["links"]), "content_direct_temporary")
		delete(obj(me["links"]), "content_direct_temporary")
		if !reflect.DeepEqual(got, me) {
			t.Errorf("fetched %v\nwant %v", got, me)
		}
	})
	t.Run("download", func(t *testing.T) {
		r := mediaContent(t, h, me)
		if !bytes.Equal(r.body, content) {
			t.Fatalf("downloaded %d bytes that differ from the %d uploaded", len(r.body), len(content))
		}
		if ct := r.header.Get("Content-Type"); ct != "image/png" {
			t.Errorf("Content-Type = %q", ct)
		}
		if _, params, _ := mime.ParseMediaType(r.header.Get("Content-Disposition")); params["filename"] != "noise.bin" {
			t.Errorf("Content-Disposition = %q", r.header.Get("Content-Disposition"))
		}
		if r.header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("Accept-Ranges = %q", r.header.Get("Accept-Ranges"))
		}
	})
	for _, c := range []struct {
		name, rng  string
		start, end int // the expected bytes, content[start:end]
	}{
		{"first byte", "bytes=0-0", 0, 1},
		{"across a chunk boundary", fmt.Sprintf("bytes=%d-%d", mediaChunk-3, mediaChunk+2), mediaChunk - 3, mediaChunk + 3},
		{"exactly one chunk", fmt.Sprintf("bytes=%d-%d", 5*mediaChunk, 6*mediaChunk-1), 5 * mediaChunk, 6 * mediaChunk},
		{"open ended", fmt.Sprintf("bytes=%d-", 11*mediaChunk+7), 11*mediaChunk + 7, len(content)},
		{"suffix", "bytes=-100", len(content) - 100, len(content)},
		{"past the end is clipped", fmt.Sprintf("bytes=%d-%d", len(content)-2, len(content)+100), len(content) - 2, len(content)},
	} {
		t.Run("range "+c.name, func(t *testing.T) {
			r := mediaGet(t, h, str(obj(me["links"])["content"]), "Range", c.rng)
			if r.status != http.StatusPartialContent {
				t.Fatalf("status %d, want 206", r.status)
			}
			if want := fmt.Sprintf("bytes %d-%d/%d", c.start, c.end-1, len(content)); r.header.Get("Content-Range") != want {
				t.Errorf("Content-Range = %q, want %q", r.header.Get("Content-Range"), want)
			}
			if !bytes.Equal(r.body, content[c.start:c.end]) {
				t.Errorf("range %s: got %d bytes that differ from content[%d:%d]", c.rng, len(r.body), c.start, c.end)
			}
		})
	}
	t.Run("range unsatisfiable", func(t *testing.T) {
		r := mediaGet(t, h, str(obj(me["links"])["content"]), "Range", fmt.Sprintf("bytes=%d-", len(content)))
		if r.status != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("status %d, want 416", r.status)
		}
	})
	t.Run("error no credentials", func(t *testing.T) {
		for _, path := range []string{mediaPath(service), str(me["url"]), str(obj(me["links"])["content"])} {
			method := http.MethodGet
			if path == mediaPath(service) {
				method = http.MethodPost
			}
			r := mediaSend(t, h, mediaRequest(t, h, method, path, strings.NewReader("x")), false)
			h.wantError(r.response(t), 401, 20003)
		}
	})
}

// mediaMultipart builds a multipart/form-data body with a form field and
// one file part (its Content-Type omitted when contentType is "") and
// returns it with the request's Content-Type.
func mediaMultipart(t testing.TB, filename, contentType string, file []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("note", "a form field, not the file"); err != nil {
		t.Fatal(err)
	}
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename=%q`, filename))
	if contentType != "" {
		hdr.Set("Content-Type", contentType)
	}
	part, err := mw.CreatePart(hdr)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(file)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

func TestMediaUploadForms(t *testing.T) {
	h := newHarness(t)
	service := mediaServiceSid(h.newService())
	raw := mediaBytes(mediaChunk+1, 2)
	file := mediaBytes(1000, 3)
	multi, multiType := mediaMultipart(t, "photo.jpg", "image/jpeg", file)
	untyped, untypedType := mediaMultipart(t, "notes.txt", "", file)

	for _, c := range []struct {
		name     string
		query    string
		body     []byte
		header   []string
		filename any // nil for null
		typ      string
		content  []byte
	}{
		{"filename from query", "?Filename=q.txt", raw,
			[]string{"Content-Type", "text/plain", "Content-Disposition", `attachment; filename="header.txt"`}, "q.txt", "text/plain", raw},
		{"filename from content disposition", "", raw,
			[]string{"Content-Type", "application/pdf", "Content-Disposition", `attachment; filename="report 1.pdf"`}, "report 1.pdf", "application/pdf", raw},
		{"filename from content disposition UTF8", "", raw,
			[]string{"Content-Type", "text/plain", "Content-Disposition", `attachment; filename*=UTF-8''na%C3%AFve.txt`}, "naïve.txt", "text/plain", raw},
		{"filename from multipart", "", multi, []string{"Content-Type", multiType}, "photo.jpg", "image/jpeg", file},
		{"query beats multipart", "?Filename=renamed.jpg", multi, []string{"Content-Type", multiType}, "renamed.jpg", "image/jpeg", file},
		{"multipart without type", "", untyped, []string{"Content-Type", untypedType}, "notes.txt", "application/octet-stream", file},
		{"no filename", "", raw, []string{"Content-Type", "audio/ogg"}, nil, "audio/ogg", raw},
		{"no content type", "", raw, nil, nil, "application/octet-stream", raw},
		{"empty file", "?Filename=empty", nil, []string{"Content-Type", "text/plain"}, "empty", "text/plain", []byte{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			me := mediaUpload(t, h, service, c.query, c.body, c.header...)
			if me["filename"] != c.filename || me["content_type"] != c.typ || me["size"] != float64(len(c.content)) {
				t.Errorf("filename %v, content_type %v, size %v; want %v, %v, %d",
					me["filename"], me["content_type"], me["size"], c.filename, c.typ, len(c.content))
			}
			r := mediaContent(t, h, me)
			if !bytes.Equal(r.body, c.content) {
				t.Errorf("downloaded %d bytes that differ from the %d uploaded", len(r.body), len(c.content))
			}
			if r.header.Get("Content-Type") != c.typ {
				t.Errorf("download Content-Type = %q, want %q", r.header.Get("Content-Type"), c.typ)
			}
			cd := r.header.Get("Content-Disposition")
			_, params, _ := mime.ParseMediaType(cd)
			if name, ok := c.filename.(string); ok && params["filename"] != name || c.filename == nil && cd != "" {
				t.Errorf("download Content-Disposition = %q, want the filename %v", cd, c.filename)
			}
		})
	}
	t.Run("error multipart without file", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("note", "no file here")
		mw.Close()
		req := mediaRequest(t, h, http.MethodPost, mediaPath(service), &buf, "Content-Type", mw.FormDataContentType())
		h.wantError(mediaSend(t, h, req, true).response(t), 400, 20001)
	})
}

// mediaZeros reads as an endless run of zero bytes.
type mediaZeros struct{}

func (mediaZeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestMediaSizeLimit(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	service := mediaServiceSid(svc)
	if got := num(obj(h.get(svc)["media"])["size_limit_mb"]); got<<20 != mediaLimit {
		t.Fatalf("media.size_limit_mb = %d, want %d", got, mediaLimit>>20)
	}

	t.Run("by content length", func(t *testing.T) {
		// The request announces one byte over the limit and sends no body
		// at all: the answer must come without chatd reading any of it.
		conn, err := net.Dial("tcp", h.srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		auth := base64.StdEncoding.EncodeToString([]byte(testAccount + ":" + testToken))
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: chatd\r\nAuthorization: Basic %s\r\n"+
			"Content-Type: video/mp4\r\nContent-Length: %d\r\n\r\n", mediaPath(service), auth, mediaLimit+1)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		h.wantError(mediaReply{status: resp.StatusCode, header: resp.Header, body: body}.response(t), 413, 50512)
	})
	t.Run("chunked", func(t *testing.T) {
		// A body of unknown length, streamed rather than allocated here,
		// is cut off by the read bound just past the limit.
		req := mediaRequest(t, h, http.MethodPost, mediaPath(service), io.LimitReader(mediaZeros{}, mediaLimit+2),
			"Content-Type", "video/mp4")
		req.ContentLength = -1 // sent chunked
		h.wantError(mediaSend(t, h, req, true).response(t), 413, 50512)
	})
	t.Run("nothing stored", func(t *testing.T) {
		// The chunked body was staged as it came, up to the limit, and
		// dropped when it passed it.
		if staged := stagedUploads(t, h); len(staged) != 0 {
			t.Errorf("staged uploads left after refused uploads:%s", stagedList(staged))
		}
	})

	// The boundaries, on a Service whose limit is lowered to 1 MiB in the
	// store (the API has no parameter for it), so that each costs a MiB.
	small := mediaServiceSid(h.newService())
	err := h.db.Update(context.Background(), func(tx model.Tx) error {
		s, err := tx.Service(small)
		if err != nil {
			return err
		}
		s.Media.SizeLimitMB = 1
		return tx.PutService(s)
	})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 1 << 20
	atLimit, atLimitType := mediaMultipart(t, "f.bin", "", make([]byte, limit))
	overLimit, overLimitType := mediaMultipart(t, "f.bin", "", make([]byte, limit+1))
	for _, c := range []struct {
		name    string
		body    []byte
		typ     string
		chunked bool
		status  int
	}{
		{"at the limit", make([]byte, limit), "", false, 201},
		{"at the limit chunked", make([]byte, limit), "", true, 201},
		{"at the limit multipart", atLimit, atLimitType, false, 201},
		{"one byte over", make([]byte, limit+1), "", false, 413},
		{"one byte over chunked", make([]byte, limit+1), "", true, 413}, // read whole, refused by the Service's limit
		{"two bytes over chunked", make([]byte, limit+2), "", true, 413},
		{"one byte over multipart", overLimit, overLimitType, false, 413},
		{"one byte over multipart chunked", overLimit, overLimitType, true, 413},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(c.body)
			if c.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req := mediaRequest(t, h, http.MethodPost, mediaPath(small), body)
			if c.typ != "" {
				req.Header.Set("Content-Type", c.typ)
			}
			r := mediaSend(t, h, req, true)
			if c.status == 201 {
				if got := r.response(t).Body; r.status != 201 || got["size"] != float64(limit) {
					t.Errorf("status %d, size %v; want 201, %d", r.status, got["size"], limit)
				}
				return
			}
			h.wantError(r.response(t), 413, 50512)
		})
	}
}

func TestMediaNotFound(t *testing.T) {
	h := newHarness(t)
	service := mediaServiceSid(h.newService())
	me := mediaUpload(t, h, service, "", []byte("x"), "Content-Type", "text/plain")
	const unknownService = "IS00000000000000000000000000000000"
	const unknownMedia = "ME00000000000000000000000000000000"
	for _, c := range []struct {
		name, method, path string
	}{
		{"upload to unknown service", http.MethodPost, mediaPath(unknownService)},
		{"fetch unknown media", http.MethodGet, mediaPath(service) + "/" + unknownMedia},
		{"fetch malformed SID", http.MethodGet, mediaPath(service) + "/ME123"},
		{"fetch in another service", http.MethodGet, mediaPath(unknownService) + "/" + str(me["sid"])},
		{"content of unknown media", http.MethodGet, mediaPath(service) + "/" + unknownMedia + "/Content"},
		{"content in another service", http.MethodGet, mediaPath(unknownService) + "/" + str(me["sid"]) + "/Content"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := mediaSend(t, h, mediaRequest(t, h, c.method, c.path, strings.NewReader("x")), true)
			h.wantError(r.response(t), 404, 20404)
		})
	}
}

func TestMediaTemporaryURL(t *testing.T) {
	h := newHarness(t)
	service := mediaServiceSid(h.newService())
	content := mediaBytes(2*mediaChunk+10, 4)
	me := mediaUpload(t, h, service, "?Filename=a.bin", content, "Content-Type", "application/zip")
	other := mediaUpload(t, h, service, "", []byte("other"), "Content-Type", "text/plain")
	sid := str(me["sid"])
	temp := str(obj(me["links"])["content_direct_temporary"])
	anon := func(t *testing.T, target string, header ...string) mediaReply {
		t.Helper()
		return mediaSend(t, h, mediaRequest(t, h, http.MethodGet, target, nil, header...), false)
	}

	t.Run("works without credentials", func(t *testing.T) {
		r := anon(t, temp)
		if r.status != http.StatusOK || !bytes.Equal(r.body, content) {
			t.Fatalf("status %d, %d bytes; want 200 and the %d uploaded", r.status, len(r.body), len(content))
		}
		if r.header.Get("Content-Type") != "application/zip" {
			t.Errorf("Content-Type = %q", r.header.Get("Content-Type"))
		}
	})
	t.Run("range", func(t *testing.T) {
		r := anon(t, temp, "Range", "bytes=10-19")
		if r.status != http.StatusPartialContent || !bytes.Equal(r.body, content[10:20]) {
			t.Errorf("status %d, body %x; want 206 and content[10:20]", r.status, r.body)
		}
	})
	t.Run("fresh link on every fetch", func(t *testing.T) {
		r := mediaGet(t, h, str(me["url"]))
		if link := str(obj(r.response(t).Body["links"])["content_direct_temporary"]); anon(t, link).status != http.StatusOK {
			t.Errorf("the link of a fetched record does not download")
		}
	})

	base := h.URL()
	signed := func(token, service, sid string, expires time.Time) string {
		return base + server.TemporaryMediaPath(token, service, sid, expires)
	}
	later := time.Now().Add(time.Minute)
	u, err := url.Parse(temp)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	sig, exp := q.Get("Signature"), q.Get("Expires")
	flipped := []byte(sig)
	flipped[len(flipped)-1] = "01"[(flipped[len(flipped)-1]+1)%2] // another last hex digit
	for _, c := range []struct {
		name, target string
	}{
		{"expired", signed(testToken, service, sid, time.Now().Add(-time.Second))},
		{"signed with another token", signed("anothertoken0123456789", service, sid, later)},
		{"signature tampered", base + u.Path + "?Expires=" + exp + "&Signature=" + string(flipped)},
		{"expiry extended", base + u.Path + "?Expires=" + exp + "0&Signature=" + sig},
		{"moved to another media", base + "/_chatd/media/" + service + "/" + str(other["sid"]) + "?" + u.RawQuery},
		{"no signature", base + u.Path + "?Expires=" + exp},
		{"no query", base + u.Path},
	} {
		t.Run("error "+c.name, func(t *testing.T) {
			h.wantError(anon(t, c.target).response(t), 403, 20403)
		})
	}
	t.Run("same helper signs a valid URL", func(t *testing.T) {
		if r := anon(t, signed(testToken, service, sid, later)); r.status != http.StatusOK || !bytes.Equal(r.body, content) {
			t.Errorf("status %d for a URL signed by TemporaryMediaPath", r.status)
		}
	})
	t.Run("error valid URL of unknown media", func(t *testing.T) {
		gone := signed(testToken, service, "ME00000000000000000000000000000000", later)
		h.wantError(anon(t, gone).response(t), 404, 20404)
	})
}

func TestMediaMessages(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	service := mediaServiceSid(svc)
	ch := h.create(svc+"/Channels", form("UniqueName", "general"))
	chPath := svc + "/Channels/general"
	content := mediaBytes(3000, 5)
	me := mediaUpload(t, h, service, "?Filename=cat.gif", content, "Content-Type", "image/gif")
	sid := str(me["sid"])

	m := h.create(chPath+"/Messages", form("MediaSid", sid, "From", "alice"))
	msgPath := chPath + "/Messages/" + str(m["sid"])
	wantMedia := map[string]any{"sid": sid, "size": float64(len(content)), "content_type": "image/gif", "filename": "cat.gif"}
	check := func(t *testing.T, got map[string]any) {
		t.Helper()
		if got["type"] != "media" || got["body"] != "" || !reflect.DeepEqual(obj(got["media"]), wantMedia) {
			t.Errorf("type %v, body %q, media %v; want media, \"\", %v", got["type"], got["body"], got["media"], wantMedia)
		}
	}

	t.Run("create", func(t *testing.T) { check(t, m) })
	t.Run("fetch and list", func(t *testing.T) {
		check(t, h.get(msgPath))
		list := items(h.get(chPath + "/Messages"))
		if len(list) != 1 {
			t.Fatalf("%d messages listed, want 1", len(list))
		}
		check(t, list[0])
	})
	t.Run("record shows the message", func(t *testing.T) {
		got := mediaGet(t, h, str(me["url"])).response(t).Body
		if got["channel_sid"] != ch["sid"] || got["message_sid"] != m["sid"] {
			t.Errorf("channel_sid %v, message_sid %v; want %v, %v", got["channel_sid"], got["message_sid"], ch["sid"], m["sid"])
		}
	})
	t.Run("with a body", func(t *testing.T) {
		other := mediaUpload(t, h, service, "", []byte("x"), "Content-Type", "text/plain")
		got := h.create(chPath+"/Messages", form("MediaSid", str(other["sid"]), "Body", "look"))
		if got["type"] != "media" || got["body"] != "look" || obj(got["media"])["filename"] != nil {
			t.Errorf("type %v, body %v, media %v", got["type"], got["body"], got["media"])
		}
	})
	t.Run("attributes of a media message update", func(t *testing.T) {
		got := h.update(msgPath, form("Attributes", `{"seen":true}`))
		if got["attributes"] != `{"seen":true}` {
			t.Errorf("attributes = %v", got["attributes"])
		}
		check(t, got)
	})
	before := num(h.get(chPath)["messages_count"])
	for _, c := range []struct {
		name     string
		path     string
		form     []string
		status   int
		code     int
		unstored bool // a failed create: messages_count must not move
	}{
		{"error media already sent", chPath + "/Messages", []string{"MediaSid", sid}, 409, 50508, true},
		{"error unknown media", chPath + "/Messages", []string{"MediaSid", "ME00000000000000000000000000000000"}, 400, 50507, true},
		{"error malformed media SID", chPath + "/Messages", []string{"MediaSid", "ME123"}, 400, 20001, true},
		{"error update media body", msgPath, []string{"Body", "new caption"}, 400, 50509, false},
		{"error update media body to empty", msgPath, []string{"Body", ""}, 400, 50509, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.wantError(h.do(http.MethodPost, c.path, form(c.form...)), c.status, c.code)
			if n := num(h.get(chPath)["messages_count"]); n != before {
				t.Errorf("messages_count = %d, want %d", n, before)
			}
		})
	}
	t.Run("unchanged after refused updates", func(t *testing.T) {
		got := h.get(msgPath)
		check(t, got)
		if got["was_edited"] != false || got["attributes"] != `{"seen":true}` {
			t.Errorf("was_edited %v, attributes %v", got["was_edited"], got["attributes"])
		}
	})
	t.Run("media of another service is unknown", func(t *testing.T) {
		elsewhere := mediaUpload(t, h, mediaServiceSid(h.newService()), "", []byte("x"))
		h.wantError(h.do(http.MethodPost, chPath+"/Messages", form("MediaSid", str(elsewhere["sid"]))), 400, 50507)
	})
}

// mediaFixture is a Service holding, in each of two Channels, a media
// Message, plus a Media attached to nothing.
type mediaFixture struct {
	svc              string // /v2/Services/IS…
	first, second    string // the Channels' paths
	message          string // the media Message in first
	sent, kept, lone map[string]any
}

func newMediaFixture(t *testing.T, h *harness) mediaFixture {
	t.Helper()
	fx := mediaFixture{svc: h.newService()}
	service := mediaServiceSid(fx.svc)
	fx.first, fx.second = fx.svc+"/Channels/first", fx.svc+"/Channels/second"
	h.create(fx.svc+"/Channels", form("UniqueName", "first"))
	h.create(fx.svc+"/Channels", form("UniqueName", "second"))
	fx.sent = mediaUpload(t, h, service, "", mediaBytes(mediaChunk+5, 6), "Content-Type", "image/png")
	fx.kept = mediaUpload(t, h, service, "", mediaBytes(10, 7), "Content-Type", "image/png")
	fx.lone = mediaUpload(t, h, service, "", mediaBytes(10, 8), "Content-Type", "image/png")
	fx.message = fx.first + "/Messages/" + str(h.create(fx.first+"/Messages", form("MediaSid", str(fx.sent["sid"])))["sid"])
	h.create(fx.second+"/Messages", form("MediaSid", str(fx.kept["sid"])))
	return fx
}

// mediaGone checks that the record, the content and the temporary URL of
// media all answer 404/20404.
func mediaGone(t *testing.T, h *harness, media map[string]any) {
	t.Helper()
	links := obj(media["links"])
	for _, target := range []string{str(media["url"]), str(links["content"])} {
		h.wantError(mediaGet(t, h, target).response(t), 404, 20404)
	}
	tmp := mediaSend(t, h, mediaRequest(t, h, http.MethodGet, str(links["content_direct_temporary"]), nil), false)
	h.wantError(tmp.response(t), 404, 20404)
}

// mediaKept checks that media still downloads whole.
func mediaKept(t *testing.T, h *harness, media map[string]any) {
	t.Helper()
	if r := mediaContent(t, h, media); int64(len(r.body)) != int64(num(media["size"])) {
		t.Errorf("%s: downloaded %d bytes, want %v", media["sid"], len(r.body), media["size"])
	}
}

func TestMediaDeletion(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		name   string
		delete func(fx mediaFixture) string // returns the path to delete
		gone   func(fx mediaFixture) []map[string]any
		kept   func(fx mediaFixture) []map[string]any
	}{
		{"delete message",
			func(fx mediaFixture) string { return fx.message },
			func(fx mediaFixture) []map[string]any { return []map[string]any{fx.sent} },
			func(fx mediaFixture) []map[string]any { return []map[string]any{fx.kept, fx.lone} }},
		{"delete channel",
			func(fx mediaFixture) string { return fx.first },
			func(fx mediaFixture) []map[string]any { return []map[string]any{fx.sent} },
			func(fx mediaFixture) []map[string]any { return []map[string]any{fx.kept, fx.lone} }},
		{"delete service",
			func(fx mediaFixture) string { return fx.svc },
			func(fx mediaFixture) []map[string]any { return []map[string]any{fx.sent, fx.kept, fx.lone} },
			func(fx mediaFixture) []map[string]any { return nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			fx := newMediaFixture(t, h)
			h.delete(c.delete(fx))
			for _, me := range c.gone(fx) {
				mediaGone(t, h, me)
			}
			for _, me := range c.kept(fx) {
				mediaKept(t, h, me)
			}
		})
	}
	t.Run("unattached media stays until its service goes", func(t *testing.T) {
		fx := newMediaFixture(t, h)
		h.delete(fx.message)
		h.delete(fx.first)
		h.delete(fx.second)
		mediaKept(t, h, fx.lone)
		if got := mediaGet(t, h, str(fx.lone["url"])).response(t).Body; got["message_sid"] != nil {
			t.Errorf("an unattached Media shows message_sid %v", got["message_sid"])
		}
		h.delete(fx.svc)
		mediaGone(t, h, fx.lone)
	})
}
