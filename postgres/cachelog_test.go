package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/postgres/pgtest"
)

// TestChangeFeedOutOfCommitOrder: a transaction that took its log id
// before another but commits after it is still listed, once, by a feed
// that read in between (ids are not in commit order on PostgreSQL; the
// feed follows snapshots instead).
func TestChangeFeedOutOfCommitOrder(t *testing.T) {
	pgtest.SkipUnlessConfigured(t)
	ctx := context.Background()
	dsn := pgtest.NewSchema(t)
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	feed, err := s.ChangeFeed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, flush, err := feed.Changes(ctx); err != nil || !flush {
		t.Fatalf("first Changes: flush %v, %v; want a flush", flush, err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	slow, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := slow.Exec(ctx, `INSERT INTO regions (name) VALUES ('slow')`); err != nil {
		t.Fatal(err)
	}
	// The slow transaction holds the lower id; this one commits first.
	if err := s.CreateAccount(ctx, &imageshare.Account{ID: 5, Name: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	ch, flush, err := feed.Changes(ctx)
	if err != nil || flush || len(ch) == 0 || ch[0] != (imageshare.Change{Kind: "a", Key: "5"}) || slices.Contains(ch, imageshare.Change{Kind: "g"}) {
		t.Fatalf("Changes before the slow commit = %v, %v, %v", ch, flush, err)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	ch, flush, err = feed.Changes(ctx)
	if err != nil || flush || !slices.Equal(ch, []imageshare.Change{{Kind: "g"}}) {
		t.Fatalf("Changes after the slow commit = %v, %v, %v; want the region change only", ch, flush, err)
	}
	if ch, flush, err := feed.Changes(ctx); err != nil || flush || len(ch) != 0 {
		t.Fatalf("Changes with nothing new = %v, %v, %v", ch, flush, err)
	}
}

// TestChangeFeedPrunedFlushes: rows pruned before a feed saw them make it
// flush; the log keeps about 10000 rows.
func TestChangeFeedPrunedFlushes(t *testing.T) {
	pgtest.SkipUnlessConfigured(t)
	ctx := context.Background()
	dsn := pgtest.NewSchema(t)
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	feed, _ := s.ChangeFeed(ctx)
	feed.Changes(ctx)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO regions (name) SELECT 'r' || g FROM generate_series(1, 12000) g`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM cache_changes`).Scan(&n); err != nil || n > 11000 {
		t.Fatalf("log holds %d rows (%v), want it pruned", n, err)
	}
	if _, flush, err := feed.Changes(ctx); err != nil || !flush {
		t.Fatalf("Changes past the pruned rows: flush %v, %v; want a flush", flush, err)
	}
	// TRUNCATE logs a flush.
	if _, err := conn.Exec(ctx, `TRUNCATE regions`); err != nil {
		t.Fatal(err)
	}
	if _, flush, err := feed.Changes(ctx); err != nil || !flush {
		t.Fatalf("Changes after TRUNCATE: flush %v, %v; want a flush", flush, err)
	}
}
