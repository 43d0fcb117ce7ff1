// Package bolt is chatd's embedded Store: model.Store over one bbolt file.
// It knows the bucket tree (schema.go), keys and indexes, and keeps the
// derived counts the seam declares; Twilio's rules live above it in package
// chat.
package bolt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/chatd/chatd/model"
)

// ErrClosed is returned by Update after Close.
var ErrClosed = errors.New("bolt: store is closed")

// maxBatch bounds how many queued writes one commit carries.
const maxBatch = 512

// Options configure Open.
type Options struct {
	// Now is the clock of every transaction; time.Now when nil.
	Now func() time.Time
	// LockTimeout is how long Open waits for another process to release the
	// file; one second when zero.
	LockTimeout time.Duration
	// Logger hears of a migration of the file's schema (which may take a
	// while on a large file); nothing is logged when nil.
	Logger *slog.Logger
	// Observer, when set, hears of every commit of the write loop.
	Observer CommitObserver
}

// CommitObserver hears of each commit of the write loop, for metrics: how
// many writes (Update calls) it carried, how long it took from the start
// of the transaction to the end of its fsync, and its error if it failed.
// A transaction rolled back because one write failed is not a commit: the
// others go on in the next one, which is. It is called on the loop's
// goroutine: it must return quickly.
type CommitObserver interface {
	ObserveCommit(writes int, d time.Duration, err error)
}

// DB is a model.Store on a bbolt file.
//
// Writes go through one commit loop: a write that arrives while the loop is
// idle commits (and fsyncs) at once, and writes that arrive during a commit
// are grouped into the next one. So a lone client never waits on a timer, and
// concurrent clients share fsyncs, which is what makes throughput grow with
// them.
type DB struct {
	bolt     *bbolt.DB
	now      func() time.Time
	observer CommitObserver
	claims   claims // the outbox's leases, in memory

	mu     sync.RWMutex // guards closed against sends on queue
	closed bool
	queue  chan *request
	done   chan struct{} // closed when the commit loop has exited
}

// request is one queued write and the channel its result goes to.
type request struct {
	ctx context.Context
	fn  func(model.Tx) error
	err chan error
}

// Open opens (creating if needed) the chatd file at path, migrates it to the
// current schema and starts the commit loop.
func Open(path string, opts Options) (*DB, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bdb, err := openBolt(path, opts)
	if err != nil {
		return nil, err
	}
	version, err := migrate(bdb)
	if err == nil && version == jsonVersion {
		if bdb, err = recodeFile(bdb, opts, log); err != nil {
			return nil, err
		}
		_, err = migrate(bdb) // the steps after the rewrite
	}
	if err == nil {
		err = rekeyMessageSids(bdb, rekeyBatch, log)
	}
	if err == nil {
		err = moveMessages(bdb, moveTxBytes, log)
	}
	if err != nil {
		bdb.Close()
		return nil, err
	}
	d := &DB{
		bolt:     bdb,
		now:      opts.Now,
		observer: opts.Observer,
		queue:    make(chan *request, maxBatch),
		done:     make(chan struct{}),
	}
	go d.loop()
	return d, nil
}

// migrate creates or migrates the schema of bdb, one transaction per step,
// and returns the version the file is then at.
func migrate(bdb *bbolt.DB) (version int, err error) {
	for stepped := true; stepped; {
		err = bdb.Update(func(tx *bbolt.Tx) (err error) {
			version, stepped, err = initSchema(tx)
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return version, nil
}

// openBolt opens the bbolt file at path. chatd reads none of bbolt's
// statistics, so it does not keep them: every read transaction would
// otherwise take a lock shared by all of them to count itself.
func openBolt(path string, opts Options) (*bbolt.DB, error) {
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.LockTimeout, NoStatistics: true})
	if err != nil {
		return nil, openError(path, err)
	}
	return bdb, nil
}

// openError is the error of opening the file at path: one that says so when
// another process holds the file.
func openError(path string, err error) error {
	if errors.Is(err, berrors.ErrTimeout) {
		return fmt.Errorf("bolt: open %s: the file is in use by another process (a running chatd?): %w", path, err)
	}
	return fmt.Errorf("bolt: open %s: %w", path, err)
}

// Engine names the store: "bolt".
func (d *DB) Engine() string { return "bolt" }

// Path is the file the store is kept in.
func (d *DB) Path() string { return d.bolt.Path() }

// Close waits for queued writes to commit, then closes the file.
func (d *DB) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.queue)
	d.mu.Unlock()
	<-d.done
	return d.bolt.Close()
}

