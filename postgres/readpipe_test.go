package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/chatd/chatd/model"
)

// holdReads keeps the statements of d's Reads queued: no pipeline starts
// until send, which waits until n statements are queued and sends them
// in one pipeline.
func holdReads(d *DB) (send func(n int)) {
	d.reads.mu.Lock()
	d.reads.out = d.reads.max
	d.reads.mu.Unlock()
	return func(n int) {
		for {
			d.reads.mu.Lock()
			queued := len(d.reads.queue)
			if queued == n {
				d.reads.out = 1
				d.reads.mu.Unlock()
				go d.reads.run()
				return
			}
			d.reads.mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}
}

// readResult is what a Read of pipelineRead saw.
type readResult struct {
	value int
	xact  time.Time // when its implicit transaction began: now()
	err   error
}

// pipelineRead reads the row of sql, whose argument is i: an int, and
// the start of the implicit transaction it ran in.
func pipelineRead(ctx context.Context, d *DB, sql string, i int) readResult {
	var r readResult
	r.err = d.Read(ctx, func(tx model.Tx) error {
		return asTx(tx).read(sql, []any{i}, &r.value, &r.xact)
	})
	return r
}

// TestReadPipelineFailure: the concurrent Reads' statements go out in one
// pipeline, and one that fails fails alone: those after it, which
// PostgreSQL skipped, run in the next pipeline.
func TestReadPipelineFailure(t *testing.T) {
	d := openGroupTest(t)
	send := holdReads(d)
	const n, failing = 6, 2
	results := make([]readResult, n)
	var wg sync.WaitGroup
	for i := range n {
		// One after another, so that they queue in order.
		wg.Go(func() {
			results[i] = pipelineRead(context.Background(), d, `SELECT 10 / ($1::int - 2) + $1::int, now()`, i)
		})
		for {
			d.reads.mu.Lock()
			queued := len(d.reads.queue)
			d.reads.mu.Unlock()
			if queued == i+1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	send(n)
	wg.Wait()
	for i, r := range results {
		if i == failing {
			var pe *pgconn.PgError
			if !errors.As(r.err, &pe) || pe.Code != "22012" {
				t.Errorf("read %d: %v, want division by zero", i, r.err)
			}
			continue
		}
		if r.err != nil {
			t.Errorf("read %d: %v", i, r.err)
			continue
		}
		if want := 10/(i-2) + i; r.value != want {
			t.Errorf("read %d: %d, want %d", i, r.value, want)
		}
	}
	// The reads before the failure shared its pipeline, and those after
	// shared the next: one implicit transaction each.
	if !results[0].xact.Equal(results[1].xact) {
		t.Errorf("reads 0 and 1 ran in different transactions: %v, %v", results[0].xact, results[1].xact)
	}
	for i := failing + 2; i < n; i++ {
		if !results[i].xact.Equal(results[failing+1].xact) {
			t.Errorf("reads %d and %d ran in different transactions", failing+1, i)
		}
	}
}

// TestReadAbandoned: a Read that gives up waiting for its turn, in the
// queue or in a pipeline already sent, gets its context's error, and the
// Reads after it still get their own answers.
func TestReadAbandoned(t *testing.T) {
	d := openGroupTest(t)
	send := holdReads(d)
	queued, cancelQueued := context.WithCancel(context.Background())
	sent, cancelSent := context.WithCancel(context.Background())
	results := make([]readResult, 4)
	var wg sync.WaitGroup
	start := func(i int, ctx context.Context, sql string) {
		wg.Go(func() { results[i] = pipelineRead(ctx, d, sql, i) })
		for {
			d.reads.mu.Lock()
			n := len(d.reads.queue)
			d.reads.mu.Unlock()
			if n == i+1 {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	// The first keeps the pipeline while the third gives up.
	start(0, context.Background(), `SELECT $1::int + 0 * length(pg_sleep(0.3)::text), now()`)
	start(1, queued, `SELECT $1::int, now()`)
	start(2, sent, `SELECT $1::int, now()`)
	start(3, context.Background(), `SELECT $1::int, now()`)
	cancelQueued() // before the pipeline takes it
	for {
		d.reads.mu.Lock()
		n := len(d.reads.queue)
		d.reads.mu.Unlock()
		if n == 4 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	send(4)
	time.Sleep(100 * time.Millisecond) // the first one sleeps
	cancelSent()
	wg.Wait()
	for i, r := range results {
		switch {
		case i == 1 || i == 2:
			if !errors.Is(r.err, context.Canceled) {
				t.Errorf("read %d: %v, want context.Canceled", i, r.err)
			}
		case r.err != nil:
			t.Errorf("read %d: %v", i, r.err)
		case r.value != i:
			t.Errorf("read %d: %d, want %d", i, r.value, i)
		}
	}
}

// TestReadLeavesRowsOpen: rows a Read's fn left open are closed when it
// returns, and the pipeline they held goes on.
func TestReadLeavesRowsOpen(t *testing.T) {
	d := openGroupTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 2 * d.reads.max {
		err := d.Read(ctx, func(tx model.Tx) error {
			_, err := asTx(tx).db.Query(ctx, `SELECT generate_series(1, $1::int)`, i+1)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if r := pipelineRead(ctx, d, `SELECT $1::int, now()`, 7); r.err != nil || r.value != 7 {
		t.Fatalf("the read after: %d, %v", r.value, r.err)
	}
}

// TestReadConnectionLost: a Read whose connection the server ends runs
// again, on a new one, and the Reads queued behind it in the pipeline get
// their answers.
func TestReadConnectionLost(t *testing.T) {
	d := openGroupTest(t)
	send := holdReads(d)
	var runs atomic.Int32
	results := make([]readResult, 3)
	var wg sync.WaitGroup
	wg.Go(func() {
		results[0].err = d.Read(context.Background(), func(tx model.Tx) error {
			sql := `SELECT $1::int, now()`
			if runs.Add(1) == 1 {
				sql = `SELECT $1::int + 0 * pg_terminate_backend(pg_backend_pid())::int, now()`
			}
			return asTx(tx).read(sql, []any{0}, &results[0].value, &results[0].xact)
		})
	})
	for i := 1; i < 3; i++ {
		for {
			d.reads.mu.Lock()
			n := len(d.reads.queue)
			d.reads.mu.Unlock()
			if n == i {
				break
			}
			time.Sleep(time.Millisecond)
		}
		wg.Go(func() { results[i] = pipelineRead(context.Background(), d, `SELECT $1::int, now()`, i) })
	}
	send(3)
	wg.Wait()
	for i, r := range results {
		if r.err != nil || r.value != i {
			t.Errorf("read %d: %d, %v", i, r.value, r.err)
		}
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("the fn that lost its connection ran %d times, want 2", n)
	}
}
