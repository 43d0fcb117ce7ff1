package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chatd/chatd/model"
)

// What chatd does while its database cannot be reached: a request fails
// at once with model.ErrUnavailable (Twilio's error body, 503) rather
// than waiting or answering 500, and the first request after the database
// is back succeeds. The connection string may list several hosts with
// target_session_attrs=read-write: every new connection goes to whichever
// of them takes writes, so after a standby is promoted new connections
// find it by themselves; what has to go are the pool's connections to the
// old primary, which the first one found broken takes with it (Reset).

// unreachable turns the failure to get a connection (every host of the
// connection string refused, or none takes writes) into ErrUnavailable.
// It is not retried: the pool has just tried every host.
func (d *DB) unreachable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	d.warnUnavailable(err)
	return fmt.Errorf("%w: postgres: %w", model.ErrUnavailable, err)
}

// lost looks at how an attempt on conn ended (retry and err, as attempt
// returns them; committing tells that COMMIT was sent): when err shows
// the database gone (the connection broken, the server shutting down, a
// standby refusing a write), every connection of the pool is dropped, the
// error becomes ErrUnavailable, and the attempt is worth another, on a new
// connection, unless it failed in its COMMIT, which may have gone through:
// that one is the client's to judge.
func (d *DB) lost(ctx context.Context, conn *pgxpool.Conn, committing, retry bool, err error) (bool, error) {
	if err == nil || retry || ctx.Err() != nil || !gone(err, conn) {
		return retry, err
	}
	d.pool.Reset()
	d.warnUnavailable(err)
	return !committing, fmt.Errorf("%w: %w", model.ErrUnavailable, err)
}

// lostGroup is lost for a group whose connection broke: every connection
// of the pool goes, and err becomes ErrUnavailable.
func (d *DB) lostGroup(err error) error {
	d.pool.Reset()
	d.warnUnavailable(err)
	return fmt.Errorf("%w: %w", model.ErrUnavailable, err)
}

// gone reports whether err, with which a statement on conn failed, shows
// the database unreachable rather than refusing the statement: the
// connection closed under it, or the server said it is going away or
// cannot take writes.
func gone(err error, conn *pgxpool.Conn) bool {
	var (
		me    *model.Error
		taken *model.TakenError
		pe    *pgconn.PgError
	)
	switch {
	case errors.As(err, &me), errors.As(err, &taken), errors.Is(err, model.ErrNotFound):
		return false // a rule's answer, whatever else happened
	case errors.As(err, &pe):
		return goneCode(pe.Code)
	case conn == nil: // a Read's, whose pipeline marked it (readpipe.go)
		return errors.Is(err, errReadConnLost)
	default:
		return conn.Conn().IsClosed()
	}
}

// goneCode reports whether a SQLSTATE says that the server cannot serve
// this session: a connection exception (class 08), an operator or a crash
// ending it (57P01, 57P02, 57P03 while starting or stopping), too many
// connections (53300), or a read-only transaction refused a write (25006:
// a standby, or a primary being demoted).
func goneCode(code string) bool {
	switch code {
	case "57P01", "57P02", "57P03", "53300", "25006":
		return true
	}
	return strings.HasPrefix(code, "08")
}

// outage is what a DB keeps of the database being unreachable: where to
// say so, and when it last did.
type outage struct {
	log    *slog.Logger
	warned atomic.Int64 // Unix nanoseconds
}

// warnUnavailable logs that the database cannot be reached, at most once
// a second: while it fails over, every request finds so.
func (d *DB) warnUnavailable(err error) {
	now := time.Now().UnixNano()
	last := d.outage.warned.Load()
	if now-last < int64(time.Second) || !d.outage.warned.CompareAndSwap(last, now) {
		return
	}
	d.outage.log.Warn("the database cannot be reached: requests fail with 503 until it is back", "err", err)
}

// Ping checks that a transaction reaches the database, for GET
// /_chatd/health: nil, or an error wrapping ErrUnavailable.
func (d *DB) Ping(ctx context.Context) error {
	return d.run(ctx, beginUpdate, func(mt model.Tx) error {
		t := mt.(*tx)
		_, err := t.db.Exec(t.ctx, "select")
		return err
	})
}
