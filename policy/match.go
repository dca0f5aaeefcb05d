package policy

import (
	"strings"
	"unicode/utf8"
)

// pattern is a compiled wildcard: '*' matches any run of characters
// (including none) and '?' exactly one character. Matching never
// backtracks: a pattern is split at its stars into segments, the first
// must start the subject and the last must end it, and each middle one is
// taken at its leftmost place in what remains. Leftmost is always right
// for star-separated segments (a later place only leaves less room for
// the rest), so a match costs at most len(subject) × len(pattern) steps,
// and far less when the segments hold no '?' (then strings.Index does the
// search).
type pattern struct {
	text     string   // as written (lower-cased for actions)
	segments []string // text split at '*'; one segment means no star
	question bool     // whether any segment holds '?'
}

func compilePattern(text string) pattern {
	return pattern{text: text, segments: strings.Split(text, "*"), question: strings.Contains(text, "?")}
}

// any reports whether the pattern is "*", which matches everything.
func (p pattern) any() bool { return p.text == "*" }

// match reports whether s matches the whole pattern.
func (p pattern) match(s string) bool {
	segs := p.segments
	if len(segs) == 1 {
		if !p.question {
			return s == p.text
		}
		n, ok := matchPrefix(s, segs[0])
		return ok && n == len(s)
	}
	// The first segment anchors the start, the last the end.
	n, ok := matchPrefix(s, segs[0])
	if !ok {
		return false
	}
	s = s[n:]
	last := segs[len(segs)-1]
	end, ok := matchSuffix(s, last)
	if !ok {
		return false
	}
	s = s[:end]
	for _, seg := range segs[1 : len(segs)-1] {
		if seg == "" {
			continue
		}
		i, n := find(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+n:]
	}
	return true
}

// matchPrefix reports whether s starts with seg ('?' matching any one
// character) and how many bytes of s the match covers.
func matchPrefix(s, seg string) (int, bool) {
	if !strings.Contains(seg, "?") {
		return len(seg), strings.HasPrefix(s, seg)
	}
	i := 0
	for _, pc := range seg {
		if i >= len(s) {
			return 0, false
		}
		sc, size := utf8.DecodeRuneInString(s[i:])
		if pc != '?' && pc != sc {
			return 0, false
		}
		i += size
	}
	return i, true
}

// matchSuffix reports whether s ends with seg ('?' matching any one
// character) and the byte offset in s where the match starts.
func matchSuffix(s, seg string) (int, bool) {
	if !strings.Contains(seg, "?") {
		return len(s) - len(seg), strings.HasSuffix(s, seg)
	}
	i, j := len(s), len(seg)
	for j > 0 {
		if i == 0 {
			return 0, false
		}
		pc, psize := utf8.DecodeLastRuneInString(seg[:j])
		sc, ssize := utf8.DecodeLastRuneInString(s[:i])
		if pc != '?' && pc != sc {
			return 0, false
		}
		i, j = i-ssize, j-psize
	}
	return i, true
}

// find returns the leftmost byte offset in s where seg matches and the
// length in bytes of that match, or -1.
func find(s, seg string) (int, int) {
	if !strings.Contains(seg, "?") {
		return strings.Index(s, seg), len(seg)
	}
	for i := 0; i < len(s); {
		if n, ok := matchPrefix(s[i:], seg); ok {
			return i, n
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return -1, 0
}

// Match reports whether s matches the wildcard pattern p ('*' any run of
// characters, '?' one character), case-sensitively. It is the matcher
// policies use for resources; actions are matched the same way after both
// sides are lower-cased.
func Match(p, s string) bool { return compilePattern(p).match(s) }
