package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/imageshare/imageshare"
)

// testCommunitySearchText checks what a name or fuzzy search matches,
// whichever index answers it: a case-folded substring of the name (or the
// author), never a match across the two, with LIKE's wildcards, quotes and
// backslashes matching themselves. Rows share a query's rarer trigrams
// without containing the query, so that an answer built from some of the
// trigrams must still verify the whole query.
func testCommunitySearchText(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a := account(t, s, "search@example.com")
	for i, v := range []struct{ id, name, author string }{
		{"exact", "Vision-Bacehi Tools", "painter"},
		{"apart", "bacehi vision", "painter"},        // the query's trigrams, not in its order
		{"split", "Vision-Bac", "ehi studio"},        // name and author together would hold it
		{"upper", "VISION-BACEHI XL", "Someone"},     // case
		{"author", "Untitled", "vision-bacehi labs"}, // the author alone
		{"percent", `100%_off \ deal`, "shop"},       // LIKE's wildcards and escape
		{"wild", "1000xoff x deal", "shop"},          // what those wildcards would match
		{"quote", `say "hello" now`, "shop"},         // FTS5's quote
		{"umlaut", "Ärger Öl Über", "Ünal"},          // non-ASCII case
		{"repeat", "aaaaaaab", "x"},                  // repeated trigrams
		{"greek", "ΣΟΦΙΑ model", "x"},                // Greek case
		{"gap", "vision-bacXhi", "painter"},          // all but one of the query's characters
		{"many", "vision-bacehi-2", "p2"},            // a second full match
		{"under", "Mixed-Wörd_endé", "x"},            // words after non-ASCII letters and "_"
	} {
		ok(t, s.CreateImage(ctx, &imageshare.Image{ID: v.id, Region: "cn-wlcb", OwnerID: a.ID, Type: imageshare.ImageCommunity,
			Status: imageshare.StatusAvailable, Name: v.name, Author: v.author, Visibility: 1, Tags: []string{},
			CreatedAt: at(i), PublishedAt: at(i)}))
	}
	type F = imageshare.CommunityFilter
	for _, tc := range []struct {
		name string
		f    F
		want []string // newest first
	}{
		{"Name", F{Name: "vision-bacehi"}, []string{"many", "upper", "exact"}},
		{"NameUpperQuery", F{Name: "VISION-BACEHI"}, []string{"many", "upper", "exact"}},
		{"NameMixedQuery", F{Name: "n-BaCeH"}, []string{"many", "upper", "exact"}},
		{"Fuzzy", F{Fuzzy: "vision-bacehi"}, []string{"many", "author", "upper", "exact"}},
		{"FuzzyNotAcross", F{Fuzzy: "bacehi studio"}, nil},
		{"FuzzyAuthorOnly", F{Fuzzy: "ehi stu"}, []string{"split"}},
		{"NameOneCharDiffers", F{Name: "bacxhi"}, []string{"gap"}},
		{"Percent", F{Name: "0%_off"}, []string{"percent"}},
		{"PercentIsNotWildcard", F{Name: "00%off"}, nil},
		{"UnderscoreIsNotWildcard", F{Name: "0_off"}, nil},
		{"Backslash", F{Name: `off \ de`}, []string{"percent"}},
		{"BackslashAlone", F{Name: `\`}, nil},
		{"Quote", F{Name: `"hello"`}, []string{"quote"}},
		{"QuoteHalf", F{Name: `y "hel`}, []string{"quote"}},
		{"Umlaut", F{Name: "äRGER öL"}, []string{"umlaut"}},
		{"UmlautAuthor", F{Fuzzy: "üNA"}, []string{"umlaut"}},
		{"Repeat", F{Name: "aaaaab"}, []string{"repeat"}},
		{"RepeatTooMany", F{Name: "aaaaaaaab"}, nil},
		{"Greek", F{Name: "σοφια"}, []string{"greek"}},
		{"ShortPrefix", F{Name: "ba"}, []string{"many", "gap", "upper", "split", "apart", "exact"}},
		{"ShortOneLetter", F{Name: "D"}, []string{"wild", "percent"}},
		{"ShortNoWord", F{Name: "%_"}, nil},
		{"NoneOfIt", F{Name: "zzzqqq"}, nil},
		{"WordAfterUnderscore", F{Name: "RD_END"}, []string{"under"}},
		{"WordAfterNonASCII", F{Name: "örd_end"}, []string{"under"}},
		{"WordPrefixOfAccented", F{Name: "d-wö"}, []string{"under"}},
		{"WordNotAtWordStart", F{Name: "xed-wörd_en"}, []string{"under"}},
		{"NameAndFuzzy", F{Name: "untit", Fuzzy: "labs"}, []string{"author"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCommunity(t, s, tc.f, tc.want, len(tc.want))
			// The grouped listing matches the same versions (each is a
			// group of its own here).
			l, err := s.FindVersionGroups(ctx, tc.f)
			ok(t, err)
			if l.Total != len(tc.want) {
				t.Errorf("FindVersionGroups(%+v): total %d, want %d", tc.f, l.Total, len(tc.want))
			}
		})
	}
	t.Run("PagesAndTotals", func(t *testing.T) {
		all := []string{"many", "author", "upper", "exact"}
		for off := 0; off <= len(all)+1; off++ {
			for limit := 1; limit <= 3; limit++ {
				p := imageshare.Page{Offset: off, Limit: limit}
				want := all[min(off, len(all)):min(off+limit, len(all))]
				wantCommunity(t, s, F{Fuzzy: "Vision-Bacehi", Page: p}, want, len(all))
				l, err := s.FindVersionGroups(ctx, F{Fuzzy: "Vision-Bacehi", Page: p})
				ok(t, err)
				got := []string{}
				for _, g := range l.Groups {
					got = append(got, g.ID)
				}
				if l.Total != len(all) || fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("FindVersionGroups page %+v = %q, total %d; want %q, total %d", p, got, l.Total, want, len(all))
				}
			}
		}
	})
}
