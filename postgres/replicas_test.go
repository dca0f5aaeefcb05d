package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/postgres/pgtest"
)

// replicas opens n stores (n connection pools, as n replicas would) on
// one fresh schema.
func replicas(t *testing.T, n int) []*postgres.Store {
	t.Helper()
	pgtest.SkipUnlessConfigured(t)
	dsn := pgtest.NewSchema(t)
	var out []*postgres.Store
	for range n {
		s, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out = append(out, s)
	}
	return out
}

func TestMigrateConcurrently(t *testing.T) {
	pgtest.SkipUnlessConfigured(t)
	dsn := pgtest.NewSchema(t)
	const starters = 8
	applied := make(chan postgres.Migration, 100)
	var wg sync.WaitGroup
	errs := make(chan error, starters)
	start := make(chan struct{})
	for range starters {
		wg.Go(func() {
			s, err := postgres.Connect(context.Background(), dsn)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			<-start
			done, err := s.MigrateReport(context.Background())
			if err != nil {
				errs <- err
			}
			for _, m := range done {
				applied <- m
			}
			if err := s.Ping(context.Background()); err != nil {
				errs <- fmt.Errorf("ping after migrate: %w", err)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	close(applied)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int]int{}
	for m := range applied {
		seen[m.Version]++
	}
	s, err := postgres.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recorded, err := s.Migrations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(recorded) < 2 || len(seen) != len(recorded) {
		t.Fatalf("%d migrations recorded, %d applied by the starters: %v", len(recorded), len(seen), seen)
	}
	for _, m := range recorded {
		if seen[m.Version] != 1 {
			t.Errorf("migration %d applied %d times", m.Version, seen[m.Version])
		}
	}
}

func TestPingUnmigrated(t *testing.T) {
	pgtest.SkipUnlessConfigured(t)
	s, err := postgres.Connect(context.Background(), pgtest.NewSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ping(context.Background()); imageshare.ErrorKind(err) != imageshare.KindUnavailable {
		t.Fatalf("Ping before migrating: %v, want unavailable", err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping after migrating: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	_, err := postgres.Open(ctx, "postgres://u:s3cret@[bad")
	if imageshare.ErrorKind(err) != imageshare.KindInvalid || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("unparsable DSN: %v, want invalid without the password", err)
	}
	// Nothing listens on port 1: the store reports the database as
	// unavailable, promptly.
	start := time.Now()
	_, err = postgres.Open(ctx, "postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=2")
	if imageshare.ErrorKind(err) != imageshare.KindUnavailable || strings.Contains(imageshare.ErrorMessage(err), "s3cret") {
		t.Fatalf("unreachable server: %v, want unavailable", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("Open took %v", time.Since(start))
	}
}

// TestShareCapAcrossReplicas adds accounts to one image through two
// stores at once: the cap must hold exactly, as the image's row lock
// serialises the changes whichever replica makes them.
func TestShareCapAcrossReplicas(t *testing.T) {
	rs := replicas(t, 2)
	ctx := context.Background()
	owner := &imageshare.Account{Name: "owner@example.com"}
	if err := rs[0].CreateAccount(ctx, owner); err != nil {
		t.Fatal(err)
	}
	if err := rs[0].CreateImage(ctx, &imageshare.Image{ID: "img", Region: "cn-wlcb", OwnerID: owner.ID,
		Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable}); err != nil {
		t.Fatal(err)
	}
	const cap, adders = 5, 24
	ids := make([]int64, adders)
	for i := range ids {
		a := &imageshare.Account{Name: fmt.Sprintf("u%d@example.com", i)}
		if err := rs[i%2].CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}
	var wg sync.WaitGroup
	results := make(chan error, adders)
	for i, id := range ids {
		wg.Go(func() {
			_, err := rs[i%2].ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{id}, By: owner.ID,
				At: time.Now(), MaxShares: cap})
			results <- err
		})
	}
	wg.Wait()
	close(results)
	added, refused := 0, 0
	for err := range results {
		switch {
		case err == nil:
			added++
		case imageshare.ErrorReason(err) == imageshare.ReasonShareQuota:
			refused++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	shares, total, err := rs[1].ListShares(ctx, "img", imageshare.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if added != cap || refused != adders-cap || total != cap || len(shares) != cap {
		t.Fatalf("%d added, %d refused, %d stored; want %d, %d, %d", added, refused, total, cap, adders-cap, cap)
	}
}

// TestNonceOnceAcrossReplicas uses one nonce through two stores at once:
// exactly one use succeeds.
func TestNonceOnceAcrossReplicas(t *testing.T) {
	rs := replicas(t, 2)
	ctx := context.Background()
	now := time.Now()
	for round := range 5 {
		nonce := fmt.Sprintf("nonce-%d", round)
		var wg sync.WaitGroup
		results := make(chan error, 16)
		for i := range 16 {
			wg.Go(func() { results <- rs[i%2].UseNonce(ctx, nonce, now, now.Add(time.Minute)) })
		}
		wg.Wait()
		close(results)
		used := 0
		for err := range results {
			switch {
			case err == nil:
				used++
			case imageshare.ErrorReason(err) != imageshare.ReasonNonceUsed:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if used != 1 {
			t.Fatalf("nonce %s accepted %d times", nonce, used)
		}
	}
}

// TestCreateVersionNameAcrossReplicas publishes versions with one name
// into one group from two sources through two stores at once: exactly one
// is stored, whatever serialization failures the others met.
func TestCreateVersionNameAcrossReplicas(t *testing.T) {
	rs := replicas(t, 2)
	ctx := context.Background()
	owner := &imageshare.Account{Name: "owner@example.com"}
	if err := rs[0].CreateAccount(ctx, owner); err != nil {
		t.Fatal(err)
	}
	const publishers = 16
	for i := range publishers {
		if err := rs[0].CreateCustomImage(ctx, &imageshare.Image{ID: fmt.Sprintf("src-%d", i), Region: "cn-wlcb", OwnerID: owner.ID,
			Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable, Name: fmt.Sprintf("src %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	results := make(chan error, publishers)
	start := make(chan struct{})
	for i := range publishers {
		wg.Go(func() {
			<-start
			results <- rs[i%2].CreateVersion(ctx, &imageshare.Image{ID: fmt.Sprintf("v-%d", i), Region: "cn-wlcb", OwnerID: owner.ID,
				Type: imageshare.ImageCommunity, Status: imageshare.StatusReviewing, Name: "pub", GroupID: "g-1", VersionName: "v1"},
				fmt.Sprintf("src-%d", i))
		})
	}
	close(start)
	wg.Wait()
	close(results)
	created := 0
	for err := range results {
		switch {
		case err == nil:
			created++
		case imageshare.ErrorReason(err) != imageshare.ReasonDuplicateName:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	versions, _, err := rs[1].FindCommunityImages(ctx, imageshare.CommunityFilter{GroupID: "g-1"})
	if err != nil {
		t.Fatal(err)
	}
	if created != 1 || len(versions) != 1 {
		t.Fatalf("%d versions created, %d stored; want 1", created, len(versions))
	}
	t.Logf("retries after serialization failures: %d and %d", rs[0].Retries(), rs[1].Retries())
}

// TestStatementTimeout holds an image's row lock from outside the store:
// a share change that must wait for it fails as unavailable once the
// statement timeout (set in the DSN) passes, instead of hanging.
func TestStatementTimeout(t *testing.T) {
	pgtest.SkipUnlessConfigured(t)
	ctx := context.Background()
	dsn := pgtest.NewSchema(t)
	s, err := postgres.Open(ctx, dsn+"&statement_timeout=200ms")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	owner := &imageshare.Account{Name: "owner@example.com"}
	if err := s.CreateAccount(ctx, owner); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateImage(ctx, &imageshare.Image{ID: "img", Region: "cn-wlcb", OwnerID: owner.ID, Type: imageshare.ImageCustom,
		Status: imageshare.StatusAvailable}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT id FROM images WHERE id = 'img' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Remove: []int64{owner.ID + 1}, By: owner.ID, At: time.Now()})
	if imageshare.ErrorKind(err) != imageshare.KindUnavailable {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 5*time.Second {
		t.Fatalf("failed after %v, want about the 200ms timeout", d)
	}
	// Released, the same change goes through.
	tx.Rollback(ctx)
	if _, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Remove: []int64{owner.ID + 1}, By: owner.ID, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
}
