package console_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/console"
	"github.com/chatd/chatd/model"
)

// TestLiveWithoutWatcher serves the console alone, with no Watcher: a live
// page reads the store every Poll instead, and misses nothing.
func TestLiveWithoutWatcher(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "chatd.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	api := chat.New(db, chat.Options{AccountSid: "AC" + zeros(32)})
	c := console.New(api, console.Config{Poll: 10 * time.Millisecond})
	srv := httptest.NewServer(c)
	defer srv.Close()
	defer c.Close()

	s, err := api.CreateService(t.Context(), model.ServiceCreate{FriendlyName: "polled"})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := api.CreateChannel(t.Context(), s.Sid, model.ChannelCreate{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet,
		srv.URL+console.Prefix+"services/"+s.Sid+"/channels/"+ch.Sid+"/live?after=-1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan liveEvent, 16)
	go readEvents(t, bufio.NewReader(resp.Body), events)
	for i, body := range []string{"one", "two"} {
		if _, err := api.CreateMessage(t.Context(), s.Sid, ch.Sid, model.MessageCreate{Body: &body}); err != nil {
			t.Fatal(err)
		}
		if e := next(t, events); e.name != "message" || e.id != string(rune('0'+i)) || !strings.Contains(e.data, ">"+body+"<") {
			t.Errorf("event %+v, want message %d %q", e, i, body)
		}
	}
	// The messages the page shows are deleted: it is told to reload.
	ms, _, _ := api.ListMessages(t.Context(), s.Sid, ch.Sid, model.MessageFilter{}, model.Page{Size: 10})
	for _, m := range ms {
		if err := api.DeleteMessage(t.Context(), s.Sid, ch.Sid, m.Sid); err != nil {
			t.Fatal(err)
		}
	}
	if e := next(t, events); e.name != "reload" {
		t.Errorf("event %+v, want reload", e)
	}
}
