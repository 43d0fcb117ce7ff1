package server_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/server"
)

// TestPublicURL checks that a configured public URL, not the request's host,
// starts every url, links and meta URL (chatd behind a proxy).
func TestPublicURL(t *testing.T) {
	h := newHarness(t)
	srv := server.New(chat.New(h.db, chat.Options{AccountSid: testAccount}), server.Config{
		AccountSid: testAccount, AuthToken: testToken,
		PublicURL: "https://chat.example.com/",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	proxied := httptest.NewServer(srv.Handler())
	defer proxied.Close()
	p := &harness{t: t, srv: proxied}

	svc := p.newService()
	ch := p.create(svc+"/Channels", form("UniqueName", "general"))
	list := p.get(svc + "/Channels?PageSize=1")
	for _, u := range []any{ch["url"], obj(ch["links"])["messages"], obj(list["meta"])["url"], obj(list["meta"])["first_page_url"]} {
		if !strings.HasPrefix(str(u), "https://chat.example.com/v2/Services/") {
			t.Errorf("URL %v does not start with the public URL", u)
		}
	}
}
