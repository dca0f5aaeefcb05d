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
	return rebuildSearch(ctx, tx)
}
