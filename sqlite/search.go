package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// A name or fuzzy search of three characters or more is a substring match
// in the community_trigrams FTS5 index (migration 002): FTS5 matches the
// query as a phrase of its trigrams, intersecting every trigram's posting
// list. The lists of common trigrams (a family name's "cha", a separator's
// "at-") hold a tenth of the catalog, so that match reads more of the
// index the larger the catalog, whatever the answer (docs/benchmarks:
// BENCHMARKS.md, "Fuzzy search").
//
// resolveSearch answers such a search from its rarest trigrams instead:
//
//  1. each distinct trigram's frequency is estimated by a probe that
//     reads at most probeRows entries of its posting list (the first
//     ones, in rowid order): fewer than probeRows is the exact count;
//     otherwise the rowid of the last one read tells how dense the list
//     is, since rowids are community_search_keys' seq, given in order
//     (estimates are reused for a minute: see estimate);
//  2. the rarest few trigrams (at most rareTrigrams, each estimated at
//     most rareEstimate) are matched together, in the query's columns, for
//     at most searchCandidateLimit candidates, provided that this skips a
//     trigram at least skipFactor times as common as those it keeps
//     (otherwise the phrase match reads about as much, and verifies
//     nothing);
//  3. every candidate's name (and author) is folded as the trigram
//     tokenizer folds it (ftsfold.go) and kept when it contains the
//     folded query: the same answer as the phrase match, since a phrase of
//     consecutive trigrams is a substring of the folded text.
//
// The estimate only chooses which trigrams to match; a wrong one costs
// time, never a wrong answer (every match holds all of the query's
// trigrams). When no trigram is rare, or the candidates exceed the limit,
// the search falls back to the phrase match (the answer is then large
// anyway). Shorter queries, which trigrams cannot serve, go to the word
// index as before (searchCond).
const (
	probeRows            = 16
	rareTrigrams         = 3
	rareEstimate         = 4 * searchCandidateLimit
	searchCandidateLimit = 1000
	skipFactor           = 4
	// rareWord is the most versions a word prefix may be estimated in
	// for a search to verify its versions alone.
	rareWord = 64
)

// searchStats counts how searches were answered, for tests and diagnosis,
// and keeps the trigram estimates probes made.
type searchStats struct {
	rare       atomic.Int64 // searches answered from their rarest trigrams
	fallback   atomic.Int64 // searches of 3+ characters left to the phrase match
	candidates atomic.Int64 // candidates verified, over all rare searches
	probes     atomic.Int64 // posting lists probed

	mu        sync.Mutex
	estimates map[string]estimate // by folded trigram
}

// estimate is a trigram's estimated number of versions, as a probe found
// it at a time. A catalog's trigram frequencies change slowly, and an
// estimate only decides which trigrams a search matches (never what it
// answers), so one is reused for estimateTTL instead of probing again on
// every search; at most maxEstimates are kept.
type estimate struct {
	n  int64
	at time.Time
}

const (
	estimateTTL  = time.Minute
	maxEstimates = 16384
)

// cached returns the estimate of key probed less than estimateTTL ago.
func (st *searchStats) cached(key string, now time.Time) (int64, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.estimates[key]
	if !ok || now.Sub(e.at) >= estimateTTL {
		return 0, false
	}
	return e.n, true
}

// keep records an estimate, forgetting all of them when the bound is
// reached (they are all cheap to probe again).
func (st *searchStats) keep(key string, n int64, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.estimates == nil || len(st.estimates) >= maxEstimates {
		st.estimates = map[string]estimate{}
	}
	st.estimates[key] = estimate{n: n, at: now}
}

// searchIDs are the ids of the versions a name or fuzzy search matched,
// when resolveSearch answered it; nil leaves it to the FTS5 phrase match.
type searchIDs struct {
	name, fuzzy []string
}

