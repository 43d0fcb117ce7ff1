package postgres

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// Statements: every Tx method runs its SQL through these, which map the
// driver's errors to the seam's (errors.go), and windows of ordered rows
// through keyset.

// exec runs a statement that writes, and returns how many rows it touched.
func (t *tx) exec(sql string, args ...any) (int64, error) {
	t.appended = nil
	if t.readOnly {
		return 0, errReadOnly
	}
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
	t.appended = nil
	if t.readOnly {
		return errReadOnly
	}
	if err := storable(args); err != nil {
		return err
	}
	return t.scan(t.db.QueryRow(t.ctx, sql, args...), dest)
}

// pipeline sends stmts, statements that write, in one round trip, and
// calls scan to read their results in order.
func (t *tx) pipeline(scan func(pgx.BatchResults) error, stmts ...statement) error {
	br, err := t.db.send(t.ctx, stmts...)
	if err != nil {
		return t.fail(err)
	}
	err = scan(br)
	if cerr := br.Close(); err == nil && cerr != nil {
		err = t.fail(cerr)
	}
	return err
}

// read scans the one row of a query into dest: model.ErrNotFound when
// there is none.
func (t *tx) read(sql string, args []any, dest ...any) error {
	if storable(args) != nil {
		return model.ErrNotFound
	}
	return t.scan(t.db.QueryRow(t.ctx, sql, args...), dest)
}

// readRow reads the one row of a query with row, from the driver's bytes
// (rawRow): model.ErrNotFound when there is none.
func (t *tx) readRow(sql string, args []any, row func(rawRow) error) error {
	if storable(args) != nil {
		return model.ErrNotFound
	}
	rows, err := t.db.Query(t.ctx, sql, args...)
	if err != nil {
		return t.fail(err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return t.fail(err)
		}
		return model.ErrNotFound
	}
	if err := row(newRawRow(rows)); err != nil {
		return err
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t.fail(err)
	}
	return nil
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
	if after != nil {
		args = append(args, after)
	}
	if w.Limit > 0 {
		args = append(args, w.Limit)
	}
	shape := windowShape{k, len(args), w.Reverse, after != nil, w.Limit > 0}
	if sql, ok := windowSQL.Load(shape); ok {
		return sql.(string), args
	}
	sql, _ := windowSQL.LoadOrStore(shape, shape.sql())
	return sql.(string), args
}

// windowShape is what the SQL of a window depends on.
type windowShape struct {
	keyset
	args                  int // how many arguments the query has
	reverse, after, limit bool
}

// windowSQL holds the SQL of every windowShape written so far: a store has
// few (each keyset, with or without a type filter, in a handful of
// shapes), and a read need not write its SQL again.
var windowSQL sync.Map

// sql writes the SQL of the shape, whose last arguments are the key after
// which it starts and its limit.
func (s windowShape) sql() string {
	var b strings.Builder
	cmp, order := ">", ""
	if s.reverse {
		cmp, order = "<", " DESC"
	}
	fmt.Fprintf(&b, "(SELECT %s FROM %s", s.cols, s.from)
	n, limit := s.args, s.args
	if s.limit {
		n--
	}
	if s.after {
		fmt.Fprintf(&b, " AND %s %s $%d", s.key, cmp, n)
	}
	fmt.Fprintf(&b, " ORDER BY %s%s", s.key, order)
	if s.limit {
		fmt.Fprintf(&b, " LIMIT $%d", limit)
	}
	b.WriteString(")")
	if s.parent != "" {
		// One row of NULLs when the parent is missing: then the window,
		// whose rows reference the parent, is empty.
		nulls := strings.Repeat(", NULL", strings.Count(s.cols, ","))
		fmt.Fprintf(&b, " UNION ALL SELECT NULL%s WHERE NOT EXISTS (%s)", nulls, s.parent)
	}
	return b.String()
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
		v, err := newRawRow(rows).bytes(1) // the driver's own buffer: decoding copies
		if err != nil {
			return err
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
