package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/imageshare/imageshare/internal/sqlstore"

	"github.com/jackc/pgx/v5"
)

// Community search matches a query anywhere in a name (or author),
// case-insensitively, as the SQLite store's FTS5 indexes do:
//
//   - a query of three characters or more is a substring of the folded
//     text: LIKE '%query%' (wildcards escaped) on the folded column, which
//     a pg_trgm GIN index serves (migration 014): it reads the posting
//     lists of the query's rarest trigrams first and rechecks the LIKE on
//     the rows they yield, so the cost follows the rare trigrams rather
//     than the common ones (docs/postgres.md);
//   - a shorter query is a word prefix: the word characters it has must
//     begin a word of the text, and the text's keys hold the first one and
//     two characters of every word. A query without a word character
//     matches nothing.
//
// Words are runs of letters and digits, as SQLite's unicode61 tokenizer
// has them.

// searchKeys returns the index keys of a folded text: its distinct
// trigrams and the one- and two-character prefixes of its words.
func searchKeys(folded string) []string {
	keys := []string{}
	runes := []rune(folded)
	for i := 0; i+3 <= len(runes); i++ {
		keys = append(keys, string(runes[i:i+3]))
	}
	for _, word := range words(folded) {
		w := []rune(word)
		keys = append(keys, string(w[:1]))
		if len(w) >= 2 {
			keys = append(keys, string(w[:2]))
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// words splits s into its runs of word characters.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) })
}

// searchColumn is a searchable text: its folded column and its keys column.
type searchColumn struct{ fold, keys string }

var (
	searchName   = searchColumn{"name_fold", "name_keys"}
	searchAuthor = searchColumn{"author_fold", "author_keys"}
)

// searchCond returns the condition that q occurs in any of cols, with its
// arguments added through arg. freqs, when known, lets a query of three
// characters or more be looked up by its rarest trigrams (rareFragments).
func searchCond(q string, arg func(any) string, freqs keyFreqs, cols ...searchColumn) string {
	folded := sqlstore.Fold(q)
	var parts []string
	if utf8.RuneCountInString(folded) >= 3 {
		var pattern, exact string
		for _, c := range cols {
			frags := rareFragments(folded, freqs[c.keys])
			if len(frags) == 0 {
				// The pg_trgm index on the folded column (migration 014)
				// serves the LIKE itself, from all of the query's trigrams.
				if pattern == "" {
					pattern = arg(sqlstore.Contains(folded))
				}
				parts = append(parts, fmt.Sprintf(`%s LIKE %s ESCAPE '\'`, c.fold, pattern))
				continue
			}
			// The index is asked for the rare trigrams only; strpos, which
			// no index serves, checks the whole query on the rows they
			// yield (a substring, as the LIKE would: no wildcards).
			if exact == "" {
				exact = arg(folded)
			}
			var conds []string
			for _, f := range frags {
				conds = append(conds, fmt.Sprintf(`%s LIKE %s`, c.fold, arg(`%`+f+`%`)))
			}
			conds = append(conds, fmt.Sprintf(`strpos(%s, %s) > 0`, c.fold, exact))
			parts = append(parts, "("+strings.Join(conds, " AND ")+")")
		}
	} else {
		prefix := strings.Join(words(folded), "")
		if prefix == "" {
			return `FALSE`
		}
		key := arg([]string{prefix})
		for _, c := range cols {
			parts = append(parts, fmt.Sprintf(`%s @> %s`, c.keys, key))
		}
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// searchValues are the derived search columns of an image with name and
// author, in the order of searchColumnsSQL.
func searchValues(name, author string) []any {
	nf, af := sqlstore.Fold(name), sqlstore.Fold(author)
	return []any{af, searchKeys(nf), searchKeys(af)}
}

const searchColumnsSQL = `author_fold, name_keys, author_keys`

// RebuildSearch derives the search columns of every image again from its
// name and author. Import runs it after loading rows that lack them; it is
// also safe (and idempotent) at any other time.
func (s *Store) RebuildSearch(ctx context.Context) error {
	return s.inTx(ctx, "postgres.RebuildSearch", writeTx, func(tx pgx.Tx) error {
		return rebuildSearch(ctx, tx)
	})
}

// rebuildSearch is RebuildSearch inside tx, in batches so that memory
// stays bounded on a large catalog.
func rebuildSearch(ctx context.Context, tx pgx.Tx) error {
	const batch = 500
	after := ""
	for {
		rows, err := tx.Query(ctx, `SELECT id, name, author FROM images WHERE id > $1 ORDER BY id LIMIT $2`, after, batch)
		if err != nil {
			return err
		}
		type row struct{ id, name, author string }
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			return x, r.Scan(&x.id, &x.name, &x.author)
		})
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		b := &pgx.Batch{}
		for _, x := range list {
			b.Queue(`UPDATE images SET name_fold = $1, `+setSearchColumns(2)+` WHERE id = $5`,
				append(append([]any{sqlstore.Fold(x.name)}, searchValues(x.name, x.author)...), x.id)...)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		after = list[len(list)-1].id
	}
}

// setSearchColumns is the SET list of the search columns with arguments
// numbered from first.
func setSearchColumns(first int) string {
	return fmt.Sprintf(`author_fold = $%d, name_keys = $%d, author_keys = $%d`, first, first+1, first+2)
}
