package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// BenchmarkCommit measures durable writes per second through the commit
// loop, one small record per Update, for 1 and 64 concurrent writers.
// BenchmarkBatchBaseline does the same with bbolt's own Batch (its default
// 10 ms delay) for comparison: the loop never waits on a timer, so a lone
// writer is not held back, and it groups whatever queued during the last
// fsync, so throughput still grows with writers.
func BenchmarkCommit(b *testing.B) {
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var n atomic.Int64
			write := func() error {
				key := fmt.Sprintf("k%d", n.Add(1))
				return db.Update(context.Background(), func(tx model.Tx) error { return tx.PutSetting(key, "v") })
			}
			runWriters(b, writers, write)
		})
	}
}

func BenchmarkBatchBaseline(b *testing.B) {
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db, err := bbolt.Open(filepath.Join(b.TempDir(), "bench.db"), 0o600, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket(bucketSettings); return err })
			var n atomic.Int64
			write := func() error {
				key := []byte(fmt.Sprintf("k%d", n.Add(1)))
				return db.Batch(func(tx *bbolt.Tx) error { return tx.Bucket(bucketSettings).Put(key, []byte("v")) })
			}
			runWriters(b, writers, write)
		})
	}
}

// runWriters performs b.N writes spread over the given number of
// goroutines and reports writes per second.
func runWriters(b *testing.B, writers int, write func() error) {
	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := write(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}
