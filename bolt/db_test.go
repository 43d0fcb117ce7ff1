package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/chatd/chatd/model"
)

// testNow is the clock of every test store.
var testNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// sid makes a valid-looking SID whose hex part is n, so that the SIDs of one
// prefix sort by n.
func sid(prefix string, n int) string { return prefix + fmt.Sprintf("%032x", n) }

// mustOpen opens the store at path and closes it at the end of the test.
func mustOpen(t *testing.T, path string) *DB {
	t.Helper()
	d := openUnmanaged(t, path)
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

// newDB opens a store on a fresh file.
func newDB(t *testing.T) *DB {
	t.Helper()
	return mustOpen(t, filepath.Join(t.TempDir(), "chatd.db"))
}

// mustUpdate runs fn in one write transaction. fn runs on the commit loop's
// goroutine and may run more than once, so it must report failures by its
// error, never through t.
func mustUpdate(t *testing.T, d *DB, fn func(model.Tx) error) {
	t.Helper()
	if err := d.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// mustView runs fn in one read transaction.
func mustView(t *testing.T, d *DB, fn func(model.Tx) error) {
	t.Helper()
	if err := d.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// mustSetting reads a setting.
func mustSetting(t *testing.T, d *DB, key string) string {
	t.Helper()
	var v string
	mustView(t, d, func(tx model.Tx) (err error) {
		v, err = tx.Setting(key)
		return err
	})
	return v
}

// putSetting is a retry-safe write of one setting.
func putSetting(key, value string) func(model.Tx) error {
	return func(tx model.Tx) error { return tx.PutSetting(key, value) }
}

// pauseLoop swaps d's commit loop for a stopped one with a buffered queue:
// writes sent to d then wait in the queue until start is called, and the
// loop takes all of them as one batch. start runs at cleanup at the latest,
// so that Close never waits on a loop that was not started.
func pauseLoop(t *testing.T, d *DB, capacity int) (start func()) {
	t.Helper()
	d.mu.Lock()
	close(d.queue)
	d.mu.Unlock()
	<-d.done
	d.queue = make(chan *request, capacity)
	d.done = make(chan struct{})
	var once sync.Once
	start = func() { once.Do(func() { go d.loop() }) }
	t.Cleanup(start)
	return start
}

// waitQueued waits until n writes wait in the queue of a paused loop.
func waitQueued(d *DB, n int) {
	for len(d.queue) < n {
		runtime.Gosched()
	}
}

// waitClosed waits until Close has marked d closed.
func waitClosed(d *DB) {
	for {
		d.mu.RLock()
		closed := d.closed
		d.mu.RUnlock()
		if closed {
			return
		}
		runtime.Gosched()
	}
}

func TestUpdateConcurrentWritersAllCommit(t *testing.T) {
	d := newDB(t)
	const n = 64
	errs := make([]error, n)
	startGate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGate
			errs[i] = d.Update(context.Background(), func(tx model.Tx) error {
				s := &model.Service{Sid: sid("IS", i), FriendlyName: fmt.Sprint("service ", i)}
				if err := tx.InsertService(s); err != nil {
					return err
				}
				return tx.PutSetting(fmt.Sprint("writer-", i), fmt.Sprint(i))
			})
		}()
	}
	close(startGate)
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: Update = %v, want nil", i, err)
		}
	}
	mustView(t, d, func(tx model.Tx) error {
		ss, err := tx.Services(model.Window{})
		if err != nil {
			return err
		}
		if len(ss) != n {
			t.Fatalf("Services: %d records, want %d", len(ss), n)
		}
		for i, s := range ss {
			if s.Sid != sid("IS", i) {
				t.Errorf("Services[%d].Sid = %s, want %s", i, s.Sid, sid("IS", i))
			}
			v, err := tx.Setting(fmt.Sprint("writer-", i))
			if err != nil {
				return err
			}
			if v != fmt.Sprint(i) {
				t.Errorf("setting writer-%d = %q, want %q", i, v, fmt.Sprint(i))
			}
		}
		return nil
	})
}

// batchOutcome runs n writes as one batch: write i puts setting key-i, and
// then behaves as last(i) says. It returns each write's error and, per
// write, how many times its fn ran, and how many transactions ran fns.
func runBatch(t *testing.T, n int, last func(i int) error) (d *DB, errs []error, runs []int, txs int) {
	t.Helper()
	d = newDB(t)
	start := pauseLoop(t, d, n)
	var mu sync.Mutex
	seen := map[model.Tx]bool{}
	runs = make([]int, n)
	errs = make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.Update(context.Background(), func(tx model.Tx) error {
				mu.Lock()
				seen[tx] = true
				runs[i]++
				mu.Unlock()
				if err := tx.PutSetting(fmt.Sprint("key-", i), "written"); err != nil {
					return err
				}
				return last(i)
			})
		}()
	}
	waitQueued(d, n)
	start()
	wg.Wait()
	return d, errs, runs, len(seen)
}

