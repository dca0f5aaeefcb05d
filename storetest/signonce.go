package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/imageshare/imageshare"
)

// testSignatureNonce checks UseSignatureNonce's contract short of a crash
// (each store's own tests simulate its crash and the floor it sets).
func testSignatureNonce(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	t.Run("ErrConflictReuse", func(t *testing.T) {
		s := newStore(t)
		ok(t, s.UseSignatureNonce(ctx, "aliyun:k:n1", at(0), at(0), at(60)))
		wantErr(t, s.UseSignatureNonce(ctx, "aliyun:k:n1", at(0), at(59), at(119)), imageshare.KindConflict, imageshare.ReasonNonceUsed)
		// Signed at another time, the same nonce is still a replay.
		wantErr(t, s.UseSignatureNonce(ctx, "aliyun:k:n1", at(50), at(59), at(119)), imageshare.KindConflict, imageshare.ReasonNonceUsed)
		ok(t, s.UseSignatureNonce(ctx, "aliyun:k:n2", at(59), at(59), at(119)))
	})
	t.Run("ExpiredReusable", func(t *testing.T) {
		s := newStore(t)
		ok(t, s.UseSignatureNonce(ctx, "n1", at(0), at(0), at(60)))
		ok(t, s.UseSignatureNonce(ctx, "n1", at(60), at(60), at(120)))
		wantErr(t, s.UseSignatureNonce(ctx, "n1", at(100), at(100), at(160)), imageshare.KindConflict, imageshare.ReasonNonceUsed)
	})
	t.Run("SeparateFromUseNonce", func(t *testing.T) {
		// The two spaces do not meet: a Baidu request key can never
		// refuse an Alibaba nonce nor the other way round.
		s := newStore(t)
		ok(t, s.UseNonce(ctx, "same", at(0), at(60)))
		ok(t, s.UseSignatureNonce(ctx, "same", at(0), at(0), at(60)))
		wantErr(t, s.UseNonce(ctx, "same", at(1), at(61)), imageshare.KindConflict, imageshare.ReasonNonceUsed)
		wantErr(t, s.UseSignatureNonce(ctx, "same", at(1), at(1), at(61)), imageshare.KindConflict, imageshare.ReasonNonceUsed)
	})
	t.Run("Pruning", func(t *testing.T) {
		s := newStore(t)
		for i := range 300 {
			ok(t, s.UseSignatureNonce(ctx, fmt.Sprintf("old%d", i), at(i), at(i), at(i+1)))
		}
		ok(t, s.UseSignatureNonce(ctx, "live", at(400), at(400), at(1000)))
		for i := range 10 {
			ok(t, s.UseSignatureNonce(ctx, fmt.Sprintf("fresh%d", i), at(500), at(500), at(600)))
		}
		wantErr(t, s.UseSignatureNonce(ctx, "live", at(999), at(999), at(2000)), imageshare.KindConflict, imageshare.ReasonNonceUsed)
		ok(t, s.UseSignatureNonce(ctx, "old299", at(500), at(500), at(600)))
	})
	t.Run("ConcurrentOnce", func(t *testing.T) {
		// Of many concurrent uses of one nonce exactly one is accepted,
		// whichever batch or connection each runs in.
		s := newStore(t)
		const n = 16
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.UseSignatureNonce(ctx, "contended", at(i), at(10), at(100))
			}()
		}
		wg.Wait()
		accepted := 0
		for _, err := range errs {
			switch {
			case err == nil:
				accepted++
			case imageshare.ErrorReason(err) != imageshare.ReasonNonceUsed:
				t.Fatalf("concurrent use: %v", err)
			}
		}
		if accepted != 1 {
			t.Fatalf("%d of %d concurrent uses of one nonce accepted, want 1", accepted, n)
		}
	})
}
