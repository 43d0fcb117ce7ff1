package server

import (
	"math"
	"strconv"
	"time"

	"github.com/chatd/chatd/internal/jsonenc"
)

// jsonWriter appends one JSON document to a byte slice, member by member,
// without reflection. Its output is what encoding/json writes for the same
// values with SetEscapeHTML(false): the same string escapes, the same
// numbers, null for unset optional fields. The order of the members is the
// order of the calls.
//
// Every value is written with a comma after it; closing an object or array
// turns the last comma into the closing bracket, so callers never track
// whether a member is the first.
//
// The key of a member must need no escaping (all of chatd's keys are
// snake_case ASCII); an empty key writes a bare value, for array elements
// and the document itself.
type jsonWriter struct {
	b []byte

	// The last date written: a date that repeats (a Message's date_updated
	// is mostly its date_created, and a page's messages share seconds) is
	// copied instead of formatted again.
	lastDate    [len(`"2006-01-02T15:04:05Z"`)]byte
	lastDateSec int64
	hasLastDate bool
}

// field writes "k": when k is not empty.
func (w *jsonWriter) field(k string) {
	if k != "" {
		w.b = append(w.b, '"')
		w.b = append(w.b, k...)
		w.b = append(w.b, '"', ':')
	}
}

// open starts an object.
func (w *jsonWriter) open(k string) {
	w.field(k)
	w.b = append(w.b, '{')
}

// close ends the object open started.
func (w *jsonWriter) close() { w.end('}') }

// openArray starts an array.
func (w *jsonWriter) openArray(k string) {
	w.field(k)
	w.b = append(w.b, '[')
}

// closeArray ends the array openArray started.
func (w *jsonWriter) closeArray() { w.end(']') }

func (w *jsonWriter) end(bracket byte) {
	if last := len(w.b) - 1; w.b[last] == ',' {
		w.b[last] = bracket
	} else {
		w.b = append(w.b, bracket)
	}
	w.b = append(w.b, ',')
}

// document returns the finished document, ended by a newline as
// json.Encoder ends it.
func (w *jsonWriter) document() []byte {
	if n := len(w.b); n > 0 && w.b[n-1] == ',' {
		w.b = w.b[:n-1]
	}
	w.b = append(w.b, '\n')
	return w.b
}

func (w *jsonWriter) str(k, v string) {
	w.field(k)
	w.b = jsonenc.AppendString(w.b, v)
	w.b = append(w.b, ',')
}

// raw writes v, a JSON value encoded already.
func (w *jsonWriter) raw(k string, v []byte) {
	w.field(k)
	w.b = append(w.b, v...)
	w.b = append(w.b, ',')
}

// strAfter writes a string whose beginning is encoded already: escaped
// opens the JSON string (with its quote) and s is the rest. escaped must
// end in an ASCII character (see concat).
func (w *jsonWriter) strAfter(k string, escaped []byte, s string) {
	w.field(k)
	w.b = append(w.b, escaped...)
	w.b = jsonenc.AppendEscaped(w.b, s)
	w.b = append(w.b, '"', ',')
}

// optStr writes v, or null when it is nil.
func (w *jsonWriter) optStr(k string, v *string) {
	if v == nil {
		w.null(k)
		return
	}
	w.str(k, *v)
}

// strOrNull writes v, or null when it is empty.
func (w *jsonWriter) strOrNull(k, v string) {
	if v == "" {
		w.null(k)
		return
	}
	w.str(k, v)
}

// concat writes the concatenation of parts as one string, without building
// it. Escaping piece by piece is escaping the whole only where no UTF-8
// sequence is cut between two parts, so each boundary must have an ASCII
// character on one side: chatd's URLs join SIDs and hosts with constant
// ASCII path segments such as "/Channels/".
func (w *jsonWriter) concat(k string, parts ...string) {
	w.field(k)
	w.b = append(w.b, '"')
	for _, p := range parts {
		w.b = jsonenc.AppendEscaped(w.b, p)
	}
	w.b = append(w.b, '"', ',')
}

// strs writes a list of strings, or null when it is nil (encoding/json
// tells a nil slice from an empty one).
func (w *jsonWriter) strs(k string, v []string) {
	if v == nil {
		w.null(k)
		return
	}
	w.openArray(k)
	for _, s := range v {
		w.str("", s)
	}
	w.closeArray()
}

func (w *jsonWriter) int(k string, v int) { w.int64(k, int64(v)) }

func (w *jsonWriter) int64(k string, v int64) {
	w.field(k)
	w.b = strconv.AppendInt(w.b, v, 10)
	w.b = append(w.b, ',')
}

func (w *jsonWriter) uint64(k string, v uint64) {
	w.field(k)
	w.b = strconv.AppendUint(w.b, v, 10)
	w.b = append(w.b, ',')
}

// optInt writes v, or null when it is nil.
func (w *jsonWriter) optInt(k string, v *int) {
	if v == nil {
		w.null(k)
		return
	}
	w.int(k, *v)
}

func (w *jsonWriter) float(k string, v float64) {
	w.field(k)
	w.b = appendFloat(w.b, v)
	w.b = append(w.b, ',')
}

func (w *jsonWriter) bool(k string, v bool) {
	w.field(k)
	w.b = strconv.AppendBool(w.b, v)
	w.b = append(w.b, ',')
}

func (w *jsonWriter) null(k string) {
	w.field(k)
	w.b = append(w.b, "null,"...)
}

// date writes t in Twilio's date format (see appendTime).
func (w *jsonWriter) date(k string, t time.Time) {
	w.field(k)
	w.b = w.appendDate(w.b, t)
	w.b = append(w.b, ',')
}

// appendDate appends t as date writes it, to dst.
func (w *jsonWriter) appendDate(dst []byte, t time.Time) []byte {
	sec := t.Unix()
	if w.hasLastDate && sec == w.lastDateSec {
		return append(dst, w.lastDate[:]...)
	}
	start := len(dst)
	dst = appendTime(dst, t)
	if len(dst)-start == len(w.lastDate) {
		copy(w.lastDate[:], dst[start:])
		w.lastDateSec, w.hasLastDate = sec, true
	}
	return dst
}

// optDate writes t, or null when it is nil.
func (w *jsonWriter) optDate(k string, t *time.Time) {
	if t == nil {
		w.null(k)
		return
	}
	w.date(k, *t)
}

// timeLayout writes t in the given layout, in UTC, as a string.
func (w *jsonWriter) timeLayout(k string, t time.Time, layout string) {
	w.field(k)
	w.b = append(w.b, '"')
	w.b = t.UTC().AppendFormat(w.b, layout)
	w.b = append(w.b, '"', ',')
}

// appendTime appends t as a JSON string in Twilio's date format: ISO 8601
// in UTC to the second, 2006-01-02T15:04:05Z (dateLayout).
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		// Beyond four digits, as time.Format writes them.
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, dateLayout)
		return append(dst, '"')
	}
	hour, minute, second := t.Clock()
	dst = append(dst, '"',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+second/10), byte('0'+second%10), 'Z', '"')
	return dst
}

// appendFloat appends f as encoding/json writes a float64: the shortest
// decimal that reads back as f, in exponent form only below 1e-6 or from
// 1e21 on, with no zero padding of the exponent. f must be finite.
func appendFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-07 → e-7
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}
