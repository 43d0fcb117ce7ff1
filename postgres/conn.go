package postgres

import (
	"cmp"
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// txConn is the connection of one transaction. Statements without
// arguments that only steer the transaction (BEGIN, SAVEPOINT, RELEASE) do
// not go out alone: they wait in pending and go with the transaction's
// next statement, or its COMMIT, in one round trip (a pipeline), which
// spares a send a round trip for each. A transaction that runs no
// statement sends neither BEGIN nor COMMIT.
type txConn struct {
	conn    *pgxpool.Conn
	pending []string // steering statements not sent yet, BEGIN first
	begun   bool     // BEGIN has been sent
	sent    int      // how many times statements were sent
	// caller is the context of the Update or View whose fn runs: once it is
	// done, statements are refused, while the transaction, which a group of
	// Updates shares, goes on under the context its statements are given.
	caller context.Context
	// wave is set on the connection of a fn of a wave (wave.go): its
	// statements wait for the wave's next pipeline.
	wave *waveFn
	// reads is set, and conn nil, in a Read: its statements go out in the
	// pipelines of reads (readpipe.go). open are the rows of its last
	// statement, which the Read closes if fn did not.
	reads *readPipes
	open  *pipedRows
}

// newTxConn is the connection of a transaction that begins with begin;
// with begin "", of statements that each run on their own.
func newTxConn(conn *pgxpool.Conn, begin string, caller context.Context) *txConn {
	c := &txConn{conn: conn, caller: caller}
	if begin != "" {
		c.pending = []string{begin}
	}
	return c
}

// errCommitRolledBack is a COMMIT that PostgreSQL answered with ROLLBACK:
// the transaction had failed.
var errCommitRolledBack = errors.New("postgres: the transaction was rolled back")

// statement is a statement with its arguments.
type statement struct {
	sql  string
	args []any
}

// send sends the pending statements and stmts together, reads the pending
// statements' answers, and returns the results at the first of stmts'.
// Each statement of the pipeline runs once the one before it has, on its
// own snapshot under READ COMMITTED, as if sent alone.
func (c *txConn) send(ctx context.Context, stmts ...statement) (pgx.BatchResults, error) {
	if err := c.caller.Err(); err != nil {
		return nil, err
	}
	if c.reads != nil {
		return nil, errReadOnly
	}
	c.sent++
	b := &pgx.Batch{}
	for _, p := range c.pending {
		b.Queue(p)
	}
	n := len(c.pending)
	c.pending, c.begun = c.pending[:0], c.begun || n > 0
	for _, s := range stmts {
		b.Queue(s.sql, s.args...)
	}
	var br pgx.BatchResults
	if c.wave != nil {
		br = c.wave.roundTrip(b)
	} else {
		br = c.conn.SendBatch(ctx, b)
	}
	for range n {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, err
		}
	}
	return br, nil
}

func (c *txConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if c.reads != nil {
		rows, err := c.Query(ctx, sql, args...)
		if err != nil {
			return pgconn.CommandTag{}, err
		}
		rows.Close()
		return rows.CommandTag(), rows.Err()
	}
	if len(c.pending) == 0 && c.wave == nil {
		if err := c.caller.Err(); err != nil {
			return pgconn.CommandTag{}, err
		}
		c.sent++
		return c.conn.Exec(ctx, sql, args...)
	}
	br, err := c.send(ctx, statement{sql, args})
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, cmp.Or(err, br.Close())
}

func (c *txConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if c.reads != nil {
		c.closeOpen()
		c.sent++
		rows, err := c.reads.query(ctx, statement{sql, args})
		if err != nil {
			return nil, err
		}
		c.open = rows
		return rows, nil
	}
	if len(c.pending) == 0 && c.wave == nil {
		if err := c.caller.Err(); err != nil {
			return nil, err
		}
		c.sent++
		return c.conn.Query(ctx, sql, args...)
	}
	br, err := c.send(ctx, statement{sql, args})
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (c *txConn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := c.Query(ctx, sql, args...)
	return firstRow{rows, err}
}

// closeOpen closes the rows of a Read's last statement, if fn left them
// open, so that the pipeline they hold goes on.
func (c *txConn) closeOpen() {
	if c.open != nil {
		c.open.Close()
		c.open = nil
	}
}

// commit commits the transaction, if it began, with the pending
// statements and then stmts before the COMMIT in its round trip.
func (c *txConn) commit(ctx context.Context, stmts ...statement) error {
	if !c.begun {
		return nil
	}
	b := &pgx.Batch{}
	for _, p := range c.pending {
		b.Queue(p)
	}
	for _, s := range stmts {
		b.Queue(s.sql, s.args...)
	}
	n := len(c.pending) + len(stmts)
	c.pending = nil
	b.Queue("commit")
	br := c.conn.SendBatch(ctx, b)
	var err error
	for range n {
		if _, err = br.Exec(); err != nil {
			break
		}
	}
	var tag pgconn.CommandTag
	if err == nil {
		tag, err = br.Exec()
	}
	err = cmp.Or(err, br.Close())
	if err != nil {
		if c.conn.Conn().PgConn().TxStatus() != 'I' {
			c.conn.Conn().Close(ctx) // in a transaction still: the pool drops it
		}
		return err
	}
	if tag.String() == "ROLLBACK" {
		return errCommitRolledBack
	}
	return nil
}

// rollback rolls the transaction back, if it began; a connection that
// cannot say so is closed, so that the pool drops it.
func (c *txConn) rollback(ctx context.Context) {
	if !c.begun {
		return
	}
	if _, err := c.conn.Exec(ctx, "rollback"); err != nil {
		c.conn.Conn().Close(ctx)
	}
}

// batchRows are the rows of a pipelined first statement: closing them
// closes the pipeline's results too.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.err, r.br = r.br.Close(), nil
	}
}

func (r *batchRows) Err() error { return cmp.Or(r.Rows.Err(), r.err) }

// firstRow is the first row of a query's rows, as pgx.Row: ErrNoRows when
// there is none.
type firstRow struct {
	rows pgx.Rows
	err  error
}

func (r firstRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		return cmp.Or(r.rows.Err(), pgx.ErrNoRows)
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
