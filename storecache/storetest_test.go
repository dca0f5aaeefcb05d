package storecache_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/postgres/pgtest"
	"github.com/imageshare/imageshare/sqlite"
	"github.com/imageshare/imageshare/storecache"
	"github.com/imageshare/imageshare/storetest"
)

var ctx = context.Background()

// wrap puts the caches over st, closed with the test.
func wrap(t testing.TB, st imageshare.Store, budget int64) *storecache.Store {
	t.Helper()
	c, err := storecache.New(ctx, st, budget)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func openSQLite(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStoreSQLite: the conformance suite passes with the caches over a
// SQLite file.
func TestStoreSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) imageshare.Store {
		return wrap(t, openSQLite(t, filepath.Join(t.TempDir(), "s.db")), 0)
	})
}

// TestStoreSQLiteMemory: and over an in-memory database.
func TestStoreSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) imageshare.Store {
		return wrap(t, openSQLite(t, ":memory:"), 0)
	})
}

func openPostgres(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStorePostgres: the conformance suite passes with the caches over
// PostgreSQL (scripts/with-postgres.sh).
func TestStorePostgres(t *testing.T) {
	pgtest.SkipUnlessConfigured(t)
	storetest.Run(t, func(t *testing.T) imageshare.Store {
		return wrap(t, openPostgres(t, pgtest.NewSchema(t)), 0)
	})
}
