package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// migrationFS holds the schema changes, applied in version order. A file
// is named NNN_name.sql; a released file is never edited, only followed by
// a new one.
//
//go:embed migration/*.sql
var migrationFS embed.FS

// migrations returns the embedded migrations sorted by version.
func migrations() ([]sqlstore.Migration, error) {
	return sqlstore.ReadMigrations(migrationFS, "migration")
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at INTEGER NOT NULL
)`

// Migrate applies every pending migration, each in its own transaction
// together with its schema_migrations row. Running it again does nothing.
func (s *Store) Migrate(ctx context.Context) error {
	const op = "sqlite.Migrate"
	ms, err := migrations()
	if err != nil {
		return imageshare.Internal(op, err)
	}
	if _, err := s.write.ExecContext(ctx, createMigrationsTable); err != nil {
		return imageshare.Internal(op, err)
	}
	for _, m := range ms {
		err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
			// Checked inside the write transaction: another process
			// migrating the same file cannot apply m twice.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %03d_%s: %w", m.Version, m.Name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UnixNano())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// appliedVersions returns the versions recorded in schema_migrations.
func appliedVersions(ctx context.Context, db *sql.DB) (map[int]bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}
