// Package jsonscan holds the byte-level steps of the few hand-written JSON
// scans that look at a request body before (or instead of) decoding it
// (app's routing by signature, the UCloud dialect's prescan): one copy of
// the string and whitespace rules, so the scans cannot drift apart.
package jsonscan

import "encoding/json"

// String returns the index just past the string starting with the quote
// at body[i], or -1 if it does not end, and whether it has escapes.
func String(body []byte, i int) (end int, escaped bool) {
	for j := i + 1; j < len(body); j++ {
		switch body[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return -1, escaped
}

// KeyIs reports whether the quoted JSON string quoted (as String found
// it) equals want. An escaped key is decoded only when it is short enough
// to be want (each character is at most 6 bytes, \uXXXX), so escapes cost
// no more than a plain key.
func KeyIs(quoted []byte, escaped bool, want string) bool {
	if !escaped {
		return string(quoted[1:len(quoted)-1]) == want
	}
	if len(quoted) > 2+6*len(want) {
		return false
	}
	var s string
	return json.Unmarshal(quoted, &s) == nil && s == want
}

// SkipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func SkipSpace(body []byte, i int) int {
	for i < len(body) && IsSpace(body[i]) {
		i++
	}
	return i
}

// IsSpace reports whether c is JSON whitespace.
func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