func TestUpdateBatchWithFailingFn(t *testing.T) {
	const n, bad = 32, 13
	errBad := errors.New("write 13 refuses")
	d, errs, runs, txs := runBatch(t, n, func(i int) error {
		if i == bad {
			return errBad
		}
		return nil
	})

	t.Run("the failing fn gets exactly its error", func(t *testing.T) {
		if errs[bad] != errBad {
			t.Errorf("write %d: Update = %v, want %v", bad, errs[bad], errBad)
		}
	})
	t.Run("the other fns of the batch commit", func(t *testing.T) {
		for i, err := range errs {
			if i != bad && err != nil {
				t.Errorf("write %d: Update = %v, want nil", i, err)
			}
		}
		for i := range n {
			want := "written"
			if i == bad {
				want = ""
			}
			if got := mustSetting(t, d, fmt.Sprint("key-", i)); got != want {
				t.Errorf("key-%d = %q, want %q", i, got, want)
			}
		}
	})
	t.Run("the failing fn leaves no writes behind", func(t *testing.T) {
		if got := mustSetting(t, d, fmt.Sprint("key-", bad)); got != "" {
			t.Errorf("key-%d = %q after its fn failed, want unset", bad, got)
		}
	})
	t.Run("the batch is retried once without the failing fn", func(t *testing.T) {
		if txs != 2 {
			t.Errorf("fns ran in %d transactions, want 2 (the failed attempt and the retry)", txs)
		}
		if runs[bad] != 1 {
			t.Errorf("failing fn ran %d times, want 1", runs[bad])
		}
		for i, r := range runs {
			if i != bad && (r < 1 || r > 2) {
				t.Errorf("write %d ran %d times, want 1 or 2", i, r)
			}
		}
	})
}

func TestUpdateBatchWithPanickingFn(t *testing.T) {
	const n, bad = 16, 5
	d, errs, _, _ := runBatch(t, n, func(i int) error {
		if i == bad {
			panic("write 5 panics")
		}
		return nil
	})

	t.Run("the panicking fn gets an error", func(t *testing.T) {
		if errs[bad] == nil || !strings.Contains(errs[bad].Error(), "panic") {
			t.Errorf("write %d: Update = %v, want a panic error", bad, errs[bad])
		}
		if got := mustSetting(t, d, fmt.Sprint("key-", bad)); got != "" {
			t.Errorf("key-%d = %q after its fn panicked, want unset", bad, got)
		}
	})
	t.Run("the other fns of the batch commit", func(t *testing.T) {
		for i, err := range errs {
			if i == bad {
				continue
			}
			if err != nil {
				t.Errorf("write %d: Update = %v, want nil", i, err)
			}
			if got := mustSetting(t, d, fmt.Sprint("key-", i)); got != "written" {
				t.Errorf("key-%d = %q, want %q", i, got, "written")
			}
		}
	})
	t.Run("the loop keeps working", func(t *testing.T) {
		mustUpdate(t, d, putSetting("after", "yes"))
		if got := mustSetting(t, d, "after"); got != "yes" {
			t.Errorf("setting after = %q, want %q", got, "yes")
		}
	})
}

func TestUpdateLonePanic(t *testing.T) {
	d := newDB(t)
	err := d.Update(context.Background(), func(tx model.Tx) error {
		if err := tx.PutSetting("k", "v"); err != nil {
			return err
		}
		panic("boom")
	})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Update = %v, want an error naming the panic", err)
	}
	if got := mustSetting(t, d, "k"); got != "" {
		t.Errorf("setting k = %q after the panic, want unset", got)
	}
	mustUpdate(t, d, putSetting("k", "after"))
	if got := mustSetting(t, d, "k"); got != "after" {
		t.Errorf("setting k = %q, want %q", got, "after")
	}
}

