package server_test

import (
	"cmp"
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/server"
)

// countingStore counts the transactions a request opens and the record
// reads it makes in them.
type countingStore struct {
	model.Store
	mu    sync.Mutex
	calls map[string]int
}

func (s *countingStore) count(name string) {
	s.mu.Lock()
	s.calls[name]++
	s.mu.Unlock()
}

func (s *countingStore) reset() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := s.calls
	s.calls = map[string]int{}
	return calls
}

func (s *countingStore) View(ctx context.Context, fn func(model.Tx) error) error {
	s.count("View")
	return s.Store.View(ctx, func(tx model.Tx) error { return fn(countingTx{tx, s}) })
}

func (s *countingStore) Read(ctx context.Context, fn func(model.Tx) error) error {
	s.count("Read")
	return s.Store.Read(ctx, func(tx model.Tx) error { return fn(countingTx{tx, s}) })
}

func (s *countingStore) Update(ctx context.Context, fn func(model.Tx) error) error {
	s.count("Update")
	return s.Store.Update(ctx, func(tx model.Tx) error { return fn(countingTx{tx, s}) })
}

// countingTx counts the reads of the records a page read could make.
type countingTx struct {
	model.Tx
	s *countingStore
}

func (t countingTx) Service(sid string) (*model.Service, error) {
	t.s.count("Service")
	return t.Tx.Service(sid)
}

func (t countingTx) Channel(service, key string) (*model.Channel, error) {
	t.s.count("Channel")
	return t.Tx.Channel(service, key)
}

func (t countingTx) Message(service, channel, sid string) (*model.Message, error) {
	t.s.count("Message")
	return t.Tx.Message(service, channel, sid)
}

func (t countingTx) Messages(service, channel string, w model.Window) ([]*model.Message, error) {
	t.s.count("Messages")
	return t.Tx.Messages(service, channel, w)
}

func (t countingTx) PeekMessages(service, channel string, w model.Window) ([]*model.Message, error) {
	t.s.count("Messages")
	return t.Tx.PeekMessages(service, channel, w)
}

// TestHotPathsReadOnce checks that the two requests of a chat client's
// read, a page of messages and a Channel fetch, each run one read
// transaction that reads the Channel at most once and the page in one window,
// however many messages the page holds; and that a send is one write
// transaction that reads the Channel once.
func TestHotPathsReadOnce(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "chatd.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := &countingStore{Store: db, calls: map[string]int{}}
	api := chat.New(store, chat.Options{AccountSid: testAccount})
	ctx := context.Background()
	sv, err := api.CreateService(ctx, model.ServiceCreate{FriendlyName: "reads"})
	if err != nil {
		t.Fatal(err)
	}
	// A client signed in: sends append Sync events.
	if err := db.Update(ctx, func(tx model.Tx) error { return tx.StartSyncLog(sv.Sid) }); err != nil {
		t.Fatal(err)
	}
	ch, err := api.CreateChannel(ctx, sv.Sid, model.ChannelCreate{UniqueName: ptr("general")})
	if err != nil {
		t.Fatal(err)
	}
	var first *model.Message
	for range 60 {
		m, err := api.CreateMessage(ctx, sv.Sid, ch.Sid, model.MessageCreate{Body: ptr("hello")})
		if err != nil {
			t.Fatal(err)
		}
		first = cmp.Or(first, m)
	}
	h := server.New(api, server.Config{AccountSid: testAccount, AuthToken: testToken, Logger: slog.New(slog.DiscardHandler)}).Handler()
	channel := "/v2/Services/" + sv.Sid + "/Channels/general"
	bySid := "/v2/Services/" + sv.Sid + "/Channels/" + ch.Sid
	for _, c := range []struct {
		name, path string
		want       map[string]int
	}{
		{"first page", channel + "/Messages?PageSize=50", map[string]int{"Read": 1, "Channel": 1, "Messages": 1}},
		{"page by token", channel + "/Messages?PageSize=50&Page=1&PageToken=PT9", map[string]int{"Read": 1, "Channel": 1, "Messages": 1}},
		{"last page backwards", channel + "/Messages?PageSize=50&Order=desc", map[string]int{"Read": 1, "Channel": 1, "Messages": 1}},
		// By its SID, the page's read alone finds whether the Channel
		// exists.
		{"page by Channel SID", bySid + "/Messages?PageSize=50", map[string]int{"Read": 1, "Messages": 1}},
		{"message fetch by Channel SID", bySid + "/Messages/" + first.Sid, map[string]int{"Read": 1, "Message": 1}},
		{"channel fetch", channel, map[string]int{"Read": 1, "Channel": 1}},
		// A send reads the Channel once for the rules; the Sync projection
		// then reads the Channel again for its document (bolt serves it
		// from the transaction's cache, decoded once) and takes the new
		// list item and the document's last Message from the Message it
		// appended, without reading them back.
		{"message send", channel + "/Messages", map[string]int{"Update": 1, "Channel": 2}},
		// By its SID, the append alone finds whether the Channel exists.
		{"message send by Channel SID", bySid + "/Messages", map[string]int{"Update": 1, "Channel": 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			store.reset()
			req := httptest.NewRequest(http.MethodGet, c.path, nil)
			if strings.HasPrefix(c.name, "message send") {
				req = httptest.NewRequest(http.MethodPost, c.path, strings.NewReader("Body=hi&From=alice"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			req.SetBasicAuth(testAccount, testToken)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code/100 != 2 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if got := store.reset(); !maps.Equal(got, c.want) {
				t.Errorf("calls = %v, want %v", got, c.want)
			}
		})
	}
}
