// Package postgres is chatd's Store on PostgreSQL: model.Store over a pgx
// connection pool, for deployments that keep chatd's data in a database
// whose own replication gives high availability, and that several chatd
// nodes can share. It knows the tables (migrations/), keys and
// constraints, and keeps the derived counts the seam declares; Twilio's
// rules live above it in package chat.
//
// The hard rules map onto the database: a Channel's message indexes are
// allocated by bumping its row in the statement that inserts the Message,
// whose row lock, held to the commit, makes indexes dense and visible in
// the order they were given; unique names and identities are unique
// constraints, whose violation (23505, named) is a *model.TakenError;
// counters move by deltas in the statement that changes what they count;
// cascades are foreign keys ON DELETE CASCADE, but for Messages, which a
// delete takes in a statement of its own (channel.go). Transactions are READ
// COMMITTED, with row locks or checks where a rule reads and then writes
// (see tx); a deadlock, a serialization failure or a failed check runs the
// Update's fn again, which the seam allows. Views are REPEATABLE READ, READ
// ONLY: one snapshot.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chatd/chatd/model"
)

// DefaultPoolSize is how many connections a DB opens at most when its
// connection string does not say (pool_max_conns). Every transaction in
// flight holds one; those waiting to commit share the fsync of the WAL, so
// more of them in flight is more throughput, up to the database's
// max_connections shared by every node.
const DefaultPoolSize = 32

// planCacheMode is the plan_cache_mode of chatd's sessions, unless the
// connection string sets one: every statement is prepared once a
// connection and then runs its generic plan, planned once. Left to choose,
// PostgreSQL plans a statement anew at each run (a custom plan) whenever
// that looks cheaper, which it does for a key the statistics have not seen:
// a Service created since the last ANALYZE is taken to have no rows, and a
// page read then paid for its planning and looked its Channel up through
// any index that starts with service_sid, reading every Channel of the
// Service. chatd's statements look rows up by key, for which the generic
// plan is the plan.
const planCacheMode = "force_generic_plan"

// maxAttempts bounds how many times an Update or View runs its fn when the
// database keeps refusing it (deadlocks, serialization failures).
const maxAttempts = 10

// Options configure Open.
type Options struct {
	// Now is the clock of every transaction; time.Now when nil.
	Now func() time.Time
	// Logger hears of migrations of the schema and of the database being
	// unreachable; nothing is logged when nil.
	Logger *slog.Logger
}

// DB is a model.Store on a PostgreSQL database, and a model.SharedStore:
// several chatd processes can run on one database (node.go).
type DB struct {
	pool   *pgxpool.Pool
	now    func() time.Time
	log    *slog.Logger
	outage outage

	// Of the nodes of the database: this process's ID among them, the
	// channel of their hints, the settings of a node's own connection,
	// and what sends this node's hints.
	node       string
	channel    string
	connConfig *pgx.ConnConfig
	notifier   *notifier

	groups groups    // the Updates waiting for a group
	reads  readPipes // the statements of Reads waiting for a pipeline
}

var _ model.Store = (*DB)(nil)

// IsURL reports whether db names a PostgreSQL database (a postgres:// or
// postgresql:// URL) rather than a bbolt file.
func IsURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Open connects to the database of the connection string dsn (a URL or
// key=value pairs, as libpq takes them, plus pgx's pool_* settings) and
// brings its schema up to date. The tables live in the first schema of
// the search_path (search_path=… in the string chooses one).
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = DefaultPoolSize
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = planCacheMode
	}
	ms, err := embeddedMigrations()
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if _, _, err := migrate(ctx, pool, ms, log); err != nil {
		pool.Close()
		return nil, err
	}
	d := &DB{pool: pool, now: opts.Now, log: log, outage: outage{log: log}, reads: readPipes{pool: pool, max: readPipelines()}}
	if err := d.initNode(ctx, cfg.ConnConfig); err != nil {
		pool.Close()
		return nil, err
	}
	return d, nil
}

