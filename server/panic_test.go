package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chatd/chatd/chat"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/server"
)

// panicStore is a Store whose every transaction panics or fails with a
// driver error, standing in for a bug or a broken disk below the rules.
type panicStore struct{ panics bool }

func (s panicStore) View(context.Context, func(model.Tx) error) error {
	if s.panics {
		panic("storage bug")
	}
	return io.ErrUnexpectedEOF
}
func (s panicStore) Update(ctx context.Context, fn func(model.Tx) error) error {
	return s.View(ctx, fn)
}
func (panicStore) Close() error { return nil }

func TestInternalErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		panics bool
	}{{"Panic", true}, {"StorageError", false}} {
		t.Run(c.name, func(t *testing.T) {
			srv := server.New(chat.New(panicStore{c.panics}, chat.Options{}), server.Config{
				AccountSid: testAccount, AuthToken: testToken,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			h := &harness{t: t, srv: ts}
			r := h.do(http.MethodGet, "/v2/Services", nil)
			h.wantError(r, 500, 20500)
			if r.Body["message"] != "Internal server error" {
				t.Errorf("message %q leaks the internal error", r.Body["message"])
			}
		})
	}
}
