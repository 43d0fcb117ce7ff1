package server_test

// Tests of the connection limits of an opened Server (timeouts, header size,
// the connection cap, the transfer limits of media) and of the JSON answer
// to a Range no byte satisfies. The limits live in the http.Server and
// listener of Open, so these tests start chatd with Open on a real port
// rather than through the harness's httptest server. No test asserts how
// long anything takes: short limits are set and the effect is awaited.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/server"
)

// guard bounds every wait for something the server must do eventually, so
// that a broken limit fails the test instead of hanging it.
const guard = 20 * time.Second

// openServer starts chatd with limits on a free local port and returns its
// address (host:port).
func openServer(t *testing.T, limits server.Limits) string {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "chatd.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(chat.New(db, chat.Options{AccountSid: testAccount}), server.Config{
		AccountSid: testAccount,
		AuthToken:  testToken,
		Logger:     slog.New(slog.DiscardHandler),
		Limits:     limits,
	})
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return strings.TrimPrefix(srv.URL(), "http://")
}

// dial opens a raw connection to addr, closed at the end of the test.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// authHeader is the Basic Authorization header of the test credentials.
func authHeader() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(testAccount+":"+testToken))
}

// healthRequest is a keep-alive GET of the health check, in wire form.
const healthRequest = "GET /_chatd/health HTTP/1.1\r\nHost: chatd\r\n\r\n"

// readResponse reads one response from br, waiting at most guard.
func readResponse(t *testing.T, conn net.Conn, br *bufio.Reader) *http.Response {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(guard))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("reading a response body: %v", err)
	}
	resp.Body.Close()
	return resp
}

// waitClosed reads from conn until the server closes it and returns what
// arrived; a connection still open after guard fails the test.
func waitClosed(t *testing.T, conn net.Conn, r io.Reader) []byte {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(guard))
	got, err := io.ReadAll(r)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		t.Fatalf("the server kept the connection open; it sent %q", got)
	case err != nil && !errors.Is(err, syscall.ECONNRESET):
		t.Fatalf("reading until the connection closes: %v", err)
	}
	return got
}

func TestLimitSlowBody(t *testing.T) {
	addr := openServer(t, server.Limits{ReadTimeout: 100 * time.Millisecond})
	conn := dial(t, addr)
	// A create whose body never arrives in full.
	fmt.Fprintf(conn, "POST /v2/Services HTTP/1.1\r\nHost: chatd\r\nAuthorization: %s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nFriendlyName=sl", authHeader())
	got := waitClosed(t, conn, conn)
	if bytes.HasPrefix(got, []byte("HTTP/1.1 2")) {
		t.Errorf("a request whose body never arrived succeeded:\n%s", got)
	}
}

func TestLimitIdleKeepAlive(t *testing.T) {
	addr := openServer(t, server.Limits{IdleTimeout: 100 * time.Millisecond})
	conn := dial(t, addr)
	br := bufio.NewReader(conn)
	io.WriteString(conn, healthRequest)
	if resp := readResponse(t, conn, br); resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("health check: status %d, close %v; want a kept-alive 200", resp.StatusCode, resp.Close)
	}
	if rest := waitClosed(t, conn, br); len(rest) > 0 {
		t.Errorf("an idle connection got %q", rest)
	}
}

func TestLimitMaxConnections(t *testing.T) {
	addr := openServer(t, server.Limits{MaxConnections: 1})
	first := dial(t, addr)
	firstReader := bufio.NewReader(first)
	io.WriteString(first, healthRequest)
	if resp := readResponse(t, first, firstReader); resp.StatusCode != http.StatusOK {
		t.Fatalf("first connection: status %d", resp.StatusCode)
	}

	// The first connection stays open (kept alive), so the second waits:
	// its request is not answered while the first holds the only slot. A
	// slow machine can only make this wait pass, never fail it.
	second := dial(t, addr)
	io.WriteString(second, healthRequest)
	second.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	var ne net.Error
	if n, err := second.Read(make([]byte, 1)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("a connection over the cap was served (read %d bytes, %v)", n, err)
	}

	// Once the first closes, the second is served.
	first.Close()
	if resp := readResponse(t, second, bufio.NewReader(second)); resp.StatusCode != http.StatusOK {
		t.Fatalf("second connection: status %d", resp.StatusCode)
	}
}

func TestLimitHeaderSize(t *testing.T) {
	addr := openServer(t, server.Limits{MaxHeaderBytes: 1 << 10})
	for _, c := range []struct {
		name string
		size int
		want int
	}{
		{"Small", 512, http.StatusOK},
		// net/http allows 4 KiB beyond MaxHeaderBytes.
		{"TooLarge", 16 << 10, http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/_chatd/health", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Padding", strings.Repeat("a", c.size))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("%d bytes of header: status %d, want %d", c.size, resp.StatusCode, c.want)
			}
		})
	}
}

