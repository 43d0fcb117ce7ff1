package postgres

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chatd/chatd/internal/pgtest"
)

// newPool connects to a fresh schema without migrating it.
func newPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// testMigrations are two migrations of a toy schema.
func testMigrations() []migration {
	return []migration{
		{1, "0001_first.sql", `CREATE TABLE a (x integer PRIMARY KEY); INSERT INTO a VALUES (1);`},
		{2, "0002_second.sql", `CREATE TABLE b (y integer); INSERT INTO b SELECT x FROM a;`},
	}
}

func applied(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT name FROM chatd_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

var quiet = slog.New(slog.DiscardHandler)

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	t.Run("a new schema gets every migration, in order, once", func(t *testing.T) {
		pool := newPool(t)
		ms := testMigrations()
		if from, to, err := migrate(ctx, pool, ms[:1], quiet); err != nil || from != 0 || to != 1 {
			t.Fatalf("migrate(first) = %d, %d, %v; want 0, 1", from, to, err)
		}
		if from, to, err := migrate(ctx, pool, ms, quiet); err != nil || from != 1 || to != 2 {
			t.Fatalf("migrate(both) = %d, %d, %v; want 1, 2", from, to, err)
		}
		if from, to, err := migrate(ctx, pool, ms, quiet); err != nil || from != 2 || to != 2 {
			t.Fatalf("migrate(again) = %d, %d, %v; want 2, 2", from, to, err)
		}
		if got := applied(t, pool); strings.Join(got, " ") != "0001_first.sql 0002_second.sql" {
			t.Errorf("recorded migrations %v", got)
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM b`).Scan(&n); err != nil || n != 1 {
			t.Errorf("rows of b = %d, %v; want 1 (the second migration ran once, after the first)", n, err)
		}
	})
	t.Run("nodes starting together migrate once", func(t *testing.T) {
		pool := newPool(t)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, errs[i] = migrate(ctx, pool, testMigrations(), quiet)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("migrate %d: %v", i, err)
			}
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM b`).Scan(&n); err != nil || n != 1 {
			t.Errorf("rows of b = %d, %v; want 1", n, err)
		}
	})
	t.Run("a failing migration leaves the schema as it was", func(t *testing.T) {
		pool := newPool(t)
		ms := testMigrations()
		if _, _, err := migrate(ctx, pool, ms[:1], quiet); err != nil {
			t.Fatal(err)
		}
		bad := append(ms[:1:1], migration{2, "0002_bad.sql", `CREATE TABLE c (z integer); SELECT * FROM nowhere;`})
		if _, _, err := migrate(ctx, pool, bad, quiet); err == nil || !strings.Contains(err.Error(), "0002_bad.sql") {
			t.Fatalf("migrate(bad) = %v, want an error naming the migration", err)
		}
		if got := applied(t, pool); len(got) != 1 {
			t.Errorf("recorded migrations %v, want the first only", got)
		}
		var exists bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass('c') IS NOT NULL`).Scan(&exists); err != nil || exists {
			t.Errorf("table c exists = %v, %v; want it rolled back", exists, err)
		}
	})
	t.Run("a schema newer than chatd is refused", func(t *testing.T) {
		pool := newPool(t)
		if _, _, err := migrate(ctx, pool, testMigrations(), quiet); err != nil {
			t.Fatal(err)
		}
		_, _, err := migrate(ctx, pool, testMigrations()[:1], quiet)
		if err == nil || !strings.Contains(err.Error(), "schema version 2, this chatd knows up to 1") {
			t.Errorf("migrate(older chatd) = %v, want a refusal naming both versions", err)
		}
	})
	t.Run("the embedded migrations build the schema Open uses", func(t *testing.T) {
		ms, err := embeddedMigrations()
		if err != nil || len(ms) == 0 {
			t.Fatalf("embeddedMigrations = %v, %v", ms, err)
		}
		pool := newPool(t)
		if _, to, err := migrate(ctx, pool, ms, quiet); err != nil || to != len(ms) {
			t.Fatalf("migrate = %d, %v", to, err)
		}
		for _, table := range []string{"services", "channels", "messages", "deliveries", "outbox", "mutations", "media_chunks"} {
			var exists bool
			if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&exists); err != nil || !exists {
				t.Errorf("table %s: %v, %v", table, exists, err)
			}
		}
	})
}

func TestLoadMigrations(t *testing.T) {
	for _, c := range []struct {
		name  string
		files fstest.MapFS
		want  string // "" for no error
	}{
		{"numbered from 1", fstest.MapFS{"0001_a.sql": {}, "0002_b.sql": {}}, ""},
		{"a gap", fstest.MapFS{"0001_a.sql": {}, "0003_c.sql": {}}, "want number 0002 next"},
		{"not from 1", fstest.MapFS{"0002_b.sql": {}}, "want number 0001 next"},
		{"a repeated number", fstest.MapFS{"0001_a.sql": {}, "0001_b.sql": {}}, "want number 0002 next"},
		{"a name without its number", fstest.MapFS{"first.sql": {}}, "not named NNNN_name.sql"},
		{"a short number", fstest.MapFS{"1_a.sql": {}}, "not named NNNN_name.sql"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms, err := loadMigrations(c.files)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("loadMigrations = %v", err)
			case c.want == "" && len(ms) != len(c.files):
				t.Errorf("loaded %d migrations, want %d", len(ms), len(c.files))
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("loadMigrations = %v, want an error with %q", err, c.want)
			}
		})
	}
}

// TestFillfactor: the tables whose rows every send rewrites leave room on
// their pages, so that those updates can be HOT.
func TestFillfactor(t *testing.T) {
	d := openAt(t, pgtest.New(t))
	defer d.Close()
	for table, want := range map[string]string{"channels": "70", "sync_objects": "70", "sync_counter": "10"} {
		var opts []string
		err := d.pool.QueryRow(context.Background(), `SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = $1::regclass`, table).Scan(&opts)
		if err != nil || !slices.Contains(opts, "fillfactor="+want) {
			t.Errorf("%s has options %v, %v; want fillfactor=%s", table, opts, err, want)
		}
	}
}
