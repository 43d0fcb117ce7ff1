package server_test

// Wire tests of streamed uploads: the content is staged as it arrives and
// becomes a Media with the last byte; an upload that is cut, goes over the
// limit or loses its Service leaves nothing behind, which the tests check
// through the store.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/model"
)

// stagedDeadline bounds every wait for the store to reach a state: a guard
// against a hung test, not a timing assertion.
const stagedDeadline = time.Minute

// stagedUploads is what the store holds staged.
func stagedUploads(t testing.TB, h *harness) []*model.StagedMedia {
	t.Helper()
	var out []*model.StagedMedia
	err := h.db.View(context.Background(), func(tx model.Tx) (err error) {
		out, err = tx.StagedMedia()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stagedList describes staged uploads for a failure message.
func stagedList(staged []*model.StagedMedia) string {
	var b strings.Builder
	for _, u := range staged {
		fmt.Fprintf(&b, "\n\t%s of %s: %d bytes", u.Sid, u.ServiceSid, u.Size)
	}
	return b.String()
}

// waitStaged polls the store until done holds for its staged uploads, and
// returns them.
func waitStaged(t testing.TB, h *harness, what string, done func([]*model.StagedMedia) bool) []*model.StagedMedia {
	t.Helper()
	deadline := time.Now().Add(stagedDeadline)
	for {
		staged := stagedUploads(t, h)
		if done(staged) {
			return staged
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s; staged:%s", what, stagedDeadline, stagedList(staged))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitStagedBytes waits until one upload has staged at least n bytes and
// returns its SID.
func waitStagedBytes(t testing.TB, h *harness, n int64) string {
	t.Helper()
	staged := waitStaged(t, h, fmt.Sprintf("upload with %d bytes staged", n), func(s []*model.StagedMedia) bool {
		return len(s) == 1 && s[0].Size >= n
	})
	return staged[0].Sid
}

// wantNothingLeft checks that no upload is staged and that sid is no Media,
// in the store and on the wire.
func wantNothingLeft(t *testing.T, h *harness, service, sid string) {
	t.Helper()
	if staged := stagedUploads(t, h); len(staged) != 0 {
		t.Errorf("staged uploads left:%s", stagedList(staged))
	}
	err := h.db.View(context.Background(), func(tx model.Tx) error {
		_, err := tx.Media(service, sid)
		return err
	})
	if !errors.Is(err, model.ErrNotFound) {
		t.Errorf("Media(%s) = %v, want ErrNotFound", sid, err)
	}
	h.wantError(mediaGet(t, h, mediaPath(service)+"/"+sid).response(t), 404, 20404)
}

// rawUpload opens a connection to chatd and sends the headers of an upload
// to service with the extra header lines given; the body is the caller's.
func rawUpload(t *testing.T, h *harness, service, headers string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", h.srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	auth := base64.StdEncoding.EncodeToString([]byte(testAccount + ":" + testToken))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: chatd\r\nAuthorization: Basic %s\r\n%s\r\n", mediaPath(service), auth, headers)
	return conn
}

// chunkedWriter writes an HTTP/1.1 chunked body on a raw connection.
type chunkedWriter struct{ w io.Writer }

func (c chunkedWriter) Write(p []byte) (int, error) {
	if _, err := fmt.Fprintf(c.w, "%x\r\n%s\r\n", len(p), p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// multipartHead is the start of a multipart/form-data body up to the
// content of its file part, and the request's Content-Type for it.
func multipartHead(t *testing.T) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("note", "a form field first"); err != nil {
		t.Fatal(err)
	}
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", `form-data; name="media"; filename="cut.bin"`)
	hdr.Set("Content-Type", "application/octet-stream")
	if _, err := mw.CreatePart(hdr); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// TestMediaUploadCutMidBody cuts uploads after a few chunks are stored: the
// client closes its connection, as a client that dies or gives up does.
// Nothing of them may stay, and above all no Media of the bytes that came:
// a body cut short must not pass for a whole file.
func TestMediaUploadCutMidBody(t *testing.T) {
	h := newHarness(t)
	service := mediaServiceSid(h.newService())
	// chatd stages an upload a few chunks at a time (1 MiB): six chunks
	// make it store at least one write's worth.
	const sent, size = 6 * mediaChunk, 64 * mediaChunk
	head, multiType := multipartHead(t)
	for _, c := range []struct {
		name    string
		headers string
		send    func(conn net.Conn, part []byte)
	}{
		{"ContentLength", fmt.Sprintf("Content-Type: video/mp4\r\nContent-Length: %d\r\n", size),
			func(conn net.Conn, part []byte) { conn.Write(part) }},
		{"Chunked", "Content-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n",
			func(conn net.Conn, part []byte) { chunkedWriter{conn}.Write(part) }},
		{"Multipart", fmt.Sprintf("Content-Type: %s\r\nContent-Length: %d\r\n", multiType, size),
			func(conn net.Conn, part []byte) { conn.Write(append(head, part...)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn := rawUpload(t, h, service, c.headers)
			c.send(conn, mediaBytes(sent, 9))
			sid := waitStagedBytes(t, h, 4*mediaChunk)
			conn.Close()
			waitStaged(t, h, "staged upload dropped", func(s []*model.StagedMedia) bool { return len(s) == 0 })
			wantNothingLeft(t, h, service, sid)
		})
	}
}

// TestMediaUploadOverLimitMidStream sends a chunked body (no length to
// refuse it by) that passes the Service's limit, lowered to 1 MiB: chatd
// stages it as it comes, answers 413/50512 once it passes the limit, while
// the client is still sending, and keeps nothing.
func TestMediaUploadOverLimitMidStream(t *testing.T) {
	h := newHarness(t)
	service := mediaServiceSid(h.newService())
	err := h.db.Update(context.Background(), func(tx model.Tx) error {
		s, err := tx.Service(service)
		if err != nil {
			return err
		}
		s.Media.SizeLimitMB = 1
		return tx.PutService(s)
	})
	if err != nil {
		t.Fatal(err)
	}
	conn := rawUpload(t, h, service, "Content-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n")
	body := chunkedWriter{conn}
	// One write's worth (1 MiB), the limit: stored, and chatd waits for more.
	body.Write(mediaBytes(4*mediaChunk, 10))
	sid := waitStagedBytes(t, h, 4*mediaChunk)
	// The rest goes on in the background, past the limit, and never ends.
	go body.Write(make([]byte, 4<<20))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	h.wantError(mediaReply{status: resp.StatusCode, header: resp.Header, body: raw}.response(t), 413, 50512)
	wantNothingLeft(t, h, service, sid)
}

// TestMediaUploadToADeletedService deletes the Service while an upload to
// it is under way: the upload fails with 404/20404 and leaves nothing.
func TestMediaUploadToADeletedService(t *testing.T) {
	h := newHarness(t)
	svc := h.newService()
	service := mediaServiceSid(svc)
	conn := rawUpload(t, h, service, "Content-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n")
	body := chunkedWriter{conn}
	body.Write(mediaBytes(4*mediaChunk, 11)) // one write's worth
	sid := waitStagedBytes(t, h, 4*mediaChunk)
	h.delete(svc)
	body.Write(mediaBytes(2*mediaChunk, 12))
	io.WriteString(conn, "0\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	h.wantError(mediaReply{status: resp.StatusCode, header: resp.Header, body: raw}.response(t), 404, 20404)
	wantNothingLeft(t, h, service, sid)
}

// TestMediaStreamedUpload streams uploads of unknown length in uneven
// pieces, raw and multipart: no Media exists until the last byte is in,
// and then the bytes come back intact, whole and in ranges.
func TestMediaStreamedUpload(t *testing.T) {
	h := newHarness(t)
	service := mediaServiceSid(h.newService())
	content := mediaBytes(9*mediaChunk+4321, 13)
	head, multiType := multipartHead(t)
	_, params, _ := mime.ParseMediaType(multiType)
	tail := []byte("\r\n--" + params["boundary"] + "--\r\n")
	for _, c := range []struct {
		name, typ  string
		head, tail []byte
	}{
		{"Raw", "image/png", nil, nil},
		{"Multipart", multiType, head, tail},
	} {
		t.Run(c.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			req := mediaRequest(t, h, http.MethodPost, mediaPath(service)+"?Filename=streamed.bin", pr, "Content-Type", c.typ)
			req.ContentLength = -1 // sent chunked
			req.SetBasicAuth(testAccount, testToken)
			replies := make(chan mediaReply, 1)
			go func() {
				var r mediaReply
				resp, err := h.srv.Client().Do(req)
				if err == nil {
					r.status, r.header = resp.StatusCode, resp.Header
					r.body, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				if err != nil {
					r.body = []byte(err.Error())
				}
				replies <- r
			}()

			pw.Write(c.head)
			half := 5*mediaChunk + 17
			for off := 0; off < half; off += 70001 {
				pw.Write(content[off:min(off+70001, half)])
			}
			sid := waitStagedBytes(t, h, 4*mediaChunk)
			h.wantError(mediaGet(t, h, mediaPath(service)+"/"+sid).response(t), 404, 20404)
			for off := half; off < len(content); off += 99991 {
				pw.Write(content[off:min(off+99991, len(content))])
			}
			pw.Write(c.tail)
			pw.Close()

			r := <-replies
			if r.status != http.StatusCreated {
				t.Fatalf("upload: status %d\n%.300s", r.status, r.body)
			}
			me := r.response(t).Body
			if me["sid"] != sid || me["size"] != float64(len(content)) {
				t.Errorf("sid %v, size %v; want the staged %s, %d", me["sid"], me["size"], sid, len(content))
			}
			if staged := stagedUploads(t, h); len(staged) != 0 {
				t.Errorf("staged uploads left after the 201:%s", stagedList(staged))
			}
			if got := mediaContent(t, h, me); !bytes.Equal(got.body, content) {
				t.Fatalf("downloaded %d bytes that differ from the %d uploaded", len(got.body), len(content))
			}
			for _, rng := range [][2]int{{0, 0}, {mediaChunk - 1, mediaChunk}, {3*mediaChunk + 5, 7*mediaChunk + 9}, {len(content) - 10, len(content) - 1}} {
				got := mediaGet(t, h, str(obj(me["links"])["content"]), "Range", fmt.Sprintf("bytes=%d-%d", rng[0], rng[1]))
				if got.status != http.StatusPartialContent || !bytes.Equal(got.body, content[rng[0]:rng[1]+1]) {
					t.Errorf("range %v: status %d, %d bytes; want 206 and content[%d:%d]", rng, got.status, len(got.body), rng[0], rng[1]+1)
				}
			}
		})
	}
}
