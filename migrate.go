package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/internal/app"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/postgres"
)

// migrateConfig is the command line of chatd migrate.
type migrateConfig struct {
	from string
	to   string
}

// parseMigrate reads chatd migrate's flags, each with a CHATD_MIGRATE_*
// default (the command's own, as compact's are, so that a serving chatd's
// CHATD_DB never points it anywhere).
func parseMigrate(args []string, getenv func(string) string, stderr io.Writer) (migrateConfig, error) {
	e := env(getenv)
	var cfg migrateConfig
	fs := flag.NewFlagSet("chatd migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.from, "from", e.str("CHATD_MIGRATE_FROM", ""), "the chatd file to copy, which no chatd may be serving [CHATD_MIGRATE_FROM]")
	fs.StringVar(&cfg.to, "to", e.str("CHATD_MIGRATE_TO", ""), "the PostgreSQL database to copy it into (postgres://…), which must be empty [CHATD_MIGRATE_TO]")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		return cfg, errors.New("migrate: unexpected arguments: " + strings.Join(fs.Args(), " "))
	case cfg.from == "":
		return cfg, errors.New("migrate: --from is required (the chatd file to copy)")
	case app.IsURL(cfg.from):
		return cfg, fmt.Errorf("migrate: --from %s is a database URL: give the chatd file to copy", app.Redacted(cfg.from))
	case cfg.to == "":
		return cfg, errors.New("migrate: --to is required (the PostgreSQL database to copy into, postgres://…)")
	case !postgres.IsURL(cfg.to):
		return cfg, fmt.Errorf("migrate: --to %s is not a PostgreSQL URL (postgres://…)", app.Redacted(cfg.to))
	}
	return cfg, nil
}

// migrate is chatd migrate: it copies a chatd file, every record as it is
// (SIDs, Message indexes and their gaps, counts, consumption horizons,
// Media content, webhook deliveries, the Sync log, API keys and the
// settings their secrets are sealed with), into an empty PostgreSQL
// database, which chatd can then serve as it served the file. Staged
// uploads, which are no Media yet, are not copied. It shows a progress
// line on stderr while it copies, and prints what it copied, by table.
func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseMigrate(args, getenv, stderr)
	if err != nil {
		return err
	}
	to := app.Redacted(cfg.to)
	db, err := postgres.Open(ctx, cfg.to, postgres.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("migrate: %s: %w", to, err)
	}
	defer db.Close()
	p := newProgressLine(stderr, isTerminal(stderr))
	copied, err := db.Import(ctx, func(l model.Loader) error {
		return bolt.Export(ctx, cfg.from, l, bolt.ExportOptions{})
	}, postgres.ImportOptions{Source: cfg.from, Progress: migrateReport(p)})
	p.end()
	switch {
	case errors.Is(err, postgres.ErrNotEmpty):
		return fmt.Errorf("migrate: %s: %w", to, err)
	case err != nil && copied.Bytes > 0:
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		return fmt.Errorf("migrate: %w; %s holds the part copied (%d records), which chatd will not serve: "+
			"empty it (drop its schema, or use a new database) and run chatd migrate again", err, to, copied.Rows())
	case err != nil:
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(stdout, "migrated %s into %s: %d records, %s in %s\n", cfg.from, to, copied.Rows(), byteSize(copied.Bytes),
		p.elapsed().Round(time.Millisecond))
	for _, t := range copied.Tables {
		fmt.Fprintf(stdout, "  %-16s %d\n", t.Table, t.Rows)
	}
	return nil
}

// migrateReport shows on p what has been copied: records in all, the
// tables that have some, bytes, and the rate.
func migrateReport(p *progressLine) func(postgres.ImportProgress) {
	return func(copied postgres.ImportProgress) {
		p.show(func(elapsed time.Duration) string {
			var kinds []string
			for _, t := range copied.Tables {
				if t.Rows > 0 {
					kinds = append(kinds, fmt.Sprintf("%s %d", t.Table, t.Rows))
				}
			}
			return fmt.Sprintf("chatd migrate: %d records (%s), %s, %.0f records/s, %.0fs", copied.Rows(), strings.Join(kinds, ", "),
				byteSize(copied.Bytes), float64(copied.Rows())/elapsed.Seconds(), elapsed.Seconds())
		})
	}
}
