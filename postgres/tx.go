package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// tx implements model.Tx over one PostgreSQL transaction.
//
// The rules above the seam read a record and then write, trusting that
// nothing changes it meanwhile (bolt has one writer at a time). Under READ
// COMMITTED that takes locks, or checks:
//   - In an Update, a read of one record locks its row (FOR NO KEY UPDATE)
//     until the commit, so that a rule's read, check and write run as if
//     alone; a read of a Channel's Members, Invites, Messages or webhooks
//     locks the Channel first, so that a rule's count of them (a limit)
//     holds until it inserts.
//   - Services and Channels, which every send reads, are not locked when
//     read: the transaction notes the row's version (xmin) and, for a
//     Channel, its member count, and a write that depends on them
//     (PutService, PutChannel, InsertMember) goes through only if no other
//     transaction changed them since; otherwise the Update runs again. A
//     send's append then locks its Channel only from the append to the
//     commit.
type tx struct {
	ctx context.Context
	db  *txConn
	now time.Time
	// writable is set in an Update; a View locks nothing.
	writable bool
	// services holds, by SID, the row version (xmin) of each Service this
	// Update read, which PutService checks.
	services map[string]string
	// channels holds what this Update read of each Channel it has not
	// written since: what PutChannel and InsertMember check.
	channels map[channelKey]channelSeen
	// retry is set when the database refused a statement in a way that
	// another attempt of the whole transaction may get past (a deadlock, a
	// serialization failure, a Service changed meanwhile), whatever fn
	// then makes of the error.
	retry bool
}

// channelKey names a Channel.
type channelKey struct{ service, sid string }

// channelSeen is what an Update read of a Channel.
type channelSeen struct {
	version string // the row's xmin
	members int
}

// sawChannel notes what an Update read of c (version: the row's xmin),
// unless it read c before.
func (t *tx) sawChannel(c *model.Channel, version string) {
	if !t.writable {
		return
	}
	if t.channels == nil {
		t.channels = map[channelKey]channelSeen{}
	}
	key := channelKey{c.ServiceSid, c.Sid}
	if _, seen := t.channels[key]; !seen {
		t.channels[key] = channelSeen{version, c.MembersCount}
	}
}

// wroteChannel forgets what the Update read of a Channel it wrote: from the
// write on, the Channel's row is locked by this transaction.
func (t *tx) wroteChannel(service, sid string) { delete(t.channels, channelKey{service, sid}) }

// errChanged refuses a write that depends on a Service or Channel that
// another transaction changed since this one read it; the Update runs
// again.
var errChanged = errors.New("postgres: a record changed since this transaction read it")

// changed marks the attempt for a retry and returns errChanged.
func (t *tx) changed() error {
	t.retry = true
	return errChanged
}

