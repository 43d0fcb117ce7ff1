package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/model"
)

// inspectFile opens the file of a chatd that is not running, hands its
// store to read, and closes it again.
func inspectFile(t *testing.T, path string, read func(model.Tx) error) {
	t.Helper()
	st, err := bolt.Open(path, bolt.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.View(context.Background(), read); err != nil {
		t.Fatal(err)
	}
}

// TestE2EMediaUploadKilled kills chatd (SIGKILL) in the middle of an
// upload. What it had stored of the upload stays in the file, staged and no
// Media; the next start drops it before serving.
func TestE2EMediaUploadKilled(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "chatd.db")
	argv := args(listen, []string{"--db", db, "--log-level", "warn"})
	c := start(t, argv)
	service := c.api.Must(t, http.StatusCreated, http.MethodPost, "/v2/Services", testenv.Form("FriendlyName", "uploads"))["sid"].(string)

	// A 150 MiB upload of which 64 MiB is sent. The writes block once the
	// socket buffers (a few MiB) are full, so by the time they are done
	// chatd has read, and stored, most of what was sent.
	u, err := url.Parse(c.ready.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetWriteDeadline(time.Now().Add(processTimeout))
	auth := base64.StdEncoding.EncodeToString([]byte(c.ready.AccountSid + ":" + c.ready.AuthToken))
	fmt.Fprintf(conn, "POST /v1/Services/%s/Media HTTP/1.1\r\nHost: chatd\r\nAuthorization: Basic %s\r\n"+
		"Content-Type: video/mp4\r\nContent-Length: %d\r\n\r\n", service, auth, 150<<20)
	block := make([]byte, 1<<20)
	for i := range 64 {
		block[0] = byte(i)
		if _, err := conn.Write(block); err != nil {
			t.Fatalf("sending MiB %d of the upload: %v", i, err)
		}
	}
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	c.wait(t)

	var upload *model.StagedMedia
	inspectFile(t, db, func(tx model.Tx) error {
		staged, err := tx.StagedMedia()
		if len(staged) != 1 || staged[0].ServiceSid != service || staged[0].Size == 0 {
			return fmt.Errorf("staged after the kill: %v, %v; want the upload, with bytes", staged, err)
		}
		upload = staged[0]
		return nil
	})
	t.Logf("the kill left %d bytes staged", upload.Size)

	again := start(t, argv)
	testenv.WantError(t, again.api.Do(t, http.MethodGet, "/v1/Services/"+service+"/Media/"+upload.Sid, nil), http.StatusNotFound, 20404)
	again.stop(t)

	inspectFile(t, db, func(tx model.Tx) error {
		if staged, err := tx.StagedMedia(); len(staged) != 0 || err != nil {
			t.Errorf("staged after the restart: %d uploads, %v; want none", len(staged), err)
		}
		if _, err := tx.Media(service, upload.Sid); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("Media of the killed upload = %v, want ErrNotFound", err)
		}
		return nil
	})
}
