package postgres

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// rawRow reads the columns of the current row of rows as the driver
// received them, without the driver's scanning: the hot reads (a page of
// Messages, a Channel) decode their rows from these bytes, which are the
// driver's buffer and valid only until the next row. Columns come in the
// binary format, as pgx asks for them with prepared statements, or in the
// text format, as it gets them with default_query_exec_mode=simple_protocol
// (or exec).
type rawRow struct {
	values [][]byte
	fields []pgconn.FieldDescription
}

func newRawRow(rows pgx.Rows) rawRow {
	return rawRow{values: rows.RawValues(), fields: rows.FieldDescriptions()}
}

// null reports whether column i is NULL.
func (r rawRow) null(i int) bool { return r.values[i] == nil }

// binary reports whether column i came in the binary format.
func (r rawRow) binary(i int) bool { return r.fields[i].Format == pgtype.BinaryFormatCode }

// int reads column i, a bigint.
func (r rawRow) int(i int) (int, error) {
	v := r.values[i]
	if !r.binary(i) {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("postgres: column %s: %w", r.fields[i].Name, err)
		}
		return int(n), nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("postgres: column %s: %d bytes for a bigint", r.fields[i].Name, len(v))
	}
	return int(int64(binary.BigEndian.Uint64(v))), nil
}

// bytes reads column i, a bytea: the driver's buffer in the binary format,
// a decoded copy in the text format.
func (r rawRow) bytes(i int) ([]byte, error) {
	v := r.values[i]
	if r.binary(i) || v == nil {
		return v, nil
	}
	// The text format of bytea is hex (bytea_output's default): \x, then
	// two digits a byte.
	if len(v) < 2 || v[0] != '\\' || v[1] != 'x' {
		return nil, fmt.Errorf("postgres: column %s: a bytea not in the hex format", r.fields[i].Name)
	}
	out := make([]byte, hex.DecodedLen(len(v)-2))
	if _, err := hex.Decode(out, v[2:]); err != nil {
		return nil, fmt.Errorf("postgres: column %s: %w", r.fields[i].Name, err)
	}
	return out, nil
}

// text reads column i, a text, as a copy (the same bytes in either
// format).
func (r rawRow) text(i int) string { return string(r.values[i]) }
