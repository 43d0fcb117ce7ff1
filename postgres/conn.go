package postgres

import (
	"cmp"
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// txConn is the connection of one transaction. Its BEGIN does not go out
// alone: it goes with the transaction's first statement, in one round trip
// (a pipeline), which spares a send one of its four. A transaction that
// runs no statement sends neither BEGIN nor COMMIT.
type txConn struct {
	conn  *pgxpool.Conn
	begin string // the BEGIN statement
	begun bool   // it has been sent
}

// errCommitRolledBack is a COMMIT that PostgreSQL answered with ROLLBACK:
// the transaction had failed.
var errCommitRolledBack = errors.New("postgres: the transaction was rolled back")

// sendFirst sends BEGIN and the first statement together, reads BEGIN's
// answer, and returns the results at the statement's.
func (c *txConn) sendFirst(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(c.begin)
	b.Queue(sql, args...)
	br := c.conn.SendBatch(ctx, b)
	c.begun = true
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	return br, nil
}

func (c *txConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if c.begun {
		return c.conn.Exec(ctx, sql, args...)
	}
	br, err := c.sendFirst(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, cmp.Or(err, br.Close())
}

func (c *txConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if c.begun {
		return c.conn.Query(ctx, sql, args...)
	}
	br, err := c.sendFirst(ctx, sql, args)
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

// commit commits the transaction, if it began.
func (c *txConn) commit(ctx context.Context) error {
	if !c.begun {
		return nil
	}
	tag, err := c.conn.Exec(ctx, "commit")
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
