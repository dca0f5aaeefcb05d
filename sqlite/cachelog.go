package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/imageshare/imageshare"
)

// The cache change log (migration 012, docs/caching.md): triggers add a
// row to cache_changes for every change to a table the read caches
// (storecache) come from. Rows are in commit order: one writer at a time
// holds the file, so AUTOINCREMENT ids are taken in commit order.

// logWindow is how many ids the log keeps behind its newest (the prune
// trigger in 012_cache_changes.sql deletes ids <= newest - 10000): a
// reader further behind flushes everything instead.
const logWindow = 10000

// cacheLogVersion is the migration that creates the log and its triggers.
const cacheLogVersion = 12

var _ imageshare.ChangeFeeder = (*Store)(nil)

// cacheLogSQL returns migration 012's text, which is idempotent (IF NOT
// EXISTS throughout): run again, it puts back dropped triggers.
func cacheLogSQL() (string, int, error) {
	ms, err := migrations()
	if err != nil {
		return "", 0, err
	}
	for _, m := range ms {
		if m.Version == cacheLogVersion {
			return m.SQL, strings.Count(m.SQL, "CREATE TRIGGER"), nil
		}
	}
	return "", 0, fmt.Errorf("migration %03d is missing", cacheLogVersion)
}

// cacheTriggers lists the names of the log's triggers present in the file.
func cacheTriggers(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'trigger' AND (name LIKE 'cache\_log\_%' ESCAPE '\' OR name = 'cache_changes_prune') ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// restoreCacheLog recreates missing log triggers (a BulkLoader that died
// between dropping and restoring them) and, if any was missing, empties
// the log and adds one ChangeAll row: changes made meanwhile were not
// logged, so every reader must flush. Runs in exec's transaction.
func restoreCacheLog(ctx context.Context, tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, force bool) error {
	text, want, err := cacheLogSQL()
	if err != nil {
		return err
	}
	have, err := cacheTriggers(ctx, tx)
	if err != nil {
		return err
	}
	if len(have) == want && !force {
		return nil
	}
	if _, err := tx.ExecContext(ctx, text); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM cache_changes`); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO cache_changes (kind, key) VALUES (?, '')`, imageshare.ChangeAll)
	return err
}

// ensureCacheLog runs restoreCacheLog in a write transaction if a trigger
// is missing; Open calls it after migrating.
func (s *Store) ensureCacheLog(ctx context.Context) error {
	const op = "sqlite.Open"
	_, want, err := cacheLogSQL()
	if err != nil {
		return imageshare.Internal(op, err)
	}
	have, err := cacheTriggers(ctx, s.write)
	if err != nil {
		return imageshare.Internal(op, err)
	}
	if len(have) == want {
		return nil
	}
	return s.writeTx(ctx, op, func(tx *sql.Tx) error { return restoreCacheLog(ctx, tx, false) })
}

// loadingKind marks a bulk load in progress: while it is the newest row,
// commits are not logged (the triggers are dropped), so a feed flushes on
// every commit it notices until a newer row comes.
const loadingKind = "~"

// dropCacheLog drops the log's triggers for a bulk load (bulk.go), in one
// transaction with a loadingKind row: a reader that can see the triggers
// gone sees the row.
func dropCacheLog(ctx context.Context, conn *sql.Conn) error {
	names, err := cacheTriggers(ctx, conn)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	stmts := []string{`INSERT INTO cache_changes (kind, key) VALUES ('` + loadingKind + `', '')`}
	for _, n := range names {
		stmts = append(stmts, `DROP TRIGGER IF EXISTS "`+n+`"`)
	}
	for _, q := range append(stmts, `COMMIT`) {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			_, _ = conn.ExecContext(ctx, `ROLLBACK`)
			return err
		}
	}
	return nil
}

// ChangeFeed implements imageshare.ChangeFeeder. A file's feed holds a
// connection of its own, on which PRAGMA data_version tells, without
// reading the log, whether any other connection (this process's writer,
// or another process such as the admin CLI) committed since its last
// look. An in-memory store's feed reads the log on the writer each time.
func (s *Store) ChangeFeed(ctx context.Context) (imageshare.ChangeFeed, error) {
	const op = "sqlite.ChangeFeed"
	if s.path == ":memory:" {
		return &changeFeed{db: s.write}, nil
	}
	db, err := openDB(dsn(s.path, []string{"query_only(1)", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds())}, ""))
	if err != nil {
		return nil, imageshare.Internal(op, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, imageshare.Internal(op, err)
	}
	return &changeFeed{db: db, conn: conn, own: true}, nil
}

type changeFeed struct {
	db      *sql.DB
	conn    *sql.Conn // nil for ":memory:"
	own     bool      // db is the feed's own
	closed  bool
	started bool
	version int64 // the last data_version seen on conn
	last    int64 // the newest log id applied
	loading bool  // the newest row is a loadingKind one
}

// readLog reads the newest id and the rows after f.last in one statement,
// so in one snapshot: rows at most logWindow ids behind the newest are
// never pruned in it.
const readLog = `SELECT coalesce(max(id), 0), NULL, NULL FROM cache_changes
UNION ALL
SELECT * FROM (SELECT id, kind, key FROM cache_changes WHERE id > ? ORDER BY id LIMIT ` + "10001" + `)`

func (f *changeFeed) Changes(ctx context.Context) ([]imageshare.Change, bool, error) {
	const op = "sqlite.ChangeFeed"
	var q interface {
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	} = f.db
	var version int64
	if f.conn != nil {
		q = f.conn
		// data_version changes when another connection commits; this
		// connection never writes, so every commit counts.
		var v int64
		if err := f.conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
			return nil, false, imageshare.Internal(op, err)
		}
		if f.started && v == f.version {
			return nil, false, nil
		}
		version = v
	}
	rows, err := q.QueryContext(ctx, readLog, f.last)
	if err != nil {
		return nil, false, imageshare.Internal(op, err)
	}
	defer rows.Close()
	newest := int64(-1)
	var changes []imageshare.Change
	// While a bulk load runs (f.loading and no newer row), a commit
	// this feed notices was not logged: flush.
	flush, loading := f.loading, f.loading
	for rows.Next() {
		var id int64
		var kind, key sql.NullString
		if err := rows.Scan(&id, &kind, &key); err != nil {
			return nil, false, imageshare.Internal(op, err)
		}
		if !kind.Valid {
			newest = id
			continue
		}
		if kind.String == imageshare.ChangeAll || kind.String == loadingKind {
			flush = true
		}
		loading = kind.String == loadingKind
		changes = append(changes, imageshare.Change{Kind: kind.String, Key: key.String})
	}
	if err := rows.Err(); err != nil {
		return nil, false, imageshare.Internal(op, err)
	}
	if newest < 0 {
		return nil, false, imageshare.Internal(op, errors.New("cache_changes: no newest id"))
	}
	// The first look, a log emptied or replaced (newest below what was
	// applied) or pruned past this reader: nothing tells what changed.
	if !f.started || newest < f.last || newest-f.last > logWindow {
		flush = true
	}
	// Recorded only once the log is read: after a failed read, the next
	// call reads it again.
	f.started, f.last, f.version, f.loading = true, newest, version, loading
	if flush {
		return nil, true, nil
	}
	return changes, false, nil
}

// Close releases the feed's connection; closing again does nothing (a
// store may be closed twice).
func (f *changeFeed) Close() error {
	if !f.own || f.closed {
		return nil
	}
	f.closed = true
	return errors.Join(f.conn.Close(), f.db.Close())
}
