package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// TestReadsDoNotWaitForWriter holds the write connection in an open
// transaction and checks that reads still answer promptly (WAL).
func TestReadsDoNotWaitForWriter(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := &imageshare.Account{Name: "a@example.com"}
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET name = 'changed' WHERE id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	readCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	got, err := s.FindAccountByID(readCtx, a.ID)
	if err != nil {
		t.Fatalf("read during a write transaction: %v", err)
	}
	if got.Name != a.Name {
		t.Fatalf("read saw uncommitted name %q", got.Name)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
}

func TestPingReportsMissingMigration(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.ExecContext(ctx, `DELETE FROM schema_migrations`); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); imageshare.ErrorKind(err) != imageshare.KindUnavailable {
		t.Fatalf("Ping with no migration recorded = %v, want kind unavailable", err)
	}
}

// TestPragmas checks the durability and integrity settings on both pools.
func TestPragmas(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		pool   string
		pragma string
		want   string
	}{
		{"write", "journal_mode", "wal"},
		{"write", "synchronous", "2"}, // FULL
		{"write", "foreign_keys", "1"},
		{"write", "busy_timeout", "10000"},
		{"read", "journal_mode", "wal"},
		{"read", "foreign_keys", "1"},
		{"read", "query_only", "1"},
		{"read", "busy_timeout", "10000"},
	} {
		db := s.write
		if tc.pool == "read" {
			db = s.read
		}
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s pool: PRAGMA %s = %s, want %s", tc.pool, tc.pragma, got, tc.want)
		}
	}
}
