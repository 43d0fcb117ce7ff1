package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chatd/chatd/model"
)

// Group commit. Every write that has Sync events takes the row of
// sync_counter and holds it until its COMMIT returns, WAL flush included
// (that is what makes events visible in ID order), so Updates one at a
// time would make a database-wide queue of one flush each. Instead an
// Update joins a group: the Updates waiting when the group forms share one
// transaction, and one COMMIT, one flush, makes them all durable.
//
//   - A group's fns first run one after another with nothing between them.
//     When one fails (or panics) after a statement, which cannot be taken
//     back alone, the transaction is rolled back and the group runs again
//     in a new one, each fn in a subtransaction of its own (SAVEPOINT).
//   - There, a fn that fails (or panics) is rolled back to its savepoint
//     and its caller alone gets the error; the group goes on. A fn that the
//     database refused in a way another attempt may get past (a deadlock, a
//     serialization failure, a record changed since it was read) runs again
//     in place; one that waited too long for a row lock while the group
//     held the counter (see lockTimeout) runs again in the next group.
//   - A connection lost before the COMMIT was sent rolled everything back:
//     the group's fns run again, in a new group. A COMMIT refused by the
//     database runs each fn again alone, so that one bad fn cannot fail
//     the others. A COMMIT whose answer was lost may or may not have
//     happened: every caller in the group gets the error.
//   - The fns of a group of sends (model.Interleaving) run side by side
//     instead, as a wave (wave.go): their appends go out in one round
//     trip. One that fails makes the group run again one fn after
//     another, with savepoints.
//   - Groups form in arrival order, at most maxGroup Updates each, one
//     group of a DB at a time; a group forms as soon as the one before it
//     ends, so a lone Update waits for nobody.
//   - A caller whose context is done before its fn starts leaves the queue
//     with the context's error; once its fn runs, its statements are
//     refused (the fn fails and is rolled back), and it waits for the
//     group's outcome, which does not wait for it. The group's own
//     statements stop only when every caller in it has given up.

// maxGroup bounds the Updates of a group: each may run in a subtransaction,
// and PostgreSQL keeps the IDs of up to 64 subtransactions of a
// transaction where every snapshot finds them fast; beyond that, every
// reader of the database pays (subtransaction overflow).
const maxGroup = 64

// lockTimeout bounds, once a transaction holds the Sync counter, how long
// one of its statements waits for a row lock. The holder of that lock may
// be waiting for the counter itself (a group of another chatd node that
// locked a Channel and then asked for the counter): a deadlock, which
// PostgreSQL would only find after its deadlock_timeout. The fn that waited
// runs again in the next group instead.
const lockTimeout = "20ms"

// groups queues the Updates of a DB.
type groups struct {
	mu      sync.Mutex
	queue   []*call
	leading bool // a goroutine runs groups until the queue is empty
}

// call is one Update waiting for, or in, a group.
type call struct {
	ctx  context.Context
	fn   func(model.Tx) error
	done chan outcome // gets the outcome once
	// work is run by the caller's goroutine while it waits: a wave runs
	// the call's fn there (wave.go).
	work chan func()
	// taken is set, under groups.mu, when a group took the call.
	taken bool
	// deferred counts the groups that left the call to the next one.
	deferred int
}

// outcome is what an Update returns, or the value its fn panicked with.
type outcome struct {
	err      error
	panicked any
}

func (c *call) finish(o outcome) { c.done <- o }

// update runs fn in a group and returns once the group's transaction is
// durable or fn has failed.
func (d *DB) update(ctx context.Context, fn func(model.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &call{ctx: ctx, fn: fn, done: make(chan outcome, 1), work: make(chan func(), 1)}
	g := &d.groups
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if !g.leading {
		g.leading = true
		go d.lead()
	}
	g.mu.Unlock()
	o, withdrawn := c.wait(ctx, g)
	if withdrawn {
		return ctx.Err()
	}
	if o.panicked != nil {
		panic(o.panicked)
	}
	return o.err
}

// wait waits for c's outcome, running the work a group gives it, or until
// ctx is done while c waits in the queue: then c leaves the queue.
func (c *call) wait(ctx context.Context, g *groups) (o outcome, withdrawn bool) {
	cancel := ctx.Done()
	for {
		select {
		case o = <-c.done:
			return o, false
		case run := <-c.work:
			run()
		case <-cancel:
			if g.withdraw(c) {
				return o, true
			}
			cancel = nil // in a group: its outcome comes
		}
	}
}

// withdraw takes c out of the queue, unless a group took it already.
func (g *groups) withdraw(c *call) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.taken {
		return false
	}
	g.queue = slices.DeleteFunc(g.queue, func(q *call) bool { return q == c })
	return true
}

