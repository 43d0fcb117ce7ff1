package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Reads in pipelines. The statements of a Read run on their own, without a
// transaction (db.go), so those of Reads in flight at once need neither a
// connection nor a round trip each: they queue, and a few pipelines at a
// time each take the statements waiting and send them in one round trip
// on one connection. PostgreSQL runs them one after another, each on a
// snapshot taken when it starts, after its Read sent it, so a Read still
// sees every write acknowledged before it. Each Read then reads its own
// answers, in turn, from the pipeline's results. Under load the database
// is woken once for many reads rather than once each, and chatd reads many
// answers a syscall; alone, a read waits for nothing.
//
// The statements of a pipeline share its implicit transaction: once one
// fails, PostgreSQL skips those after it, which go back to the front of the
// queue for the next pipeline.

// readPipelines is how many pipelines of reads are out at once: one for
// each core of chatd, and at least two, so that the database runs one
// while chatd reads the answers of another. More were slower on a 2-core
// machine with the database beside chatd: each wakes a backend of its own
// for fewer statements.
func readPipelines() int { return max(2, runtime.GOMAXPROCS(0)) }

// maxPipelinedReads bounds the statements of one pipeline.
const maxPipelinedReads = 64

// errReadConnLost wraps the error of a pipelined read whose connection
// closed under it (unavailable.go).
var errReadConnLost = errors.New("postgres: the connection of a pipeline of reads closed")

// errReadUnreachable wraps the error of a pipelined read that got no
// connection.
var errReadUnreachable = errors.New("postgres: no connection for a pipeline of reads")

// readPipes queues the statements of Reads and sends them in pipelines.
type readPipes struct {
	pool  *pgxpool.Pool
	mu    sync.Mutex
	queue []*pipedRead
	out   int // pipelines running
	max   int // pipelines running at most
}

// The states of a pipedRead.
const (
	readQueued    int32 = iota // waiting for its turn
	readTaken                  // its turn came: it reads its answers
	readAbandoned              // its Read gave up waiting: the pipeline reads them
)

// pipedRead is one statement of a Read, from the queue to its answers.
type pipedRead struct {
	ctx   context.Context
	stmt  statement
	state atomic.Int32
	turn  chan readTurn // its answers are next
	done  chan error    // it has read them: its statement's error or nil
}

// readTurn gives a pipedRead its answers, or the error that left it none.
type readTurn struct {
	br   pgx.BatchResults
	conn *pgxpool.Conn
	err  error
}

// query runs stmt in the next pipeline and returns its rows, which the
// caller must close before its next statement.
func (p *readPipes) query(ctx context.Context, stmt statement) (*pipedRows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &pipedRead{ctx: ctx, stmt: stmt, turn: make(chan readTurn, 1), done: make(chan error, 1)}
	p.submit(r)
	var t readTurn
	select {
	case t = <-r.turn:
	case <-ctx.Done():
		if r.state.CompareAndSwap(readQueued, readAbandoned) {
			return nil, ctx.Err()
		}
		t = <-r.turn // taken meanwhile: its answers are waiting
	}
	if t.err != nil {
		return nil, t.err
	}
	rows, err := t.br.Query()
	if err != nil {
		err = lostRead(err, t.conn)
		r.done <- err
		return nil, err
	}
	return &pipedRows{Rows: rows, read: r, conn: t.conn}, nil
}

// submit queues r, and starts a pipeline if fewer than p.max run.
func (p *readPipes) submit(r *pipedRead) {
	p.mu.Lock()
	p.queue = append(p.queue, r)
	start := p.out < p.max
	if start {
		p.out++
	}
	p.mu.Unlock()
	if start {
		go p.run()
	}
}

// run sends pipelines while statements wait.
func (p *readPipes) run() {
	for {
		batch := p.take()
		if batch == nil {
			return
		}
		p.send(batch)
	}
}

// take takes the statements waiting, up to maxPipelinedReads, but those
// whose Read gave up; nil when there are none, and then the pipeline ends.
func (p *readPipes) take() []*pipedRead {
	p.mu.Lock()
	defer p.mu.Unlock()
	var batch []*pipedRead
	n := 0
	for _, r := range p.queue {
		if len(batch) == maxPipelinedReads {
			break
		}
		n++
		if r.state.Load() != readAbandoned {
			batch = append(batch, r)
		}
	}
	p.queue = append(p.queue[:0:0], p.queue[n:]...)
	if len(batch) == 0 {
		p.out--
	}
	return batch
}

// requeue puts the statements of a pipeline that did not run back at the
// front of the queue.
func (p *readPipes) requeue(rs []*pipedRead) {
	if len(rs) == 0 {
		return
	}
	p.mu.Lock()
	p.queue = append(rs[:len(rs):len(rs)], p.queue...)
	p.mu.Unlock()
}

// send sends batch in one pipeline and gives each statement its answers in
// turn. The first statement that fails ends it: those after it go back to
// the queue. The connection comes under the first statement's context; the
// statements run to their end whatever their Reads' contexts.
func (p *readPipes) send(batch []*pipedRead) {
	first := batch[0]
	conn, err := p.pool.Acquire(first.ctx)
	if err != nil {
		if first.state.CompareAndSwap(readQueued, readTaken) {
			first.turn <- readTurn{err: fmt.Errorf("%w: %w", errReadUnreachable, err)}
		}
		p.requeue(batch[1:])
		return
	}
	defer conn.Release()
	b := &pgx.Batch{}
	for _, r := range batch {
		b.Queue(r.stmt.sql, r.stmt.args...)
	}
	br := conn.SendBatch(context.WithoutCancel(first.ctx), b)
	defer br.Close()
	for i, r := range batch {
		var err error
		if r.state.CompareAndSwap(readQueued, readTaken) {
			r.turn <- readTurn{br: br, conn: conn}
			err = <-r.done
		} else {
			_, err = br.Exec()
		}
		if err != nil {
			p.requeue(batch[i+1:])
			return
		}
	}
}

// pipedRows are the rows of a pipelined statement; closing them hands the
// pipeline on to the next statement.
type pipedRows struct {
	pgx.Rows
	read   *pipedRead
	conn   *pgxpool.Conn
	closed bool
}

func (r *pipedRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.read.done <- r.Err()
}

func (r *pipedRows) Err() error { return lostRead(r.Rows.Err(), r.conn) }

// lostRead marks err, the error of a pipelined read, with errReadConnLost
// when its connection closed.
func lostRead(err error, conn *pgxpool.Conn) error {
	var pe *pgconn.PgError
	if err == nil || errors.As(err, &pe) || !conn.Conn().IsClosed() {
		return err
	}
	return fmt.Errorf("%w: %w", errReadConnLost, err)
}
