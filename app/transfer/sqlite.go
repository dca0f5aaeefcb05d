package transfer

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/imageshare/imageshare/sqlite"
)

// sqliteDerived are the SQLite store's tables that hold nothing but what
// it derives from the data tables (triggers fill them again on import).
// FTS5 virtual tables and their shadow tables are recognised as such.
// A migration that adds a table must add it here or to tables.
var sqliteDerived = map[string]bool{
	"schema_migrations":     true,
	"community_search_keys": true,
	// The signature nonces and their guard are the store's own, not
	// data: their bound, floor and boot speak of this file's records
	// only (docs/nonces.md, "Export and import").
	"signature_nonces": true,
	"nonce_guard":      true,
	"cache_changes":    true, // the read caches' change log (docs/caching.md)
}

type sqliteSide struct {
	db *sql.DB
}

// openSQLite migrates the database at path through the store, then opens
// it directly, with foreign keys enforced.
func openSQLite(ctx context.Context, path string) (side, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("sqlite: want the path of a database file, not %q", path)
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	name := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) +
		"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, err
	}
	// One connection: the transaction and its PRAGMAs share it.
	db.SetMaxOpenConns(1)
	return &sqliteSide{db: db}, nil
}

func (s *sqliteSide) kind() string { return "sqlite" }
func (s *sqliteSide) close()       { s.db.Close() }

type sqliteTx struct {
	conn *sql.Conn
	done bool
}

func (s *sqliteSide) begin(ctx context.Context, stmt string) (storeTx, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, stmt); err != nil {
		conn.Close()
		return nil, err
	}
	return &sqliteTx{conn: conn}, nil
}

// beginRead starts a deferred transaction: its first read fixes the
// snapshot (WAL mode), which writers do not disturb.
func (s *sqliteSide) beginRead(ctx context.Context) (storeTx, error) { return s.begin(ctx, "BEGIN") }

// beginWrite takes the write lock at once; foreign keys are checked at
// commit, so that rows may arrive in any order.
func (s *sqliteSide) beginWrite(ctx context.Context) (storeTx, error) {
	tx, err := s.begin(ctx, "BEGIN IMMEDIATE")
	if err != nil {
		return nil, err
	}
	if _, err := tx.(*sqliteTx).conn.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
		tx.rollback()
		return nil, err
	}
	return tx, nil
}

func (t *sqliteTx) rollback() {
	if !t.done {
		t.conn.ExecContext(context.Background(), "ROLLBACK")
		t.done = true
	}
	t.conn.Close()
}

func (t *sqliteTx) commit(ctx context.Context) error {
	if _, err := t.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	t.done = true
	return nil
}

func (t *sqliteTx) tableNames(ctx context.Context) ([]string, error) {
	rows, err := t.conn.QueryContext(ctx, `SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type entry struct{ name, sql string }
	var all []entry
	var virtual []string
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.name, &e.sql); err != nil {
			return nil, err
		}
		all = append(all, e)
		if strings.HasPrefix(strings.ToUpper(e.sql), "CREATE VIRTUAL TABLE") {
			virtual = append(virtual, e.name)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var names []string
next:
	for _, e := range all {
		if sqliteDerived[e.name] || strings.HasPrefix(e.name, "sqlite_") {
			continue
		}
		for _, v := range virtual {
			if e.name == v || strings.HasPrefix(e.name, v+"_") {
				continue next // an FTS index or one of its shadow tables
			}
		}
		names = append(names, e.name)
	}
	return names, nil
}

func (t *sqliteTx) columns(ctx context.Context, table string) ([]column, error) {
	rows, err := t.conn.QueryContext(ctx, `SELECT name, upper(type) FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var name, decl string
		if err := rows.Scan(&name, &decl); err != nil {
			return nil, err
		}
		cols = append(cols, column{name: name, typ: sqliteType(decl)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("sqlite: no table %q", table)
	}
	return cols, nil
}

// sqliteType maps a declared type to a column type by SQLite's affinity
// rules.
func sqliteType(decl string) colType {
	switch {
	case strings.Contains(decl, "INT"):
		return typeInt
	case strings.Contains(decl, "CHAR"), strings.Contains(decl, "CLOB"), strings.Contains(decl, "TEXT"):
		return typeText
	case strings.Contains(decl, "REAL"), strings.Contains(decl, "FLOA"), strings.Contains(decl, "DOUB"):
		return typeFloat
	}
	return typeBytes
}

func (t *sqliteTx) count(ctx context.Context, table string) (int, error) {
	var n int
	err := t.conn.QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`"`).Scan(&n)
	return n, err
}

// scan reads rows in rowid order, which is insertion order (so ties
// that the store breaks by rowid, such as keys created in the same
// nanosecond, keep their order), or by key for WITHOUT ROWID tables.
func (t *sqliteTx) scan(ctx context.Context, tb table, cols []column, fn func(values []any) error) error {
	var ddl string
	if err := t.conn.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, tb.name).Scan(&ddl); err != nil {
		return err
	}
	order := "rowid"
	if strings.Contains(strings.ToUpper(ddl), "WITHOUT ROWID") {
		order = quoteList(tb.key)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	rows, err := t.conn.QueryContext(ctx, `SELECT `+quoteList(names)+` FROM "`+tb.name+`" ORDER BY `+order)
	if err != nil {
		return err
	}
	defer rows.Close()
	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(values); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (t *sqliteTx) load(ctx context.Context, table string, cols []column, next func() ([]any, error)) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	stmt, err := t.conn.PrepareContext(ctx, `INSERT INTO "`+table+`" (`+quoteList(names)+`) VALUES (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")+`)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for {
		values, err := next()
		if err != nil {
			return err
		}
		if values == nil {
			return nil
		}
		if _, err := stmt.ExecContext(ctx, values...); err != nil {
			return err
		}
	}
}

// quoteList renders identifiers as a quoted, comma-separated list.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
	}
	return strings.Join(q, ", ")
}
