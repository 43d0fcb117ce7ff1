package app

import (
	"context"
	"net/http"
	"os"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/server"
	"github.com/chatd/chatd/webhook"
)

// Monitor collects the metrics of one chatd: it hears of every request,
// every commit of a bbolt file that Start opens and every webhook attempt,
// and serves the scrape, reading the rest from the App when scraped.
// Package metrics implements it (with Prometheus); this package does not
// import that one, so that what imports app (chatdtest) stays free of its
// dependencies.
type Monitor interface {
	server.RequestObserver
	bolt.CommitObserver
	webhook.Observer
	// Handler serves the scrape of a, which it reads when scraped.
	Handler(a *App) http.Handler
}

// pendingPage is how many pending deliveries one read takes while they
// are counted.
const pendingPage = 1000

// PendingDeliveries counts the webhook deliveries waiting in the outbox,
// in one read of the store.
func (a *App) PendingDeliveries(ctx context.Context) (n int, err error) {
	err = a.store.View(ctx, func(tx model.Tx) error {
		var after uint64
		for {
			ds, err := tx.PendingDeliveries(after, pendingPage)
			if err != nil {
				return err
			}
			n += len(ds)
			if len(ds) < pendingPage {
				return nil
			}
			after = ds[len(ds)-1].ID
		}
	})
	return n, err
}

// DatabaseSize is the size in bytes of the database file, when the store
// is a file (a bbolt store is); false otherwise.
func (a *App) DatabaseSize() (int64, bool) {
	f, ok := a.store.(interface{ Path() string })
	if !ok {
		return 0, false
	}
	st, err := os.Stat(f.Path())
	if err != nil {
		return 0, false
	}
	return st.Size(), true
}

// RealtimeConnections is how many client SDK sockets are open.
func (a *App) RealtimeConnections() int {
	if a.socket == nil {
		return 0
	}
	return a.socket.OpenConnections()
}
