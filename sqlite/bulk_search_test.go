package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// searchIndexRows counts the rows of the FTS5 indexes' data tables: every
// segment has its own leaf pages, so merged segments are fewer rows.
func searchIndexRows(t *testing.T, s *Store) int {
	t.Helper()
	var n, m int
	if err := s.read.QueryRowContext(context.Background(), `SELECT (SELECT count(*) FROM community_trigrams_data), (SELECT count(*) FROM community_words_data)`).Scan(&n, &m); err != nil {
		t.Fatal(err)
	}
	return n + m
}

// TestBulkLoaderOptimizesSearch loads Community versions one per batch (a
// segment each) and checks that Close merges the segments, and that
// searches find the same versions before and after.
func TestBulkLoaderOptimizesSearch(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "bulk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b := s.NewBulkLoader(1)
	if err := b.Account(ctx, &imageshare.Account{ID: 1, Name: "p@example.com"}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	const versions = 40
	for i := range versions {
		im := &imageshare.Image{ID: fmt.Sprintf("v-%02d", i), Region: "cn-wlcb", OwnerID: 1, Type: imageshare.ImageCommunity,
			Status: imageshare.StatusAvailable, Name: fmt.Sprintf("Llama chat %c%c", 'a'+i%7, 'a'+i%5), Author: "Painter", Visibility: 1,
			CreatedAt: at.Add(time.Duration(i) * time.Second), PublishedAt: at.Add(time.Duration(i) * time.Second), Tags: []string{}}
		if err := b.Image(ctx, im); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	search := func() (string, int) {
		images, total, err := s.FindCommunityImages(ctx, imageshare.CommunityFilter{Fuzzy: "chat ba", Page: imageshare.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		ids := ""
		for _, im := range images {
			ids += im.ID + " "
		}
		return ids, total
	}
	beforeIDs, beforeTotal := search()
	before := searchIndexRows(t, s)
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	after := searchIndexRows(t, s)
	if after >= before {
		t.Errorf("search index rows after Close = %d, want fewer than the %d the batches left", after, before)
	}
	if ids, total := search(); ids != beforeIDs || total != beforeTotal || total == 0 {
		t.Errorf("search after optimize = %q (total %d), before = %q (total %d)", ids, total, beforeIDs, beforeTotal)
	}
	if err := s.OptimizeSearch(ctx); err != nil {
		t.Fatal(err)
	}
	if again := searchIndexRows(t, s); again > after {
		t.Errorf("a second optimize grew the index from %d to %d rows", after, again)
	}
}
