package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// DerivedColumns are the columns the store derives from others, by table.
// An export leaves them out; AfterImport derives them again.
var DerivedColumns = map[string][]string{
	"access_keys": {"seq"},
	"images":      {"author_fold", "name_keys", "author_keys"},
}

// ExportOrder is the order in which an export reads a table's rows when
// its primary key is not the order that matters: access keys go in
// insertion order, which an import into either store then keeps.
var ExportOrder = map[string]string{
	"access_keys": "seq",
}

// AfterImport derives, inside tx, what the store keeps beside the rows an
// import loaded: the id sequences (accounts, RAM users, groups and
// policies) move past the largest ids, and
// every image's search columns (and name_fold) are derived from its name
// and author.
func AfterImport(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT setval('accounts_id_seq', GREATEST((SELECT max(id) FROM accounts), last_value)) FROM accounts_id_seq`); err != nil {
		return err
	}
	for _, table := range []string{"ram_users", "ram_groups", "ram_policies"} {
		if _, err := tx.Exec(ctx, `SELECT setval('`+table+`_id_seq', GREATEST((SELECT max(id) FROM `+table+`), last_value)) FROM `+table+`_id_seq`); err != nil {
			return err
		}
	}
	if err := rebuildSearch(ctx, tx); err != nil {
		return err
	}
	// The deferred foreign keys are checked now, as commit would:
	// ALTER TABLE refuses a table with pending trigger events.
	if _, err := tx.Exec(ctx, `SET CONSTRAINTS ALL IMMEDIATE`); err != nil {
		return err
	}
	return cacheLogTriggers(ctx, tx, "ENABLE")
}

// BeforeImport disables, inside tx, the cache log's triggers (migration
// 012, docs/caching.md) for the rows an import loads and AfterImport
// derives: a plpgsql call per row would slow a large import, and one
// ChangeAll row, which AfterImport adds when it enables them again, tells
// every reader to flush. Both are in the import's transaction: on a
// rollback nothing changed, and meanwhile the lock DISABLE TRIGGER takes
// (SHARE ROW EXCLUSIVE) holds other writers of those tables back, so no
// change of theirs goes unlogged; readers are not held.
func BeforeImport(ctx context.Context, tx pgx.Tx) error {
	return cacheLogTriggers(ctx, tx, "DISABLE")
}

// cacheLogTriggers enables or disables the cache_log row triggers of the
// current schema; enabling them also logs a flush.
func cacheLogTriggers(ctx context.Context, tx pgx.Tx, action string) error {
	rows, err := tx.Query(ctx, `SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE t.tgname = 'cache_log' AND c.relnamespace = current_schema()::regnamespace ORDER BY c.relname`)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, table := range tables {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{table}.Sanitize()+` `+action+` TRIGGER cache_log`); err != nil {
			return err
		}
	}
	if action == "ENABLE" {
		_, err = tx.Exec(ctx, `INSERT INTO cache_changes (kind, key) VALUES ('*', '')`)
	}
	return err
}
