package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/sqlite"
)

// TestChangeFeedSeesOtherHandles: the feed of one store handle lists a
// change committed through a second handle on the same file (what the
// admin CLI does while serve runs), and only once. (CreateAccount inserts
// then sets organization_id: two rows for the account.)
func TestChangeFeedSeesOtherHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feed.db")
	a, b := open(t, path), open(t, path)
	defer a.Close()
	defer b.Close()
	feed, err := a.ChangeFeed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	if _, flush, err := feed.Changes(ctx); err != nil || !flush {
		t.Fatalf("first Changes: flush %v, %v; want a flush", flush, err)
	}
	if ch, flush, err := feed.Changes(ctx); err != nil || flush || len(ch) != 0 {
		t.Fatalf("Changes with nothing committed = %v, %v, %v", ch, flush, err)
	}
	if err := b.CreateAccount(ctx, &imageshare.Account{ID: 7, Name: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateAccessKey(ctx, &imageshare.AccessKey{PublicKey: "PUB", PrivateKey: "x", AccountID: 7, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := b.SetAccessKeyEnabled(ctx, "PUB", false); err != nil {
		t.Fatal(err)
	}
	ch, flush, err := feed.Changes(ctx)
	want := []imageshare.Change{{Kind: "a", Key: "7"}, {Kind: "a", Key: "7"}, {Kind: "k", Key: "PUB"}, {Kind: "k", Key: "PUB"}}
	if err != nil || flush || !slices.Equal(ch, want) {
		t.Fatalf("Changes = %v, %v, %v; want %v", ch, flush, err, want)
	}
	// A commit through a's own writer counts too (data_version changes
	// for every connection but the feed's).
	if err := a.AddRegion(ctx, "cn-x"); err != nil {
		t.Fatal(err)
	}
	if ch, _, _ := feed.Changes(ctx); !slices.Equal(ch, []imageshare.Change{{Kind: "g"}}) {
		t.Fatalf("Changes after own write = %v", ch)
	}
}

// TestChangeFeedFlushesPastThePrunedLog: a reader more than the log's
// window behind is told to flush, not handed a log with a hole.
func TestChangeFeedFlushesPastThePrunedLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prune.db")
	s := open(t, path)
	defer s.Close()
	feed, err := s.ChangeFeed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	feed.Changes(ctx)
	for i := range 10050 {
		if err := s.AddRegion(ctx, "r"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := countRows(t, path, `SELECT count(*) FROM cache_changes`); n > 11000 {
		t.Fatalf("log holds %d rows, want it pruned to about 10000", n)
	}
	if _, flush, err := feed.Changes(ctx); err != nil || !flush {
		t.Fatalf("Changes 10050 behind: flush %v, %v; want a flush", flush, err)
	}
}

// TestBulkLoadLeavesOneFlushRow: a bulk load logs nothing per row; it
// leaves the triggers in place and one ChangeAll row, so readers flush.
func TestBulkLoadLeavesOneFlushRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulk.db")
	s := open(t, path)
	defer s.Close()
	before := countRows(t, path, `SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cache%'`)
	feed, err := s.ChangeFeed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	feed.Changes(ctx)
	loadAccounts(t, s, 500)
	if n := countRows(t, path, `SELECT count(*) FROM cache_changes`); n != 1 {
		t.Fatalf("log holds %d rows after a bulk load, want 1", n)
	}
	if n := countRows(t, path, `SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cache%'`); n != before || n < 40 {
		t.Fatalf("%d log triggers after the load, want %d", n, before)
	}
	if _, flush, err := feed.Changes(ctx); err != nil || !flush {
		t.Fatalf("Changes after a bulk load: flush %v, %v; want a flush", flush, err)
	}
	// The triggers work again.
	if err := s.AddRegion(ctx, "cn-y"); err != nil {
		t.Fatal(err)
	}
	if ch, flush, _ := feed.Changes(ctx); flush || !slices.Equal(ch, []imageshare.Change{{Kind: "g"}}) {
		t.Fatalf("Changes after the load = %v, %v", ch, flush)
	}
}

// TestOpenRestoresDroppedTriggers: a load that died with the triggers
// dropped is repaired by the next Open, which tells readers to flush.
func TestOpenRestoresDroppedTriggers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dropped.db")
	s := open(t, path)
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TRIGGER cache_log_access_keys_update`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s = open(t, path)
	defer s.Close()
	if n := countRows(t, path, `SELECT count(*) FROM sqlite_master WHERE name = 'cache_log_access_keys_update'`); n != 1 {
		t.Fatal("Open did not restore the dropped trigger")
	}
	if n := countRows(t, path, `SELECT count(*) FROM cache_changes WHERE kind = '*'`); n != 1 {
		t.Fatal("Open restored the triggers without a flush row")
	}
}

// TestBulkLoadInProgressFlushes: while a bulk load runs (its triggers
// dropped, so its commits unlogged), another handle's feed flushes on
// every commit it notices, until the load is done.
func TestBulkLoadInProgressFlushes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loading.db")
	s := open(t, path)
	defer s.Close()
	other := open(t, path)
	defer other.Close()
	feed, err := other.ChangeFeed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	feed.Changes(ctx)
	b := s.NewBulkLoader(1) // a commit per row
	at := time.Unix(1700000000, 0)
	for i := 1; i <= 3; i++ {
		if err := b.Account(ctx, &imageshare.Account{ID: int64(i), Name: fmt.Sprintf("u%d@example.com", i), CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		if _, flush, err := feed.Changes(ctx); err != nil || !flush {
			t.Fatalf("Changes after loaded row %d: flush %v, %v; want a flush", i, flush, err)
		}
		if ch, flush, err := feed.Changes(ctx); err != nil || flush || len(ch) != 0 {
			t.Fatalf("Changes with nothing committed during the load = %v, %v, %v", ch, flush, err)
		}
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, flush, _ := feed.Changes(ctx); !flush {
		t.Fatal("no flush after the load")
	}
	if err := s.AddRegion(ctx, "cn-z"); err != nil {
		t.Fatal(err)
	}
	if ch, flush, _ := feed.Changes(ctx); flush || !slices.Equal(ch, []imageshare.Change{{Kind: "g"}}) {
		t.Fatalf("Changes after the load = %v, %v; want the region change alone", ch, flush)
	}
}

func loadAccounts(t testing.TB, s *sqlite.Store, n int) {
	b := s.NewBulkLoader(0)
	at := time.Unix(1700000000, 0)
	for i := 1; i <= n; i++ {
		if err := b.Account(ctx, &imageshare.Account{ID: int64(i), Name: fmt.Sprintf("u%d@example.com", i), CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		if err := b.AccessKey(ctx, &imageshare.AccessKey{PublicKey: fmt.Sprintf("pub%d", i), PrivateKey: "priv", AccountID: int64(i), Enabled: true, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func countRows(t testing.TB, path, query string) int {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// BenchmarkBulkLoad100k loads 50k accounts and 50k keys (100k rows): the
// cache log must not slow a bulk load (docs/caching.md has the numbers).
func BenchmarkBulkLoad100k(b *testing.B) {
	for range b.N {
		dir := b.TempDir()
		s, err := sqlite.Open(ctx, filepath.Join(dir, "b.db"))
		if err != nil {
			b.Fatal(err)
		}
		loadAccounts(b, s, 50000)
		s.Close()
		os.RemoveAll(dir)
	}
}