// next takes the next group's calls from the queue; none when it is empty,
// and then the leading goroutine ends.
func (g *groups) next() []*call {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := min(len(g.queue), maxGroup)
	if n == 0 {
		g.leading = false
		return nil
	}
	calls := slices.Clone(g.queue[:n])
	g.queue = slices.Delete(g.queue, 0, n)
	for _, c := range calls {
		c.taken = true
	}
	return calls
}

// requeue puts calls at the head of the queue, for the next group.
func (g *groups) requeue(calls []*call) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.queue = append(slices.Clone(calls), g.queue...)
	for _, c := range calls {
		c.taken = false
	}
}

// lead runs groups while Updates wait.
func (d *DB) lead() {
	for {
		calls := d.groups.next()
		if calls == nil {
			return
		}
		d.runGroup(calls, 1)
	}
}

// runGroup runs calls as one group, and again while the database refuses
// the group in a way another attempt may get past.
func (d *DB) runGroup(calls []*call, attempt int) {
	ctx, stop := groupContext(calls)
	defer stop()
	r := d.tryGroup(ctx, calls)
	switch {
	case len(r.solo) > 0:
		for _, c := range r.solo {
			d.runGroup([]*call{c}, attempt)
		}
	case len(r.again) > 0 && attempt < maxAttempts:
		// Back off a little, at random, as the Update that deadlocked
		// should not meet the other one again.
		time.Sleep(time.Duration(rand.Int64N(int64(attempt) * int64(time.Millisecond))))
		d.runGroup(r.again, attempt+1)
	default:
		for _, c := range r.again {
			c.finish(outcome{err: r.err})
		}
	}
	if len(r.later) > 0 {
		d.groups.requeue(r.later)
	}
}

// groupContext is the context of a group's statements: done once every
// caller's is.
func groupContext(calls []*call) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var left atomic.Int32
	left.Store(int32(len(calls)))
	stops := make([]func() bool, len(calls))
	for i, c := range calls {
		stops[i] = context.AfterFunc(c.ctx, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		})
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}

// interruptOn makes the deadline of nc pass once ctx is done, until the
// function it returns is called, which takes back the deadline it set.
func interruptOn(ctx context.Context, nc net.Conn) (end func()) {
	var (
		mu         sync.Mutex
		ended, set bool
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !ended {
			nc.SetDeadline(time.Now())
			set = true
		}
	})
	return func() {
		stop()
		mu.Lock()
		defer mu.Unlock()
		ended = true
		if set {
			nc.SetDeadline(time.Time{})
		}
	}
}

// groupResult is what became of a group's calls that did not get their
// outcome: those to run again as a group (err: why, for when no attempt is
// left), again each alone, or in the next group.
type groupResult struct {
	again []*call
	err   error
	solo  []*call
	later []*call
}

// tryGroup runs calls in one transaction and gives each call whose outcome
// is known its outcome.
func (d *DB) tryGroup(ctx context.Context, calls []*call) groupResult {
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		err = d.unreachable(ctx, err)
		for _, c := range calls {
			c.finish(outcome{err: err})
		}
		return groupResult{}
	}
	defer conn.Release()
	// The statements run under a context that is never done: pgx watches a
	// context that can be with a goroutine of its own for each statement,
	// which would cost each fn of the group two goroutine switches. The
	// group's context interrupts them instead, as pgx would: the
	// connection's deadline passes and the statement under way fails (pgx
	// then closes the connection). Once the group is over, a deadline that
	// interrupted nothing is taken back.
	defer interruptOn(ctx, conn.Conn().PgConn().Conn())()
	return d.tryGroupOn(context.WithoutCancel(ctx), conn, calls, false)
}

