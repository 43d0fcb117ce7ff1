// Package jsonenc appends JSON values to byte slices as encoding/json
// writes them with HTML escaping off, without reflection: what chatd's
// append-style writers (the REST bodies, the Sync data) share.
package jsonenc

import "unicode/utf8"

// AppendString appends s as a JSON string, escaped as encoding/json escapes
// it with HTML escaping off.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = AppendEscaped(dst, s)
	return append(dst, '"')
}

// safeASCII holds the ASCII bytes a JSON string carries as they are: all but
// the control characters, the quote and the backslash. With HTML escaping
// off, <, > and & are safe.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// AppendEscaped appends the inside of the JSON string of s, as encoding/json
// writes it: the quote and the backslash escaped, the control characters as
// \b \f \n \r \t or \u00XX, each byte of invalid UTF-8 as \ufffd, and U+2028
// and U+2029 as \u2028 and \u2029 (JavaScript reads them as line ends).
func AppendEscaped(dst []byte, s string) []byte {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	start, bytewise := 0, 0
	for i := 0; i < len(s); {
		if i >= bytewise {
			// Skip safe ASCII eight bytes at a time: a byte below 0x20, a
			// quote, a backslash or a byte with the high bit set each
			// leave a high bit in the test. The eight bytes that fail it
			// are then read one by one.
			for ; i+8 <= len(s); i += 8 {
				w := s[i : i+8]
				x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
					uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
				quote, backslash := x^(ones*'"'), x^(ones*'\\')
				if ((x-ones*0x20)&^x|(quote-ones)&^quote|(backslash-ones)&^backslash|x)&highs != 0 {
					break
				}
			}
			if i == len(s) {
				break
			}
			bytewise = i + 8
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}