// lock is the locking clause of a read of one record: FOR NO KEY UPDATE in
// an Update, nothing in a View.
func (t *tx) lock() string {
	if t.writable {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

var _ model.Tx = (*tx)(nil)

func (t *tx) Now() time.Time { return t.now }

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

// exec runs a statement that writes, and returns how many rows it touched.
func (t *tx) exec(sql string, args ...any) (int64, error) {
	if err := storable(args); err != nil {
		return 0, err
	}
	tag, err := t.db.Exec(t.ctx, sql, args...)
	if err != nil {
		return 0, t.fail(err)
	}
	return tag.RowsAffected(), nil
}

// write runs a statement that writes and returns one row (RETURNING), and
// scans it into dest: model.ErrNotFound when it returned none.
func (t *tx) write(sql string, args []any, dest ...any) error {
	if err := storable(args); err != nil {
		return err
	}
	return t.scan(t.db.QueryRow(t.ctx, sql, args...), dest)
}

// read scans the one row of a query into dest: model.ErrNotFound when
// there is none.
func (t *tx) read(sql string, args []any, dest ...any) error {
	if storable(args) != nil {
		return model.ErrNotFound
	}
	return t.scan(t.db.QueryRow(t.ctx, sql, args...), dest)
}

func (t *tx) scan(row pgx.Row, dest []any) error {
	err := row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return model.ErrNotFound
	}
	if err != nil {
		return t.fail(err)
	}
	return nil
}

// exists reports whether a query returns a row.
func (t *tx) exists(sql string, args ...any) (bool, error) {
	var one int
	err := t.read(sql, args, &one)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// get reads and decodes the record of one row (the query selects it
// alone), locking the row in an Update.
func get[M any](t *tx, c record.Codec[M], sql string, args ...any) (*M, error) {
	var v []byte
	if err := t.read(sql+t.lock(), args, &v); err != nil {
		return nil, err
	}
	return c.Decode(v)
}

// keyset is a window over the rows of one table, read by key. Its query
// reads the rows of the window and, in the same round trip, whether their
// parent row exists: a missing parent (a Service, a Channel) is an error,
// where a parent without rows is an empty window.
type keyset struct {
	// cols are the columns read, the key first; none of them holds a
	// comma.
	cols string
	// from is the table and the condition of its rows, the query's first
	// arguments: "roles WHERE service_sid = $1".
	from string
	// key orders the rows.
	key string
	// parent selects the parent row over the same arguments; "" when the
	// rows have none.
	parent string
}

// query is the SQL of window w after key after (nil: from the start), with
// args the arguments of from and parent.
func (k keyset) query(w model.Window, after any, args []any) (string, []any) {
	var b strings.Builder
	cmp, order := ">", ""
	if w.Reverse {
		cmp, order = "<", " DESC"
	}
	fmt.Fprintf(&b, "(SELECT %s FROM %s", k.cols, k.from)
	if after != nil {
		args = append(args, after)
		fmt.Fprintf(&b, " AND %s %s $%d", k.key, cmp, len(args))
	}
	fmt.Fprintf(&b, " ORDER BY %s%s", k.key, order)
	if w.Limit > 0 {
		args = append(args, w.Limit)
		fmt.Fprintf(&b, " LIMIT $%d", len(args))
	}
	b.WriteString(")")
	if k.parent != "" {
		// One row of NULLs when the parent is missing: then the window,
		// whose rows reference the parent, is empty.
		nulls := strings.Repeat(", NULL", strings.Count(k.cols, ","))
		fmt.Fprintf(&b, " UNION ALL SELECT NULL%s WHERE NOT EXISTS (%s)", nulls, k.parent)
	}
	return b.String(), args
}

// window reads a window of k, calling row for each row in order;
// model.ErrNotFound when the parent is missing.
func (t *tx) window(k keyset, w model.Window, after any, args []any, row func(pgx.Rows) error) error {
	sql, args := k.query(w, after, args)
	if storable(args) != nil {
		return model.ErrNotFound
	}
	rows, err := t.db.Query(t.ctx, sql, args...)
	if err != nil {
		return t.fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		if rows.RawValues()[0] == nil {
			return model.ErrNotFound
		}
		if err := row(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return t.fail(err)
	}
	return nil
}

// records reads a window of k whose columns are the key and the record,
// decoded by c.
func records[M any](t *tx, c record.Codec[M], k keyset, w model.Window, args ...any) ([]*M, error) {
	var out []*M
	err := t.window(k, w, sidAfter(w), args, func(rows pgx.Rows) error {
		var v []byte
		if err := rows.Scan(nil, &v); err != nil {
			return t.fail(err)
		}
		m, err := c.Decode(v)
		if err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// sidAfter is the key after which a window over SIDs starts; nil from the
// start.
func sidAfter(w model.Window) any {
	if w.After == "" {
		return nil
	}
	return w.After
}

// numberAfter is the key after which a window over numbers (message
// indexes, delivery IDs) starts, given as a decimal After; nil from the
// start.
func numberAfter(w model.Window, what string) (any, error) {
	if w.After == "" {
		return nil, nil
	}
	n, err := strconv.ParseUint(w.After, 10, 63)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad %s cursor %q", what, w.After)
	}
	return int64(n), nil
}

// typeFilter is the condition that column col holds one of types (none:
// every type), its argument appended to args.
func typeFilter(col string, types []string, args []any) (string, []any) {
	types = slices.Compact(slices.Sorted(slices.Values(types)))
	switch len(types) {
	case 0:
		return "", args
	case 1:
		args = append(args, types[0])
		return fmt.Sprintf(" AND %s = $%d", col, len(args)), args
	default:
		args = append(args, types)
		return fmt.Sprintf(" AND %s = ANY($%d)", col, len(args)), args
	}
}
