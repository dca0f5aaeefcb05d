package transfer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/imageshare/imageshare/internal/dsn"
)

// side is one store, opened for a transfer.
type side interface {
	// kind is "sqlite" or "postgres".
	kind() string
	// beginRead starts a read-only transaction over one snapshot.
	beginRead(ctx context.Context) (storeTx, error)
	// beginWrite starts the transaction an import loads into.
	beginWrite(ctx context.Context) (storeTx, error)
	close()
}

// storeTx is a transaction on one side.
type storeTx interface {
	// tableNames lists the tables that hold data: every table but the
	// ones the store derives from others.
	tableNames(ctx context.Context) ([]string, error)
	// columns lists a table's data columns (not the derived ones).
	columns(ctx context.Context, table string) ([]column, error)
	count(ctx context.Context, table string) (int, error)
	// scan calls fn with each row of t, in a stable order.
	scan(ctx context.Context, t table, cols []column, fn func(values []any) error) error
	// load inserts the rows next returns until it returns nil.
	load(ctx context.Context, table string, cols []column, next func() ([]any, error)) error
	// commit finishes a load: it derives what the store derives and commits.
	commit(ctx context.Context) error
	rollback()
}

// open opens the store a DSN names (read by internal/dsn), applying its
// migrations first. No error it returns carries the DSN's password.
func open(ctx context.Context, s string) (side, error) {
	d, err := dsn.Parse(s)
	if err != nil {
		return nil, err
	}
	var sd side
	switch d.Kind {
	case dsn.SQLite:
		sd, err = openSQLite(ctx, d.Path)
	default:
		sd, err = openPostgres(ctx, d.Conn)
	}
	return sd, d.Scrub(err)
}

// Export writes every data row of the store dsn names to w, from one
// consistent snapshot, and returns the counts. The store may be in use.
func Export(ctx context.Context, dsn string, w io.Writer) (Stats, error) {
	src, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer src.close()
	tx, err := src.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	if err := checkTables(ctx, tx, "export"); err != nil {
		return nil, err
	}
	out := bufio.NewWriterSize(w, 1<<16)
	write := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		out.Write(b)
		return out.WriteByte('\n')
	}
	err = write(header{Format: FormatName, Version: FormatVersion, Source: src.kind(), ExportedAt: time.Now().UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return nil, err
	}
	stats := Stats{}
	var line bytes.Buffer
	for _, t := range tables {
		cols, err := tx.columns(ctx, t.name)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.name
		}
		if err := write(marker{Table: t.name, Columns: names}); err != nil {
			return nil, err
		}
		stats[t.name] = 0
		err = tx.scan(ctx, t, cols, func(values []any) error {
			line.Reset()
			line.WriteByte('[')
			for i, v := range values {
				if i > 0 {
					line.WriteByte(',')
				}
				raw, err := encodeValue(v)
				if err != nil {
					return fmt.Errorf("%s.%s: %w", t.name, cols[i].name, err)
				}
				line.Write(raw)
			}
			line.WriteString("]\n")
			stats[t.name]++
			_, err := out.Write(line.Bytes())
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", t.name, err)
		}
	}
	if err := write(marker{End: true, Rows: stats}); err != nil {
		return nil, err
	}
	if err := out.Flush(); err != nil {
		return nil, err
	}
	return stats, nil
}

// checkTables fails unless the store's data tables are exactly the
// format's: a table this version does not know would be lost silently.
func checkTables(ctx context.Context, tx storeTx, what string) error {
	names, err := tx.tableNames(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, n := range names {
		if !knownTable(n) {
			return fmt.Errorf("%s: the store has a table %q that export format %d does not cover", what, n, FormatVersion)
		}
		have[n] = true
	}
	for _, t := range tables {
		if !have[t.name] {
			return fmt.Errorf("%s: the store has no table %q (is it migrated?)", what, t.name)
		}
	}
	return nil
}

// Import loads a stream written by Export into the store dsn names, which
// must be empty (migrated, with no rows), in one transaction: on any error
// nothing is stored.
func Import(ctx context.Context, dsn string, r io.Reader) (Stats, error) {
	dec, err := readHeader(r, "import")
	if err != nil {
		return nil, err
	}
	return writeTo(ctx, dsn, "import", func(tx storeTx) (Stats, error) {
		for _, t := range tables {
			n, err := tx.count(ctx, t.name)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				return nil, fmt.Errorf("import: the target store is not empty (%s has %d rows)", t.name, n)
			}
		}
		return load(ctx, dec, tx)
	})
}

