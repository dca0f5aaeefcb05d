package sqlstore

import (
	"strconv"
	"strings"
)

// One query text, two executors: the stores' shared statements are
// written here once with "?" placeholders, SQLite's own; the PostgreSQL
// store numbers them with Rebind when it builds the statement. What only
// one database can say (a list bound as a JSON array or as a text[], a
// row lock, a search) is passed in by the store as a Dialect.

// Placeholder returns the marker of a statement's n-th argument
// (1-based).
type Placeholder func(n int) string

// Question is SQLite's placeholder: "?" whatever n.
func Question(int) string { return "?" }

// Dollar is PostgreSQL's placeholder: "$n".
func Dollar(n int) string { return "$" + strconv.Itoa(n) }

// Rebind returns query with each "?" outside a quoted literal replaced by
// ph(n), counting from 1. A query built for SQLite is thereby one for
// PostgreSQL; with Question it is the query unchanged.
func Rebind(ph Placeholder, query string) string {
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte // the open literal's quote, or 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote closes and reopens: same result
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteString(ph(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Dialect is what the shared builders need of one database.
type Dialect struct {
	// Placeholder marks the statement's arguments.
	Placeholder Placeholder
	// In returns a condition that col is one of values, binding them
	// with args (one parameter, whatever the number of values).
	In func(args *Args, col string, values []string) string
}

// Args collects a statement's arguments and names their placeholders.
type Args struct {
	ph     Placeholder
	Values []any
}

// NewArgs returns an empty argument list marked by ph.
func NewArgs(ph Placeholder) *Args { return &Args{ph: ph} }

// Add appends v and returns its placeholder.
func (a *Args) Add(v any) string {
	a.Values = append(a.Values, v)
	return a.ph(len(a.Values))
}

// Where collects the conditions of a WHERE clause.
type Where []string

// And appends cond.
func (w *Where) And(cond string) { *w = append(*w, cond) }

// String is " WHERE c1 AND c2 ...", or empty without conditions.
func (w Where) String() string {
	if len(w) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w, " AND ")
}

// Fold is the case-folded form of a name that a case-insensitive search
// compares (the images.name_fold column): one function, so that data
// moved between the stores searches alike.
func Fold(s string) string { return strings.ToLower(s) }

// likeEscaper escapes LIKE's wildcards and its escape character.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// EscapeLike makes every character of s match itself in a LIKE pattern
// that uses ESCAPE '\' (both databases read the pattern alike).
func EscapeLike(s string) string { return likeEscaper.Replace(s) }

// Contains is the LIKE pattern (ESCAPE '\') of a substring match of s.
func Contains(s string) string { return "%" + EscapeLike(s) + "%" }

// StringsOf converts a list of string-typed values.
func StringsOf[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}
