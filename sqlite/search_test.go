package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/storetest"
)

// loadFuzzyCatalog opens a store at path holding versions versions of
// storetest's fuzzy catalog, loaded with the BulkLoader.
func loadFuzzyCatalog(tb testing.TB, path string, versions int) *Store {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	b := s.NewBulkLoader(0)
	if err := b.Account(ctx, &imageshare.Account{ID: 1, Name: "publisher@example.com", CreatedAt: time.Unix(0, 0)}); err != nil {
		tb.Fatal(err)
	}
	for c := range versions {
		if err := b.Image(ctx, storetest.FuzzyVersion(c, 1)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := b.Close(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}

// phraseIDs answers f as the store did before resolveSearch: every search
// by the FTS5 phrase match over all of its trigrams.
func phraseIDs(t *testing.T, s *Store, f imageshare.CommunityFilter) []string {
	t.Helper()
	where, args := communityWhere(f, searchIDs{})
	rows, err := s.read.QueryContext(context.Background(), `SELECT id FROM images`+where, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// TestSearchReadsRareTrigramsOnly checks how searches are answered on a
// catalog with the benchmark's shape: a "variant-word" query (ten
// versions) verifies just the versions whose words start with its word,
// the word's tail a few dozen candidates of its rarest trigrams, however
// many versions hold the common trigrams; a query of common trigrams only
// is left to the phrase match; all answer exactly what the phrase match
// answers.
func TestSearchReadsRareTrigramsOnly(t *testing.T) {
	const versions = 4000
	s := loadFuzzyCatalog(t, filepath.Join(t.TempDir(), "fuzzy.db"), versions)
	ctx := context.Background()
	search := func(f imageshare.CommunityFilter) []string {
		t.Helper()
		f.Page = imageshare.Page{Limit: versions}
		images, total, err := s.FindCommunityImages(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, im := range images {
			ids = append(ids, im.ID)
		}
		if total != len(ids) {
			t.Errorf("%+v: total %d, %d images", f, total, len(ids))
		}
		slices.Sort(ids)
		return ids
	}
	publishers := versions / storetest.FuzzyVersionsPerPublisher
	for p := 0; p < publishers; p += 37 {
		q := storetest.FuzzyQuery(p)
		rare, cands := s.search.rare.Load(), s.search.candidates.Load()
		got := search(imageshare.CommunityFilter{Name: strings.ToUpper(q)})
		if len(got) != storetest.FuzzyVersionsPerPublisher {
			t.Errorf("%q found %d versions, want %d", q, len(got), storetest.FuzzyVersionsPerPublisher)
		}
		if want := phraseIDs(t, s, imageshare.CommunityFilter{Name: q}); !slices.Equal(got, want) {
			t.Errorf("%q: rare trigrams found %q, the phrase match %q", q, got, want)
		}
		if s.search.rare.Load() != rare+1 {
			t.Errorf("%q was not answered from its rare trigrams", q)
		}
		// The common trigrams ("cha", "at-"...) are each in hundreds of
		// these versions, the rarest ones in dozens; the word that
		// follows the "-" begins a word of the ten versions alone.
		if n := s.search.candidates.Load() - cands; n != storetest.FuzzyVersionsPerPublisher {
			t.Errorf("%q verified %d candidates, want the %d versions of its word", q, n, storetest.FuzzyVersionsPerPublisher)
		}
		// Without that word ("chat-baceh" less its last letter is still
		// a word prefix; "t-bacehi"[1:] starts mid-word), the rarest
		// trigrams answer, from a few dozen candidates.
		cands = s.search.candidates.Load()
		if got := search(imageshare.CommunityFilter{Name: q[len(q)-5:]}); len(got) < storetest.FuzzyVersionsPerPublisher {
			t.Errorf("%q found %d versions", q[len(q)-5:], len(got))
		}
		if n := s.search.candidates.Load() - cands; n > 60 {
			t.Errorf("%q verified %d candidates, want at most 60", q[len(q)-5:], n)
		}
	}
	// Queries the rare path must answer as the phrase match does, or
	// leave to it: common trigrams only, a query crossing the family and
	// the variant, fuzzy over the author.
	for _, f := range []imageshare.CommunityFilter{
		{Name: "chat"}, {Name: "Llama-chat"}, {Name: "diffusion-lora"}, {Fuzzy: "publisher-12"}, {Fuzzy: "her-3"},
		{Name: "a-b"}, {Name: "xyz"}, {Name: "ChatGLM-base-" + storetest.FuzzyQuery(8)[5:]},
	} {
		want := phraseIDs(t, s, f)
		if got := search(f); !slices.Equal(got, want) {
			t.Errorf("%+v: found %d versions, the phrase match %d", f, len(got), len(want))
		}
	}
	fallback := s.search.fallback.Load()
	search(imageshare.CommunityFilter{Name: "chat"})
	if s.search.fallback.Load() != fallback+1 {
		t.Errorf(`"chat" (two common trigrams, nothing to skip) was not left to the phrase match`)
	}
}

// TestSearchPlans checks the statements of the rare path: each trigram's
// probe and the candidates' match are FTS5 lookups, the candidates' ids
// come by primary key, and the page reads images by id.
func TestSearchPlans(t *testing.T) {
	s, err := Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, q := range map[string]string{"Probe": probeQuery, "Candidates": candidateQuery} {
		plan := queryPlan(t, s, q, `"abc"`)
		checkNoScan(t, name, plan)
		if !slices.ContainsFunc(plan, func(step string) bool {
			return strings.Contains(step, "VIRTUAL TABLE INDEX") && strings.Contains(step, ":M")
		}) {
			t.Errorf("%s does not match in the FTS5 index: plan %q", name, plan)
		}
	}
	if plan := queryPlan(t, s, candidateQuery, `"abc"`); !slices.ContainsFunc(plan, func(step string) bool {
		return strings.HasPrefix(step, "SEARCH k USING INTEGER PRIMARY KEY")
	}) {
		t.Errorf("candidates' ids not read by key: plan %q", plan)
	}
	f := imageshare.CommunityFilter{Name: "abcdef", Region: "cn-wlcb", Statuses: []imageshare.ImageStatus{imageshare.StatusAvailable}, PublicOnly: true}
	where, args := communityWhere(f, searchIDs{name: []string{"a", "b"}})
	for what, q := range map[string]string{
		"SearchPage": searchPageQuery(f, where),
		"Groups":     groupsPageQuery(f, groupsCTE(where)),
		"Count":      `SELECT count(*) FROM images` + where,
	} {
		plan := queryPlan(t, s, q, args...)
		checkNoScan(t, what, plan)
		if !readsImagesThrough(plan, "sqlite_autoindex_images_1") {
			t.Errorf("%s: images not read by id: plan %q", what, plan)
		}
	}
}

// BenchmarkFuzzySearch compares one fuzzy search on a small and a large
// catalog of the benchmark's shape (1k and 200k versions by default;
// IMAGESHARE_BENCH_FUZZY_SIZES=small,large changes them), alternating
// between the two so that both see the same machine. It reports each
// size's mean and p99 and their ratios, and the candidates verified per
// search. Loading 200k versions takes about a minute.
func BenchmarkFuzzySearch(b *testing.B) {
	small, large := 1000, 200_000
	if v := os.Getenv("IMAGESHARE_BENCH_FUZZY_SIZES"); v != "" {
		parts := strings.Split(v, ",")
		if len(parts) == 2 {
			small, _ = strconv.Atoi(parts[0])
			large, _ = strconv.Atoi(parts[1])
		}
	}
	dir := b.TempDir()
	stores := []*Store{
		loadFuzzyCatalog(b, filepath.Join(dir, "small.db"), small),
		loadFuzzyCatalog(b, filepath.Join(dir, "large.db"), large),
	}
	sizes := []int{small, large}
	ctx := context.Background()
	times := [2][]time.Duration{}
	cands := stores[1].search.candidates.Load()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for k, s := range stores {
			p := (i * 7919) % (sizes[k] / storetest.FuzzyVersionsPerPublisher)
			start := time.Now()
			_, n, err := s.FindCommunityImages(ctx, imageshare.CommunityFilter{Name: storetest.FuzzyQuery(p), Region: "cn-wlcb",
				Statuses: []imageshare.ImageStatus{imageshare.StatusAvailable}, PublicOnly: true, Page: imageshare.Page{Limit: 20}})
			times[k] = append(times[k], time.Since(start))
			if err != nil || n != storetest.FuzzyVersionsPerPublisher {
				b.Fatalf("search %q on %d versions: %d found, %v", storetest.FuzzyQuery(p), sizes[k], n, err)
			}
		}
	}
	b.StopTimer()
	reportSizes(b, sizes, times)
	b.ReportMetric(float64(stores[1].search.candidates.Load()-cands)/float64(len(times[1])), "candidates/search")
}

// reportSizes reports the mean and p99 of each size's searches and the
// large/small ratios.
func reportSizes(b *testing.B, sizes []int, times [2][]time.Duration) {
	var mean, p99 [2]float64
	for k := range times {
		ts := times[k]
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		var sum time.Duration
		for _, d := range ts {
			sum += d
		}
		mean[k] = float64(sum.Microseconds()) / float64(len(ts))
		p99[k] = float64(ts[min(len(ts)-1, len(ts)*99/100)].Microseconds())
		b.ReportMetric(mean[k], fmt.Sprintf("µs-mean-%d", sizes[k]))
		b.ReportMetric(p99[k], fmt.Sprintf("µs-p99-%d", sizes[k]))
	}
	b.ReportMetric(mean[1]/mean[0], "mean-ratio")
	b.ReportMetric(p99[1]/p99[0], "p99-ratio")
}

// TestEstimatesBounded checks the trigram estimates' bounds: one older
// than estimateTTL is probed again, and the map never holds more than
// maxEstimates.
func TestEstimatesBounded(t *testing.T) {
	var st searchStats
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st.keep("abc", 7, now)
	if n, ok := st.cached("abc", now.Add(estimateTTL-time.Second)); !ok || n != 7 {
		t.Errorf("fresh estimate = %d, %v; want 7, true", n, ok)
	}
	if _, ok := st.cached("abc", now.Add(estimateTTL)); ok {
		t.Error("an estimate estimateTTL old is still used")
	}
	for i := range maxEstimates + 10 {
		st.keep(strconv.Itoa(i), int64(i), now)
		if len(st.estimates) > maxEstimates {
			t.Fatalf("%d estimates kept, bound %d", len(st.estimates), maxEstimates)
		}
	}
}
