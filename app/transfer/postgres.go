package transfer

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare/postgres"
)

type postgresSide struct {
	store *postgres.Store
}

// openPostgres opens (and migrates) the store; the transfer runs on its pool.
func openPostgres(ctx context.Context, dsn string) (side, error) {
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &postgresSide{store: st}, nil
}

func (p *postgresSide) kind() string { return "postgres" }
func (p *postgresSide) close()       { p.store.Close() }

type postgresTx struct {
	tx pgx.Tx
}

func (p *postgresSide) begin(ctx context.Context, opts pgx.TxOptions, setup ...string) (storeTx, error) {
	tx, err := p.store.Pool().BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	// A whole table is one statement here: the store's statement timeout,
	// right for requests, is not for a transfer.
	for _, stmt := range append([]string{"SET LOCAL statement_timeout = 0"}, setup...) {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			tx.Rollback(ctx)
			return nil, err
		}
	}
	return &postgresTx{tx: tx}, nil
}

// beginRead reads one snapshot of the whole database.
func (p *postgresSide) beginRead(ctx context.Context) (storeTx, error) {
	return p.begin(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
}

// beginWrite defers the (DEFERRABLE) foreign keys to commit, so that rows
// may arrive in any order.
// The cache log's triggers are off for the load (postgres.BeforeImport).
func (p *postgresSide) beginWrite(ctx context.Context) (storeTx, error) {
	t, err := p.begin(ctx, pgx.TxOptions{}, "SET CONSTRAINTS ALL DEFERRED")
	if err != nil {
		return nil, err
	}
	if err := postgres.BeforeImport(ctx, t.(*postgresTx).tx); err != nil {
		t.rollback()
		return nil, err
	}
	return t, nil
}

func (t *postgresTx) rollback() { t.tx.Rollback(context.Background()) }

func (t *postgresTx) commit(ctx context.Context) error {
	if err := postgres.AfterImport(ctx, t.tx); err != nil {
		return err
	}
	return t.tx.Commit(ctx)
}

func (t *postgresTx) tableNames(ctx context.Context) ([]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'
	AND NOT table_name = ANY($1::text[])`, postgres.TransientTables)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (t *postgresTx) columns(ctx context.Context, table string) ([]column, error) {
	rows, err := t.tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	type info struct{ name, typ string }
	infos, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (info, error) {
		var i info
		return i, r.Scan(&i.name, &i.typ)
	})
	if err != nil {
		return nil, err
	}
	if len(infos) == 0 {
		return nil, fmt.Errorf("postgres: no table %q", table)
	}
	var cols []column
	for _, i := range infos {
		if slices.Contains(postgres.DerivedColumns[table], i.name) {
			continue
		}
		var typ colType
		switch i.typ {
		case "bigint", "integer", "smallint":
			typ = typeInt
		case "double precision", "real", "numeric":
			typ = typeFloat
		case "boolean":
			typ = typeBool
		case "text", "character varying", "character":
			typ = typeText
		case "bytea":
			typ = typeBytes
		default:
			return nil, fmt.Errorf("postgres: column %s.%s has type %s, which export format %d cannot carry", table, i.name, i.typ, FormatVersion)
		}
		cols = append(cols, column{name: i.name, typ: typ})
	}
	return cols, nil
}

func (t *postgresTx) count(ctx context.Context, table string) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n)
	return n, err
}

func (t *postgresTx) scan(ctx context.Context, tb table, cols []column, fn func(values []any) error) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	order := quoteList(tb.key)
	if o, ok := postgres.ExportOrder[tb.name]; ok {
		order = o
	}
	rows, err := t.tx.Query(ctx, `SELECT `+quoteList(names)+` FROM `+pgx.Identifier{tb.name}.Sanitize()+` ORDER BY `+order)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		values, err := rows.Values()
		if err != nil {
			return err
		}
		if err := fn(values); err != nil {
			return err
		}
	}
	return rows.Err()
}

// load streams the rows with COPY.
func (t *postgresTx) load(ctx context.Context, table string, cols []column, next func() ([]any, error)) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	var row []any
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromFunc(func() ([]any, error) {
		var err error
		row, err = next()
		return row, err
	}))
	return err
}
