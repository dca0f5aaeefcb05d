package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/imageshare/imageshare/internal/dsn"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/sqlite"
)

// migrateCmd applies the store's pending migrations and reports them. The
// server applies them too when it opens the store, so this is for running
// them as a deploy step, before replicas of a new version start.
func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	db := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("migrate: unexpected argument %q", fs.Arg(0))
	}
	var applied, all []string
	d, err := dsn.Parse(*db)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	switch d.Kind {
	case dsn.SQLite:
		applied, all, err = migrateSQLite(ctx, d.Path)
	default:
		applied, all, err = migratePostgres(ctx, d.Conn)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", d.Scrub(err))
	}
	for _, m := range applied {
		fmt.Fprintf(stdout, "applied %s\n", m)
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "nothing to apply")
	}
	if len(all) > 0 {
		fmt.Fprintf(stdout, "schema at %s (%d migrations)\n", all[len(all)-1], len(all))
	}
	return nil
}

// migratePostgres applies pending migrations under the advisory lock, so
// it is safe while replicas start or run.
func migratePostgres(ctx context.Context, conn string) (applied, all []string, err error) {
	s, err := postgres.Connect(ctx, conn)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	done, err := s.MigrateReport(ctx)
	for _, m := range done {
		applied = append(applied, fmt.Sprintf("%03d_%s", m.Version, m.Name))
	}
	if err != nil {
		return applied, nil, err
	}
	ms, err := s.Migrations(ctx)
	for _, m := range ms {
		all = append(all, fmt.Sprintf("%03d_%s", m.Version, m.Name))
	}
	return applied, all, err
}

// migrateSQLite opens the store, which migrates it, and reports the
// schema_migrations rows that opening added.
func migrateSQLite(ctx context.Context, path string) (applied, all []string, err error) {
	if path == "" || path == ":memory:" {
		return nil, nil, errors.New("sqlite: want the path of a database file")
	}
	before, err := sqliteMigrations(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Close(); err != nil {
		return nil, nil, err
	}
	all, err = sqliteMigrations(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, m := range before {
		seen[m] = true
	}
	for _, m := range all {
		if !seen[m] {
			applied = append(applied, m)
		}
	}
	return applied, all, nil
}

// sqliteMigrations lists a SQLite file's applied migrations: none if the
// file does not exist yet or was never migrated. It opens the file read
// only and creates nothing.
func sqliteMigrations(ctx context.Context, path string) ([]string, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	db, err := sql.Open("sqlite", "file:"+strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&tables); err != nil {
		return nil, err
	}
	if tables == 0 {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("%03d_%s", v, name))
	}
	return out, rows.Err()
}
