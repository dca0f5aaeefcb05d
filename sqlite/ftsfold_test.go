package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// ftsTrigrams returns the trigrams FTS5's trigram tokenizer makes of each
// text, in order, read back through fts5vocab from a scratch table with
// the tokenizer options of community_trigrams.
func ftsTrigrams(t *testing.T, texts []string) [][]string {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE VIRTUAL TABLE tri USING fts5 (x, tokenize = 'trigram')`,
		`CREATE VIRTUAL TABLE tri_vocab USING fts5vocab (tri, 'instance')`,
		`BEGIN`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for i, text := range texts {
		if _, err := db.ExecContext(ctx, `INSERT INTO tri (rowid, x) VALUES (?, ?)`, i+1, text); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `COMMIT`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT doc, CAST(term AS BLOB) FROM tri_vocab ORDER BY doc, offset`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := make([][]string, len(texts))
	for rows.Next() {
		var doc int
		var term []byte
		if err := rows.Scan(&doc, &term); err != nil {
			t.Fatal(err)
		}
		out[doc-1] = append(out[doc-1], string(term))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// goTrigrams is what ftsFold says the tokenizer makes of text.
func goTrigrams(text string) []string {
	folded, _ := ftsFold(text)
	var chars []string
	for i := 0; i < len(folded); {
		j := i + 1
		for j < len(folded) && folded[j]&0xc0 == 0x80 {
			j++
		}
		chars = append(chars, folded[i:j])
		i = j
	}
	var out []string
	for i := 0; i+3 <= len(chars); i++ {
		out = append(out, strings.Join(chars[i:i+3], ""))
	}
	return out
}

// TestFTSFoldMatchesTrigramTokenizer checks ftsFold against FTS5 itself:
// every character of the Basic Multilingual Plane and the Deseret block
// (the ranges FTS5's folding tables cover) tripled, and byte strings that
// are not UTF-8 or hold NUL characters. A search that verifies candidates
// with ftsFold answers as the trigram index would only if they agree.
func TestFTSFoldMatchesTrigramTokenizer(t *testing.T) {
	var texts []string
	for c := rune(1); c < 0x10450; c++ {
		if c >= 0xd800 && c < 0xe000 {
			continue // surrogates are not encodable; covered below as bytes
		}
		if c >= 0x10000 && c < 0x10400 {
			continue
		}
		s := string(c)
		texts = append(texts, s+s+s)
	}
	texts = append(texts,
		"Ab\x00cD",                   // NUL characters are skipped
		"x\xc3y\x80z",                // a lead byte without continuation, a stray continuation byte
		"\xc0\x80ab",                 // overlong NUL
		"\xed\xa0\x80ab",             // a surrogate
		"\xef\xbf\xbe\xef\xbf\xbfab", // U+FFFE, U+FFFF
		"\xf0\x80\x80\x80\x80\x80ab", // a lead byte with too many continuation bytes
		"\xfe\xff\xf8ab",             // bytes that lead nothing
		"Ärger ΣΑΣ İstanbul ǅemal ẞ K Å",
	)
	got := ftsTrigrams(t, texts)
	bad := 0
	for i, text := range texts {
		want := goTrigrams(text)
		if strings.Join(got[i], "|") != strings.Join(want, "|") {
			if bad++; bad <= 10 {
				t.Errorf("%q: FTS5 makes %q, ftsFold says %q", text, got[i], want)
			}
		}
	}
	if bad > 10 {
		t.Errorf("%d texts disagree in all", bad)
	}
}
