package bolt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// v3Fixture is the file a schema-3 chatd wrote (fixture_test.go).
var v3Fixture = filepath.Join("testdata", "chatd-v3.db")

// copyFile copies the file at src to a new file in a test directory.
func copyFile(t *testing.T, src string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "chatd.db")
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// recordValues is every value of the record buckets of the closed file at
// path (jsonBuckets says which they are), by bucket path and key.
func recordValues(t *testing.T, path string) map[string][]byte {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]byte{}
	var visit func(path [][]byte, b *bbolt.Bucket) error
	visit = func(path [][]byte, b *bbolt.Bucket) error {
		records := recordsAt(path)
		if len(path) == 4 && string(path[0]) == "services" && bytes.Equal(path[2], bucketChannelMessages) {
			// Schema 8 moved channel_data/<CH>/messages here.
			records = recordsAt([][]byte{path[0], path[1], bucketChannelData, path[3], bucketMessagesV7})
		}
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return visit(append(path[:len(path):len(path)], k), b.Bucket(k))
			}
			if records != nil && (records.key == "" || records.key == string(k)) {
				out[string(bytes.Join(append(path, k), []byte("/")))] = bytes.Clone(v)
			}
			return nil
		})
	}
	err = db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			if bytes.HasPrefix(name, servicePrefix) {
				// From schema 10 a Service's subtree is in the root: its
				// records are where they were under services/.
				return visit([][]byte{bucketServicesV9, name}, b)
			}
			return visit([][]byte{name}, b)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrateV3(t *testing.T) {
	f := newFixture()
	before := recordValues(t, v3Fixture)
	if len(before) == 0 {
		t.Fatal("the v3 fixture has no records")
	}
	for k, v := range before {
		if v[0] != '{' {
			t.Fatalf("v3 record %s is not JSON: %q", k, v)
		}
	}

	t.Run("every record is rewritten and reads back as written", func(t *testing.T) {
		path := copyFile(t, v3Fixture)
		d := mustOpen(t, path)
		mustView(t, d, func(tx model.Tx) error {
			f.check(t, tx)
			checkSyncLogsStarted(t, tx)
			return nil
		})
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if got, want := rawVersion(t, path), version(schemaVersion); !bytes.Equal(got, want) {
			t.Errorf("meta/version = %x, want %x", got, want)
		}
		checkServicesAtRoot(t, path)
		after := recordValues(t, path)
		if len(after) != len(before) {
			t.Errorf("%d records after the migration, want %d", len(after), len(before))
		}
		for k, v := range after {
			if v[0] == '{' {
				t.Errorf("record %s is still JSON: %s", k, v)
			}
		}
		if _, err := os.Stat(path + ".migrating"); !os.IsNotExist(err) {
			t.Errorf("the migration's copy is left behind: %v", err)
		}
		// Reopening a migrated file migrates nothing.
		d = mustOpen(t, path)
		mustView(t, d, func(tx model.Tx) error { f.check(t, tx); return nil })
	})

	t.Run("counters carry over", func(t *testing.T) {
		d := mustOpen(t, copyFile(t, v3Fixture))
		s1, ch1 := sid("IS", 1), sid("CH", 1)
		m := &model.Message{Sid: sid("IM", 7), ServiceSid: s1, ChannelSid: ch1, From: "alice", Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
		dl := &model.Delivery{ServiceSid: s1, Event: "onMessageSent", Status: model.DeliveryPending}
		mustUpdate(t, d, func(tx model.Tx) error {
			if err := tx.AppendMessage(clone(m)); err != nil {
				return err
			}
			return tx.EnqueueDelivery(dl)
		})
		mustView(t, d, func(tx model.Tx) error {
			got, err := tx.Message(s1, ch1, m.Sid)
			if err != nil {
				return err
			}
			// Indexes 0 to 4 were given, 2 and 4 deleted.
			if got.Index != 5 {
				t.Errorf("the next Message of %s got index %d, want 5", ch1, got.Index)
			}
			return nil
		})
		if dl.ID != uint64(len(f.deliveries)+1) {
			t.Errorf("the next Delivery got ID %d, want %d", dl.ID, len(f.deliveries)+1)
		}
	})

	t.Run("a copy left by an unfinished migration is replaced", func(t *testing.T) {
		path := copyFile(t, v3Fixture)
		if err := os.WriteFile(path+".migrating", []byte("half a copy"), 0o600); err != nil {
			t.Fatal(err)
		}
		d := mustOpen(t, path)
		mustView(t, d, func(tx model.Tx) error { f.check(t, tx); return nil })
	})

	t.Run("a file opened through a symbolic link is migrated where it is", func(t *testing.T) {
		file := copyFile(t, v3Fixture)
		link := filepath.Join(t.TempDir(), "link.db")
		if err := os.Symlink(file, link); err != nil {
			t.Skip("no symbolic links here:", err)
		}
		d := mustOpen(t, link)
		mustView(t, d, func(tx model.Tx) error { f.check(t, tx); return nil })
		if target, err := os.Readlink(link); err != nil || target != file {
			t.Errorf("the link now points to %q (%v), want %s", target, err, file)
		}
		if d.Path() != link {
			t.Errorf("Path() = %s, want %s", d.Path(), link)
		}
	})

	t.Run("a failed migration leaves the file as it was", func(t *testing.T) {
		path := copyFile(t, v3Fixture)
		db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketServicesV9).Bucket([]byte(sid("IS", 1))).Bucket(bucketRoles).Put([]byte(sid("RL", 9)), []byte(`{"Sid": 42`))
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		original := recordValues(t, path)
		d, err := Open(path, Options{LockTimeout: 5 * time.Second})
		if err == nil {
			d.Close()
			t.Fatal("Open of a file with a broken record succeeded")
		}
		if !strings.Contains(err.Error(), sid("RL", 9)) {
			t.Errorf("Open: %v, want an error naming the broken record", err)
		}
		if got := recordValues(t, path); !reflect.DeepEqual(got, original) {
			t.Error("the records of the file changed")
		}
		if got, want := rawVersion(t, path), version(jsonVersion); !bytes.Equal(got, want) {
			t.Errorf("meta/version = %x, want %x", got, want)
		}
		if _, err := os.Stat(path + ".migrating"); !os.IsNotExist(err) {
			t.Errorf("the failed copy is left behind: %v", err)
		}
	})

	t.Run("a copy in many transactions is the same", func(t *testing.T) {
		src, err := bbolt.Open(copyFile(t, v3Fixture), 0o600, &bbolt.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		path := filepath.Join(t.TempDir(), "chatd.db")
		// One byte a transaction: a commit before every value.
		if err := copyRecoded(src, path, 0o600, 1); err != nil {
			t.Fatal(err)
		}
		d := mustOpen(t, path)
		mustView(t, d, func(tx model.Tx) error { f.check(t, tx); return nil })
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		whole := filepath.Join(t.TempDir(), "chatd.db")
		if err := copyRecoded(src, whole, 0o600, copyTxBytes); err != nil {
			t.Fatal(err)
		}
		if err := mustOpen(t, whole).Close(); err != nil { // the steps after the copy
			t.Fatal(err)
		}
		if got, want := recordValues(t, path), recordValues(t, whole); !reflect.DeepEqual(got, want) {
			t.Error("the records of a copy in many transactions differ from those of a copy in one")
		}
	})
}

// v4SyncFixture is a schema-4 file whose Services have Sync logs, some of
// them trimmed, and v4SyncSnapshot what that file's log answered.
var (
	v4SyncFixture  = filepath.Join("testdata", "chatd-v4-sync.db")
	v4SyncSnapshot = filepath.Join("testdata", "chatd-v4-sync.json")
)

func TestMigrateV4SyncLog(t *testing.T) {
	raw, err := os.ReadFile(v4SyncSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	var want syncSnapshot
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if got := rawVersion(t, v4SyncFixture); !bytes.Equal(got, version(4)) {
		t.Fatalf("the fixture is at schema version %x, want 4", got)
	}
	path := copyFile(t, v4SyncFixture)
	d := mustOpen(t, path)
	mustView(t, d, func(tx model.Tx) error {
		if got := takeSyncSnapshot(t, tx, v4SyncServices, v4SyncObjects); !reflect.DeepEqual(got, want) {
			gotJSON, _ := json.MarshalIndent(got, "", " ")
			t.Errorf("the migrated Sync log answers\n%s\nwant\n%s", gotJSON, raw)
		}
		return nil
	})

	// The log goes on: IDs above the old ones, events chained to those
	// migrated, and retention applied to them.
	s1, es1 := v4SyncServices[0], v4SyncObjects[0]
	old := want.Services[s1].Objects[es1]
	var added *model.SyncEvent
	mustUpdate(t, d, func(tx model.Tx) error {
		first, err := tx.ReserveSyncEventIDs(s1, 1)
		if err != nil {
			return err
		}
		added = &model.SyncEvent{ServiceSid: s1, ObjectSid: es1, ID: first, Date: testNow, Payload: []byte(`{}`)}
		return tx.AppendSyncEvents([]*model.SyncEvent{added}, 2)
	})
	if added.ID <= want.Services[s1].Head {
		t.Errorf("the next event ID is %d, want above %d", added.ID, want.Services[s1].Head)
	}
	mustView(t, d, func(tx model.Tx) error {
		got, err := tx.SyncEvents(s1, es1, 0, 0)
		if err != nil {
			return err
		}
		wantIDs := []uint64{old.Events[len(old.Events)-1].ID, added.ID}
		if ids := syncIDs(got); !reflect.DeepEqual(ids, wantIDs) {
			t.Errorf("SyncEvents after an append keeping 2 = %v, want %v", ids, wantIDs)
		}
		return nil
	})
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := rawVersion(t, path), version(schemaVersion); !bytes.Equal(got, want) {
		t.Errorf("meta/version = %x, want %x", got, want)
	}
}

func syncIDs(es []*model.SyncEvent) []uint64 {
	var ids []uint64
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

// v5Fixture is the file a schema-5 chatd wrote (fixture_test.go), with the
// Channel of sidFixture.
var v5Fixture = filepath.Join("testdata", "chatd-v5.db")

// sidIndexes counts the entries of the Channels' SID indexes of the closed
// file at path, of schema 5 and of schema 6, and reports whether the file
// is marked as still moving them.
func sidIndexes(t *testing.T, path string) (v5, v6 int, marked bool) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		marked = tx.Bucket(bucketMeta).Get(keyRekeyingMessageSids) != nil
		return eachServiceDir(tx, func(_ []byte, service *bbolt.Bucket) error {
			return eachSubtree(service.Bucket(bucketChannelData), func(channel *bbolt.Bucket) error {
				if b := channel.Bucket(bucketMessageSidsV5); b != nil {
					v5 += b.Stats().KeyN
				}
				if b := channel.Bucket(bucketMessagesBySid); b != nil {
					v6 += b.Stats().KeyN
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return v5, v6, marked
}

func TestMigrateV5SidIndex(t *testing.T) {
	f, sids := newFixture(), newSidFixture()
	check := func(t *testing.T, d *DB) {
		t.Helper()
		mustView(t, d, func(tx model.Tx) error { f.check(t, tx); sids.check(t, tx); return nil })
	}
	if got := rawVersion(t, v5Fixture); !bytes.Equal(got, version(5)) {
		t.Fatalf("the fixture is at schema version %x, want 5", got)
	}
	entries, _, _ := sidIndexes(t, v5Fixture)
	if want := 4 + len(sids.messages) - len(sids.deleted); entries != want {
		t.Fatalf("the fixture's SID indexes have %d entries, want %d", entries, want)
	}

	t.Run("every Message is found by its SID, in pages and in counts", func(t *testing.T) {
		path := copyFile(t, v5Fixture)
		d := mustOpen(t, path)
		check(t, d)
		// Sends and deletions go on: the next index, and the new index's
		// keys.
		s1, ch1 := sid("IS", 1), sid("CH", 1)
		m := &model.Message{Sid: sid("IM", 7), ServiceSid: s1, ChannelSid: ch1, From: "alice", Attributes: "{}", DateCreated: testNow, DateUpdated: testNow}
		mustUpdate(t, d, func(tx model.Tx) error { return tx.AppendMessage(clone(m)) })
		mustUpdate(t, d, func(tx model.Tx) error { return tx.DeleteMessage(s1, ch1, sid("IM", 1)) })
		mustView(t, d, func(tx model.Tx) error {
			got, err := tx.Message(s1, ch1, m.Sid)
			if err != nil {
				return err
			}
			if got.Index != 5 {
				t.Errorf("the next Message of %s got index %d, want 5", ch1, got.Index)
			}
			if _, err := tx.Message(s1, ch1, sid("IM", 1)); err != model.ErrNotFound {
				t.Errorf("a deleted migrated Message: %v, want ErrNotFound", err)
			}
			return nil
		})
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if got, want := rawVersion(t, path), version(schemaVersion); !bytes.Equal(got, want) {
			t.Errorf("meta/version = %x, want %x", got, want)
		}
		if v5, v6, marked := sidIndexes(t, path); v5 != 0 || v6 != entries || marked {
			t.Errorf("after the migration: %d schema-5 and %d schema-6 index entries, marked %v; want 0, %d, false", v5, v6, marked, entries)
		}
	})

	t.Run("a move in many transactions, interrupted, goes on at the next Open", func(t *testing.T) {
		path := copyFile(t, v5Fixture)
		db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := migrate(db); err != nil {
			t.Fatal(err)
		}
		// Three transactions of 7 entries, then a stop.
		for range 3 {
			if err := db.Update(func(tx *bbolt.Tx) error {
				left, err := rekeySome(tx, 7)
				if err == nil && left != 0 {
					err = fmt.Errorf("a batch of 7 left %d unused, with entries still to move", left)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if v5, v6, marked := sidIndexes(t, path); v5 != entries-21 || v6 != 21 || !marked {
			t.Fatalf("after 3 batches of 7: %d schema-5 and %d schema-6 index entries, marked %v; want %d, 21, true", v5, v6, marked, entries-21)
		}
		if got, want := rawVersion(t, path), version(schemaVersion); !bytes.Equal(got, want) {
			t.Errorf("meta/version while moving = %x, want %x (so that no schema-5 chatd opens it)", got, want)
		}
		d := mustOpen(t, path)
		check(t, d)
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if v5, v6, marked := sidIndexes(t, path); v5 != 0 || v6 != entries || marked {
			t.Errorf("after the next Open: %d schema-5 and %d schema-6 index entries, marked %v; want 0, %d, false", v5, v6, marked, entries)
		}
	})

	t.Run("one entry a transaction is the same", func(t *testing.T) {
		path := copyFile(t, v5Fixture)
		db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = migrate(db)
		if err == nil {
			err = rekeyMessageSids(db, 1, slog.New(slog.DiscardHandler))
		}
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		check(t, mustOpen(t, path))
	})
}

// syncLayout is where the closed file at path keeps Sync logs: the
// Services with a subtree under sync/ (schema 6), and those with a log in
// their own subtree (schema 7).
func syncLayout(t *testing.T, path string) (apart, inService []string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketSync).ForEachBucket(func(k []byte) error {
			apart = append(apart, string(k))
			return nil
		}); err != nil {
			return err
		}
		return eachServiceDir(tx, func(k []byte, dir *bbolt.Bucket) error {
			if dir.Bucket(bucketSyncEvents) != nil && dir.Bucket(bucketSyncObjects) != nil && dir.Get(keySyncState) != nil {
				inService = append(inService, string(k))
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return apart, inService
}

// checkSyncRootInline checks that the sync root bucket holds nothing but
// its sequence, and that bbolt keeps it inline: reserving event IDs
// writes no page of its own.
func checkSyncRootInline(t *testing.T, d *DB) {
	t.Helper()
	err := d.bolt.View(func(tx *bbolt.Tx) error {
		root := tx.Bucket(bucketSync)
		if k, _ := root.Cursor().First(); k != nil {
			t.Errorf("the sync bucket holds key %q, want none", k)
		}
		if page := root.RootPage(); page != 0 {
			t.Errorf("the sync bucket has page %d of its own, want it inline", page)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSyncLogFixtures opens the fixture files of schema 6 (whose Sync logs
// the migration moves) to 9 and reads everything back.
func TestSyncLogFixtures(t *testing.T) {
	s1, s2, gone := syncFixtureServices[0], syncFixtureServices[1], syncFixtureGone
	for _, fx := range []struct {
		version          int
		apart, inService []string // where the file keeps Sync logs
	}{
		{6, []string{s1, s2, gone}, nil},
		{7, nil, []string{s1, s2}},
		{8, nil, []string{s1, s2}},
		{9, nil, []string{s1, s2}},
	} {
		t.Run(fmt.Sprint("schema ", fx.version), func(t *testing.T) {
			path := filepath.Join("testdata", fmt.Sprintf("chatd-v%d.db", fx.version))
			if got := rawVersion(t, path); !bytes.Equal(got, version(uint64(fx.version))) {
				t.Fatalf("the fixture is at schema version %x, want %d", got, fx.version)
			}
			if apart, inService := syncLayout(t, path); !reflect.DeepEqual(apart, fx.apart) || !reflect.DeepEqual(inService, fx.inService) {
				t.Fatalf("the fixture keeps Sync logs under sync/ for %v and in Services for %v; want %v and %v", apart, inService, fx.apart, fx.inService)
			}
			checkSyncFixture(t, path)
		})
	}
}

// checkSyncFixture opens a copy of the fixture file at path, reads it
// back, and appends to its Sync logs.
func checkSyncFixture(t *testing.T, fixture string) {
	t.Helper()
	raw, err := os.ReadFile(syncFixtureGolden(fixture))
	if err != nil {
		t.Fatal(err)
	}
	var want syncGolden
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	s1, s2, gone := syncFixtureServices[0], syncFixtureServices[1], syncFixtureGone
	path := copyFile(t, fixture)
	d := mustOpen(t, path)
	f, sids := newFixture(), newSidFixture()
	es1, mp1 := v4SyncObjects[0], v4SyncObjects[2]
	mustView(t, d, func(tx model.Tx) error {
		f.check(t, tx)
		sids.check(t, tx)
		if got := takeSyncSnapshot(t, tx, syncFixtureServices, v4SyncObjects); !reflect.DeepEqual(got, want.syncSnapshot) {
			gotJSON, _ := json.MarshalIndent(got, "", " ")
			t.Errorf("the Sync logs answer\n%s\nwant\n%s", gotJSON, raw)
		}
		if head, err := tx.SyncHead(gone); head != 0 || err != nil {
			t.Errorf("SyncHead of the Service gone = %d, %v; want 0", head, err)
		}
		checkSyncLogsStarted(t, tx)
		if o, err := tx.SyncObjectLog(gone, es1); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("SyncObjectLog of the Service gone = %+v, %v; want ErrNotFound", o, err)
		}
		return nil
	})
	checkSyncState(t, d, s1)
	checkSyncState(t, d, s2)
	checkSyncRootInline(t, d)

	// The logs go on: IDs above every one given, even those reserved and
	// never used, events chained to those migrated, and retention applied
	// to them. A new Service of the SID of the one gone starts with no log.
	var added []*model.SyncEvent
	mustUpdate(t, d, func(tx model.Tx) error {
		if err := tx.InsertService(&model.Service{Sid: gone}); err != nil {
			return err
		}
		first, err := tx.ReserveSyncEventIDs(s1, 2)
		if err != nil {
			return err
		}
		added = []*model.SyncEvent{
			{ServiceSid: s1, ObjectSid: es1, ID: first, Date: testNow, Payload: []byte(`{}`)},
			{ServiceSid: s1, ObjectSid: mp1, ID: first + 1, Date: testNow, Payload: []byte(`{}`)},
		}
		return tx.AppendSyncEvents(added, 2)
	})
	if added[0].ID != want.LastID+1 {
		t.Errorf("the next event ID is %d, want %d", added[0].ID, want.LastID+1)
	}
	mustView(t, d, func(tx model.Tx) error {
		for _, e := range added {
			old := want.Services[s1].Objects[e.ObjectSid].Events
			got, err := tx.SyncEvents(s1, e.ObjectSid, 0, 0)
			if err != nil {
				return err
			}
			wantIDs := []uint64{old[len(old)-1].ID, e.ID}
			if ids := syncIDs(got); !reflect.DeepEqual(ids, wantIDs) {
				t.Errorf("SyncEvents of %s after an append keeping 2 = %v, want %v", e.ObjectSid, ids, wantIDs)
			}
		}
		feed, err := tx.SyncFeed(s1, want.Services[s1].Head, 0)
		if err != nil {
			return err
		}
		if ids, wantIDs := syncIDs(feed), syncIDs(added); !reflect.DeepEqual(ids, wantIDs) {
			t.Errorf("SyncFeed after the migrated head = %v, want %v", ids, wantIDs)
		}
		if head, err := tx.SyncHead(gone); head != 0 || err != nil {
			t.Errorf("SyncHead of a new Service of the SID of one gone = %d, %v; want 0", head, err)
		}
		return nil
	})
	checkSyncState(t, d, s1)
	checkSyncRootInline(t, d)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := rawVersion(t, path), version(schemaVersion); !bytes.Equal(got, want) {
		t.Errorf("meta/version = %x, want %x", got, want)
	}
	checkServicesAtRoot(t, path)
	if apart, inService := syncLayout(t, path); len(apart) != 0 || !reflect.DeepEqual(inService, []string{s1, s2}) {
		t.Errorf("at the end, Sync logs under sync/ for %v and in Services for %v; want none and %v", apart, inService, []string{s1, s2})
	}
}

// checkSyncLogsStarted checks that every Service's Sync log is started, as
// the step to schema 9 leaves those of a file from before.
func checkSyncLogsStarted(t *testing.T, tx model.Tx) {
	t.Helper()
	services, err := tx.Services(model.Window{})
	if err != nil || len(services) == 0 {
		t.Fatalf("Services = %d, %v", len(services), err)
	}
	for _, s := range services {
		if started, err := tx.SyncLogStarted(s.Sid); err != nil || !started {
			t.Errorf("the Sync log of %s: started %v, %v; want started", s.Sid, started, err)
		}
	}
}

// eachServiceDir calls fn with each Service's subtree of a file of any
// schema: under services/ up to schema 9, in the root from schema 10.
func eachServiceDir(tx *bbolt.Tx, fn func(sid []byte, dir *bbolt.Bucket) error) error {
	if services := tx.Bucket(bucketServicesV9); services != nil {
		return eachSubtreeNamed(services, fn)
	}
	return eachService(tx, fn)
}

// checkServicesAtRoot checks that the closed file at path keeps its
// Services' subtrees in its root, as schema 10 does, and no services/.
func checkServicesAtRoot(t *testing.T, path string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketServicesV9) != nil {
			t.Error("the file still has services/")
		}
		if len(serviceNames(tx)) == 0 {
			t.Error("the file's root has no Service")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