// tryGroupOn runs calls in one transaction on conn, each fn in a savepoint
// of its own when savepoints is set. Without, a fn that fails after its
// first statement cannot be taken back alone: the transaction is rolled
// back, and the group's calls whose outcome is not known yet run again in
// a new one, with savepoints. Most groups have no such fn and spare the
// two statements of each fn's savepoint.
func (d *DB) tryGroupOn(ctx context.Context, conn *pgxpool.Conn, calls []*call, savepoints bool) groupResult {
	tc := newTxConn(conn, beginUpdate, nil)
	g := &groupTx{conn: tc, now: d.now().UTC(), savepoints: savepoints}
	if !savepoints && len(calls) > 1 && interleaving(calls) {
		ok, failed := g.wave(ctx, calls)
		if failed {
			tc.rollback(context.WithoutCancel(ctx))
			if tc.conn.Conn().IsClosed() {
				return groupResult{again: ok, err: d.lostGroup(errors.New("postgres: the connection was lost"))}
			}
			return d.tryGroupOn(ctx, conn, ok, true)
		}
		return d.commitGroup(ctx, g, ok, nil)
	}
	var ok, later []*call
	for i, c := range calls {
		if err := c.ctx.Err(); err != nil {
			c.finish(outcome{err: err})
			continue
		}
		o, again := g.run(ctx, c, i == len(calls)-1)
		if g.restart && g.broken == nil {
			tc.rollback(context.WithoutCancel(ctx))
			if tc.conn.Conn().IsClosed() {
				return groupResult{again: slices.Concat(ok, calls[i:]), err: d.lostGroup(errors.New("postgres: the connection was lost")), later: later}
			}
			r := d.tryGroupOn(ctx, conn, slices.Concat(ok, calls[i:]), true)
			r.later = append(later, r.later...)
			return r
		}
		switch {
		case g.broken != nil:
			// The connection is gone, and the transaction with it.
			tc.conn.Conn().Close(context.WithoutCancel(ctx))
			return groupResult{again: slices.Concat(ok, calls[i:]), err: d.lostGroup(g.broken), later: later}
		case again && c.deferred < maxAttempts:
			c.deferred++
			later = append(later, c)
		case o.err == nil && o.panicked == nil:
			ok = append(ok, c)
		default:
			c.finish(o)
		}
	}
	return d.commitGroup(ctx, g, ok, later)
}

// interleaving reports whether the fns of calls may interleave.
func interleaving(calls []*call) bool {
	for _, c := range calls {
		if !model.Interleaves(c.ctx) {
			return false
		}
	}
	return true
}

// wave runs the fns of calls as a wave (wave.go). It returns the calls
// whose fns succeeded, and failed when a fn failed: the transaction is to
// be rolled back, and ok then holds every call to run again. A call whose
// context was done before the wave gets its outcome.
func (g *groupTx) wave(ctx context.Context, calls []*call) (ok []*call, failed bool) {
	live := make([]*call, 0, len(calls))
	for _, c := range calls {
		if err := c.ctx.Err(); err != nil {
			c.finish(outcome{err: err})
			continue
		}
		live = append(live, c)
	}
	for _, f := range g.runWave(ctx, live) {
		if f.out.err != nil || f.out.panicked != nil {
			failed = true
		}
		g.hints.merge(&f.tx.hints)
	}
	if !failed && g.settleWave() != nil {
		failed = true // a draft failed to render: one fn after another shows whose
	}
	return live, failed
}

// commitGroup commits the group's transaction, that of the calls ok, and
// gives each its outcome; later go to the next group.
func (d *DB) commitGroup(ctx context.Context, g *groupTx, ok, later []*call) groupResult {
	tc := g.conn
	tc.caller = ctx // the group's statements now, whichever caller gave up
	if len(ok) == 0 {
		tc.rollback(context.WithoutCancel(ctx))
		return groupResult{later: later}
	}
	if tc.conn.Conn().IsClosed() {
		// Lost before the COMMIT went out: nothing happened.
		return groupResult{again: ok, err: d.lostGroup(errors.New("postgres: the connection was lost")), later: later}
	}
	err := g.takeCounter(ctx)
	var trims []statement
	if err == nil {
		trims, err = g.writeSync(ctx)
	}
	if err != nil {
		if tc.conn.Conn().IsClosed() {
			return groupResult{again: ok, err: d.lostGroup(err), later: later}
		}
		// Refused before the COMMIT: nothing of the group happened.
		tc.rollback(context.WithoutCancel(ctx))
		return refused(ok, later, syncRefused(err))
	}
	if g.ids.last != g.ids.stored {
		// The reservations of the group's fns, written back once. The ID is
		// an argument: a statement whose text is the same in every group is
		// prepared once on a connection, where one of its own would cost a
		// round trip to prepare it before the COMMIT's.
		trims = append(trims, statement{`update sync_counter set last_id = $1`, []any{g.ids.last}})
	}
	err = tc.commit(ctx, trims...)
	var pe *pgconn.PgError
	switch {
	case err == nil:
		d.notifier.add(&g.hints) // the other nodes hear of it (hints.go)
		for _, c := range ok {
			c.finish(outcome{})
		}
		return groupResult{later: later}
	case errors.Is(err, errCommitRolledBack), errors.As(err, &pe) && pe.Severity != "FATAL" && pe.Severity != "PANIC":
		// Refused: nothing of the group happened.
		return refused(ok, later, fmt.Errorf("postgres: commit: %w", err))
	default:
		// The answer was lost, or the server ended the session (a FATAL
		// error: the database shutting down): whether the COMMIT happened
		// is unknown.
		err = d.lostGroup(fmt.Errorf("postgres: commit: %w", err))
		for _, c := range ok {
			c.finish(outcome{err: err})
		}
		return groupResult{later: later}
	}
}

