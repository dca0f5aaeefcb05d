package policy

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything at all", true},
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "ab", false},
		{"abc", "abcd", false},
		{"a*", "a", true},
		{"a*", "abc", true},
		{"a*", "ba", false},
		{"*c", "abc", true},
		{"*c", "cb", false},
		{"a*c", "ac", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbcd", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "acb", false},
		{"a*a", "a", false}, // prefix and suffix may not share a character
		{"a*a", "aa", true},
		{"**", "x", true},
		{"a**b", "ab", true},
		{"?", "a", true},
		{"?", "", false},
		{"?", "ab", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"??", "é", false}, // one character, two bytes
		{"?", "é", true},
		{"é?", "éx", true},
		{"*?", "", false},
		{"*?", "x", true},
		{"?*?", "x", false},
		{"?*?", "xy", true},
		{"*a?c*", "xxabcxx", true},
		{"*a?c*", "xxacxx", false},
		{"*a?c*", "aac", true},
		{"*a?c", "abcabc", true},
		{"acs:ecs:*:*:image/*", "acs:ecs:cn-hangzhou:10001:image/m-1", true},
		{"acs:ecs:*:*:image/*", "acs:ecs:cn-hangzhou:10001:instance/i-1", false},
		{"acs:ecs:*:10001:image/m-?", "acs:ecs:bj:10001:image/m-1", true},
		{"acs:ecs:*:10001:image/m-?", "acs:ecs:bj:10001:image/m-12", false},
		{"acs:ecs:*:10001:image/m-?", "acs:ecs:bj:10002:image/m-1", false},
		{"ACS:ecs:*", "acs:ecs:x", false}, // resources are case-sensitive
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// globRegexp is the obvious definition of the wildcard language, for
// checking the matcher against (RE2 is linear-time too, but compiling a
// regexp per pattern is what the matcher avoids).
func globRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^`)
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile("(?s)" + b.String())
}

func TestMatchAgreesWithRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "é", "*", "?", ":"}
	subjectAlphabet := []string{"a", "b", "é", ":"}
	gen := func(alpha []string, n int) string {
		var b strings.Builder
		for range rng.IntN(n) {
			b.WriteString(alpha[rng.IntN(len(alpha))])
		}
		return b.String()
	}
	for range 20000 {
		p, s := gen(alphabet, 8), gen(subjectAlphabet, 10)
		if got, want := Match(p, s), globRegexp(p).MatchString(s); got != want {
			t.Fatalf("Match(%q, %q) = %v, regexp says %v", p, s, got, want)
		}
	}
}

// A pattern built to make backtracking matchers exponential is matched
// in linear-ish time.
func TestMatchPathological(t *testing.T) {
	p := strings.Repeat("*a", 40) + "*b"
	s := strings.Repeat("a", MaxRequestBytes)
	start := time.Now()
	for range 100 {
		if Match(p, s) {
			t.Fatal("matched a subject without b")
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("100 pathological matches took %v", d)
	}
	p = strings.Repeat("*?a", 30) + "*b"
	start = time.Now()
	if Match(p, s) {
		t.Fatal("matched a subject without b")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a pathological match with ? took %v", d)
	}
}
