package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The schema is built by numbered migrations, SQL files embedded in the
// binary: migrations/NNNN_name.sql, numbered from 1 without gaps. Open
// applies those the database has not had, each recorded in the table
// chatd_migrations, all in one transaction (PostgreSQL's DDL is
// transactional, so a failed migration leaves nothing behind) that first
// takes an advisory lock: of several chatd nodes starting together on one
// database, one migrates and the others, waiting on the lock, find it done.
// A migration, once released, never changes: a change of the schema is a
// new file.

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered SQL file.
type migration struct {
	version int
	name    string // the file's name
	sql     string
}

// migrationLock is the advisory lock key of migrating a schema: this
// constant, mixed with the schema's name in SQL, so that chatd databases
// in different schemas of one database do not wait on each other.
const migrationLock = "chatd migrate "

// loadMigrations reads the migrations of fsys (a directory of NNNN_name.sql
// files) in version order, and checks that they are numbered 1, 2, 3, ….
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names { // Glob sorts, and the numbers have fixed width
		number, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(number)
		if !ok || err != nil || len(number) != 4 {
			return nil, fmt.Errorf("postgres: migration %s is not named NNNN_name.sql", name)
		}
		if v != len(out)+1 {
			return nil, fmt.Errorf("postgres: migration %s: want number %04d next", name, len(out)+1)
		}
		sql, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(sql)})
	}
	return out, nil
}

// embeddedMigrations are the migrations built into chatd.
func embeddedMigrations() ([]migration, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	return loadMigrations(sub)
}

// migrate brings the database up to date with ms and returns its version
// before and after. A database newer than ms (migrated by a newer chatd)
// is an error: this chatd would not know its tables.
func migrate(ctx context.Context, pool *pgxpool.Pool, ms []migration, log *slog.Logger) (from, to int, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1 || current_schema(), 0))`, migrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS chatd_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM chatd_migrations`).Scan(&from); err != nil {
			return err
		}
		if from > len(ms) {
			return fmt.Errorf("the database has schema version %d, this chatd knows up to %d: run a newer chatd", from, len(ms))
		}
		for _, m := range ms[from:] {
			log.Info("migrating the database", "migration", m.name)
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO chatd_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: migrating the schema: %w", err)
	}
	return from, len(ms), nil
}
