package postgres

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/model"
)

// A node of the database is a process that joined it (Join): it holds a
// connection of its own, on which it listens to the other nodes' hints
// and holds, shared, the advisory lock nodesLock for as long as it is a
// node. A process that takes that lock alone, exclusively, knows no other
// node is running; the lock goes with the connection, so a node that dies
// lets go of it.

// nodesLock is the advisory lock key of the nodes of the chatd database in
// the current schema, in SQL.
const nodesLock = `hashtextextended('chatd nodes ' || current_schema(), 0)`

// Back-off of a node whose connection dropped, between its attempts to
// connect again.
const (
	reconnectFirst = 100 * time.Millisecond
	reconnectMax   = 5 * time.Second
)

var _ model.SharedStore = (*DB)(nil)

// initNode readies d to be a node: a new ID, the hints' channel of its
// schema, the settings of its connection (those of cfg), and the notifier
// of its hints.
func (d *DB) initNode(ctx context.Context, cfg *pgx.ConnConfig) error {
	var schema string
	if err := d.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	b := make([]byte, 8)
	crand.Read(b)
	d.node, d.channel, d.connConfig = hex.EncodeToString(b), hintChannel(schema), cfg
	d.notifier = newNotifier(d.node, notify(d.pool, d.channel), d.log)
	return nil
}

// Join makes this process a node of the database: see model.SharedStore.
// The node's connection is named "chatd node <ID>" (application_name); when
// it drops, the node connects again, backing off up to reconnectMax
// between attempts, and then calls h.Missed.
func (d *DB) Join(ctx context.Context, h model.Hints, alone func(context.Context) error) (leave func(), err error) {
	conn, err := d.connectNode(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			conn.Close(context.WithoutCancel(ctx))
		}
	}()
	var first bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+nodesLock+`)`).Scan(&first); err != nil {
		return nil, fmt.Errorf("postgres: joining the nodes: %w", err)
	}
	if first && alone != nil {
		if err := alone(ctx); err != nil {
			return nil, err
		}
	}
	if err := d.enlist(ctx, conn); err != nil {
		return nil, err
	}
	if first {
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(`+nodesLock+`)`); err != nil {
			return nil, fmt.Errorf("postgres: joining the nodes: %w", err)
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	l := &listener{db: d, hints: h}
	go func() {
		defer close(done)
		l.run(runCtx, conn)
	}()
	return func() {
		cancel()
		<-done
	}, nil
}

// connectNode opens a node's connection.
func (d *DB) connectNode(ctx context.Context) (*pgx.Conn, error) {
	cfg := d.connConfig.Copy()
	cfg.RuntimeParams["application_name"] = "chatd node " + d.node
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: joining the nodes: %w", err)
	}
	return conn, nil
}

// enlist makes conn a node's: it takes the nodes' lock, shared (waiting
// while a node that started alone does what it does then), and listens to
// the hints.
func (d *DB) enlist(ctx context.Context, conn *pgx.Conn) error {
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock_shared(`+nodesLock+`)`); err != nil {
		return fmt.Errorf("postgres: joining the nodes: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{d.channel}.Sanitize()); err != nil {
		return fmt.Errorf("postgres: listening to the other nodes: %w", err)
	}
	return nil
}

// listener passes a node's hints on.
type listener struct {
	db    *DB
	hints model.Hints
}

// run listens on conn, and on a new connection whenever it drops, until
// ctx is done.
func (l *listener) run(ctx context.Context, conn *pgx.Conn) {
	log := l.db.log
	for {
		err := l.listen(ctx, conn)
		conn.Close(context.Background())
		if ctx.Err() != nil {
			return
		}
		log.Warn("the connection of this chatd node dropped: hints of the other nodes' commits wait for a new one", "err", err)
		if conn = l.reconnect(ctx); conn == nil {
			return
		}
		log.Info("this chatd node is connected again")
		if l.hints.Missed != nil {
			l.hints.Missed()
		}
	}
}

// listen passes on the hints that arrive on conn until it fails or ctx is
// done.
func (l *listener) listen(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel != l.db.channel {
			continue
		}
		node, h := parseHints(n.Payload)
		if node == l.db.node {
			continue // this node's own, heard of at its commit
		}
		l.pass(&h)
	}
}

// pass calls the hints' functions for h.
func (l *listener) pass(h *hintSet) {
	if h.outbox && l.hints.Outbox != nil {
		l.hints.Outbox()
	}
	if l.hints.SyncReset != nil {
		for s := range h.reset {
			l.hints.SyncReset(s)
		}
	}
	if l.hints.Sync != nil {
		for s := range h.sync {
			l.hints.Sync(s)
		}
	}
}

// reconnect connects the node again, backing off between attempts; nil once
// ctx is done.
func (l *listener) reconnect(ctx context.Context) *pgx.Conn {
	wait := reconnectFirst
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait/2 + rand.N(wait/2)):
		}
		conn, err := l.db.connectNode(ctx)
		if err == nil {
			if err = l.db.enlist(ctx, conn); err == nil {
				return conn
			}
			conn.Close(context.Background())
		}
		if ctx.Err() != nil || errors.Is(err, context.Canceled) {
			return nil
		}
		wait = min(2*wait, reconnectMax)
		l.db.log.Warn("this chatd node cannot connect again yet", "err", err, "retry_within", wait)
	}
}