func TestUpdateRetriedFnSeesFreshTransaction(t *testing.T) {
	// A read-modify-write that runs twice (its batch is retried) must count
	// once: the first attempt's writes are rolled back with the batch.
	d := newDB(t)
	start := pauseLoop(t, d, 2)
	var runs atomic.Int32
	incr := func(tx model.Tx) error {
		runs.Add(1)
		v, err := tx.Setting("counter")
		if err != nil {
			return err
		}
		return tx.PutSetting("counter", v+"I")
	}
	errFail := errors.New("fail")
	results := make(chan error, 2)
	go func() { results <- d.Update(context.Background(), incr) }()
	waitQueued(d, 1) // incr is first in the batch, so it runs before the failure
	go func() {
		results <- d.Update(context.Background(), func(model.Tx) error { return errFail })
	}()
	waitQueued(d, 2)
	start()
	var got []error
	for range 2 {
		got = append(got, <-results)
	}
	if !(got[0] == nil && got[1] == errFail) && !(got[0] == errFail && got[1] == nil) {
		t.Fatalf("Update results = %v, want one nil and one %v", got, errFail)
	}
	if r := runs.Load(); r != 2 {
		t.Errorf("incr ran %d times, want 2 (the batch is retried)", r)
	}
	if v := mustSetting(t, d, "counter"); v != "I" {
		t.Errorf("counter = %q, want %q (one increment)", v, "I")
	}
}

func TestUpdateCanceledContext(t *testing.T) {
	t.Run("canceled before Update returns ctx.Err and writes nothing", func(t *testing.T) {
		d := newDB(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var ran atomic.Bool
		err := d.Update(ctx, func(tx model.Tx) error {
			ran.Store(true)
			return tx.PutSetting("k", "v")
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Update = %v, want %v", err, context.Canceled)
		}
		if ran.Load() {
			t.Error("fn ran under a canceled context")
		}
		if got := mustSetting(t, d, "k"); got != "" {
			t.Errorf("setting k = %q, want unset", got)
		}
	})
	t.Run("canceled while queued returns ctx.Err and writes nothing", func(t *testing.T) {
		d := newDB(t)
		start := pauseLoop(t, d, 2)
		ctx, cancel := context.WithCancel(context.Background())
		var ran atomic.Bool
		canceled := make(chan error, 1)
		go func() {
			canceled <- d.Update(ctx, func(tx model.Tx) error {
				ran.Store(true)
				return tx.PutSetting("canceled", "v")
			})
		}()
		other := make(chan error, 1)
		go func() { other <- d.Update(context.Background(), putSetting("other", "v")) }()
		waitQueued(d, 2)
		cancel()
		start()
		if err := <-canceled; !errors.Is(err, context.Canceled) {
			t.Errorf("canceled Update = %v, want %v", err, context.Canceled)
		}
		if err := <-other; err != nil {
			t.Errorf("other Update of the batch = %v, want nil", err)
		}
		if ran.Load() {
			t.Error("fn ran under a canceled context")
		}
		if got := mustSetting(t, d, "canceled"); got != "" {
			t.Errorf("setting canceled = %q, want unset", got)
		}
		if got := mustSetting(t, d, "other"); got != "v" {
			t.Errorf("setting other = %q, want %q", got, "v")
		}
	})
	t.Run("View with a canceled context returns ctx.Err", func(t *testing.T) {
		d := newDB(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		err := d.View(ctx, func(model.Tx) error { ran = true; return nil })
		if !errors.Is(err, context.Canceled) || ran {
			t.Errorf("View = %v (fn ran: %v), want %v without running fn", err, ran, context.Canceled)
		}
	})
}

func TestClose(t *testing.T) {
	t.Run("waits for queued writes", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "chatd.db")
		d := mustOpen(t, path)
		const n = 20
		start := pauseLoop(t, d, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = d.Update(context.Background(), putSetting(fmt.Sprint("queued-", i), "v"))
			}()
		}
		waitQueued(d, n)
		closed := make(chan error, 1)
		go func() { closed <- d.Close() }()
		waitClosed(d) // Close has stopped the queue while all n writes wait in it
		start()
		if err := <-closed; err != nil {
			t.Fatalf("Close: %v", err)
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("queued write %d: Update = %v, want nil", i, err)
			}
		}
		d2 := mustOpen(t, path)
		for i := range n {
			if got := mustSetting(t, d2, fmt.Sprint("queued-", i)); got != "v" {
				t.Errorf("after reopen, queued-%d = %q, want %q", i, got, "v")
			}
		}
	})
	t.Run("racing writes either commit or get ErrClosed", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "chatd.db")
		d := mustOpen(t, path)
		const n = 64
		errs := make([]error, n)
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				errs[i] = d.Update(context.Background(), putSetting(fmt.Sprint("racing-", i), "v"))
			}()
		}
		close(gate)
		if err := d.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		wg.Wait()
		d2 := mustOpen(t, path)
		for i, err := range errs {
			got := mustSetting(t, d2, fmt.Sprint("racing-", i))
			switch {
			case err == nil && got != "v":
				t.Errorf("write %d: Update = nil but the setting is %q after reopen", i, got)
			case errors.Is(err, ErrClosed) && got != "":
				t.Errorf("write %d: Update = ErrClosed but the setting is %q after reopen", i, got)
			case err != nil && !errors.Is(err, ErrClosed):
				t.Errorf("write %d: Update = %v, want nil or ErrClosed", i, err)
			}
		}
	})
	t.Run("Update after Close returns ErrClosed", func(t *testing.T) {
		d := newDB(t)
		if err := d.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		var ran atomic.Bool
		err := d.Update(context.Background(), func(model.Tx) error { ran.Store(true); return nil })
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Update after Close = %v, want ErrClosed", err)
		}
		if ran.Load() {
			t.Error("fn ran after Close")
		}
	})
	t.Run("twice is fine", func(t *testing.T) {
		d := newDB(t)
		if err := d.Close(); err != nil {
			t.Fatalf("first Close: %v", err)
		}
		if err := d.Close(); err != nil {
			t.Errorf("second Close = %v, want nil", err)
		}
	})
}

