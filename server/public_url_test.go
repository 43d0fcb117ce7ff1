package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/server"
)

// TestPublicURL checks that a configured public URL, not the request's host,
// starts every url, links and meta URL (chatd behind a proxy).
func TestPublicURL(t *testing.T) {
	p := newHarnessWith(t, func(h *harness) {
		h.options = append(h.options, testenv.WithPublicURL("https://chat.example.com/"))
	})

	svc := p.newService()
	ch := p.create(svc+"/Channels", form("UniqueName", "general"))
	list := p.get(svc + "/Channels?PageSize=1")
	for _, u := range []any{ch["url"], obj(ch["links"])["messages"], obj(list["meta"])["url"], obj(list["meta"])["first_page_url"]} {
		if !strings.HasPrefix(str(u), "https://chat.example.com/v2/Services/") {
			t.Errorf("URL %v does not start with the public URL", u)
		}
	}
}

// TestURLsFollowEachRequest checks that responses recycled from one request
// to the next take their URLs from their own request: its host, scheme and
// API version, or the public URL of their own server.
func TestURLsFollowEachRequest(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "urls.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	api := chat.New(db, chat.Options{AccountSid: testAccount})
	sv, err := api.CreateService(context.Background(), model.ServiceCreate{FriendlyName: "urls"})
	if err != nil {
		t.Fatal(err)
	}
	config := server.Config{AccountSid: testAccount, AuthToken: testToken, Logger: slog.New(slog.DiscardHandler)}
	direct := server.New(api, config).Handler()
	config.PublicURL = "https://chat.example.com"
	proxied := server.New(api, config).Handler()
	for _, c := range []struct {
		handler      http.Handler
		target, want string
		tls          bool
	}{
		{direct, "http://a.example/v2/Services/" + sv.Sid, "http://a.example/v2/Services/", false},
		{direct, "http://b.example/v2/Services/" + sv.Sid, "http://b.example/v2/Services/", false},
		{direct, "https://b.example/v2/Services/" + sv.Sid, "https://b.example/v2/Services/", true},
		{direct, "http://b.example/v1/Services/" + sv.Sid, "http://b.example/v1/Services/", false},
		{proxied, "http://b.example/v1/Services/" + sv.Sid, "https://chat.example.com/v1/Services/", false},
		{direct, "http://b.example/v1/Services/" + sv.Sid, "http://b.example/v1/Services/", false},
		{direct, "http://a.example/v2/Services/" + sv.Sid, "http://a.example/v2/Services/", false},
	} {
		req := httptest.NewRequest(http.MethodGet, c.target, nil)
		if !c.tls {
			req.TLS = nil
		}
		req.SetBasicAuth(testAccount, testToken)
		rec := httptest.NewRecorder()
		c.handler.ServeHTTP(rec, req)
		var got struct{ URL string }
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", c.target, rec.Code, rec.Body)
		}
		if !strings.HasPrefix(got.URL, c.want) {
			t.Errorf("GET %s: url %s, want it to start with %s", c.target, got.URL, c.want)
		}
	}
}
