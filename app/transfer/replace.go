package transfer

import (
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
		var err error
		if dec, err = readHeader(r, "restore"); err != nil {
			return nil, err
		}
	}
	return writeTo(ctx, dsn, "restore", func(tx storeTx) (Stats, error) {
		// Referencing tables first; the foreign keys are deferred anyway.
		for i := len(tables) - 1; i >= 0; i-- {
			if err := deleteAll(ctx, tx, tables[i].name); err != nil {
				return nil, fmt.Errorf("restore: emptying %s: %w", tables[i].name, err)
			}
		}
		if dec == nil {
			return Stats{}, nil
		}
		return load(ctx, dec, tx)
	})
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
