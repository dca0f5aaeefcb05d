package postgres

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// migrationFS holds the schema changes, applied in version order. A file
// is named NNN_name.sql; a released file is never edited, only followed by
// a new one. Replicas of different versions may run against one database
// during a rolling upgrade, so a migration only adds (tables, columns with
// defaults, indexes); removing something waits for a release after every
// replica has stopped using it.
//
//go:embed migration/*.sql
var migrationFS embed.FS

type migration struct {
	sqlstore.Migration
	// after, when set, runs in the migration's transaction after its SQL:
	// data a migration derives in Go rather than in SQL.
	after func(ctx context.Context, tx pgx.Tx) error
}

// migrationSteps are the Go parts of migrations, by version.
var migrationSteps = map[int]func(ctx context.Context, tx pgx.Tx) error{
	2: rebuildSearch, // derive the search columns of the images already there
}

// migrations returns the embedded migrations sorted by version, with
// their Go steps.
func migrations() ([]migration, error) {
	files, err := sqlstore.ReadMigrations(migrationFS, "migration")
	if err != nil {
		return nil, err
	}
	ms := make([]migration, len(files))
	for i, f := range files {
		ms[i] = migration{Migration: f, after: migrationSteps[f.Version]}
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    bigint PRIMARY KEY,
	name       text   NOT NULL,
	applied_at bigint NOT NULL
)`

// migrationLockKey names the advisory lock that serialises migrations of
// one schema: replicas starting together queue on it, and the first one
// applies what is pending while the others then find nothing to do.
// Different schemas of one database migrate independently.
const migrationLockKey = `hashtextextended('imageshare.migrate:' || current_schema(), 0)`

// Migration is one applied schema change.
type Migration struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// Migrate applies every pending migration, each in its own transaction
// together with its schema_migrations row, while holding the schema's
// migration advisory lock. Running it again, or on several replicas at
// once, applies each migration exactly once.
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.migrate(ctx)
	return err
}

// MigrateReport is Migrate that also returns the migrations it applied.
func (s *Store) MigrateReport(ctx context.Context) ([]Migration, error) {
	return s.migrate(ctx)
}

func (s *Store) migrate(ctx context.Context) ([]Migration, error) {
	const op = "postgres.Migrate"
	ms, err := migrations()
	if err != nil {
		return nil, imageshare.Internal(op, err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, mapError(op, err)
	}
	// The advisory lock belongs to this session: if the process dies the
	// server releases it with the connection. The session is closed rather
	// than reused, so that no setting made here leaks into the pool.
	defer func() {
		conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
	}()
	// A migration may legitimately outlast the statement timeout, and so
	// may the wait for another replica's migration.
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return nil, mapError(op, err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+migrationLockKey+`)`); err != nil {
		return nil, mapError(op, err)
	}
	if _, err := conn.Exec(ctx, createMigrationsTable); err != nil {
		return nil, mapError(op, err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return nil, mapError(op, err)
	}
	var done []Migration
	for _, m := range ms {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		now := time.Now()
		err := pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{}, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %03d_%s: %w", m.Version, m.Name, err)
			}
			if m.after != nil {
				if err := m.after(ctx, tx); err != nil {
					return fmt.Errorf("migration %03d_%s: %w", m.Version, m.Name, err)
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, now.UnixNano())
			return err
		})
		if err != nil {
			return done, mapError(op, err)
		}
		done = append(done, Migration{Version: m.Version, Name: m.Name, AppliedAt: now.UTC()})
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(`+migrationLockKey+`)`); err != nil {
		return done, mapError(op, err)
	}
	return done, nil
}

// Migrations returns the applied migrations in version order.
func (s *Store) Migrations(ctx context.Context) ([]Migration, error) {
	rows, err := s.pool.Query(ctx, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, mapError("postgres.Migrations", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Migration, error) {
		var m Migration
		var at int64
		err := row.Scan(&m.Version, &m.Name, &at)
		m.AppliedAt = sqlstore.FromNanos(at)
		return m, err
	})
	if err != nil {
		return nil, mapError("postgres.Migrations", err)
	}
	return out, nil
}

// queryer is what a pool, a connection and a transaction offer.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

var (
	_ queryer = (*pgxpool.Pool)(nil)
	_ queryer = (*pgxpool.Conn)(nil)
	_ queryer = (pgx.Tx)(nil)
)

// appliedVersions returns the versions recorded in schema_migrations; a
// database without the table has none.
func appliedVersions(ctx context.Context, q queryer) (map[int]struct{}, error) {
	rows, err := q.Query(ctx, `SELECT version FROM schema_migrations`)
	if pgCode(err) == "42P01" { // undefined_table
		return map[int]struct{}{}, nil
	}
	if err != nil {
		return nil, err
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		if pgCode(err) == "42P01" {
			return map[int]struct{}{}, nil
		}
		return nil, err
	}
	applied := make(map[int]struct{}, len(versions))
	for _, v := range versions {
		applied[v] = struct{}{}
	}
	return applied, nil
}
