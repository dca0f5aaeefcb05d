package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// TestHotPathUsesIndexes checks with EXPLAIN QUERY PLAN that the queries a
// request makes search an index instead of scanning a table. ScopeAll and
// NameContains are admin/search paths and may scan.
func TestHotPathUsesIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	type query struct {
		name string
		sql  string
		args []any
	}
	queries := []query{
		{"ListShares", `SELECT s.image_id, s.account_id, a.name, s.shared_at, s.shared_by FROM shares s JOIN accounts a ON a.id = s.account_id
WHERE s.image_id = ? ORDER BY s.shared_at, s.account_id LIMIT ? OFFSET ?`, []any{"img", 10, 0}},
		{"IsSharedWith", `SELECT EXISTS (SELECT 1 FROM shares WHERE image_id = ? AND account_id = ?)`, []any{"img", 1}},
		{"PruneNonces", `DELETE FROM nonces WHERE nonce IN (SELECT nonce FROM nonces WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`, []any{1, 64}},
		{"ListAccessKeys", `SELECT ` + sqlstore.AccessKeyColumns + ` FROM access_keys WHERE account_id = ? ORDER BY created_at, rowid`, []any{1}},
		{"FindAccessKey", `SELECT ` + sqlstore.AccessKeyColumns + ` FROM access_keys WHERE public_key = ?`, []any{"k"}},
		{"FindAccountByName", `SELECT ` + sqlstore.AccountColumns + ` FROM accounts WHERE name = ?`, []any{"a"}},
		{"FindImageByID", `SELECT ` + imageColumns + ` FROM images WHERE id = ?`, []any{"img"}},
	}
	for name, f := range map[string]imageshare.ImageFilter{
		"FindImages/Owned":    {Scope: imageshare.ScopeOwned, AccountID: 1},
		"FindImages/Shared":   {Scope: imageshare.ScopeShared, AccountID: 1},
		"FindImages/Platform": {Scope: imageshare.ScopePlatform},
		"FindImages/Tag":      {Tag: "llm"},
		"FindImages/IDs":      {IDs: []string{"a", "b"}},
	} {
		where, args, err := sqlstore.ImageWhere(dialect, f)
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries,
			query{name, `SELECT ` + imageColumns + ` FROM images` + where + ` ORDER BY created_at, id LIMIT ? OFFSET ?`, append(args, 10, 0)},
			query{name + "/Count", `SELECT count(*) FROM images` + where, args})
	}
	hotRead := map[string]bool{"ListShares": true, "FindAccessKey": true, "FindImageByID": true, "FindImages/Owned": true}
	for _, q := range queries {
		plan := queryPlan(t, s, q.sql, q.args...)
		for _, step := range plan {
			// Scanning a subquery's rows (the tags, read in order from
			// their primary key) is not scanning a table.
			if strings.HasPrefix(step, "SCAN ") && !strings.HasPrefix(step, "SCAN json_each") && step != "SCAN CONSTANT ROW" &&
				!strings.HasPrefix(step, "SCAN (subquery") {
				t.Errorf("%s scans: %q in plan %q", q.name, step, plan)
			}
			// The hot read's queries sort nothing: a temporary B-tree is
			// a pager and page cache opened and freed (mmap, munmap) on
			// every row that needs one, which doubled a read's CPU.
			if hotRead[q.name] && strings.Contains(step, "TEMP B-TREE") {
				t.Errorf("%s uses a temporary B-tree: %q in plan %q", q.name, step, plan)
			}
		}
	}
}

// TestOwnedImageSeeksOwnerIndex: a lookup of an image with its owner
// must find it through images_id_owner, so that another owner's image
// is a failed index seek like a missing id, without reading its row
// (existence by timing, issue 17).
func TestOwnedImageSeeksOwnerIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plan := queryPlan(t, s, ownedImageQuery, "img", 1)
	if len(plan) == 0 || !strings.Contains(plan[0], "INDEX images_id_owner (id=? AND owner_id=?)") {
		t.Fatalf("plan %q: want a search of images_id_owner on id and owner_id", plan)
	}
}
