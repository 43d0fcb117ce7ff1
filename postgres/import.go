package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/model"
)

// Import copies a whole store into the database, which must be empty: the
// records come as they are from fill, through a model.Loader, and go in by
// COPY with explicit column lists, table by table in dependency order, in
// transactions of about ImportOptions.TxBytes; counters (a Channel's
// message counter, the outbox's and the Sync log's last IDs, a Service's
// mutation sequence) are set directly, not counted up.
//
// The copy is not one transaction, so a failure leaves part of it behind.
// Its first transaction that writes marks the database as being copied
// into (a setting), and its last removes the mark: CheckImport refuses a database
// that still has it, and so does a new Import. One session advisory lock
// keeps two Imports out of one schema.

// ImportOptions configure Import.
type ImportOptions struct {
	// Source names what is copied (a file's path), for the mark of an
	// unfinished copy.
	Source string
	// TxBytes bounds the records and content one transaction writes; 16 MB
	// when zero.
	TxBytes int
	// Progress, when set, hears what has been committed so far, after each
	// transaction.
	Progress func(ImportProgress)
}

// ImportProgress is what an Import has committed so far.
type ImportProgress struct {
	// Tables counts the rows of each table, in the order the copy fills
	// them.
	Tables []TableCount
	// Bytes is the size of the records, keys and content copied.
	Bytes int64
}

// TableCount is how many rows of a table an Import has committed.
type TableCount struct {
	Table string
	Rows  int64
}

// Rows is the number of rows committed, all tables together.
func (p ImportProgress) Rows() int64 {
	var n int64
	for _, t := range p.Tables {
		n += t.Rows
	}
	return n
}

// ErrNotEmpty is the error of an Import into a database that holds chatd
// data already.
var ErrNotEmpty = errors.New("postgres: the database is not empty")

// settingImport is the setting that marks a database an Import has begun
// copying into and not finished: its value says from what and since when.
const settingImport = "chatd_import_unfinished"

// importLock is the advisory lock key of an Import, mixed with the
// schema's name as migrationLock is.
const importLock = "chatd import "

// importTxBytes is the default of ImportOptions.TxBytes.
const importTxBytes = 16 << 20

// Import copies what fill hands its Loader into the empty database (see
// above). It returns what it committed, also when it fails.
func (d *DB) Import(ctx context.Context, fill func(model.Loader) error, opts ImportOptions) (ImportProgress, error) {
	if opts.TxBytes <= 0 {
		opts.TxBytes = importTxBytes
	}
	pc, err := d.pool.Acquire(ctx)
	if err != nil {
		return ImportProgress{}, fmt.Errorf("postgres: %w", err)
	}
	defer pc.Release()
	conn := pc.Conn()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1 || current_schema(), 0))`, importLock).Scan(&locked); err != nil {
		return ImportProgress{}, fmt.Errorf("postgres: %w", err)
	}
	if !locked {
		return ImportProgress{}, errors.New("postgres: another copy into this database is under way")
	}
	defer func() {
		// A session lock outlives a transaction: it goes before the
		// connection goes back to the pool, or with the connection.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended($1 || current_schema(), 0))`, importLock); err != nil {
			conn.Close(context.WithoutCancel(ctx))
		}
	}()
	if err := checkEmpty(ctx, conn); err != nil {
		return ImportProgress{}, err
	}
	im := newImporter(ctx, conn, opts)
	if err := fill(im); err != nil {
		return im.progress(), err
	}
	if err := im.flush(); err != nil {
		return im.progress(), err
	}
	return im.progress(), im.finish()
}

// CheckImport returns an error when the database holds a copy that an
// Import began and did not finish, which no chatd should serve.
func (d *DB) CheckImport(ctx context.Context) error {
	var mark string
	err := d.pool.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, settingImport).Scan(&mark)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("postgres: %w", err)
	}
	return unfinishedImport(mark)
}

func unfinishedImport(mark string) error {
	return fmt.Errorf("postgres: the database holds an unfinished copy (%s): "+
		"empty it (drop its schema, or use a new database) and copy again", mark)
}

// checkEmpty refuses a database that holds anything of a chatd: records, a
// setting, or counters that gave IDs.
func checkEmpty(ctx context.Context, conn *pgx.Conn) error {
	var mark *string
	var services, credentials, keys, settings, deliveries, counters bool
	err := conn.QueryRow(ctx, `SELECT
			(SELECT value FROM settings WHERE name = $1),
			EXISTS (SELECT FROM services), EXISTS (SELECT FROM credentials), EXISTS (SELECT FROM api_keys),
			EXISTS (SELECT FROM settings), EXISTS (SELECT FROM deliveries),
			(SELECT last_id FROM outbox) > 0 OR (SELECT last_id FROM sync_counter) > 0`, settingImport).
		Scan(&mark, &services, &credentials, &keys, &settings, &deliveries, &counters)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if mark != nil {
		return fmt.Errorf("%w: %w", ErrNotEmpty, unfinishedImport(*mark))
	}
	var held []string
	for _, h := range []struct {
		yes  bool
		what string
	}{
		{services, "Services"}, {credentials, "Credentials"}, {keys, "API keys"},
		{settings, "settings"}, {deliveries, "webhook deliveries"}, {counters, "used counters"},
	} {
		if h.yes {
			held = append(held, h.what)
		}
	}
	if len(held) > 0 {
		return fmt.Errorf("%w: it holds %s of a chatd; copy into an empty database (a new one, or a new schema: search_path=…)",
			ErrNotEmpty, strings.Join(held, ", "))
	}
	return nil
}
