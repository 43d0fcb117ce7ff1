package server_test

import (
	"strings"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
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
