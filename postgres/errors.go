package postgres

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/chatd/chatd/model"
)

// takenFields name the unique key each unique constraint keeps: a 23505
// naming one is a *model.TakenError for its field.
var takenFields = map[string]string{
	"services_pkey":            "sid",
	"roles_pkey":               "sid",
	"users_pkey":               "sid",
	"users_identity_key":       "identity",
	"channels_pkey":            "sid",
	"channels_unique_name_key": "unique_name",
	"members_pkey":             "sid",
	"members_identity_key":     "identity",
	"invites_pkey":             "sid",
	"invites_identity_key":     "identity",
	"messages_sid_key":         "sid",
	"channel_webhooks_pkey":    "sid",
	"bindings_pkey":            "sid",
	"bindings_endpoint_key":    "endpoint",
	"media_pkey":               "sid",
	"mutations_pkey":           "id",
	"credentials_pkey":         "sid",
	"api_keys_pkey":            "sid",
}

// isRetryable reports whether err is the database refusing a transaction
// that may go through when run again: a serialization failure or a
// deadlock.
func isRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// fail turns a driver error into the seam's: a unique violation into a
// *model.TakenError, a missing parent (foreign key violation) into
// model.ErrNotFound. It marks the attempt for a retry when the database
// asks for one.
func (t *tx) fail(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			if field, ok := takenFields[pe.ConstraintName]; ok {
				return &model.TakenError{Field: field}
			}
		case "23503":
			return model.ErrNotFound
		}
	}
	if isRetryable(err) {
		t.retry = true
	}
	if pe != nil && pe.Code == "55P03" {
		t.lockWaited = true
	}
	return fmt.Errorf("postgres: %w", err)
}

// errUnstorable refuses a key that a text column cannot hold: PostgreSQL
// text is valid UTF-8 without NUL bytes. No record can have such a key, so
// reads by one find nothing.
var errUnstorable = errors.New("postgres: a key holds a NUL byte or is not valid UTF-8, which PostgreSQL text cannot store")

// storable checks the text arguments of a statement.
func storable(args []any) error {
	for _, a := range args {
		switch a := a.(type) {
		case string:
			if !storableText(a) {
				return errUnstorable
			}
		case *string:
			if a != nil && !storableText(*a) {
				return errUnstorable
			}
		case []string:
			for _, s := range a {
				if !storableText(s) {
					return errUnstorable
				}
			}
		}
	}
	return nil
}

func storableText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }
