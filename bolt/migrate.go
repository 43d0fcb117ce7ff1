package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/internal/record"
)

// Schema 3 kept records as JSON of the model types; schema 4 as records
// (records.go). The migration copies the file into a new one next to it,
// re-encoding every record on the way, and renames the copy over the
// original. The original is not touched until the rename, so a crash at any
// point leaves either the old file or the new one, both whole; the copy
// also leaves every page full, which is what the old file's append-only
// buckets were not. It needs free disk space for the copy (about the size
// of the records).

// jsonVersion is the last schema version whose records are JSON.
const jsonVersion = 3

// copyTxBytes bounds the data one transaction of the copy writes, so that
// memory stays bounded however large the file.
const copyTxBytes = 16 << 20

// recodeFile migrates the schema-3 file open in src to the current schema
// and returns the migrated file, open; src is closed either way.
func recodeFile(src *bbolt.DB, opts Options, log *slog.Logger) (*bbolt.DB, error) {
	// src stays open, and locked, until the copy has replaced it and is
	// open in its turn: no other chatd can open the old file in between.
	defer src.Close()
	path, err := filepath.EvalSymlinks(src.Path())
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	log.Info("migrating the chatd file to schema version 4: copying every record into the new format",
		"path", path, "bytes", info.Size())
	start := time.Now()
	tmp := path + ".migrating"
	if err := copyRecoded(src, tmp, info.Mode().Perm(), copyTxBytes); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("bolt: migrating %s to schema version %d: %w", path, jsonVersion+1, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	db, err := openBolt(src.Path(), opts)
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(path); err == nil {
		log.Info("migrated the chatd file", "path", path, "bytes", info.Size(), "took", time.Since(start).Round(time.Millisecond))
	}
	return db, nil
}

// copyRecoded writes a copy of src to the new file path, with every record
// re-encoded and the current schema version, in transactions of about
// txBytes, and syncs it.
func copyRecoded(src *bbolt.DB, path string, mode os.FileMode, txBytes int) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err // a copy left by a migration that did not finish
	}
	return copyInto(src, path, mode, &copier{ctx: context.Background(), txBytes: txBytes, recode: true})
}

// copyInto writes a copy of src, as c says, into the new (or empty) file at
// path, and syncs it. The copy's keys arrive in order, so every page of it
// is filled.
func copyInto(src *bbolt.DB, path string, mode os.FileMode, c *copier) error {
	// No fsync per transaction: the copy is synced once, at the end, before
	// it replaces anything. NoGrowSync: the file grows by the pages written
	// only, not by bbolt's allocation steps, so it ends at its last page.
	dst, err := bbolt.Open(path, mode, &bbolt.Options{NoSync: true, NoGrowSync: true, Timeout: time.Second})
	if err != nil {
		return err
	}
	c.dst = dst
	err = src.View(func(stx *bbolt.Tx) error {
		return stx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return c.bucket([][]byte{name}, b)
		})
	})
	if err == nil {
		err = c.finish()
	}
	if c.tx != nil {
		c.tx.Rollback() // the transaction a failure left open
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(path)
	}
	return err
}

// copier writes the buckets and values of a walk over the source into dst,
// in transactions of about txBytes.
type copier struct {
	ctx     context.Context // checked between transactions
	dst     *bbolt.DB
	txBytes int
	// recode re-encodes the records of a schema-3 file (jsonBuckets) and
	// sets the current schema version; otherwise values are copied as they
	// are.
	recode bool
	// progress, when set, hears the bytes copied so far after each commit.
	progress func(copied int64)

	copied  int64 // bytes of bucket names, keys and values written
	tx      *bbolt.Tx
	written int           // bytes written in tx
	path    [][]byte      // of the bucket last written to in tx
	last    *bbolt.Bucket // that bucket in tx
}

// bucket copies the source bucket b, found at path, and everything in it.
func (c *copier) bucket(path [][]byte, b *bbolt.Bucket) error {
	if err := c.next(len(path[len(path)-1])); err != nil {
		return err
	}
	var parent interface {
		CreateBucket([]byte) (*bbolt.Bucket, error)
	} = c.tx
	if len(path) > 1 {
		parent = c.open(path[:len(path)-1])
	}
	nb, err := parent.CreateBucket(path[len(path)-1])
	if err != nil {
		return err
	}
	if err := nb.SetSequence(b.Sequence()); err != nil {
		return err
	}
	var records *jsonBucket
	if c.recode {
		records = recordsAt(path)
	}
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			return c.bucket(append(slices.Clip(path), k), b.Bucket(k))
		}
		if records != nil && (records.key == "" || records.key == string(k)) {
			var err error
			if v, err = records.recode(v); err != nil {
				return fmt.Errorf("%s/%q: %w", bytes.Join(path, []byte("/")), k, err)
			}
		}
		return c.put(path, k, v)
	})
}

