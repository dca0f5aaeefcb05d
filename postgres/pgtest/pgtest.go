// Package pgtest gives tests their own empty PostgreSQL schema on the
// server that IMAGESHARE_TEST_POSTGRES_DSN names (scripts/with-postgres.sh
// starts a throwaway one and sets it). Every schema is dropped when its
// test ends, so tests never see each other's rows and may run in parallel.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN is the environment variable holding the server's DSN.
const EnvDSN = "IMAGESHARE_TEST_POSTGRES_DSN"

// ServerDSN returns the server's DSN, or "" when none is configured.
func ServerDSN() string { return os.Getenv(EnvDSN) }

// SkipUnlessConfigured skips t, saying how to run it, when no server is
// configured.
func SkipUnlessConfigured(t testing.TB) {
	t.Helper()
	if ServerDSN() == "" {
		t.Skipf("PostgreSQL tests need %s=postgres://...; scripts/with-postgres.sh go test ./... starts a throwaway server and sets it", EnvDSN)
	}
}

// NewSchema creates a fresh, empty schema, drops it (and everything in it)
// when t ends, and returns a DSN whose connections use it: the server DSN
// with search_path set. It fails t when no server is configured.
func NewSchema(t testing.TB) string {
	t.Helper()
	server := ServerDSN()
	if server == "" {
		t.Fatalf("pgtest: %s is not set; run the tests under scripts/with-postgres.sh", EnvDSN)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "imageshare_test_" + hex.EncodeToString(b[:])
	if err := sharedExtensions(server); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if err := exec(server, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := exec(server, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	dsn, err := WithSearchPath(server, schema)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// WithSearchPath returns dsn with its search_path run-time parameter set
// to schema. dsn is a postgres:// URL or a key=value string.
func WithSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}

// sharedExtensions installs the extensions the migrations use (pg_trgm,
// migration 014) in public, once per database. An extension exists once
// per database, in one schema: were a test schema's migration to create
// it, the extension would live in that schema, and dropping the schema
// when its test ends would drop the extension, and with it every other
// test schema's indexes that use it. Created here, each migration's
// CREATE EXTENSION IF NOT EXISTS finds it. Packages testing in parallel
// may race to create it: a failure is retried once it exists.
func sharedExtensions(server string) error {
	err := exec(server, `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`)
	if err != nil {
		time.Sleep(100 * time.Millisecond)
		err = exec(server, `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`)
	}
	return err
}

// exec runs one statement on a short-lived connection to the server.
func exec(dsn, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to the server in %s: %w", EnvDSN, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}
