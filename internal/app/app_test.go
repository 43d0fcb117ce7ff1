package app

import (
	"context"
	"encoding/json"
	"errors"
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
		{"another store serves none", plainStore{db}, http.StatusNotImplemented},
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
		{"a database URL without an opener", Config{DB: "postgres://chatd:secret@db.example/chatd"},
			"--db postgres://chatd:xxxxx@db.example/chatd is a database URL, and this chatd opens bbolt files only"},
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
	open := func(context.Context, string, *slog.Logger) (model.Store, error) { return nil, nil }
	if err := (Config{DB: "postgres://db.example/chatd", OpenURL: open}).Validate(); err != nil {
		t.Errorf("Validate of a database URL with an opener = %v", err)
	}
	if err := (Config{DB: "postgres://db.example/chatd", Ephemeral: true}).Validate(); err != nil {
		t.Errorf("Validate of --ephemeral with a database URL (ephemeral wins, as over a file) = %v", err)
	}
}

// TestStartOnADatabaseURL checks the selection of the store: a --db that is
// a URL goes to Config.OpenURL (here one that opens a bbolt file and
// records what it was given), whose store chatd runs on, reports in its
// health check and closes at Close; the URL is shown without its password.
func TestStartOnADatabaseURL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "behind-the-url.db")
	var opened []string
	var db *bolt.DB
	open := func(_ context.Context, url string, _ *slog.Logger) (model.Store, error) {
		opened = append(opened, url)
		var err error
		db, err = bolt.Open(path, bolt.Options{})
		return db, err
	}
	const url = "postgres://chatd:secret@db.example:5432/chatd?pool_max_conns=8"
	a, err := Start(context.Background(), Config{
		Addr: "127.0.0.1:0", DB: url, OpenURL: open, HoldWebhooks: true, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(opened) != 1 || opened[0] != url {
		t.Errorf("OpenURL got %q, want the URL once", opened)
	}
	if a.DBPath != "" || a.Database != "postgres://chatd:xxxxx@db.example:5432/chatd?pool_max_conns=8" || a.Engine != "bolt" {
		t.Errorf("DBPath %q, Database %q, Engine %q; want no path, the URL without its password, the store's engine",
			a.DBPath, a.Database, a.Engine)
	}
	resp, err := http.Get(a.URL + "/_chatd/health")
	if err != nil {
		t.Fatal(err)
	}
	var health map[string]string
	json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if health["status"] != "ok" || health["store"] != "bolt" {
		t.Errorf("GET /_chatd/health = %v, want status ok and store bolt", health)
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The store is chatd's own: closed.
	if err := db.Update(context.Background(), func(model.Tx) error { return nil }); !errors.Is(err, bolt.ErrClosed) {
		t.Errorf("Update after Close = %v, want bolt.ErrClosed", err)
	}
}

// TestSnapshotOfAnotherStore checks the answer of GET /_chatd/snapshot on a
// store that writes no copy of itself: Twilio's error body, 501, saying
// why and what to do instead.
func TestSnapshotOfAnotherStore(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "given.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Store: plainStore{db}, HoldWebhooks: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	req, _ := http.NewRequest(http.MethodGet, a.URL+"/_chatd/snapshot", nil)
	req.SetBasicAuth(a.AccountSid, a.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  int    `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 501 || body.Status != 501 || body.Code != 20501 ||
		!strings.Contains(body.Message, "bbolt file") || !strings.Contains(body.Message, "pg_dump") {
		t.Errorf("GET /_chatd/snapshot = %d %+v, want 501, code 20501, a message naming bbolt and pg_dump", resp.StatusCode, body)
	}
}
