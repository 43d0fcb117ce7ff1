package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestNew checks that each schema is empty and a test's own, that the
// server syncs its writes, and that a schema is dropped when its test
// ends.
func TestNew(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("a schema of its own", func(t *testing.T) {
		a, b := New(t), New(t)
		if a == b {
			t.Fatalf("two calls gave one schema: %s", a)
		}
		ca, cb := connect(t, a), connect(t, b)
		if err := ca.QueryRow(ctx, `SELECT current_schema()`).Scan(&first); err != nil || first == "" {
			t.Fatalf("current_schema = %q, %v", first, err)
		}
		if _, err := ca.Exec(ctx, `CREATE TABLE x (n integer); INSERT INTO x VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := cb.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n); err != nil || n != 0 {
			t.Errorf("the other schema holds %d tables (%v), want 0", n, err)
		}
		var fsync string
		if err := ca.QueryRow(ctx, `SHOW fsync`).Scan(&fsync); err != nil || fsync != "on" {
			t.Errorf("fsync = %q, %v; want on", fsync, err)
		}
	})
	var left bool
	conn := connect(t, New(t))
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)`, first).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left {
		t.Errorf("schema %s outlived its test", first)
	}
}

// TestCluster writes through the connection string of a Cluster, loses
// the primary twice, and finds every committed row on the promoted
// standby each time: the standby is synchronous, and the string follows
// the primary from one port to the other.
func TestCluster(t *testing.T) {
	ctx := context.Background()
	c := NewCluster(t)
	insert := func(n int) {
		t.Helper()
		conn := connect(t, c.DSN())
		if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS x (n integer)`); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO x VALUES ($1)`, n); err != nil {
			t.Fatal(err)
		}
	}
	want := 0
	for round := range 2 {
		insert(round)
		want++
		first := c.PrimaryDSN()
		c.KillPrimary(t)
		if conn, err := pgx.Connect(ctx, c.DSN()); err == nil {
			conn.Close(ctx)
			t.Fatalf("round %d: connected for writes with the primary gone and the standby not promoted", round)
		}
		c.Promote(t)
		if c.PrimaryDSN() == first {
			t.Fatalf("round %d: the primary is still %s after the promotion", round, first)
		}
		var n int
		if err := connect(t, c.DSN()).QueryRow(ctx, `SELECT count(*) FROM x`).Scan(&n); err != nil || n != want {
			t.Fatalf("round %d: the promoted standby holds %d rows (%v), want %d", round, n, err, want)
		}
		if round == 0 {
			c.Rejoin(t)
		}
	}
}
