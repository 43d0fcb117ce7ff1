package bolt

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// bulk is a Service of many Channels of many Messages, most of which are
// then deleted: what leaves a file mostly free pages.
type bulk struct {
	service  string
	channels []string // every one created
	kept     []string // those not deleted
}

const (
	bulkChannels = 40
	bulkKept     = 4  // Channels kept
	bulkMessages = 50 // per Channel
	bulkDeleted  = 40 // Messages deleted from each kept Channel
)

// writeBulk adds the bulk Service to d, then deletes most of it; the
// Service joins f's.
func writeBulk(t *testing.T, d *DB, f *fixture) bulk {
	t.Helper()
	b := bulk{service: sid("IS", 3)}
	s := &model.Service{Sid: b.service, FriendlyName: "bulk", DateCreated: fixtureDate, DateUpdated: fixtureDate,
		WebhookFilters: []string{}, Webhooks: map[string]model.EventWebhook{}}
	mustUpdate(t, d, func(tx model.Tx) error { return tx.InsertService(clone(s)) })
	f.services = append(f.services, s)
	body := strings.Repeat("0123456789abcdef", 64)
	for c := range bulkChannels {
		ch := sid("CH", 100+c)
		b.channels = append(b.channels, ch)
		mustUpdate(t, d, func(tx model.Tx) error {
			if err := tx.InsertChannel(&model.Channel{Sid: ch, ServiceSid: b.service, Attributes: "{}", Type: model.ChannelPublic,
				CreatedBy: model.DefaultAuthor, DateCreated: fixtureDate, DateUpdated: fixtureDate}); err != nil {
				return err
			}
			for m := range bulkMessages {
				if err := tx.AppendMessage(&model.Message{Sid: sid("IM", 1000*(c+1)+m), ServiceSid: b.service, ChannelSid: ch,
					From: "alice", Body: body, Attributes: "{}", DateCreated: fixtureDate, DateUpdated: fixtureDate}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	b.kept = b.channels[:bulkKept]
	mustUpdate(t, d, func(tx model.Tx) error {
		for _, ch := range b.channels[bulkKept:] {
			if err := tx.DeleteChannelTree(b.service, ch); err != nil {
				return err
			}
		}
		for c := range bulkKept {
			for m := range bulkDeleted {
				if err := tx.DeleteMessage(b.service, b.kept[c], sid("IM", 1000*(c+1)+m)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return b
}

// storeView is what the store answers about the bulk Service, read page by
// page as clients read it.
func storeView(t *testing.T, d *DB, b bulk) map[string]any {
	t.Helper()
	view := map[string]any{}
	mustView(t, d, func(tx model.Tx) error {
		var err error
		if view["channels"], err = tx.Channels(b.service, nil, model.Window{}); err != nil {
			return err
		}
		for _, ch := range b.channels {
			var pages [][]*model.Message
			w := model.Window{Limit: 3}
			for {
				page, err := tx.Messages(b.service, ch, w)
				if err != nil && !errors.Is(err, model.ErrNotFound) {
					return err
				}
				if len(page) == 0 {
					break
				}
				pages = append(pages, page)
				w.After = strconv.Itoa(page[len(page)-1].Index)
			}
			view["messages of "+ch] = pages
		}
		view["api keys"], err = tx.APIKeys(model.Window{})
		return err
	})
	return view
}

// fileSize is the size of the file at path.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// compactFixture is a closed file holding the fixture, an API key and what
// is left of the bulk Service, and what a store reads from it.
type compactFixture struct {
	path string
	f    *fixture
	bulk bulk
	raw  map[string]string // rawDump
	view map[string]any    // storeView
}

func newCompactFixture(t *testing.T) compactFixture {
	t.Helper()
	cf := compactFixture{path: filepath.Join(t.TempDir(), "chatd.db"), f: newFixture()}
	d := openUnmanaged(t, cf.path)
	mustUpdate(t, d, cf.f.write)
	mustUpdate(t, d, func(tx model.Tx) error {
		return tx.InsertAPIKey(&model.APIKey{Sid: sid("SK", 1), FriendlyName: ptr("ci"), SealedSecret: []byte("sealed\x00secret"),
			DateCreated: fixtureDate, DateUpdated: fixtureDate})
	})
	cf.bulk = writeBulk(t, d, cf.f)
	cf.raw, cf.view = rawDump(t, d), storeView(t, d, cf.bulk)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	return cf
}

// check opens the file at path and reads everything back: the fixture's
// records through the store, the bulk Service as before, and every bucket,
// key, value and sequence as they were.
func (cf compactFixture) check(t *testing.T, path string) {
	t.Helper()
	d := openUnmanaged(t, path)
	defer func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	}()
	mustView(t, d, func(tx model.Tx) error { cf.f.check(t, tx); return nil })
	if got := storeView(t, d, cf.bulk); !reflect.DeepEqual(got, cf.view) {
		t.Errorf("the store reads the bulk Service and API keys differently after compaction:\n got %s\nwant %s", show(got), show(cf.view))
	}
	if got := rawDump(t, d); !reflect.DeepEqual(got, cf.raw) {
		for k, v := range cf.raw {
			if got[k] != v {
				t.Errorf("%s = %q after compaction, want %q", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := cf.raw[k]; !ok {
				t.Errorf("%s appeared in compaction", k)
			}
		}
	}
}

func TestCompact(t *testing.T) {
	ctx := context.Background()

	t.Run("a file of deletions shrinks and every record reads back", func(t *testing.T) {
		cf := newCompactFixture(t)
		if err := os.Chmod(cf.path, 0o640); err != nil {
			t.Fatal(err)
		}
		size := fileSize(t, cf.path)
		before, after, err := Compact(ctx, cf.path, "", CompactOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("compacted %d → %d bytes", before, after)
		if before != size || after != fileSize(t, cf.path) {
			t.Errorf("Compact says %d → %d bytes; the file was %d bytes and is %d", before, after, size, fileSize(t, cf.path))
		}
		if after*3 > before {
			t.Errorf("compaction took the file from %d to %d bytes, want less than a third", before, after)
		}
		if info, err := os.Stat(cf.path); err != nil || info.Mode().Perm() != 0o640 {
			t.Errorf("mode after compaction: %v, %v; want 0640", info.Mode(), err)
		}
		if names := dirNames(t, filepath.Dir(cf.path)); !slices.Equal(names, []string{"chatd.db"}) {
			t.Errorf("the directory holds %v, want only chatd.db", names)
		}
		cf.check(t, cf.path)

		// Counters carry over: the next index after 0..49 is 50.
		d := mustOpen(t, cf.path)
		m := &model.Message{Sid: sid("IM", 99999), ServiceSid: cf.bulk.service, ChannelSid: cf.bulk.kept[0], Attributes: "{}",
			DateCreated: testNow, DateUpdated: testNow}
		mustUpdate(t, d, func(tx model.Tx) error { return tx.AppendMessage(clone(m)) })
		mustView(t, d, func(tx model.Tx) error {
			got, err := tx.Message(cf.bulk.service, cf.bulk.kept[0], m.Sid)
			if err == nil && got.Index != bulkMessages {
				t.Errorf("the next Message got index %d, want %d", got.Index, bulkMessages)
			}
			return err
		})
	})

	t.Run("in many transactions, with progress", func(t *testing.T) {
		cf := newCompactFixture(t)
		var reports []int64
		_, _, err := compact(ctx, cf.path, "", CompactOptions{LockTimeout: time.Second, Progress: func(n int64) { reports = append(reports, n) }}, 4096)
		if err != nil {
			t.Fatal(err)
		}
		if len(reports) < 10 || !slices.IsSorted(reports) || reports[0] <= 0 {
			t.Errorf("progress reports %v, want many, growing", reports)
		}
		cf.check(t, cf.path)
	})

	t.Run("a file in use is refused", func(t *testing.T) {
		cf := newCompactFixture(t)
		mustOpen(t, cf.path)
		original, _ := os.ReadFile(cf.path)
		_, _, err := Compact(ctx, cf.path, "", CompactOptions{LockTimeout: 50 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), "in use by another process") {
			t.Errorf("Compact of a file in use: %v, want an error saying it is in use", err)
		}
		if now, _ := os.ReadFile(cf.path); !bytes.Equal(now, original) {
			t.Error("the file changed")
		}
		if names := dirNames(t, filepath.Dir(cf.path)); !slices.Equal(names, []string{"chatd.db"}) {
			t.Errorf("the directory holds %v, want only chatd.db", names)
		}
	})

	t.Run("out leaves the file alone", func(t *testing.T) {
		cf := newCompactFixture(t)
		original, _ := os.ReadFile(cf.path)
		out := filepath.Join(t.TempDir(), "compacted.db")
		before, after, err := Compact(ctx, cf.path, out, CompactOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if now, _ := os.ReadFile(cf.path); !bytes.Equal(now, original) {
			t.Error("the file changed")
		}
		if before != int64(len(original)) || after != fileSize(t, out) || after >= before {
			t.Errorf("Compact says %d → %d bytes; the file is %d bytes and the copy %d", before, after, len(original), fileSize(t, out))
		}
		cf.check(t, out)

		compacted, _ := os.ReadFile(out)
		if _, _, err := Compact(ctx, cf.path, out, CompactOptions{}); err == nil || !strings.Contains(err.Error(), "exists already") {
			t.Errorf("Compact to an existing file: %v, want an error saying it exists", err)
		}
		if now, _ := os.ReadFile(out); !bytes.Equal(now, compacted) {
			t.Error("the existing out file changed")
		}
		// out naming the file itself compacts it in place.
		if _, _, err := Compact(ctx, cf.path, cf.path, CompactOptions{}); err != nil {
			t.Fatal(err)
		}
		if fileSize(t, cf.path) != after {
			t.Errorf("in place through out: %d bytes, want %d", fileSize(t, cf.path), after)
		}
	})

	t.Run("through a symbolic link, the file is replaced and the link kept", func(t *testing.T) {
		cf := newCompactFixture(t)
		link := filepath.Join(t.TempDir(), "link.db")
		if err := os.Symlink(cf.path, link); err != nil {
			t.Skip("no symbolic links here:", err)
		}
		before, after, err := Compact(ctx, link, "", CompactOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if target, err := os.Readlink(link); err != nil || target != cf.path {
			t.Errorf("the link now points to %q (%v), want %s", target, err, cf.path)
		}
		if after >= before || fileSize(t, cf.path) != after {
			t.Errorf("Compact says %d → %d bytes; the file is %d", before, after, fileSize(t, cf.path))
		}
		cf.check(t, link)
	})

	t.Run("a canceled compaction leaves the file as it was", func(t *testing.T) {
		cf := newCompactFixture(t)
		original, _ := os.ReadFile(cf.path)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		_, _, err := compact(ctx, cf.path, "", CompactOptions{LockTimeout: time.Second, Progress: func(int64) { cancel() }}, 4096)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Compact canceled after a transaction: %v, want context.Canceled", err)
		}
		if now, _ := os.ReadFile(cf.path); !bytes.Equal(now, original) {
			t.Error("the file changed")
		}
		if names := dirNames(t, filepath.Dir(cf.path)); !slices.Equal(names, []string{"chatd.db"}) {
			t.Errorf("the directory holds %v, want only chatd.db", names)
		}
	})

	t.Run("a file that is not chatd's is refused", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		db, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket([]byte("other"))
			return err
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Compact(ctx, path, "", CompactOptions{}); err == nil || !strings.Contains(err.Error(), "not a chatd file") {
			t.Errorf("Compact of another bbolt file: %v, want an error saying it is not chatd's", err)
		}
		if _, _, err := Compact(ctx, filepath.Join(t.TempDir(), "missing.db"), "", CompactOptions{}); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Compact of a missing file: %v, want os.ErrNotExist", err)
		}
	})
}