// readHeader reads and checks the header of a stream written by Export,
// and returns the decoder of the rest; what names the operation in errors.
func readHeader(r io.Reader, what string) (*json.Decoder, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	var h header
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("%s: reading the header: %w", what, err)
	}
	if h.Format != FormatName || h.Version != FormatVersion {
		return nil, fmt.Errorf("%s: stream is %q version %d; want %q version %d", what, h.Format, h.Version, FormatName, FormatVersion)
	}
	return dec, nil
}

// writeTo runs fn in one write transaction of the store dsn names, once
// checkTables has found the store migrated, and commits what fn did only
// if it succeeds; what names the operation in errors.
func writeTo(ctx context.Context, dsn, what string, fn func(storeTx) (Stats, error)) (Stats, error) {
	dst, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer dst.close()
	tx, err := dst.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	if err := checkTables(ctx, tx, what); err != nil {
		return nil, err
	}
	stats, err := fn(tx)
	if err != nil {
		return nil, err
	}
	if err := tx.commit(ctx); err != nil {
		return nil, fmt.Errorf("%s: commit: %w", what, err)
	}
	return stats, nil
}

// load reads the stream's tables into tx up to its trailer and checks the
// counts it announces.
func load(ctx context.Context, dec *json.Decoder, tx storeTx) (Stats, error) {
	stats := Stats{}
	var pending json.RawMessage
	next := func() (json.RawMessage, error) {
		if pending != nil {
			raw := pending
			pending = nil
			return raw, nil
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("the stream ends without its trailer (truncated?)")
			}
			return nil, err
		}
		return raw, nil
	}
	for {
		raw, err := next()
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		var m marker
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("import: expected a table header or the trailer: %w", err)
		}
		if m.End {
			if err := checkCounts(m.Rows, stats); err != nil {
				return nil, fmt.Errorf("import: %w", err)
			}
			if dec.More() {
				return nil, errors.New("import: data after the trailer")
			}
			return stats, nil
		}
		if !knownTable(m.Table) {
			return nil, fmt.Errorf("import: unknown table %q", m.Table)
		}
		if _, dup := stats[m.Table]; dup {
			return nil, fmt.Errorf("import: table %q appears twice", m.Table)
		}
		cols, err := targetColumns(ctx, tx, m.Table, m.Columns)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		stats[m.Table] = 0
		row := func() ([]any, error) {
			raw, err := next()
			if err != nil {
				return nil, err
			}
			if len(raw) == 0 || raw[0] != '[' {
				pending = raw // the next table's header, or the trailer
				return nil, nil
			}
			var fields []json.RawMessage
			if err := json.Unmarshal(raw, &fields); err != nil {
				return nil, err
			}
			if len(fields) != len(cols) {
				return nil, fmt.Errorf("row %d has %d values for %d columns", stats[m.Table]+1, len(fields), len(cols))
			}
			values := make([]any, len(cols))
			for i, f := range fields {
				if values[i], err = decodeValue(f, cols[i].typ); err != nil {
					return nil, fmt.Errorf("row %d, column %s: %w", stats[m.Table]+1, cols[i].name, err)
				}
			}
			stats[m.Table]++
			return values, nil
		}
		if err := tx.load(ctx, m.Table, cols, row); err != nil {
			return nil, fmt.Errorf("import %s: %w", m.Table, err)
		}
	}
}

// targetColumns returns the stream's columns of table with the target's
// types, failing if the target lacks one.
func targetColumns(ctx context.Context, tx storeTx, table string, names []string) ([]column, error) {
	have, err := tx.columns(ctx, table)
	if err != nil {
		return nil, err
	}
	byName := map[string]column{}
	for _, c := range have {
		byName[c.name] = c
	}
	cols := make([]column, len(names))
	for i, n := range names {
		c, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("the target's table %s has no column %q", table, n)
		}
		cols[i] = c
	}
	return cols, nil
}

func checkCounts(announced map[string]int, loaded Stats) error {
	for _, t := range tables {
		if announced[t.name] != loaded[t.name] {
			return fmt.Errorf("table %s: the trailer announces %d rows, the stream has %d", t.name, announced[t.name], loaded[t.name])
		}
	}
	return nil
}
