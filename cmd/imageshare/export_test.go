package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/postgres/pgtest"
)

func TestMigrateCommand(t *testing.T) {
	dbs := []string{"sqlite:" + filepath.Join(t.TempDir(), "m.db")}
	if pgtest.ServerDSN() != "" {
		dbs = append(dbs, pgtest.NewSchema(t))
	}
	for _, db := range dbs {
		out, err := runCmd(t, "migrate", "--db", db)
		if err != nil || !strings.Contains(out, "applied 001_initial") || !strings.Contains(out, "applied 002_") {
			t.Fatalf("first migrate on %s: %v\n%s", db, err, out)
		}
		out, err = runCmd(t, "migrate", "--db", db)
		if err != nil || !strings.Contains(out, "nothing to apply") || strings.Contains(out, "applied") || !strings.Contains(out, "schema at ") {
			t.Fatalf("second migrate on %s: %v\n%s", db, err, out)
		}
	}
	if out, err := runCmd(t, "migrate", "--db", "mysql://x"); err == nil || !strings.Contains(err.Error(), "want sqlite:PATH, postgres://") {
		t.Fatalf("unknown DSN: %v\n%s", err, out)
	}
}

// TestExportImportCommands moves a store through a file with the CLI:
// SQLite to SQLite, and through PostgreSQL when a server is configured.
func TestExportImportCommands(t *testing.T) {
	dir := t.TempDir()
	src := "sqlite:" + filepath.Join(dir, "src.db")
	if out, err := runCmd(t, "account", "create", "--db", src, "--name", "dev@example.com", "--id", "42"); err != nil {
		t.Fatalf("account create: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "dump.jsonl")
	out, err := runCmd(t, "export", "--db", src, "--out", file)
	if err != nil || !strings.Contains(out, "accounts 1") || !strings.Contains(out, "access_keys 1") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(file); err != nil || !strings.HasPrefix(string(b), `{"format":"imageshare-export","version":1`) {
		t.Fatalf("export file: %v\n%.200s", err, b)
	}
	targets := []string{"sqlite:" + filepath.Join(dir, "dst.db")}
	if pgtest.ServerDSN() != "" {
		targets = append(targets, pgtest.NewSchema(t))
	}
	for _, dst := range targets {
		out, err = runCmd(t, "import", "--db", dst, "--in", file)
		if err != nil || !strings.Contains(out, "imported ") || !strings.Contains(out, "accounts 1") {
			t.Fatalf("import into %s: %v\n%s", dst, err, out)
		}
		out, err = runCmd(t, "account", "list", "--db", dst)
		if err != nil || !strings.Contains(out, "dev@example.com") || !strings.Contains(out, "42") {
			t.Fatalf("account list after import: %v\n%s", err, out)
		}
		// A second import would duplicate everything: it is refused whole.
		out, err = runCmd(t, "import", "--db", dst, "--in", file)
		if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "nothing was stored") {
			t.Fatalf("second import into %s: %v\n%s", dst, err, out)
		}
	}
	// A failed export leaves no file behind.
	bad := filepath.Join(dir, "bad.jsonl")
	if out, err := runCmd(t, "export", "--db", "sqlite:"+filepath.Join(dir, "missing", "x.db"), "--out", bad); err == nil {
		t.Fatalf("export of an unopenable store succeeded: %s", out)
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, "bad.jsonl*")); len(entries) != 0 {
		t.Fatalf("failed export left %v", entries)
	}
}
