package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
	"github.com/imageshare/imageshare/postgres/pgtest"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	pgtest.SkipUnlessConfigured(t)
	s, err := Open(context.Background(), pgtest.NewSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestRetrySerializationFailures runs read-modify-write transactions on
// one row at serializable isolation from many goroutines: PostgreSQL
// aborts the losers with 40001, and inTx must run them again until every
// increment is counted.
func TestRetrySerializationFailures(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, `CREATE TABLE counter (n bigint NOT NULL); INSERT INTO counter VALUES (0)`); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				err := s.inTx(ctx, "test.increment", serializableTx, func(tx pgx.Tx) error {
					var n int64
					if err := tx.QueryRow(ctx, `SELECT n FROM counter`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `UPDATE counter SET n = $1`, n+1)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT n FROM counter`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != workers*each {
		t.Fatalf("counter = %d, want %d", n, workers*each)
	}
	if s.Retries() == 0 {
		t.Fatal("no transaction was retried: the test did not exercise the retry")
	}
	t.Logf("%d retries for %d transactions", s.Retries(), workers*each)
}

// TestRetryDeadlock makes two transactions lock two rows in opposite
// orders: PostgreSQL aborts one with 40P01, and inTx must run it again.
func TestRetryDeadlock(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, `CREATE TABLE pair (id int PRIMARY KEY, v int NOT NULL); INSERT INTO pair VALUES (1, 0), (2, 0)`); err != nil {
		t.Fatal(err)
	}
	var both sync.WaitGroup
	both.Add(2)
	var once [2]sync.Once
	run := func(i, first, second int) error {
		return s.inTx(ctx, "test.deadlock", writeTx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE pair SET v = v + 1 WHERE id = $1`, first); err != nil {
				return err
			}
			// Only the first attempts meet: both hold their first row
			// before either asks for its second.
			once[i].Do(func() { both.Done(); both.Wait() })
			_, err := tx.Exec(ctx, `UPDATE pair SET v = v + 1 WHERE id = $1`, second)
			return err
		})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() { errs <- run(0, 1, 2) })
	wg.Go(func() { errs <- run(1, 2, 1) })
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var sum int
	if err := s.pool.QueryRow(ctx, `SELECT sum(v) FROM pair`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != 4 || s.Retries() == 0 {
		t.Fatalf("sum = %d, retries = %d; want 4 and at least 1", sum, s.Retries())
	}
}

// TestSearchUsesIndex fills a catalog of a few thousand versions and
// checks that name and author searches, long and short, are answered from
// the search indexes rather than by reading the catalog.
func TestSearchUsesIndex(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	owner := &imageshare.Account{Name: "owner@example.com"}
	if err := s.CreateAccount(ctx, owner); err != nil {
		t.Fatal(err)
	}
	fillImages(t, s, 3000, func(i int) *imageshare.Image {
		name := fmt.Sprintf("model %x variant %d", i*7919, i)
		if i == 1234 {
			name = "Stable Diffusion ZQ"
		}
		return &imageshare.Image{ID: fmt.Sprintf("v-%d", i), Region: "cn-wlcb", OwnerID: owner.ID,
			Type: imageshare.ImageCommunity, Status: imageshare.StatusAvailable, Name: name, Author: fmt.Sprintf("author%d", i%50)}
	})
	for _, f := range []imageshare.CommunityFilter{
		{Name: "diffusion"},
		{Name: "zq"},
		{Fuzzy: "stable diff"},
		{Fuzzy: "zq"},
	} {
		var args argList
		where := communityWhere(f, &args, nil)
		plan := explain(t, s, `SELECT id FROM images`+where, args...)
		// Three characters or more: pg_trgm's indexes (migration 014);
		// fewer: the word-prefix keys.
		name, author := "images_community_name_trgm", "images_community_author_trgm"
		if len(f.Name+f.Fuzzy) < 3 {
			name, author = "images_community_name_keys", "images_community_author_keys"
		}
		if !strings.Contains(plan, name) || strings.Contains(plan, "Seq Scan") {
			t.Errorf("search %q%q is not answered from %s:\n%s", f.Name, f.Fuzzy, name, plan)
		}
		if f.Fuzzy != "" && !strings.Contains(plan, author) {
			t.Errorf("search %q is not answered from %s:\n%s", f.Fuzzy, author, plan)
		}
		found, n, err := s.FindCommunityImages(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || found[0].ID != "v-1234" {
			t.Errorf("search %q%q found %d images, want v-1234 alone", f.Name, f.Fuzzy, n)
		}
	}
}

func TestSearchKeys(t *testing.T) {
	got := strings.Join(searchKeys(sqlstore.Fold("XL-mini Ä")), ",")
	// Trigrams of "xl-mini ä" and the prefixes of xl, mini, ä.
	want := "-mi,i ä,ini,l-m,m,mi,min,ni ,x,xl,xl-,ä"
	if got != want {
		t.Fatalf("searchKeys = %s\nwant         %s", got, want)
	}
}

// TestOwnedImageUsesOwnerIndex: a lookup of an image with its owner must
// test the owner in the index condition of images_id_owner, so that
// another owner's image costs no heap fetch more than a missing id
// (existence by timing, issue 17).
func TestOwnedImageUsesOwnerIndex(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var owners []int64
	for i := range 20 {
		a := &imageshare.Account{Name: fmt.Sprintf("o%d@example.com", i)}
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		owners = append(owners, a.ID)
	}
	fillImages(t, s, 2000, func(i int) *imageshare.Image {
		return &imageshare.Image{ID: fmt.Sprintf("img-%d", i), Region: "cn-wlcb", OwnerID: owners[i%len(owners)],
			Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable, Name: fmt.Sprintf("image %d", i)}
	})
	plan := explain(t, s, ownedImageQuery, "img-7", owners[3])
	if !strings.Contains(plan, "images_id_owner") || !strings.Contains(plan, "Index Cond: ((id = 'img-7'::text) AND (owner_id = ") {
		t.Fatalf("owned lookup does not test the owner in images_id_owner's index condition:\n%s", plan)
	}
}

// explain returns PostgreSQL's plan of query with args, one line a step.
func explain(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), `EXPLAIN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// fillImages inserts the n images image(i) in one transaction and
// updates the planner's statistics.
func fillImages(t *testing.T, s *Store, n int, image func(i int) *imageshare.Image) {
	t.Helper()
	ctx := context.Background()
	err := s.inTx(ctx, "test.fill", writeTx, func(tx pgx.Tx) error {
		for i := range n {
			if err := insertImage(ctx, tx, image(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE images`); err != nil {
		t.Fatal(err)
	}
}
