package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

func openGroupTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "group.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func insertAccount(id int64) groupFunc {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, name, organization_id, created_at) VALUES (?, ?, ?, 0)`,
			id, fmt.Sprintf("g%d@example.com", id), id)
		return err
	}
}

func accountExists(t *testing.T, s *Store, id int64) bool {
	t.Helper()
	_, err := s.FindAccountByID(context.Background(), id)
	if err != nil && !imageshare.IsKind(err, imageshare.KindNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// TestGroupCommitIsolatesFailures runs one batch of several writes, one of
// which fails after writing: it alone is undone and gets its error; the
// others commit.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	s := openGroupTest(t)
	boom := imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonAlreadyShared, "boom")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	batch := []*groupWrite{
		{ctx: context.Background(), op: "w1", fn: insertAccount(1)},
		{ctx: context.Background(), op: "w2", fn: func(ctx context.Context, tx *sql.Tx) error {
			if err := insertAccount(2)(ctx, tx); err != nil {
				return err
			}
			return boom // after its insert: the insert must be undone
		}},
		{ctx: cancelled, op: "w3", fn: func(ctx context.Context, tx *sql.Tx) error { ran = true; return insertAccount(3)(ctx, tx) }},
		{ctx: context.Background(), op: "w4", fn: insertAccount(1)}, // sees w1: a key conflict
		{ctx: context.Background(), op: "w5", fn: insertAccount(5)},
	}
	s.commitGroup(batch)

	if batch[0].err != nil || batch[4].err != nil {
		t.Fatalf("successful writes failed: %v, %v", batch[0].err, batch[4].err)
	}
	if !errors.Is(batch[1].err, boom) || imageshare.ErrorReason(batch[1].err) != imageshare.ReasonAlreadyShared {
		t.Fatalf("failing write's error = %v, want its own", batch[1].err)
	}
	if e, ok := batch[1].err.(*imageshare.Error); !ok || e.Op != "" && e.Op != "w2" {
		t.Fatalf("failing write's error %#v is not the domain error", batch[1].err)
	}
	if ran || batch[2].err == nil {
		t.Fatalf("a write whose context ended before its turn ran (%v) or did not fail (%v)", ran, batch[2].err)
	}
	if batch[3].err == nil {
		t.Fatal("a write conflicting with an earlier write of its batch succeeded")
	}
	for id, want := range map[int64]bool{1: true, 2: false, 3: false, 5: true} {
		if got := accountExists(t, s, id); got != want {
			t.Errorf("account %d exists = %v, want %v", id, got, want)
		}
	}
}

// TestGroupCommitPanics: a panicking write is undone and the panic reaches
// its own caller; the rest of its batch commits.
func TestGroupCommitPanics(t *testing.T) {
	s := openGroupTest(t)
	batch := []*groupWrite{
		{ctx: context.Background(), op: "a", fn: insertAccount(1)},
		{ctx: context.Background(), op: "b", fn: func(ctx context.Context, tx *sql.Tx) error {
			_ = insertAccount(2)(ctx, tx)
			panic("write b")
		}},
		{ctx: context.Background(), op: "c", fn: insertAccount(3)},
	}
	s.commitGroup(batch)
	if batch[1].pv != "write b" || batch[0].err != nil || batch[2].err != nil {
		t.Fatalf("panic value %v, errors %v %v", batch[1].pv, batch[0].err, batch[2].err)
	}
	if !accountExists(t, s, 1) || accountExists(t, s, 2) || !accountExists(t, s, 3) {
		t.Fatal("want accounts 1 and 3 committed and the panicking write undone")
	}

	defer func() {
		if v := recover(); v != "alone" {
			t.Fatalf("groupTx recovered %v, want the write's panic", v)
		}
	}()
	_ = s.groupTx(context.Background(), "alone", func(context.Context, *sql.Tx) error { panic("alone") })
}

// TestGroupCommitConcurrent drives many concurrent share changes through
// the store, some of which must fail, and checks every answer against the
// final state: an acknowledged change is there, a refused one is not.
func TestGroupCommitConcurrent(t *testing.T) {
	s := openGroupTest(t)
	ctx := context.Background()
	const images, accounts = 8, 40
	owner := &imageshare.Account{Name: "owner@example.com"}
	if err := s.CreateAccount(ctx, owner); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range accounts {
		a := &imageshare.Account{Name: fmt.Sprintf("a%d@example.com", i)}
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	for i := range images {
		if err := s.CreateImage(ctx, &imageshare.Image{ID: fmt.Sprintf("img%d", i), Region: "r", OwnerID: owner.ID,
			Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable}); err != nil {
			t.Fatal(err)
		}
	}
	type outcome struct {
		image   string
		account int64
		err     error
	}
	var mu sync.Mutex
	var outcomes []outcome
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 20 {
				image := fmt.Sprintf("img%d", (g+k)%images)
				if k%7 == 3 {
					image = "missing" // fails: no such image
				}
				acc := ids[(g*20+k)%accounts]
				// MaxShares 4 makes many adds fail on the quota.
				_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: image, Add: []int64{acc}, By: owner.ID,
					At: time.Unix(int64(k), 0), MaxShares: 4, FailOnNoop: true})
				mu.Lock()
				outcomes = append(outcomes, outcome{image, acc, err})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	shared := map[string]map[int64]int{}
	var failures, quota int
	for _, o := range outcomes {
		switch {
		case o.err == nil:
			if shared[o.image] == nil {
				shared[o.image] = map[int64]int{}
			}
			shared[o.image][o.account]++
		case o.image == "missing":
			if imageshare.ErrorReason(o.err) != imageshare.ReasonImageNotFound {
				t.Fatalf("missing image: %v", o.err)
			}
			failures++
		case imageshare.ErrorReason(o.err) == imageshare.ReasonShareQuota:
			quota++
		case imageshare.ErrorReason(o.err) == imageshare.ReasonAlreadyShared:
		default:
			t.Fatalf("unexpected error %v", o.err)
		}
	}
	if failures == 0 || quota == 0 {
		t.Fatalf("%d calls on a missing image and %d over the quota failed: the test lost its failing calls", failures, quota)
	}
	for i := range images {
		image := fmt.Sprintf("img%d", i)
		shares, total, err := s.ListShares(ctx, image, imageshare.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if total > 4 {
			t.Fatalf("%s has %d shares, over its cap", image, total)
		}
		if total != len(shared[image]) {
			t.Fatalf("%s has %d shares, %d changes were acknowledged", image, total, len(shared[image]))
		}
		for _, sh := range shares {
			if shared[image][sh.AccountID] != 1 {
				t.Fatalf("%s is shared with %d, acknowledged %d times", image, sh.AccountID, shared[image][sh.AccountID])
			}
		}
	}
	t.Logf("%d changes, %d on a missing image, %d over the quota", len(outcomes), failures, quota)
}
