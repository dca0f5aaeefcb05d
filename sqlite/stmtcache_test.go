package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestStmtCacheNestedAndBounded runs a cached statement again while rows
// of it are still open on the same connection (it must not be reset under
// them), and more distinct statements than the cache holds.
func TestStmtCacheNestedAndBounded(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const q = `SELECT value FROM json_each(?) ORDER BY value`
	outer, err := conn.QueryContext(ctx, q, `[1,2,3]`)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for outer.Next() {
		var v int
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		// The same text while outer is open: served by a statement of its own.
		var inner int
		if err := conn.QueryRowContext(ctx, `SELECT value FROM json_each(?) ORDER BY value`, fmt.Sprintf("[%d]", v*10)).Scan(&inner); err != nil {
			t.Fatal(err)
		}
		got = append(got, v, inner)
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if fmt.Sprint(got) != "[1 10 2 20 3 30]" {
		t.Fatalf("nested queries read %v", got)
	}

	for i := range maxCachedStmts + 10 {
		var v int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + ?`, i), 1).Scan(&v); err != nil || v != i+1 {
			t.Fatalf("statement %d: %d, %v", i, v, err)
		}
	}
	if err := conn.Raw(func(dc any) error {
		cc, ok := dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("the connection is a %T, not the caching wrapper", dc)
		}
		if n := len(cc.stmts); n > maxCachedStmts {
			return fmt.Errorf("%d statements cached, at most %d allowed", n, maxCachedStmts)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
