package postgres

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chatd/chatd/internal/pgtest"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testNow is the clock of the stores under test.
var testNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// openAt opens a store on dsn with the test clock; the caller closes it.
func openAt(t testing.TB, dsn string) *DB {
	t.Helper()
	d, err := Open(context.Background(), dsn, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return d
}

// openedStore is a store of the contract's engine with the connection
// string it was opened on, which Reopen opens again.
type openedStore struct {
	*DB
	dsn string
}

// engine opens stores on fresh schemas for the contract suite.
var engine = storetest.Engine{
	Open: func(t *testing.T) model.Store {
		dsn := pgtest.New(t)
		return openedStore{openAt(t, dsn), dsn}
	},
	Reopen: func(t *testing.T, s model.Store) model.Store {
		o := s.(openedStore)
		if err := o.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		return openedStore{openAt(t, o.dsn), o.dsn}
	},
	Dump: func(t *testing.T, s model.Store) map[string]string { return rawDump(t, s.(openedStore).DB) },
}

// TestContract runs the Store contract, proving with rawDump that failed
// writes leave every table as it was.
func TestContract(t *testing.T) { storetest.Run(t, engine) }

// rawDump is every row of every table of the store's schema (the outbox's
// counter, the Services' mutation counts and the migrations included),
// each as PostgreSQL writes a row as text.
func rawDump(t *testing.T, d *DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	rows, err := d.pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 10 {
		t.Fatalf("rawDump found tables %v: the wrong schema?", tables)
	}
	for _, table := range tables {
		rows, err := d.pool.Query(ctx, `SELECT r::text FROM `+table+` r ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var row string
			if err := rows.Scan(&row); err != nil {
				t.Fatal(err)
			}
			out[table+"/"+strconv.Itoa(n)] = row
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