// refused is what becomes of the calls ok of a group that the database
// refused with err, nothing of it having happened: each runs again alone,
// so that one bad fn cannot fail the others; all run again as a group when
// another attempt may get past err; a call alone gets err.
func refused(ok, later []*call, err error) groupResult {
	switch {
	case isRetryable(err):
		return groupResult{again: ok, err: err, later: later}
	case len(ok) > 1:
		return groupResult{solo: ok, later: later}
	}
	for _, c := range ok {
		c.finish(outcome{err: err})
	}
	return groupResult{later: later}
}

// groupTx is the shared transaction of a group.
type groupTx struct {
	conn *txConn
	now  time.Time
	// ids is what the group reserved of the Sync event IDs.
	ids counterState
	// broken is why the connection failed, when it did.
	broken error
	// hints gathers those of the fns that succeeded, for the other nodes.
	hints hintSet
	// sync holds the Sync events of the fns that succeeded so far, in ID
	// order, written before the COMMIT (sync_stage.go).
	sync []stagedEvent
	// savepoints is set when each fn runs in a savepoint of its own.
	savepoints bool
	// restart is set, without savepoints, when a fn failed after a
	// statement: the transaction has to go.
	restart bool
}

// counterState is a group's hold of the row of sync_counter.
type counterState struct {
	held   bool  // the transaction holds the row
	first  int64 // the first ID reserved
	last   int64 // the last ID reserved
	stored int64 // the row's last_id as the transaction wrote it
}

// takeCounter takes the row of sync_counter for the drafts staged, in a
// round trip of its own, when none of the group's fns took it: the drafts
// get their IDs and payloads.
func (g *groupTx) takeCounter(ctx context.Context) error {
	if g.ids.held || len(g.sync) == 0 {
		return nil
	}
	var last int64
	if err := g.conn.QueryRow(ctx, takeCounterQuery, len(g.sync)).Scan(&last); err != nil {
		return err
	}
	first := last - int64(len(g.sync)) + 1
	g.ids = counterState{held: true, first: first, last: last, stored: last}
	return g.render(first)
}

// savepoint names the subtransaction of each fn in a group.
const savepoint = "u"

// run runs c's fn in a subtransaction, again in place while the database
// refuses it in a way another attempt may get past. again reports that it
// should run in the next group; g.broken that the connection failed.
func (g *groupTx) run(ctx context.Context, c *call, last bool) (o outcome, again bool) {
	for attempt := 1; ; attempt++ {
		t, o := g.runOnce(ctx, c, last)
		if g.broken != nil || g.restart || o.err == nil || o.panicked != nil {
			return o, false
		}
		if t.lockWaited {
			return o, true
		}
		if !t.retry || attempt == maxAttempts || c.ctx.Err() != nil {
			return o, false
		}
	}
}

// runOnce runs c's fn once, in a subtransaction when the group has
// savepoints: released when it returns nil, rolled back otherwise. Without,
// a fn that fails after a statement sets g.restart.
func (g *groupTx) runOnce(ctx context.Context, c *call, last bool) (t *tx, o outcome) {
	tc := g.conn
	tc.caller = c.ctx
	if g.savepoints {
		tc.pending = append(tc.pending, "savepoint "+savepoint)
	}
	ids, staged, sent := g.ids, len(g.sync), tc.sent
	t = &tx{ctx: ctx, db: tc, now: g.now, writable: true, group: g, last: last}
	func() {
		defer func() {
			if p := recover(); p != nil {
				o = outcome{panicked: p}
			}
		}()
		o.err = c.fn(t)
	}()
	failed := o.err != nil || o.panicked != nil
	if !failed {
		g.hints.merge(&t.hints)
	} else {
		// What the fn reserved and staged goes with it. When it took
		// the counter, the drafts before it get their IDs again when the
		// group takes it.
		g.ids, g.sync = ids, g.sync[:staged]
	}
	switch {
	case tc.sent == sent:
		// The fn ran no statement: nothing to take back.
		if g.savepoints {
			tc.pending = tc.pending[:len(tc.pending)-1]
		}
		return t, o
	case !failed:
		if g.savepoints {
			tc.pending = append(tc.pending, "release "+savepoint)
		}
		return t, o
	case !g.savepoints:
		g.restart = true
		return t, o
	}
	// What the fn did goes, with the row locks it took (the counter's
	// too, when this fn took it) and the statements it left pending.
	tc.pending = tc.pending[:0]
	if _, err := tc.conn.Exec(ctx, "rollback to "+savepoint+"; release "+savepoint); err != nil {
		g.broken = fmt.Errorf("postgres: %w", err)
	}
	return t, o
}
