package testenv

import (
	"context"
	"os"
	"testing"

	"github.com/chatd/chatd/bolt"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/postgres"
)

// StoreVar is the environment variable that picks the store an Env runs
// on by default: unset or "bolt" for a new bbolt file, "postgres" for a new
// PostgreSQL schema (of the server package pgtest starts; the test
// package's TestMain must run through pgtest.Main). CI runs the HTTP tests
// once with each, with the same assertions.
const StoreVar = "CHATD_TEST_STORE"

// DefaultStore is the store an Env runs on without WithStore: "bolt" or
// "postgres", as StoreVar says. Anything else fails t.
func DefaultStore(t testing.TB) string {
	t.Helper()
	switch v := os.Getenv(StoreVar); v {
	case "", "bolt":
		return "bolt"
	case "postgres":
		return "postgres"
	default:
		t.Fatalf("testenv: %s=%q: want bolt or postgres", StoreVar, v)
		return ""
	}
}

// BoltOnly skips a test of what only the bbolt store has (its file, its
// snapshot) when the Envs run on another store by default.
func BoltOnly(t testing.TB) {
	t.Helper()
	if store := DefaultStore(t); store != "bolt" {
		t.Skipf("testenv: a test of the bbolt store; %s=%s", StoreVar, store)
	}
}

// BoltStore opens the bbolt file path, failing the test if it cannot: the
// default store, on a file in t.TempDir(), for WithStore.
func BoltStore(path string) func(t testing.TB) model.Store {
	return func(t testing.TB) model.Store {
		t.Helper()
		db, err := bolt.Open(path, bolt.Options{})
		if err != nil {
			t.Fatalf("testenv: open %s: %v", path, err)
		}
		return db
	}
}

// PostgresStore opens the PostgreSQL database of dsn (such as a schema of
// pgtest.New), failing the test if it cannot, for WithStore; every call
// opens the same data.
func PostgresStore(dsn string) func(t testing.TB) model.Store {
	return func(t testing.TB) model.Store {
		t.Helper()
		db, err := postgres.Open(context.Background(), dsn, postgres.Options{})
		if err != nil {
			t.Fatalf("testenv: open PostgreSQL: %v", err)
		}
		return db
	}
}
