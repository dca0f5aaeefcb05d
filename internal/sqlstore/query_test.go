package sqlstore

import "testing"

func TestEscapeLike(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain",
		"100%":  `100\%`,
		"a_b":   `a\_b`,
		`a\b`:   `a\\b`,
		`\%_`:   `\\\%\_`,
	} {
		if got := EscapeLike(in); got != want {
			t.Errorf("EscapeLike(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                         `SELECT 1`,
		`a = ? AND b IN (?, ?)`:            `a = $1 AND b IN ($2, $3)`,
		`name LIKE ? ESCAPE '\' AND x = ?`: `name LIKE $1 ESCAPE '\' AND x = $2`,
		`s = 'what?' AND t = ?`:            `s = 'what?' AND t = $1`,
		`s = 'it''s?' AND "odd?col" = ?`:   `s = 'it''s?' AND "odd?col" = $1`,
		`?`:                                `$1`,
	} {
		if got := Rebind(Dollar, in); got != want {
			t.Errorf("Rebind(Dollar, %q) = %q, want %q", in, got, want)
		}
		if got := Rebind(Question, in); got != in {
			t.Errorf("Rebind(Question, %q) = %q, want it unchanged", in, got)
		}
	}
}
