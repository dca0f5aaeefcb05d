package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/imageshare/imageshare"
)

// TestCommunityMigrationIndexesExistingImages upgrades a database made at
// migration 001 that already holds community images (from a seed file):
// after 002 they are found by name and author search.
func TestCommunityMigrationIndexesExistingImages(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", dsn(path, []string{"foreign_keys(1)"}, ""))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Version != 1 {
		t.Fatalf("first migration is %d", ms[0].Version)
	}
	for _, q := range []string{createMigrationsTable, ms[0].SQL,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'initial', 0)`,
		`INSERT INTO accounts (id, name, organization_id, created_at) VALUES (1, 'a@example.com', 1, 0)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// Rows written as 001's schema stands, before 002 exists.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range []*imageshare.Image{
		{ID: "old-1", Name: "Seeded Whisper", Author: "Alice"},
		{ID: "old-2", Name: "Seeded Bark", Author: "bob"},
	} {
		im.Region, im.OwnerID, im.Type, im.Status, im.Visibility = "cn-wlcb", 1, imageshare.ImageCommunity, imageshare.StatusAvailable, 1
		if err := insertImage(ctx, tx, im); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for q, want := range map[string]string{"whisper": "old-1", "BARK": "old-2"} {
		images, n, err := s.FindCommunityImages(ctx, imageshare.CommunityFilter{Name: q})
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || len(images) != 1 || images[0].ID != want {
			t.Errorf("search %q after migration: %d images, want %s", q, n, want)
		}
	}
	images, _, err := s.FindCommunityImages(ctx, imageshare.CommunityFilter{Fuzzy: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 || images[0].ID != "old-1" {
		t.Errorf("author search after migration found %d images, want old-1", len(images))
	}
}
