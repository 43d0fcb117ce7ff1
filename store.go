package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/chatd/chatd/internal/app"
	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/postgres"
)

// openDatabase opens the store of a database URL given as --db: chatd
// keeps its data in a bbolt file, or in PostgreSQL. The command hands it to
// internal/app, which imports no database driver itself.
func openDatabase(ctx context.Context, url string, logger *slog.Logger) (model.Store, error) {
	if !postgres.IsURL(url) {
		return nil, fmt.Errorf("--db %s: chatd keeps its data in a bbolt file or in PostgreSQL (postgres://…)", app.Redacted(url))
	}
	db, err := postgres.Open(ctx, url, postgres.Options{Logger: logger})
	if err != nil {
		return nil, err
	}
	// A database that chatd migrate did not finish copying into holds
	// part of the data: serving it would look like losing the rest.
	if err := db.CheckImport(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
