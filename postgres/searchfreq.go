package postgres

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/imageshare/imageshare"
)

// A pg_trgm index answers LIKE '%query%' by reading the posting lists of
// every trigram of the query, and in a catalog whose names share families
// and variants ("chat", "-base") some of those lists hold a tenth of the
// catalog: the lookup grows with the catalog although the answer does not
// (BENCHMARKS.md, "Fuzzy search"). A search therefore asks the index for
// its rarest trigrams only, each as LIKE '%abc%', and checks the whole
// query with strpos on the few rows they yield (searchCond).
//
// Which trigrams are rare, ANALYZE already knows: the search keys of
// migration 002 (name_keys, author_keys) hold every trigram of the folded
// text, and pg_stats lists their most common elements with their
// frequencies (up to ten times the statistics target). A trigram not
// listed is rarer than every listed one. The lists are read once a minute
// per replica; a stale list only makes a search slower, never wrong,
// since any subset of the query's trigrams selects a superset of its
// matches. Without statistics (a table never analyzed), searches read all
// of their trigrams, as pg_trgm alone would.

// keyFreqs are the common elements of each keys column, by column name.
type keyFreqs map[string]elemFreqs

// elemFreqs are a keys column's most common elements and the fraction of
// rows holding each; floor is the least of those fractions.
type elemFreqs struct {
	freq  map[string]float32
	floor float32
}

// freqCache holds the keyFreqs last read and when.
type freqCache struct {
	mu    sync.Mutex
	at    time.Time
	freqs keyFreqs
}

const (
	freqTTL = time.Minute
	// rareFreq is the largest fraction of the catalog a trigram may hold
	// and still be looked up; rareFragmentsMax is how many are.
	rareFreq         = 0.01
	rareFragmentsMax = 3
)

// keyFreqs returns the search keys' common elements for a search by f,
// reading them again when older than freqTTL. A failure to read them is
// not the search's: it then looks up all of its trigrams.
func (s *Store) keyFreqs(ctx context.Context, f imageshare.CommunityFilter) keyFreqs {
	if f.Name == "" && f.Fuzzy == "" {
		return nil
	}
	c := &s.freqs
	c.mu.Lock()
	if !c.at.IsZero() && time.Since(c.at) < freqTTL {
		defer c.mu.Unlock()
		return c.freqs
	}
	// One search reads them again; the others go on with the old ones
	// meanwhile rather than wait.
	c.at = time.Now()
	old := c.freqs
	c.mu.Unlock()
	if fresh, ok := s.readKeyFreqs(ctx); ok {
		c.mu.Lock()
		c.freqs = fresh
		c.mu.Unlock()
		return fresh
	}
	return old
}

// readKeyFreqs reads the search keys' common elements from pg_stats.
func (s *Store) readKeyFreqs(ctx context.Context) (keyFreqs, bool) {
	rows, err := s.pool.Query(ctx, `SELECT attname::text, most_common_elems::text::text[], most_common_elem_freqs
FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'images' AND attname IN ('name_keys', 'author_keys')
	AND most_common_elems IS NOT NULL`)
	if err != nil {
		return nil, false
	}
	defer rows.Close()
	freqs := keyFreqs{}
	for rows.Next() {
		var col string
		var elems []string
		var fs []float32
		if err := rows.Scan(&col, &elems, &fs); err != nil || len(fs) < len(elems) || len(elems) == 0 {
			continue
		}
		e := elemFreqs{freq: make(map[string]float32, len(elems)), floor: fs[0]}
		for i, el := range elems {
			e.freq[el] = fs[i]
			e.floor = min(e.floor, fs[i])
		}
		freqs[col] = e
	}
	return freqs, rows.Err() == nil
}

// rareFragments returns the rarest three-character substrings of the
// folded query (at most rareFragmentsMax, each holding at most rareFreq
// of the catalog by e), or nil when none is rare or e is unknown. Only
// substrings of ASCII letters and digits qualify: pg_trgm takes each as
// exactly one trigram of a word, whatever the database's locale.
func rareFragments(folded string, e elemFreqs) []string {
	if e.freq == nil {
		return nil
	}
	type frag struct {
		text string
		freq float32
	}
	var frags []frag
	runes := []rune(folded)
	for i := 0; i+3 <= len(runes); i++ {
		text := string(runes[i : i+3])
		if !asciiAlnum(text) || slices.ContainsFunc(frags, func(f frag) bool { return f.text == text }) {
			continue
		}
		freq, listed := e.freq[text]
		if !listed {
			freq = e.floor / 2
		}
		frags = append(frags, frag{text, freq})
	}
	slices.SortStableFunc(frags, func(a, b frag) int {
		switch {
		case a.freq < b.freq:
			return -1
		case a.freq > b.freq:
			return 1
		}
		return 0
	})
	var out []string
	for _, f := range frags {
		if len(out) == rareFragmentsMax || f.freq > rareFreq {
			break
		}
		out = append(out, f.text)
	}
	return out
}

func asciiAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
