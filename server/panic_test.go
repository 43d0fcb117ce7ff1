package server_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/chatd/chatd/internal/testenv"
	"github.com/chatd/chatd/model"
)

// panicStore is a Store whose every transaction, once broken, panics or
// fails with a driver error, standing in for a bug or a broken disk below
// the rules. Until then it is the real store, so that chatd starts.
type panicStore struct {
	model.Store
	panics bool
	broken *atomic.Bool
}

func (s panicStore) View(ctx context.Context, fn func(model.Tx) error) error {
	if !s.broken.Load() {
		return s.Store.View(ctx, fn)
	}
	if s.panics {
		panic("storage bug")
	}
	return io.ErrUnexpectedEOF
}

func (s panicStore) Read(ctx context.Context, fn func(model.Tx) error) error {
	return s.View(ctx, fn)
}

func (s panicStore) Update(ctx context.Context, fn func(model.Tx) error) error {
	if !s.broken.Load() {
		return s.Store.Update(ctx, fn)
	}
	return s.View(ctx, fn)
}

func TestInternalErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		panics bool
	}{{"panic", true}, {"storage error", false}} {
		t.Run(c.name, func(t *testing.T) {
			broken := new(atomic.Bool)
			path := filepath.Join(t.TempDir(), "chatd.db")
			h := newHarnessWith(t, func(h *harness) {
				h.noHooks = true // the dispatcher would read the outbox
				h.options = append(h.options, testenv.WithStore(func(t testing.TB) model.Store {
					return panicStore{Store: testenv.BoltStore(path)(t), panics: c.panics, broken: broken}
				}))
			})
			broken.Store(true)
			r := h.do(http.MethodGet, "/v2/Services", nil)
			h.wantError(r, 500, 20500)
			if r.Body["message"] != "Internal server error" {
				t.Errorf("message %q leaks the internal error", r.Body["message"])
			}
			broken.Store(false) // so that the store closes cleanly
		})
	}
}
