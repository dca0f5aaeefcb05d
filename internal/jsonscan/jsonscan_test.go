package jsonscan

import "testing"

func TestString(t *testing.T) {
	for _, c := range []struct {
		body    string
		end     int
		escaped bool
	}{
		{`"ab":1`, 4, false},
		{`"a\"b"x`, 6, true},
		{`"a\\"x`, 5, true},
		{`"abc`, -1, false},
		{`"a\`, -1, true},
	} {
		end, esc := String([]byte(c.body), 0)
		if end != c.end || esc != c.escaped {
			t.Errorf("String(%q) = %d, %v; want %d, %v", c.body, end, esc, c.end, c.escaped)
		}
	}
}

func TestKeyIs(t *testing.T) {
	for _, c := range []struct {
		quoted  string
		escaped bool
		want    string
		is      bool
	}{
		{`"Action"`, false, "Action", true},
		{`"Actions"`, false, "Action", false},
		{`"\u0041ction"`, true, "Action", true},
		{`"\u0041ctiox"`, true, "Action", false},
		{`"` + "\\u0041\\u0041\\u0041\\u0041\\u0041\\u0041\\u0041" + `"`, true, "Action", false}, // too long to be it
	} {
		if got := KeyIs([]byte(c.quoted), c.escaped, c.want); got != c.is {
			t.Errorf("KeyIs(%s, %q) = %v; want %v", c.quoted, c.want, got, c.is)
		}
	}
}

func TestSkipSpace(t *testing.T) {
	if got := SkipSpace([]byte(" \t\r\n{"), 0); got != 4 {
		t.Errorf("SkipSpace = %d; want 4", got)
	}
	if got := SkipSpace([]byte("  "), 0); got != 2 {
		t.Errorf("SkipSpace of all space = %d; want 2", got)
	}
}
