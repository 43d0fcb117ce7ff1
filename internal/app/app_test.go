package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/model"
)

// snapshotStatus is the status of GET /_chatd/snapshot on a.
func snapshotStatus(t *testing.T, a *App) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.URL+"/_chatd/snapshot", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(a.AccountSid, a.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// plainStore is a Store that is not a Snapshotter.
type plainStore struct{ model.Store }

func TestStartOnAGivenStore(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "given.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		name     string
		store    model.Store
		snapshot int
	}{
		{"a bolt store serves snapshots", db, http.StatusOK},
		{"another store serves none", plainStore{db}, http.StatusNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := Start(context.Background(), Config{
				Addr: "127.0.0.1:0", Store: c.store, HoldWebhooks: true, Logger: slog.New(slog.DiscardHandler),
			})
			if err != nil {
				t.Fatal(err)
			}
			if a.DBPath != "" || !a.Generated {
				t.Errorf("DBPath %q, Generated %v; want none and generated credentials", a.DBPath, a.Generated)
			}
			if got := snapshotStatus(t, a); got != c.snapshot {
				t.Errorf("GET /_chatd/snapshot = %d, want %d", got, c.snapshot)
			}
			if err := a.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			// The store is the caller's: still open, and holding the
			// development credentials.
			err = db.View(context.Background(), func(tx model.Tx) error {
				sid, err := tx.Setting(settingDevAccountSid)
				if err == nil && sid != a.AccountSid {
					t.Errorf("stored dev Account SID %q, want %q", sid, a.AccountSid)
				}
				return err
			})
			if err != nil {
				t.Errorf("the given store after Close: %v", err)
			}
		})
	}
}

func TestValidateStore(t *testing.T) {
	db := plainStore{}
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"a store and a file", Config{Store: db, DB: "x.db"}, "excludes --db and --ephemeral"},
		{"a store and ephemeral", Config{Store: db, Ephemeral: true}, "excludes --db and --ephemeral"},
		{"neither", Config{}, "--db is empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate = %v, want %q", err, c.want)
			}
		})
	}
	if err := (Config{Store: db}).Validate(); err != nil {
		t.Errorf("Validate of a Config with a Store = %v", err)
	}
}
