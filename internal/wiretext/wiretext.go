// Package wiretext decides which strings the dialects accept as text:
// what every one of them refuses in a parameter, a path or a JSON field.
package wiretext

import "unicode/utf8"

// Valid reports whether s is UTF-8 text that every dialect can store and
// send back byte for byte: valid UTF-8, and no C0 control character other
// than tab, newline and carriage return. The rest cannot make the round
// trip: encoding/json replaces invalid UTF-8 with U+FFFD, encoding/xml (the
// Alibaba dialect's Format=XML) replaces control characters, and
// PostgreSQL text cannot hold NUL at all. Refusing them up front, with the
// dialect's parameter error, is the only answer that is never a lie.
func Valid(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		i += size
	}
	return true
}

// Sanitize returns s with every byte or character Valid refuses replaced
// by '?', for echoing a refused name back in an error message.
func Sanitize(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		bad := (r == utf8.RuneError && size == 1) || (r < 0x20 && r != '\t' && r != '\n' && r != '\r')
		if bad && b == nil {
			b = append(make([]byte, 0, len(s)), s[:i]...)
		}
		switch {
		case bad:
			b = append(b, '?')
		case b != nil:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	if b == nil {
		return s
	}
	return string(b)
}
