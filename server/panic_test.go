package server_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/model"
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
	}{{"panic", true}, {"storage error", false}} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarnessWith(t, func(h *harness) {
				h.noHooks = true // the dispatcher would read the outbox
				h.options = append(h.options, testenv.WithStore(func(testing.TB) model.Store { return panicStore{c.panics} }))
			})
			r := h.do(http.MethodGet, "/v2/Services", nil)
			h.wantError(r, 500, 20500)
			if r.Body["message"] != "Internal server error" {
				t.Errorf("message %q leaks the internal error", r.Body["message"])
			}
		})
	}
}
