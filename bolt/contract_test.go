package bolt

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/storetest"
)

// engine opens bolt stores on fresh files for the contract suite.
var engine = storetest.Engine{
	Open: func(t *testing.T) model.Store {
		return openUnmanaged(t, filepath.Join(t.TempDir(), "chatd.db"))
	},
	Reopen: func(t *testing.T, s model.Store) model.Store {
		d := s.(*DB)
		path := d.Path()
		if err := d.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		return openUnmanaged(t, path)
	},
	Dump: func(t *testing.T, s model.Store) map[string]string { return rawDump(t, s.(*DB)) },
}

// TestContract runs the Store contract, proving with rawDump that failed
// writes leave the file byte for byte as it was.
func TestContract(t *testing.T) { storetest.Run(t, engine) }

// TestContractThroughReads runs the contract again without Dump, as an
// engine without one would, so that the suite's comparison through the Tx
// reads is itself exercised.
func TestContractThroughReads(t *testing.T) {
	e := engine
	e.Dump = nil
	storetest.Run(t, e)
}

// openUnmanaged opens the store at path with the test clock; the suite
// closes it.
func openUnmanaged(t *testing.T, path string) *DB {
	t.Helper()
	d, err := Open(path, Options{Now: func() time.Time { return testNow }, LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return d
}

// rawDump is every key, value and bucket sequence in the file, so that a
// test can check that a failed write changed nothing at all.
func rawDump(t *testing.T, d *DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	var dump func(prefix string, b *bbolt.Bucket) error
	dump = func(prefix string, b *bbolt.Bucket) error {
		out[prefix+"#sequence"] = strconv.FormatUint(b.Sequence(), 10)
		return b.ForEach(func(k, v []byte) error {
			name := prefix + "/" + strconv.Quote(string(k))
			if v == nil {
				if sub := b.Bucket(k); sub != nil {
					return dump(name, sub)
				}
			}
			out[name] = string(v)
			return nil
		})
	}
	err := d.bolt.View(func(btx *bbolt.Tx) error {
		return btx.ForEach(func(name []byte, b *bbolt.Bucket) error { return dump(string(name), b) })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