func TestTxNowIsTheStoreClockInUTC(t *testing.T) {
	local := time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 5*3600))
	d, err := Open(filepath.Join(t.TempDir(), "chatd.db"), Options{Now: func() time.Time { return local }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	check := func(tx model.Tx) error {
		if now := tx.Now(); !now.Equal(local) || now.Location() != time.UTC {
			return fmt.Errorf("Now() = %v, want %v in UTC", now, local)
		}
		return nil
	}
	mustView(t, d, check)
	mustUpdate(t, d, check)
}

// rawVersion reads meta/version of a closed chatd file.
func rawVersion(t *testing.T, path string) []byte {
	t.Helper()
	b, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var v []byte
	err = b.View(func(tx *bbolt.Tx) error {
		if m := tx.Bucket(bucketMeta); m != nil {
			v = append([]byte(nil), m.Get(keyVersion)...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// setRawVersion writes meta/version of a closed chatd file.
func setRawVersion(t *testing.T, path string, v []byte) {
	t.Helper()
	b, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Update(func(tx *bbolt.Tx) error {
		m, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		return m.Put(keyVersion, v)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func version(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func TestSchema(t *testing.T) {
	t.Run("a new file gets meta/version and the root buckets", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "chatd.db")
		d := mustOpen(t, path)
		err := d.bolt.View(func(tx *bbolt.Tx) error {
			for _, name := range rootBuckets {
				if tx.Bucket(name) == nil {
					t.Errorf("root bucket %s missing", name)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if got, want := rawVersion(t, path), version(schemaVersion); !reflect.DeepEqual(got, want) {
			t.Errorf("meta/version = %x, want %x", got, want)
		}
	})
	t.Run("reopening keeps the version", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "chatd.db")
		for range 2 {
			d := mustOpen(t, path)
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := rawVersion(t, path), version(schemaVersion); !reflect.DeepEqual(got, want) {
			t.Errorf("meta/version = %x, want %x", got, want)
		}
	})
	t.Run("a version 3 file gets the api_keys bucket", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "chatd.db")
		d := openUnmanaged(t, path)
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketAPIKeys) }); err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		setRawVersion(t, path, version(3))
		d = mustOpen(t, path)
		key := &model.APIKey{Sid: "SK00000000000000000000000000000001", SealedSecret: []byte("sealed")}
		if err := d.Update(context.Background(), func(tx model.Tx) error { return tx.InsertAPIKey(key) }); err != nil {
			t.Fatalf("InsertAPIKey after the migration: %v", err)
		}
	})
	refused := []struct {
		name    string
		version []byte
	}{
		{"a newer schema version is refused", version(schemaVersion + 1)},
		{"a malformed schema version is refused", []byte("1")},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "chatd.db")
			d := mustOpen(t, path)
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			setRawVersion(t, path, tc.version)
			d, err := Open(path, Options{LockTimeout: 5 * time.Second})
			if err == nil {
				d.Close()
				t.Fatalf("Open of a file with meta/version %x succeeded, want an error", tc.version)
			}
			if d != nil {
				t.Errorf("Open returned a store with its error %v", err)
			}
			// The refused file is left as it was, and unlocked.
			if got := rawVersion(t, path); !reflect.DeepEqual(got, tc.version) {
				t.Errorf("meta/version = %x after the refused Open, want %x", got, tc.version)
			}
		})
	}
}
