// Package sqlite implements imageshare.Store on SQLite (modernc.org/sqlite,
// pure Go). Writes go through one connection so that concurrent writers
// queue in Go instead of failing with SQLITE_BUSY; reads use a separate
// pool and, thanks to WAL, never wait for a writer.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/imageshare/imageshare/internal/sqlstore"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/imageshare/imageshare"
)

var _ imageshare.Store = (*Store)(nil)

// busyTimeout bounds how long a connection waits for a lock held by
// another process sharing the file.
const busyTimeout = 10 * time.Second

// maxReaders bounds the read pool.
const maxReaders = 8

// Store is an imageshare.Store backed by one SQLite database.
type Store struct {
	write *sql.DB        // exactly one connection: all writes are serialised here
	read  *sql.DB        // read-only pool; the same *sql.DB as write for ":memory:"
	group groupCommitter // share changes and nonces commit in groups (groupcommit.go)
	// lightCommits: light group writes commit with synchronous=NORMAL
	// (groupcommit.go); off for ":memory:", where nothing is synced and
	// the one connection cannot be replaced.
	lightCommits bool
	nonces       nonceGuard  // signature nonces' floor and bound (signonce.go)
	path         string      // the file, or ":memory:" (ChangeFeed opens its own connection to it)
	search       searchStats // how catalog searches were answered (search.go)
}

// Open opens (creating if needed) the database at path and applies pending
// migrations. path ":memory:" gives a private in-memory database that lives
// until Close.
func Open(ctx context.Context, path string) (*Store, error) {
	const op = "sqlite.Open"
	if path == "" {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "sqlite: database path is required")
	}
	memory := path == ":memory:"

	// synchronous=FULL makes every acknowledged commit durable in WAL mode,
	// so a write survives kill -9 (and power loss, as far as fsync does).
	common := []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
		"foreign_keys(1)",
	}
	// busy_timeout comes first: the pragmas run in order when a connection
	// opens, and journal_mode(WAL) on a new file takes a lock that another
	// process opening the same file at the same moment may hold; without
	// the timeout set yet, that connection failed at once with
	// SQLITE_BUSY (seen in TestReplicasStartTogether).
	writeParams := append(append([]string{}, common...), "journal_mode(WAL)", "synchronous(FULL)")
	write, err := openWriter(ctx, dsn(path, writeParams, "immediate"), !memory)
	if err != nil {
		return nil, imageshare.Internal(op, err)
	}

	s := &Store{write: write, read: write, lightCommits: !memory, path: path}
	if !memory {
		readParams := append([]string{"query_only(1)"}, common...)
		read, err := openDB(dsn(path, readParams, ""))
		if err != nil {
			write.Close()
			return nil, imageshare.Internal(op, err)
		}
		read.SetMaxOpenConns(maxReaders)
		read.SetMaxIdleConns(maxReaders)
		s.read = read
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.openNonceGuard(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.ensureCacheLog(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openWriter opens the single writer connection and, for a file, connects
// it at once so that the file exists in WAL mode before any reader
// connects. Switching a new file to WAL takes a lock that busy_timeout
// does not always wait for: replicas opening one fresh file together (as
// TestReplicasStartTogether does) could fail with SQLITE_BUSY, so a busy
// connect is retried for up to busyTimeout.
func openWriter(ctx context.Context, dsn string, connect bool) (*sql.DB, error) {
	deadline := time.Now().Add(busyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		write, err := openDB(dsn)
		if err != nil {
			return nil, err
		}
		// One connection that is never recycled: it serialises writes,
		// and for ":memory:" it is the database itself.
		write.SetMaxOpenConns(1)
		write.SetMaxIdleConns(1)
		write.SetConnMaxLifetime(0)
		write.SetConnMaxIdleTime(0)
		if !connect {
			return write, nil
		}
		err = write.PingContext(ctx)
		if err == nil {
			return write, nil
		}
		write.Close()
		if sqliteCode(err)&0xff != sqlite3.SQLITE_BUSY || time.Now().Add(wait).After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// dsn builds a modernc.org/sqlite data source name: a file: URI (so that
// any byte of path is taken literally) with per-connection pragmas.
func dsn(path string, pragmas []string, txlock string) string {
	var b strings.Builder
	if path == ":memory:" {
		b.WriteString("file::memory:")
	} else {
		b.WriteString("file:")
		b.WriteString(strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path))
	}
	sep := "?"
	for _, p := range pragmas {
		b.WriteString(sep + "_pragma=" + p)
		sep = "&"
	}
	if txlock != "" {
		// BEGIN IMMEDIATE takes the write lock up front, so a transaction
		// that reads then writes can never fail to upgrade its lock.
		b.WriteString(sep + "_txlock=" + txlock)
	}
	return b.String()
}

// Close waits for in-flight calls and closes the database.
func (s *Store) Close() error {
	s.waitGroups()
	var errs []error
	if s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	errs = append(errs, s.write.Close())
	if err := errors.Join(errs...); err != nil {
		return imageshare.Internal("sqlite.Close", err)
	}
	return nil
}

// Ping reports whether the database answers and has every migration applied.
func (s *Store) Ping(ctx context.Context) error {
	const op = "sqlite.Ping"
	applied, err := appliedVersions(ctx, s.read)
	if err != nil {
		return imageshare.Internal(op, err)
	}
	ms, err := migrations()
	if err != nil {
		return imageshare.Internal(op, err)
	}
	for _, m := range ms {
		if !applied[m.Version] {
			return &imageshare.Error{Kind: imageshare.KindUnavailable, Op: op,
				Message: fmt.Sprintf("migration %03d_%s is not applied", m.Version, m.Name)}
		}
	}
	return nil
}

// readTx runs fn in a read-only transaction, so that the several queries
// of one call (a page and its total) see one snapshot.
func (s *Store) readTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return imageshare.Internal(op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return mapError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return imageshare.Internal(op, err)
	}
	return nil
}

// writeTx runs fn in a write transaction on the single writer connection
// and commits it; any error from fn rolls everything back.
func (s *Store) writeTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return mapError(op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return mapError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return mapError(op, err)
	}
	return nil
}

// limitOffset returns SQLite LIMIT and OFFSET values for p: Limit 0 (or
// less) means every row.
func limitOffset(p imageshare.Page) (limit, offset int) {
	limit, offset = p.Limit, p.Offset
	if limit <= 0 {
		limit = -1
	}
	if offset < 0 {
		offset = 0
	}
	return limit, offset
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dialect is how SQLite spells what the shared query builders of
// internal/sqlstore leave to each database: a list is one JSON-array
// parameter read with json_each.
var dialect = sqlstore.Dialect{
	Placeholder: sqlstore.Question,
	In: func(args *sqlstore.Args, col string, values []string) string {
		return col + ` IN (SELECT value FROM json_each(` + args.Add(jsonArray(values)) + `))`
	},
}