// View runs fn in a read-only bbolt transaction.
func (d *DB) View(ctx context.Context, fn func(model.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.bolt.View(func(btx *bbolt.Tx) error {
		t := &tx{btx: btx, now: d.now().UTC()}
		defer t.releasePeeked()
		return fn(t)
	})
}

// Read is View: a bbolt read transaction costs next to nothing.
func (d *DB) Read(ctx context.Context, fn func(model.Tx) error) error { return d.View(ctx, fn) }

// Update queues fn for the commit loop and waits until its transaction is
// on disk (or failed). fn may run more than once.
func (d *DB) Update(ctx context.Context, fn func(model.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, fn: fn, err: make(chan error, 1)}
	d.mu.RLock()
	if d.closed {
		d.mu.RUnlock()
		return ErrClosed
	}
	d.queue <- r
	d.mu.RUnlock()
	return <-r.err
}

// loop commits queued writes: it blocks for one, takes whatever else is
// already waiting, and commits them together. The queue is buffered, so
// that a writer that arrives during a commit queues its write and goes on
// to wait for the outcome, rather than waiting for the loop to take it.
func (d *DB) loop() {
	defer close(d.done)
	batch := make([]*request, 0, maxBatch)
	for r := range d.queue {
		batch = append(batch[:0], r)
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-d.queue:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		d.commit(batch)
		clear(batch) // let the requests go
	}
}

// commit runs batch in one bbolt transaction. bbolt has no savepoints, so
// when one fn fails the whole transaction rolls back; the failed fn keeps its
// error (it ran after the fns before it, which is a valid serial order) and
// the rest of the batch runs again without it. Results are sent only after
// the final commit, so no client hears of an outcome before it is durable.
func (d *DB) commit(batch []*request) {
	type outcome struct {
		r   *request
		err error
	}
	var settled []outcome
	for len(batch) > 0 {
		live := batch[:0]
		for _, r := range batch {
			if err := r.ctx.Err(); err != nil {
				settled = append(settled, outcome{r, err})
				continue
			}
			live = append(live, r)
		}
		batch = live
		if len(batch) == 0 {
			break
		}
		failed := -1
		var failure error
		start := time.Now()
		err := d.bolt.Update(func(btx *bbolt.Tx) error {
			t := &tx{btx: btx, now: d.now().UTC()}
			for i, r := range batch {
				if err := run(r.fn, t); err != nil {
					failed, failure = i, err
					return err
				}
			}
			return t.finishSync()
		})
		if failed < 0 {
			if d.observer != nil {
				d.observer.ObserveCommit(len(batch), time.Since(start), err)
			}
			for _, r := range batch {
				settled = append(settled, outcome{r, err})
			}
			break
		}
		settled = append(settled, outcome{batch[failed], failure})
		batch = append(batch[:failed:failed], batch[failed+1:]...)
	}
	for _, o := range settled {
		o.r.err <- o.err
	}
}

// run calls fn, turning a panic into an error so that one bad request
// cannot stop the commit loop.
func run(fn func(model.Tx) error, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("bolt: panic in transaction: %v", p)
		}
	}()
	return fn(t)
}

// WriteTo writes a consistent copy of the whole file to w (a hot backup:
// one read transaction, so writers go on meanwhile).
func (d *DB) WriteTo(w io.Writer) (int64, error) {
	var n int64
	err := d.bolt.View(func(tx *bbolt.Tx) (err error) {
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// Backup writes a consistent copy of the chatd file at path to w, opening it
// read-only: for a file no chatd is serving (a running chatd holds its file
// locked; back it up through its snapshot route instead).
func Backup(path string, w io.Writer) (int64, error) {
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return 0, fmt.Errorf("bolt: open %s: the file is in use by a running chatd (back it up through that chatd: chatd backup --url): %w", path, err)
	}
	if err != nil {
		return 0, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	defer bdb.Close()
	var n int64
	err = bdb.View(func(tx *bbolt.Tx) (err error) {
		if tx.Bucket(bucketMeta) == nil {
			return fmt.Errorf("bolt: %s is not a chatd file", path)
		}
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}
