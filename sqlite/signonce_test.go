package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// syncLevel returns a groupFunc that reads the connection's synchronous
// setting inside the batch's transaction into *got.
func syncLevel(got *int) groupFunc {
	return func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(got)
	}
}

// TestLightBatchesCommitWithoutFullSync checks the mechanism that saves
// the fsync: a batch of light writes runs at synchronous=NORMAL (1), a
// batch with any other write at FULL (2), and the writer connection is
// back at FULL after a light batch.
func TestLightBatchesCommitWithoutFullSync(t *testing.T) {
	s := openGroupTest(t)
	ctx := context.Background()
	var l1, l2, m1, m2 int
	light := []*groupWrite{
		{ctx: ctx, op: "l1", fn: syncLevel(&l1), lite: true},
		{ctx: ctx, op: "l2", fn: syncLevel(&l2), lite: true},
	}
	s.commitGroup(light)
	if l1 != 1 || l2 != 1 {
		t.Fatalf("light batch ran at synchronous %d, %d; want 1 (NORMAL)", l1, l2)
	}
	mixed := []*groupWrite{
		{ctx: ctx, op: "m1", fn: syncLevel(&m1), lite: true},
		{ctx: ctx, op: "m2", fn: syncLevel(&m2)},
	}
	s.commitGroup(mixed)
	if m1 != 2 || m2 != 2 {
		t.Fatalf("mixed batch ran at synchronous %d, %d; want 2 (FULL)", m1, m2)
	}
	s.commitGroup(light)
	var after int
	if err := s.write.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != 2 {
		t.Fatalf("writer left at synchronous %d after a light batch, want 2 (FULL)", after)
	}
	// A durable write alone (writeTx) runs at FULL too.
	var w int
	if err := s.writeTx(ctx, "w", func(tx *sql.Tx) error { return syncLevel(&w)(ctx, tx) }); err != nil || w != 2 {
		t.Fatalf("writeTx after a light batch ran at synchronous %d (%v), want 2", w, err)
	}
}

// withBoot makes bootID report id until the test ends.
func withBoot(t *testing.T, id string) {
	old := bootID
	bootID = func() string { return id }
	t.Cleanup(func() { bootID = old })
}

func reopen(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type guardRow struct {
	boot                        string
	bound, floor, lostAt, count int64
}

func readGuard(t *testing.T, s *Store) guardRow {
	t.Helper()
	var g guardRow
	if err := s.read.QueryRow(`SELECT boot_id, bound, floor, lost_at, losses FROM nonce_guard WHERE id = 1`).
		Scan(&g.boot, &g.bound, &g.floor, &g.lostAt, &g.count); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestSignatureNoncesAcrossRestartAndReboot: a restart in the same boot
// keeps the nonces and sets no floor; a reboot that lost them (simulated:
// the rows deleted and another boot id) refuses the replay of every
// request signed before the loss, and accepts requests signed after it.
func TestSignatureNoncesAcrossRestartAndReboot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nonce.db")
	signed := time.Date(2026, 12, 5, 21, 0, 0, 0, time.UTC)
	now := signed.Add(time.Second)
	use := func(s *Store, nonce string, signedAt time.Time) error {
		return s.UseSignatureNonce(ctx, nonce, signedAt, now, now.Add(30*time.Minute))
	}

	withBoot(t, "boot-a")
	s := reopen(t, path)
	if err := use(s, "aliyun:k:early", signed.Add(-10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := use(s, "aliyun:k:last", signed); err != nil {
		t.Fatal(err)
	}
	if g := readGuard(t, s); g.boot != "boot-a" || g.bound != signed.Add(nonceBoundStep).UnixNano() {
		t.Fatalf("guard after two nonces = %+v, want boot-a and bound %v", g, signed.Add(nonceBoundStep))
	}
	s.Close()

	// A restart (a crash of the process included) in the same boot.
	s = reopen(t, path)
	if err := use(s, "aliyun:k:last", signed); imageshare.ErrorReason(err) != imageshare.ReasonNonceUsed {
		t.Fatalf("replay after a restart = %v, want NonceUsed", err)
	}
	if g := readGuard(t, s); g.floor != 0 || g.count != 0 {
		t.Fatalf("a restart in the same boot set a floor: %+v", g)
	}
	// The machine goes down before the WAL reached the disk: the records
	// are gone, the durable guard is not.
	if _, err := s.write.ExecContext(ctx, `DELETE FROM signature_nonces`); err != nil {
		t.Fatal(err)
	}
	s.Close()

	withBoot(t, "boot-b")
	s = reopen(t, path)
	for _, n := range []struct {
		nonce    string
		signedAt time.Time
	}{
		{"aliyun:k:early", signed.Add(-10 * time.Minute)},
		{"aliyun:k:last", signed},
		// Not seen before, but signed within the bound: it could be a
		// request accepted just before the loss.
		{"aliyun:k:unknown", signed.Add(nonceBoundStep)},
	} {
		err := use(s, n.nonce, n.signedAt)
		if imageshare.ErrorKind(err) != imageshare.KindInvalid || imageshare.ErrorReason(err) != imageshare.ReasonSignedBeforeLoss {
			t.Fatalf("%s signed %v after the reboot = %v, want SignedBeforeNonceLoss", n.nonce, n.signedAt, err)
		}
	}
	fresh := signed.Add(nonceBoundStep + time.Second)
	if err := use(s, "aliyun:k:fresh", fresh); err != nil {
		t.Fatalf("a request signed after the floor: %v", err)
	}
	g := readGuard(t, s)
	if g.boot != "boot-b" || g.floor != signed.Add(nonceBoundStep).UnixNano() || g.count != 1 || g.lostAt == 0 {
		t.Fatalf("guard after the reboot = %+v, want boot-b, floor at the old bound, one loss recorded", g)
	}
	s.Close()

	// The floor is durable: a second restart in the new boot keeps it
	// and counts no new loss.
	s = reopen(t, path)
	defer s.Close()
	if err := use(s, "aliyun:k:last", signed); imageshare.ErrorReason(err) != imageshare.ReasonSignedBeforeLoss {
		t.Fatalf("replay after a second restart = %v, want SignedBeforeNonceLoss", err)
	}
	if err := use(s, "aliyun:k:fresh", fresh); imageshare.ErrorReason(err) != imageshare.ReasonNonceUsed {
		t.Fatalf("replay of a post-reboot request = %v, want NonceUsed", err)
	}
	if g := readGuard(t, s); g.count != 1 {
		t.Fatalf("losses = %d after a restart in the same boot, want 1", g.count)
	}
}

// TestSignatureNoncesUnknownBoot: where the boot cannot be told, every
// open counts as a possible loss.
func TestSignatureNoncesUnknownBoot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nonce.db")
	signed := time.Date(2026, 12, 5, 21, 0, 0, 0, time.UTC)
	withBoot(t, "")
	s := reopen(t, path)
	if err := s.UseSignatureNonce(ctx, "n", signed, signed, signed.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = reopen(t, path)
	defer s.Close()
	err := s.UseSignatureNonce(ctx, "other", signed, signed, signed.Add(time.Hour))
	if imageshare.ErrorReason(err) != imageshare.ReasonSignedBeforeLoss {
		t.Fatalf("after an open with no boot id = %v, want SignedBeforeNonceLoss", err)
	}
}
