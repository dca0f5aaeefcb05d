package transfer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// Replace loads a stream written by Export into the store dsn names in
// place of everything it holds, in one transaction: the store's data rows
// are deleted and the stream's loaded, or, on any error, nothing changes.
// The admin API's restore uses it (docs/deploy.md). A nil r only empties
// the store.
func Replace(ctx context.Context, dsn string, r io.Reader) (Stats, error) {
	var dec *json.Decoder
	if r != nil {
		dec = json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
		var h header
		if err := dec.Decode(&h); err != nil {
			return nil, fmt.Errorf("restore: reading the header: %w", err)
		}
		if h.Format != FormatName || h.Version != FormatVersion {
			return nil, fmt.Errorf("restore: stream is %q version %d; want %q version %d", h.Format, h.Version, FormatName, FormatVersion)
		}
	}
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
	if err := checkTables(ctx, tx, "restore"); err != nil {
		return nil, err
	}
	// Referencing tables first; the foreign keys are deferred anyway.
	for i := len(tables) - 1; i >= 0; i-- {
		if err := deleteAll(ctx, tx, tables[i].name); err != nil {
			return nil, fmt.Errorf("restore: emptying %s: %w", tables[i].name, err)
		}
	}
	stats := Stats{}
	if dec != nil {
		if stats, err = load(ctx, dec, tx); err != nil {
			return nil, err
		}
	}
	if err := tx.commit(ctx); err != nil {
		return nil, fmt.Errorf("restore: commit: %w", err)
	}
	return stats, nil
}

// deleteAll deletes every row of a data table (a name from tables, never
// a caller's), firing the triggers that keep derived tables in step.
func deleteAll(ctx context.Context, tx storeTx, table string) error {
	if !knownTable(table) {
		return fmt.Errorf("unknown table %q", table)
	}
	switch t := tx.(type) {
	case *sqliteTx:
		_, err := t.conn.ExecContext(ctx, `DELETE FROM "`+table+`"`)
		return err
	case *postgresTx:
		_, err := t.tx.Exec(ctx, `DELETE FROM "`+table+`"`)
		return err
	}
	return fmt.Errorf("unknown store transaction %T", tx)
}