// Engine names the store: "postgres".
func (d *DB) Engine() string { return "postgres" }

// Close closes the pool's connections, waiting for those in use; hints
// not sent yet are dropped.
func (d *DB) Close() error {
	d.notifier.close()
	d.pool.Close()
	return nil
}

// The BEGIN statements of a View and of an Update.
const (
	beginView   = "begin isolation level repeatable read read only"
	beginUpdate = "begin isolation level read committed"
)

// View runs fn in a read-only transaction on one snapshot.
func (d *DB) View(ctx context.Context, fn func(model.Tx) error) error {
	return d.run(ctx, beginView, fn)
}

// Read runs fn with no transaction around it: each of its statements runs
// on its own, sees what was committed when it started, and goes out in a
// pipeline shared with the statements of other Reads (readpipe.go), without
// BEGIN and COMMIT. Its writes are refused.
func (d *DB) Read(ctx context.Context, fn func(model.Tx) error) error {
	return d.run(ctx, "", fn)
}

// Update runs fn in a READ COMMITTED transaction, which it may share with
// other Updates (group.go), and commits it; with synchronous_commit on
// (PostgreSQL's default), the commit returns once the transaction is on
// disk. fn runs again after a deadlock or a serialization failure, or when
// its group has to run again.
func (d *DB) Update(ctx context.Context, fn func(model.Tx) error) error {
	return d.update(ctx, fn)
}

// run runs fn in a transaction that begins with begin (none when ""),
// again while the database refuses it in a way that a new attempt may get
// past.
func (d *DB) run(ctx context.Context, begin string, fn func(model.Tx) error) error {
	for attempt := 1; ; attempt++ {
		retry, err := d.attempt(ctx, begin, fn)
		if !retry || attempt == maxAttempts {
			return err
		}
		// Back off a little, at random, so that the transactions that
		// deadlocked do not meet again.
		wait := time.Duration(rand.Int64N(int64(attempt) * int64(time.Millisecond)))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// attempt runs fn once in a transaction that begins with begin (none when
// ""): committed when fn returns nil,
// rolled back otherwise. retry reports that the database refused the
// attempt in a way worth another.
func (d *DB) attempt(ctx context.Context, begin string, fn func(model.Tx) error) (retry bool, err error) {
	if begin == "" {
		return d.readAttempt(ctx, fn)
	}
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return false, d.unreachable(ctx, err)
	}
	defer conn.Release()
	c := newTxConn(conn, begin, ctx)
	t := &tx{ctx: ctx, db: c, now: d.now().UTC(), writable: begin == beginUpdate, readOnly: begin == ""}
	defer t.releasePeeked() // once fn has returned
	ended := false
	defer func() { retry, err = d.lost(ctx, conn, ended, retry, err) }()
	defer func() {
		if !ended {
			// Rolled back even when ctx is done (or fn panicked), or the
			// connection would go back to the pool mid-transaction.
			c.rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(t); err != nil {
		return t.retry, err
	}
	ended = true // COMMIT ends the transaction, one way or the other
	if err := c.commit(ctx); err != nil {
		return isRetryable(err), fmt.Errorf("postgres: commit: %w", err)
	}
	d.notifier.add(&t.hints) // the other nodes hear of it (hints.go)
	return false, nil
}

// readAttempt runs fn once as a Read: its statements go out in the
// pipelines of reads (readpipe.go), with no connection of its own.
func (d *DB) readAttempt(ctx context.Context, fn func(model.Tx) error) (retry bool, err error) {
	c := &txConn{caller: ctx, reads: &d.reads}
	t := &tx{ctx: ctx, db: c, now: d.now().UTC(), readOnly: true}
	defer t.releasePeeked() // once fn has returned
	defer c.closeOpen()
	err = fn(t)
	if errors.Is(err, errReadUnreachable) {
		return false, d.unreachable(ctx, err)
	}
	return d.lost(ctx, nil, false, t.retry, err)
}
