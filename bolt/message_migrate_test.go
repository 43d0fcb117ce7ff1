package bolt

import (
	"fmt"
	"log/slog"
	"maps"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// channelMessagesOf is every Channel's Messages in the file at path, by
// Service and Channel SID, with the bucket's sequence under the key "seq",
// wherever the file keeps them: in channel_data (schema 7 and before) or in
// channel_messages (schema 8), the latter winning for a Channel in both.
func channelMessagesOf(t *testing.T, path string) (byChannel map[string]map[string]string, old int) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	byChannel = map[string]map[string]string{}
	read := func(name string, b *bbolt.Bucket) {
		m := map[string]string{"seq": fmt.Sprint(b.Sequence())}
		b.ForEach(func(k, v []byte) error { m[string(k)] = string(v); return nil })
		byChannel[name] = m
	}
	err = db.View(func(tx *bbolt.Tx) error {
		return eachServiceDir(tx, func(service []byte, s *bbolt.Bucket) error {
			eachSubtreeNamed(s.Bucket(bucketChannelData), func(ch []byte, data *bbolt.Bucket) error {
				if b := data.Bucket(bucketMessagesV7); b != nil {
					old++
					read(string(service)+"/"+string(ch), b)
				}
				return nil
			})
			if all := s.Bucket(bucketChannelMessages); all != nil {
				eachSubtreeNamed(all, func(ch []byte, b *bbolt.Bucket) error {
					read(string(service)+"/"+string(ch), b)
					return nil
				})
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return byChannel, old
}

// TestMoveMessagesResumes migrates the schema-7 fixture to schema 8 one
// Message a transaction, stops after the first, and lets Open go on: every
// Channel's Messages and index sequence end up in channel_messages, as
// they were, and read back through the store.
func TestMoveMessagesResumes(t *testing.T) {
	path := copyFile(t, "testdata/chatd-v7.db")
	before, old := channelMessagesOf(t, path)
	if old < 2 {
		t.Fatalf("the fixture has %d Channels with Messages, want several", old)
	}
	bdb, err := openBolt(path, Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := migrate(bdb); err != nil || v != schemaVersion {
		t.Fatalf("migrate = %d, %v; want %d", v, err, schemaVersion)
	}
	var moved int
	var full bool
	err = bdb.Update(func(tx *bbolt.Tx) (err error) {
		moved, full, err = moveSome(tx, 1)
		return err
	})
	if err != nil || moved != 1 || !full {
		t.Fatalf("moveSome(1) = %d, %v, %v; want one Message moved and more left", moved, full, err)
	}
	bdb.Close()
	if _, left := channelMessagesOf(t, path); left != old {
		t.Errorf("after one Message, %d Channels still have their old bucket, want %d", left, old)
	}

	d := mustOpen(t, path)
	f, sids := newFixture(), newSidFixture()
	mustView(t, d, func(tx model.Tx) error { f.check(t, tx); sids.check(t, tx); return nil })
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	after, left := channelMessagesOf(t, path)
	if left != 0 {
		t.Errorf("%d Channels still have their schema-7 Messages bucket", left)
	}
	if !maps.EqualFunc(after, before, maps.Equal) {
		t.Errorf("the Messages moved are not those of the schema-7 file:\n%v\nwant\n%v", after, before)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta).Get(keyMovingMessages) != nil {
			t.Error("the file is still marked as moving its Messages")
		}
		return nil
	})
}

// TestMoveMessagesInSmallTransactions moves the schema-7 fixture's
// Messages a few bytes a transaction, so that most Channels take several.
func TestMoveMessagesInSmallTransactions(t *testing.T) {
	path := copyFile(t, "testdata/chatd-v7.db")
	before, _ := channelMessagesOf(t, path)
	bdb, err := openBolt(path, Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate(bdb); err != nil {
		t.Fatal(err)
	}
	if err := moveMessages(bdb, 300, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	if after, left := channelMessagesOf(t, path); left != 0 || !maps.EqualFunc(after, before, maps.Equal) {
		t.Errorf("after the move: %d old buckets left, Messages\n%v\nwant\n%v", left, after, before)
	}
}
