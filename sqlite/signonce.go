package sqlite

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imageshare/imageshare"
)

// Signature nonces without an fsync per request (docs/nonces.md).
//
// A signature nonce commits in the light lane of the group commit
// (groupcommit.go): its transaction runs with synchronous=NORMAL, so in
// WAL mode its COMMIT writes the WAL without waiting for the disk. The
// record is in the operating system's page cache when the call returns:
// it survives a crash (or SIGKILL) of the process, and can be lost only
// when the machine itself goes down before the WAL reaches the disk (at
// the next durable commit or checkpoint).
//
// That loss is made detectable and harmless by nonce_guard, whose every
// write is durable (synchronous=FULL):
//
//   - bound: no request accepted has a signed time after it. A call whose
//     signed time is above the bound this process knows raises it first,
//     durably, to that time plus nonceBoundStep; so with clients whose
//     clocks are right, the bound costs one fsync per nonceBoundStep.
//   - boot_id: the boot (/proc/sys/kernel/random/boot_id) in which the
//     store was last opened. A process that opens the store in another
//     boot knows the machine went down since, and may have lost nonces:
//     it raises the floor to the bound, durably, before it serves.
//   - floor: a nonce signed at or before it is refused
//     (ReasonSignedBeforeLoss). Every request accepted before the loss
//     was signed at or before the bound, so none can be replayed after
//     it; requests signed later are served as before. The floor never
//     needs clearing: once the clock is past it by the dialect's
//     timestamp window, no request signed before it is fresh anyway.

// nonceBoundStep is how far above a request's signed time the durable
// bound is raised: the bound is written once per step of signed time, and
// after a loss, requests signed up to one step after the last accepted
// one are refused.
const nonceBoundStep = 10 * time.Second

// signaturePruneEvery: one call in this many prunes (up to
// noncePruneLimit expired nonces), which still deletes more than one per
// call recorded, so the table cannot grow, and saves a statement on the
// others.
const signaturePruneEvery = 8

// bootIDPath names the running kernel's boot: it changes at every boot.
const bootIDPath = "/proc/sys/kernel/random/boot_id"

// bootID returns the current boot's id, or "" when the system does not
// tell it (then every open counts as a possible loss). A variable, so
// that tests can simulate a reboot.
var bootID = func() string {
	b, err := os.ReadFile(bootIDPath)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// nonceGuard is the process's copy of nonce_guard.
type nonceGuard struct {
	floor atomic.Int64 // unix ns; fixed from open on (only a new boot raises it)
	bound atomic.Int64 // unix ns; durable in the table whenever stored here
	mu    sync.Mutex   // one durable raise of the bound at a time
	calls atomic.Int64 // UseSignatureNonce calls, for pruning
}

// openNonceGuard reads nonce_guard and, when the machine has booted since
// the store was last opened (or the boot cannot be told), raises the
// floor to the bound: nonces committed before the reboot may be lost.
func (s *Store) openNonceGuard(ctx context.Context) error {
	const op = "sqlite.Open"
	current := bootID()
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		var stored string
		var bound, floor int64
		if err := tx.QueryRowContext(ctx, `SELECT boot_id, bound, floor FROM nonce_guard WHERE id = 1`).
			Scan(&stored, &bound, &floor); err != nil {
			return err
		}
		// stored is "" only before the first open after the migration,
		// which moved durable records: nothing was lost then.
		lost := current == "" || (stored != "" && stored != current)
		if lost && bound > floor {
			floor = bound
			if _, err := tx.ExecContext(ctx, `UPDATE nonce_guard SET floor = ?, lost_at = ?, losses = losses + 1 WHERE id = 1`,
				floor, time.Now().UnixNano()); err != nil {
				return err
			}
		}
		if stored != current {
			if _, err := tx.ExecContext(ctx, `UPDATE nonce_guard SET boot_id = ? WHERE id = 1`, current); err != nil {
				return err
			}
		}
		s.nonces.floor.Store(floor)
		s.nonces.bound.Store(bound)
		return nil
	})
}

// UseSignatureNonce implements imageshare.Store.
func (s *Store) UseSignatureNonce(ctx context.Context, nonce string, signedAt, now, expiresAt time.Time) error {
	const op = "sqlite.UseSignatureNonce"
	signed := signedAt.UnixNano()
	if signed <= s.nonces.floor.Load() {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonSignedBeforeLoss,
			"nonce %q was signed before nonces recorded then may have been lost", nonce)
	}
	if err := s.raiseNonceBound(ctx, op, signed); err != nil {
		return err
	}
	prune := s.nonces.calls.Add(1)%signaturePruneEvery == 0
	return s.groupTxLight(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		return recordNonce(ctx, tx, "signature_nonces", nonce, now, expiresAt, prune)
	})
}

// raiseNonceBound makes the durable bound at least signed before the
// nonce signed then is recorded.
func (s *Store) raiseNonceBound(ctx context.Context, op string, signed int64) error {
	g := &s.nonces
	if signed <= g.bound.Load() {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if signed <= g.bound.Load() {
		return nil // raised while this call waited
	}
	var bound int64
	err := s.groupTx(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		// max: another process on the file may have raised it further.
		return tx.QueryRowContext(ctx, `UPDATE nonce_guard SET bound = max(bound, ?) WHERE id = 1 RETURNING bound`,
			signed+int64(nonceBoundStep)).Scan(&bound)
	})
	if err != nil {
		return err
	}
	g.bound.Store(bound)
	return nil
}