// resolveSearch answers f's name and fuzzy searches from their rarest
// trigrams where it can, inside tx (the snapshot the page is read from).
func (s *Store) resolveSearch(ctx context.Context, tx *sql.Tx, f fuzzyFilter) (searchIDs, error) {
	var ids searchIDs
	var err error
	if f.imageID != "" {
		return ids, nil // one version by id: nothing is cheaper
	}
	if f.name != "" {
		if ids.name, err = s.rareSearch(ctx, tx, false, f.name); err != nil {
			return ids, err
		}
	}
	if f.fuzzy != "" {
		if ids.fuzzy, err = s.rareSearch(ctx, tx, true, f.fuzzy); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// fuzzyFilter is what resolveSearch reads of a CommunityFilter.
type fuzzyFilter struct{ imageID, name, fuzzy string }

// trigram is one distinct trigram of a query: its text as the query
// spells it (FTS5 folds it as it folds the index) and its estimated
// number of versions.
type trigram struct {
	text, key string // as the query spells it, and folded
	estimate  int64
	word      bool // a word prefix in community_words, not a trigram
}

// queryTrigrams returns the distinct trigrams of q, or nil when q is not
// one the rare path serves: shorter than three characters, or holding
// what FTS5 reads differently from Go (invalid UTF-8, NUL, U+FFFE/U+FFFF).
func queryTrigrams(q string) []trigram {
	if !utf8.ValidString(q) || strings.ContainsAny(q, "\x00\uFFFE\uFFFF") {
		return nil
	}
	runes := []rune(q)
	if len(runes) < 3 {
		return nil
	}
	seen := map[string]bool{}
	var out []trigram
	for i := 0; i+3 <= len(runes); i++ {
		text := string(runes[i : i+3])
		key, _ := ftsFold(text)
		if !seen[key] {
			seen[key] = true
			out = append(out, trigram{text: text, key: key})
		}
	}
	return out
}

// queryWords returns the words of q that begin a word of any text holding
// q: runs of three or more ASCII letters and digits that follow an ASCII
// character that is neither (which the words index's unicode61 tokenizer
// takes as a separator, as it takes the run's characters as a token's).
// A text containing q has a word token starting with each, so that the
// word's prefix query in community_words selects a superset of q's
// matches; the catalog's unique names ("chat-bacehi": "bacehi") make such
// a prefix far rarer than any trigram, whose lists grow with the catalog.
func queryWords(q string) []trigram {
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
	var out []trigram
	for i := 1; i < len(q); i++ {
		if alnum(q[i]) && q[i-1] < 0x80 && !alnum(q[i-1]) {
			j := i
			for j < len(q) && alnum(q[j]) {
				j++
			}
			if j-i >= 3 {
				out = append(out, trigram{text: q[i:j], key: "w:" + strings.ToLower(q[i:j]), word: true})
			}
			i = j
		}
	}
	return out
}

// ftsPhrase quotes text as an FTS5 string.
func ftsPhrase(text string) string { return `"` + strings.ReplaceAll(text, `"`, `""`) + `"` }

// probeQuery and probeWordQuery read the start of one trigram's posting
// list, or of one word prefix's.
var (
	probeQuery = `SELECT count(*), COALESCE(max(rowid), 0) FROM (
	SELECT rowid FROM community_trigrams WHERE community_trigrams MATCH ? ORDER BY rowid LIMIT ` + strconv.Itoa(probeRows) + `)`
	probeWordQuery = `SELECT count(*), COALESCE(max(rowid), 0) FROM (
	SELECT rowid FROM community_words WHERE community_words MATCH ? ORDER BY rowid LIMIT ` + strconv.Itoa(probeRows) + `)`
)

// rareSearch returns the ids of the versions whose name (and, if fuzzy,
// author) contains q, or nil when q is left to the phrase match.
func (s *Store) rareSearch(ctx context.Context, tx *sql.Tx, fuzzy bool, q string) ([]string, error) {
	grams := queryTrigrams(q)
	if len(grams) < 2 {
		// Too short for trigrams, or one trigram: the phrase match reads
		// exactly that trigram's list.
		return nil, nil
	}
	keys := append(grams, queryWords(q)...)
	if err := s.estimate(ctx, tx, keys); err != nil {
		return nil, err
	}
	grams, words := keys[:len(grams)], keys[len(grams):]
	sortGrams(grams)
	sortGrams(words)
	columns := "{name}"
	if fuzzy {
		columns = "{name author}"
	}
	if len(words) > 0 && words[0].estimate <= rareWord && words[0].estimate <= grams[0].estimate {
		ids, n, ok, err := verifyCandidates(ctx, tx, wordCandidateQuery, columns+" : "+ftsPhrase(words[0].text)+" *", fuzzy, q)
		s.search.candidates.Add(int64(n))
		if err != nil {
			return nil, err
		}
		if ok {
			s.search.rare.Add(1)
			return ids, nil
		}
	}
	if grams[0].estimate > rareEstimate {
		s.search.fallback.Add(1)
		return nil, nil
	}
	var match []string
	for i, g := range grams {
		if i == rareTrigrams || (i > 0 && g.estimate > rareEstimate) {
			break
		}
		match = append(match, columns+" : "+ftsPhrase(g.text))
	}
	if skipped := grams[len(match):]; len(skipped) == 0 || skipped[len(skipped)-1].estimate < skipFactor*grams[len(match)-1].estimate {
		// The phrase match would read little more than the rare path
		// does, without verifying candidates.
		s.search.fallback.Add(1)
		return nil, nil
	}
	ids, n, ok, err := verifyCandidates(ctx, tx, candidateQuery, strings.Join(match, " AND "), fuzzy, q)
	s.search.candidates.Add(int64(n))
	if err != nil || !ok {
		s.search.fallback.Add(1)
		return nil, err
	}
	s.search.rare.Add(1)
	return ids, nil
}

// estimate fills in the estimates of grams, probing the posting lists of
// those without a recent one.
func (s *Store) estimate(ctx context.Context, tx *sql.Tx, grams []trigram) error {
	now := time.Now()
	maxSeq := int64(-1)
	for i := range grams {
		if n, ok := s.search.cached(grams[i].key, now); ok {
			grams[i].estimate = n
			continue
		}
		if maxSeq < 0 {
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(seq), 0) FROM community_search_keys`).Scan(&maxSeq); err != nil {
				return err
			}
		}
		var n, last int64
		probe, expr := probeQuery, ftsPhrase(grams[i].text)
		if grams[i].word {
			probe, expr = probeWordQuery, expr+" *"
		}
		if err := tx.QueryRowContext(ctx, probe, expr).Scan(&n, &last); err != nil {
			return err
		}
		s.search.probes.Add(1)
		if n >= probeRows && last > 0 {
			n = max(n, n*maxSeq/last)
		}
		grams[i].estimate = n
		s.search.keep(grams[i].key, n, now)
	}
	return nil
}

// sortGrams orders grams rarest first.
func sortGrams(grams []trigram) {
	slices.SortStableFunc(grams, func(a, b trigram) int {
		switch {
		case a.estimate < b.estimate:
			return -1
		case a.estimate > b.estimate:
			return 1
		}
		return 0
	})
}

// candidateQuery and wordCandidateQuery read the versions that match an
// FTS5 expression in the trigram or the words index, with the text a
// search verifies, one more than the limit.
var (
	candidateQuery = `SELECT k.image_id, COALESCE(t.name, ''), COALESCE(t.author, '') FROM community_trigrams t
JOIN community_search_keys k ON k.seq = t.rowid
WHERE community_trigrams MATCH ? LIMIT ` + strconv.Itoa(searchCandidateLimit+1)
	wordCandidateQuery = `SELECT k.image_id, COALESCE(t.name, ''), COALESCE(t.author, '') FROM community_words t
JOIN community_search_keys k ON k.seq = t.rowid
WHERE community_words MATCH ? LIMIT ` + strconv.Itoa(searchCandidateLimit+1)
)

// verifyCandidates reads the n candidates of expr (by query) and returns the ids of
// those whose name (or author, if fuzzy) contains q as the trigram
// tokenizer folds both. ok is false when there are more candidates than
// searchCandidateLimit.
func verifyCandidates(ctx context.Context, tx *sql.Tx, query, expr string, fuzzy bool, q string) (ids []string, n int, ok bool, err error) {
	folded, _ := ftsFold(q)
	rows, err := tx.QueryContext(ctx, query, expr)
	if err != nil {
		return nil, 0, false, err
	}
	defer rows.Close()
	ids = []string{}
	for rows.Next() {
		if n++; n > searchCandidateLimit {
			return nil, n, false, nil
		}
		var id, name, author string
		if err := rows.Scan(&id, &name, &author); err != nil {
			return nil, n, false, err
		}
		if contains(name, folded) || (fuzzy && contains(author, folded)) {
			ids = append(ids, id)
		}
	}
	return ids, n, true, rows.Err()
}

// contains reports whether text, folded as the trigram tokenizer folds
// it, contains the folded query.
func contains(text, folded string) bool {
	t, _ := ftsFold(text)
	return strings.Contains(t, folded)
}
