package wiretext

import (
	"testing"
	"unicode/utf8"
)

func TestValid(t *testing.T) {
	for _, s := range []string{"", "plain", "'; DROP TABLE images; --", "镜像 🚀", "tab\tnew\nline\rend", "100%_\\", "\u007f", "\uFFFD"} {
		if !Valid(s) {
			t.Errorf("Valid(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"\xff", "a\x00b", "\x01", "ok\x1b[31m", "镜\xe5\x83", "🚀\x00", "🚀\x07"} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true, want false", s)
		}
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range []string{"", "ab", "\xff", "a\x00", "镜像\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := utf8.ValidString(s)
		for _, r := range s {
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
				want = false
			}
		}
		if got := Valid(s); got != want {
			t.Fatalf("Valid(%q) = %v, want %v", s, got, want)
		}
	})
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{"ok": "ok", "a\x00b": "a?b", "\xff镜\x01": "?镜?", "tab\t": "tab\t"} {
		if got := Sanitize(in); got != want || !Valid(got) {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