// slowReader yields its first half, pauses, then the rest: a client on a
// slow link.
type slowReader struct {
	data  []byte
	pause time.Duration
	off   int
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.off >= len(r.data) {
		return 0, io.EOF
	}
	if half := len(r.data) / 2; r.off == half {
		time.Sleep(r.pause)
	}
	end := len(r.data)
	if r.off < len(r.data)/2 {
		end = len(r.data) / 2
	}
	n := copy(p, r.data[r.off:end])
	r.off += n
	return n, nil
}

// TestLimitMediaTransfer moves media slower than the read and write
// timeouts allow: an upload whose body pauses past both, and a download
// its reader stops reading past the write timeout. Both complete, under
// the transfer limit instead.
func TestLimitMediaTransfer(t *testing.T) {
	const short = 100 * time.Millisecond
	addr := openServer(t, server.Limits{ReadTimeout: short, WriteTimeout: short})
	base := "http://" + addr
	service := createService(t, base)

	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB, more than the socket buffers hold
	req, err := http.NewRequest(http.MethodPost, base+"/v1/Services/"+service+"/Media",
		&slowReader{data: content, pause: 5 * short})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(content))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.SetBasicAuth(testAccount, testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("slow upload: %v", err)
	}
	var media struct {
		Sid string `json:"sid"`
	}
	err = json.NewDecoder(resp.Body).Decode(&media)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || err != nil {
		t.Fatalf("slow upload: status %d, %v", resp.StatusCode, err)
	}

	// A download read by a client with a small receive buffer that pauses
	// after the headers: the server's writes block past the write timeout.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /v1/Services/%s/Media/%s/Content HTTP/1.1\r\nHost: chatd\r\nAuthorization: %s\r\n\r\n",
		service, media.Sid, authHeader())
	conn.SetReadDeadline(time.Now().Add(guard))
	br := bufio.NewReader(conn)
	dl, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Body.Close()
	time.Sleep(5 * short)
	got, err := io.ReadAll(dl.Body)
	if dl.StatusCode != http.StatusOK || err != nil || !bytes.Equal(got, content) {
		t.Fatalf("slow download: status %d, %d of %d bytes, %v", dl.StatusCode, len(got), len(content), err)
	}
}

// createService creates a Service on the chatd at base and returns its SID.
func createService(t *testing.T, base string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/v2/Services",
		strings.NewReader(url.Values{"FriendlyName": {"limits"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testAccount, testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sv struct {
		Sid string `json:"sid"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&sv); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating a Service: status %d, %v", resp.StatusCode, err)
	}
	return sv.Sid
}

func TestMediaRangeNotSatisfiable(t *testing.T) {
	h := newHarness(t)
	service := createService(t, h.URL())
	content := []byte("ten bytes!")
	req, err := http.NewRequest(http.MethodPost, h.URL()+"/v1/Services/"+service+"/Media", bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain")
	req.SetBasicAuth(testAccount, testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var media struct {
		Links struct {
			Content                string `json:"content"`
			ContentDirectTemporary string `json:"content_direct_temporary"`
		} `json:"links"`
	}
	err = json.NewDecoder(resp.Body).Decode(&media)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || err != nil {
		t.Fatalf("upload: status %d, %v", resp.StatusCode, err)
	}

	for _, c := range []struct {
		name, url, rng string
		unsatisfied    bool // a well-formed Range past the end, answered with Content-Range: bytes */size
	}{
		{"PastTheEnd", h.URL() + media.Links.Content, "bytes=10-", true},
		{"Malformed", h.URL() + media.Links.Content, "bytes=ten-", false},
		{"TemporaryURL", media.Links.ContentDirectTemporary, "bytes=100-200", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, c.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Range", c.rng)
			req.SetBasicAuth(testAccount, testToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			var body map[string]any
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("status %d, Content-Type %q: body is not JSON: %q", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
			}
			if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable || body["code"] != 20416.0 || body["status"] != 416.0 {
				t.Errorf("status %d, body %s; want 416 with code 20416", resp.StatusCode, raw)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cr := resp.Header.Get("Content-Range"); c.unsatisfied && cr != fmt.Sprintf("bytes */%d", len(content)) {
				t.Errorf("Content-Range = %q", cr)
			}
			if msg, _ := body["message"].(string); msg == "" || body["more_info"] != "https://www.twilio.com/docs/errors/20416" || len(body) != 4 {
				t.Errorf("error body %s", raw)
			}
		})
	}
}