// put writes one value. Source keys and values stay valid while the walk's
// read transaction is open, which is longer than any transaction of the
// copy.
func (c *copier) put(path [][]byte, k, v []byte) error {
	if err := c.next(len(k) + len(v)); err != nil {
		return err
	}
	b := c.open(path)
	// Keys arrive in order: every page can be filled.
	b.FillPercent = 1.0
	return b.Put(k, v)
}

// next makes room for n more bytes in the copy's transaction: it commits
// the transaction when it is full, and begins one when none is open.
func (c *copier) next(n int) error {
	if c.tx != nil && c.written >= c.txBytes {
		if err := c.commit(); err != nil {
			return err
		}
	}
	if c.tx == nil {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		tx, err := c.dst.Begin(true)
		if err != nil {
			return err
		}
		c.tx, c.written, c.path, c.last = tx, 0, nil, nil
	}
	c.written += n
	c.copied += int64(n)
	return nil
}

// commit commits the copy's transaction.
func (c *copier) commit() error {
	tx := c.tx
	c.tx = nil
	if err := tx.Commit(); err != nil {
		return err
	}
	if c.progress != nil {
		c.progress(c.copied)
	}
	return nil
}

// open is the bucket at path in the copy's transaction.
func (c *copier) open(path [][]byte) *bbolt.Bucket {
	if c.last != nil && slices.EqualFunc(path, c.path, bytes.Equal) {
		return c.last
	}
	b := c.tx.Bucket(path[0])
	for _, name := range path[1:] {
		b = b.Bucket(name)
	}
	c.path, c.last = path, b
	return b
}

// finish writes the new schema version when it recodes, and commits the
// last transaction.
func (c *copier) finish() error {
	if c.recode {
		if err := c.next(0); err != nil {
			return err
		}
		if err := c.tx.Bucket(bucketMeta).Put(keyVersion, versionBytes(jsonVersion+1)); err != nil {
			return err
		}
	}
	if c.tx == nil {
		return nil
	}
	return c.commit()
}

// jsonBucket is a bucket of a schema-3 file that holds records: its path
// ("*" for any name), the one key of the records when the bucket holds
// other things too ("" when every value is a record), and how a record is
// re-encoded.
type jsonBucket struct {
	path   []string
	key    string
	recode func([]byte) ([]byte, error)
}

// jsonBuckets are the record buckets of a schema-3 file (the tree in
// schema.go); every other value (indexes, settings, Media content) is
// copied as it is.
var jsonBuckets = []jsonBucket{
	{[]string{"credentials"}, "", fromJSON(credentialCodec.encode)},
	{[]string{"deliveries"}, "", fromJSON(deliveryCodec.encode)},
	{[]string{"services", "*"}, "record", fromJSON(serviceCodec.encode)},
	{[]string{"services", "*", "roles"}, "", fromJSON(roleCodec.encode)},
	{[]string{"services", "*", "users"}, "", fromJSON(userCodec.encode)},
	{[]string{"services", "*", "user_channels", "*"}, "", fromJSON(userChannelCodec.encode)},
	{[]string{"services", "*", "channels"}, "", fromJSON(channelCodec.encode)},
	{[]string{"services", "*", "bindings"}, "", fromJSON(bindingCodec.encode)},
	{[]string{"services", "*", "media"}, "", fromJSON(mediaCodec.encode)},
	{[]string{"services", "*", "channel_data", "*", "members"}, "", fromJSON(memberCodec.encode)},
	{[]string{"services", "*", "channel_data", "*", "messages"}, "", fromJSON(record.EncodeMessage)},
	{[]string{"services", "*", "channel_data", "*", "invites"}, "", fromJSON(inviteCodec.encode)},
	{[]string{"services", "*", "channel_data", "*", "webhooks"}, "", fromJSON(channelWebhookCodec.encode)},
}

// recordsAt is the record bucket at path, nil when it is none.
func recordsAt(path [][]byte) *jsonBucket {
	for i, r := range jsonBuckets {
		if slices.EqualFunc(r.path, path, func(p string, name []byte) bool { return p == "*" || p == string(name) }) {
			return &jsonBuckets[i]
		}
	}
	return nil
}

// fromJSON re-encodes a schema-3 value: JSON of the model type M.
func fromJSON[M any](encode func(*M) ([]byte, error)) func([]byte) ([]byte, error) {
	return func(v []byte) ([]byte, error) {
		m := new(M)
		if err := json.Unmarshal(v, m); err != nil {
			return nil, fmt.Errorf("decoding %T: %w", m, err)
		}
		return encode(m)
	}
}

// syncFile flushes the file at path to the disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
