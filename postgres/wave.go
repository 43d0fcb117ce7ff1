package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Waves. The fns of a group run one after another, each waiting for the
// answers to its statements before it goes on: a round trip each, in
// which the database and chatd take turns. The fns of Updates that may
// interleave (model.Interleaving: sends) need not wait for each other. A
// wave runs them side by side, as goroutines that take turns, one at a
// time: once each of them waits for answers, or has returned, the
// statements they wait on go out in one pipeline, in the group's order,
// and each gets its answers in turn. A group of k sends then makes one
// round trip for their appends where it made k.
//
// Their statements interleave in the transaction, round by round. A fn
// that fails after a statement fails the wave: the transaction is rolled
// back and the group runs again without one, each fn in a savepoint.
//
// Their Sync events are drafts that wait for the wave's end, and then get
// their IDs in the order of the appends they describe (settleWave), not in
// the order the fns staged them: a fn with more statements after its
// append than another's stages later.

// wave runs the fns of a group's calls side by side, each on the
// goroutine of its caller, which waits for the group anyway and whose
// stack has grown already.
type wave struct {
	g      *groupTx
	ctx    context.Context
	turns  chan waveTurn // a fn's turn ended
	fns    []*waveFn
	closed bool // a pipeline failed to go out: every later send fails
}

// waveFn is one fn of a wave.
type waveFn struct {
	w      *wave
	i      int
	resume chan pgx.BatchResults // the answers it waits on; nil to start
	conn   *txConn               // its view of the group's connection
	tx     *tx
	out    outcome
}

// waveTurn ends a fn's turn: it waits on the statements of batch, or it
// returned (batch nil).
type waveTurn struct {
	fn    *waveFn
	batch *pgx.Batch
}

// errWaveBroken answers the statements of a wave after its connection
// failed.
var errWaveBroken = errors.New("postgres: the group's pipeline failed")

// runWave runs the fns of calls as a wave on the group's transaction and
// returns them, each with its outcome and transaction.
func (g *groupTx) runWave(ctx context.Context, calls []*call) []*waveFn {
	w := &wave{g: g, ctx: ctx, turns: make(chan waveTurn)}
	for i, c := range calls {
		f := &waveFn{w: w, i: i, resume: make(chan pgx.BatchResults)}
		f.conn = &txConn{conn: g.conn.conn, caller: c.ctx, wave: f}
		f.tx = &tx{ctx: ctx, db: f.conn, now: g.now, writable: true, group: g, last: i == len(calls)-1}
		w.fns = append(w.fns, f)
		c.work <- func() { f.run(c) }
	}
	var waiting []waveTurn
	for _, f := range w.fns {
		if t := w.turn(f, nil); t.batch != nil {
			waiting = append(waiting, t)
		}
	}
	for len(waiting) > 0 {
		waiting = w.round(waiting)
	}
	// Steering statements a fn left (the lock timeout of the counter's
	// holder) go with the group's next statement.
	for _, f := range w.fns {
		g.conn.pending = append(g.conn.pending, f.conn.pending...)
	}
	return w.fns
}

// settleWave gives the drafts of a successful wave their IDs and payloads,
// when the group holds the counter (else the group does so before its
// COMMIT), in the order of the appends that made them: by round, then by
// the fns' order in the group, each fn's in the order it staged them. A
// draft describes its object as its fn's append left it, so an object's
// events follow its changes.
func (g *groupTx) settleWave() error {
	slices.SortStableFunc(g.sync, func(a, b stagedEvent) int {
		return cmp.Or(cmp.Compare(a.round, b.round), cmp.Compare(a.fn, b.fn))
	})
	if !g.ids.held || len(g.sync) == 0 {
		return nil
	}
	first := g.ids.last + 1
	if err := g.render(first); err != nil {
		return err
	}
	g.ids.last = first + int64(len(g.sync)) - 1
	return nil
}

// run runs c's fn in its turns.
func (f *waveFn) run(c *call) {
	<-f.resume
	defer func() {
		if p := recover(); p != nil {
			f.out = outcome{panicked: p}
		}
		f.w.turns <- waveTurn{fn: f}
	}()
	f.out.err = c.fn(f.tx)
}

// turn gives f its turn, with the answers it waits on, and returns once
// the turn ends.
func (w *wave) turn(f *waveFn, answers pgx.BatchResults) waveTurn {
	f.resume <- answers
	return <-w.turns
}

// roundTrip ends f's turn waiting on batch, and returns its answers.
func (f *waveFn) roundTrip(batch *pgx.Batch) pgx.BatchResults {
	f.w.turns <- waveTurn{fn: f, batch: batch}
	return <-f.resume
}

// round sends the statements waiting, after the group's steering ones,
// in one pipeline, and gives each fn its answers in turn. It returns the
// turns that ended waiting on statements again.
func (w *wave) round(waiting []waveTurn) []waveTurn {
	tc := w.g.conn
	b := &pgx.Batch{}
	for _, p := range tc.pending {
		b.Queue(p)
	}
	steering := len(tc.pending)
	tc.pending, tc.begun = tc.pending[:0], tc.begun || steering > 0
	for _, t := range waiting {
		for _, q := range t.batch.QueuedQueries {
			b.Queue(q.SQL, q.Arguments...)
		}
	}
	tc.sent++
	var br pgx.BatchResults
	var err error
	if w.closed {
		err = errWaveBroken
	} else {
		br = tc.conn.SendBatch(w.ctx, b)
		for range steering {
			if _, err = br.Exec(); err != nil {
				break
			}
		}
	}
	var next []waveTurn
	for _, t := range waiting {
		var nt waveTurn
		if err != nil {
			nt = w.turn(t.fn, failedResults{fmt.Errorf("postgres: %w", err)})
		} else {
			view := &waveResults{br: br, left: len(t.batch.QueuedQueries)}
			nt = w.turn(t.fn, view)
			view.Close() // what the fn left unread
		}
		if nt.batch != nil {
			next = append(next, nt)
		}
	}
	if br != nil {
		if cerr := br.Close(); cerr != nil && tc.conn.Conn().IsClosed() {
			w.closed = true
		}
	}
	if err != nil {
		w.closed = true
	}
	return next
}

// waveResults are a fn's answers among those of a round's pipeline: left
// of them are still to be read.
type waveResults struct {
	br   pgx.BatchResults
	left int
	err  error // the first error Close met
}

func (r *waveResults) Exec() (pgconn.CommandTag, error) {
	if r.left == 0 {
		return pgconn.CommandTag{}, errors.New("postgres: no more answers in the pipeline")
	}
	r.left--
	return r.br.Exec()
}

func (r *waveResults) Query() (pgx.Rows, error) {
	if r.left == 0 {
		return nil, errors.New("postgres: no more answers in the pipeline")
	}
	r.left--
	return r.br.Query()
}

func (r *waveResults) QueryRow() pgx.Row {
	rows, err := r.Query()
	return firstRow{rows, err}
}

// Close reads the answers left, as pgx's Close does, and returns the
// first error among them.
func (r *waveResults) Close() error {
	for r.left > 0 {
		r.left--
		if _, err := r.br.Exec(); err != nil && r.err == nil {
			r.err = err
		}
	}
	return r.err
}

// failedResults answer every statement with err.
type failedResults struct{ err error }

func (r failedResults) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, r.err }
func (r failedResults) Query() (pgx.Rows, error)         { return nil, r.err }
func (r failedResults) QueryRow() pgx.Row                { return firstRow{nil, r.err} }
func (r failedResults) Close() error                     { return r.err }
