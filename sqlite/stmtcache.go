package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strconv"

	msqlite "modernc.org/sqlite"

	"github.com/imageshare/imageshare"
)

// Every query the store runs is one of a few fixed texts (and, for the
// catalog, a bounded set of generated shapes), but database/sql hands
// each one to the driver as text, and modernc.org/sqlite parses and plans
// it again every time: with the statement's preparation costing more than
// its execution, that was about half of a read's CPU. The store therefore
// opens its databases through a thin driver wrapper that keeps, per
// connection, the prepared statements of the texts it has run and runs a
// text again by binding and stepping its prepared statement. Nothing else
// changes: SQLite re-prepares a cached statement by itself after a schema
// change, errors are the driver's own, and a text with several statements
// is prepared as a script and runs as one.

// pageClause is the LIMIT and OFFSET of p as literals. A bound LIMIT
// parameter makes SQLite (since 3.47) plan for its value and prepare the
// statement again whenever a new value is bound, which would undo the
// cache; the few page shapes the dialects ask for are few statements.
func pageClause(p imageshare.Page) string {
	limit, offset := limitOffset(p)
	return " LIMIT " + strconv.Itoa(limit) + " OFFSET " + strconv.Itoa(offset)
}

// maxCachedStmts bounds the prepared statements kept per connection.
const maxCachedStmts = 64

// openDB opens dsn with the modernc driver behind the statement cache. Like
// sql.Open it connects lazily; its error is for sql.Open's place.
func openDB(dsn string) (*sql.DB, error) {
	return sql.OpenDB(cachingConnector{dsn: dsn, drv: &msqlite.Driver{}}), nil
}

type cachingConnector struct {
	dsn string
	drv driver.Driver
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn)
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

// baseConn is what the modernc connection implements and the wrapper
// passes on.
type baseConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type preparedStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cachedStmt is a prepared statement and whether rows it returned are
// still open (a statement cannot serve a second query until they close).
type cachedStmt struct {
	stmt  preparedStmt
	inUse bool
}

// cachingConn is a connection with its statement cache. database/sql uses
// a connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	baseConn
	stmts map[string]*cachedStmt
}

func newCachingConn(c driver.Conn) (driver.Conn, error) {
	bc, ok := c.(baseConn)
	if !ok {
		c.Close()
		return nil, errors.New("sqlite: the driver connection lacks a context method the store needs")
	}
	return &cachingConn{baseConn: bc, stmts: map[string]*cachedStmt{}}, nil
}

// stmt returns the idle cached statement of query, preparing it if it is
// not cached, or nil when the cache cannot serve it (it is busy with
// open rows, or it is full of busy statements).
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if cs, ok := c.stmts[query]; ok {
		if cs.inUse {
			return nil, nil
		}
		return cs, nil
	}
	if len(c.stmts) >= maxCachedStmts && !c.evictOne() {
		return nil, nil
	}
	ds, err := c.baseConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	ps, ok := ds.(preparedStmt)
	if !ok {
		ds.Close()
		return nil, nil
	}
	cs := &cachedStmt{stmt: ps}
	c.stmts[query] = cs
	return cs, nil
}

// evictOne closes one idle statement; it reports false if all are busy.
func (c *cachingConn) evictOne() bool {
	for q, cs := range c.stmts {
		if !cs.inUse {
			cs.stmt.Close()
			delete(c.stmts, q)
			return true
		}
	}
	return false
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.baseConn.ExecContext(ctx, query, args)
	}
	return cs.stmt.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.baseConn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.inUse = true
	return &cachedRows{Rows: rows, owner: cs}, nil
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, cs := range c.stmts {
		errs = append(errs, cs.stmt.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.baseConn.Close())...)
}

// cachedRows gives its statement back to the cache when closed. (The
// store never asks rows for column types, which it does not pass on.)
type cachedRows struct {
	driver.Rows
	owner *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.owner.inUse = false
	return err
}
