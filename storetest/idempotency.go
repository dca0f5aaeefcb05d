package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/imageshare/imageshare"
)

func runIdempotency(t *testing.T, newStore func(t *testing.T) imageshare.Store) {
	t.Run("Idempotency/ClaimCompleteReplay", func(t *testing.T) { testIdempotencyClaim(t, newStore(t)) })
	t.Run("Idempotency/Release", func(t *testing.T) { testIdempotencyRelease(t, newStore(t)) })
	t.Run("Idempotency/ExpiredAndStale", func(t *testing.T) { testIdempotencyExpiry(t, newStore(t)) })
	t.Run("Idempotency/KeysAreSeparate", func(t *testing.T) { testIdempotencyKeys(t, newStore(t)) })
	t.Run("Idempotency/ConcurrentClaims", func(t *testing.T) { testIdempotencyRace(t, newStore(t)) })
}

func claimRecord(account int64, scope, token, hash, claim string, n int) *imageshare.IdempotencyRecord {
	return &imageshare.IdempotencyRecord{
		IdempotencyKey: imageshare.IdempotencyKey{AccountID: account, Scope: scope, Token: token},
		ParamsHash:     hash, Claim: claim, ClaimedAt: at(n), ExpiresAt: at(n + 3600),
	}
}

func testIdempotencyClaim(t *testing.T, s imageshare.Store) {
	ctx := context.Background()
	r := claimRecord(7, "ecs:CreateImage", "tok-1", "h1", "c1", 0)
	live, err := s.ClaimIdempotencyKey(ctx, r, at(0), at(-120))
	ok(t, err)
	if live != nil {
		t.Fatalf("first claim found %+v, want it claimed", live)
	}
	got, err := s.FindIdempotencyKey(ctx, r.IdempotencyKey)
	ok(t, err)
	if got.Done() || got.ParamsHash != "h1" || got.Claim != "c1" {
		t.Fatalf("record = %+v, want in progress, h1, c1", got)
	}
	wantTime(t, "ClaimedAt", got.ClaimedAt, at(0))
	wantTime(t, "ExpiresAt", got.ExpiresAt, at(3600))

	// A second claim, with any hash, finds the record in progress.
	live, err = s.ClaimIdempotencyKey(ctx, claimRecord(7, "ecs:CreateImage", "tok-1", "h2", "c2", 1), at(1), at(-119))
	ok(t, err)
	if live == nil || live.Claim != "c1" || live.ParamsHash != "h1" || live.Done() {
		t.Fatalf("second claim found %+v, want c1's in-progress record", live)
	}

	// Only the holder completes it.
	wantErr(t, s.CompleteIdempotencyKey(ctx, r.IdempotencyKey, "c2", "m-other"), imageshare.KindConflict, imageshare.ReasonNone)
	ok(t, s.CompleteIdempotencyKey(ctx, r.IdempotencyKey, "c1", "m-abc"))
	wantErr(t, s.CompleteIdempotencyKey(ctx, r.IdempotencyKey, "c1", "m-again"), imageshare.KindConflict, imageshare.ReasonNone)

	live, err = s.ClaimIdempotencyKey(ctx, claimRecord(7, "ecs:CreateImage", "tok-1", "h1", "c3", 2), at(2), at(-118))
	ok(t, err)
	if live == nil || !live.Done() || live.Result != "m-abc" {
		t.Fatalf("claim after completion found %+v, want result m-abc", live)
	}
	// A completed record is never released.
	ok(t, s.ReleaseIdempotencyKey(ctx, r.IdempotencyKey, "c1"))
	got, err = s.FindIdempotencyKey(ctx, r.IdempotencyKey)
	ok(t, err)
	if got.Result != "m-abc" {
		t.Fatalf("release removed a completed record: %+v", got)
	}
	_, err = s.FindIdempotencyKey(ctx, imageshare.IdempotencyKey{AccountID: 7, Scope: "ecs:CreateImage", Token: "missing"})
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonNone)
}

func testIdempotencyRelease(t *testing.T, s imageshare.Store) {
	ctx := context.Background()
	r := claimRecord(7, "bcc:CreateImage", "tok", "h1", "c1", 0)
	live, err := s.ClaimIdempotencyKey(ctx, r, at(0), at(-120))
	ok(t, err)
	if live != nil {
		t.Fatal("not claimed")
	}
	// Another claim's release leaves it; the holder's removes it.
	ok(t, s.ReleaseIdempotencyKey(ctx, r.IdempotencyKey, "c9"))
	if _, err := s.FindIdempotencyKey(ctx, r.IdempotencyKey); err != nil {
		t.Fatalf("a release by another claim removed the record: %v", err)
	}
	ok(t, s.ReleaseIdempotencyKey(ctx, r.IdempotencyKey, "c1"))
	_, err = s.FindIdempotencyKey(ctx, r.IdempotencyKey)
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonNone)
	// The token may be claimed again, with other parameters.
	live, err = s.ClaimIdempotencyKey(ctx, claimRecord(7, "bcc:CreateImage", "tok", "h2", "c2", 1), at(1), at(-119))
	ok(t, err)
	if live != nil {
		t.Fatalf("claim after release found %+v", live)
	}
}

func testIdempotencyExpiry(t *testing.T, s imageshare.Store) {
	ctx := context.Background()
	// A completed record expires at at(3600): live before, replaced at it.
	r := claimRecord(7, "ecs:CopyImage", "done", "h1", "c1", 0)
	_, err := s.ClaimIdempotencyKey(ctx, r, at(0), at(-120))
	ok(t, err)
	ok(t, s.CompleteIdempotencyKey(ctx, r.IdempotencyKey, "c1", "m-1"))
	live, err := s.ClaimIdempotencyKey(ctx, claimRecord(7, "ecs:CopyImage", "done", "h2", "c2", 3599), at(3599), at(0))
	ok(t, err)
	if live == nil || live.Result != "m-1" {
		t.Fatalf("before expiry found %+v, want m-1 (a completed record never goes stale)", live)
	}
	live, err = s.ClaimIdempotencyKey(ctx, claimRecord(7, "ecs:CopyImage", "done", "h2", "c2", 3600), at(3600), at(3480))
	ok(t, err)
	if live != nil {
		t.Fatalf("an expired record was kept: %+v", live)
	}
	got, err := s.FindIdempotencyKey(ctx, r.IdempotencyKey)
	ok(t, err)
	if got.Claim != "c2" || got.ParamsHash != "h2" || got.Done() {
		t.Fatalf("after takeover record = %+v, want c2's claim", got)
	}

	// An in-progress claim is live until staleBefore reaches its claim time.
	p := claimRecord(7, "ecs:CreateImage", "slow", "h1", "p1", 10)
	_, err = s.ClaimIdempotencyKey(ctx, p, at(10), at(-110))
	ok(t, err)
	live, err = s.ClaimIdempotencyKey(ctx, claimRecord(7, "ecs:CreateImage", "slow", "h1", "p2", 11), at(11), at(9))
	ok(t, err)
	if live == nil || live.Claim != "p1" {
		t.Fatalf("a fresh claim was taken over: %+v", live)
	}
	live, err = s.ClaimIdempotencyKey(ctx, claimRecord(7, "ecs:CreateImage", "slow", "h1", "p3", 130), at(130), at(10))
	ok(t, err)
	if live != nil {
		t.Fatalf("a stale claim was kept: %+v", live)
	}
	// The presumed-dead claimant can no longer complete it.
	wantErr(t, s.CompleteIdempotencyKey(ctx, p.IdempotencyKey, "p1", "m-late"), imageshare.KindConflict, imageshare.ReasonNone)
	ok(t, s.CompleteIdempotencyKey(ctx, p.IdempotencyKey, "p3", "m-new"))
}

func testIdempotencyKeys(t *testing.T, s imageshare.Store) {
	ctx := context.Background()
	// The same token in another account or scope is another key; tokens
	// are compared exactly (case matters).
	for i, k := range []imageshare.IdempotencyKey{
		{AccountID: 1, Scope: "ecs:CreateImage", Token: "T"},
		{AccountID: 2, Scope: "ecs:CreateImage", Token: "T"},
		{AccountID: 1, Scope: "ecs:CopyImage", Token: "T"},
		{AccountID: 1, Scope: "ecs:CreateImage", Token: "t"},
	} {
		r := claimRecord(k.AccountID, k.Scope, k.Token, "h", fmt.Sprint("c", i), 0)
		live, err := s.ClaimIdempotencyKey(ctx, r, at(0), at(-120))
		ok(t, err)
		if live != nil {
			t.Fatalf("key %+v found %+v, want its own claim", k, live)
		}
		ok(t, s.CompleteIdempotencyKey(ctx, k, fmt.Sprint("c", i), fmt.Sprint("m-", i)))
	}
	got, err := s.FindIdempotencyKey(ctx, imageshare.IdempotencyKey{AccountID: 2, Scope: "ecs:CreateImage", Token: "T"})
	ok(t, err)
	if got.Result != "m-1" {
		t.Fatalf("account 2's record = %+v, want m-1", got)
	}
}

// testIdempotencyRace: of many concurrent claims of one key, exactly one
// wins and every other one sees the winner's record.
func testIdempotencyRace(t *testing.T, s imageshare.Store) {
	ctx := context.Background()
	const n = 16
	var wg sync.WaitGroup
	wins := make(chan string, n)
	seen := make(chan string, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			claim := fmt.Sprint("c", i)
			live, err := s.ClaimIdempotencyKey(ctx, claimRecord(3, "ecs:CreateImage", "race", "h", claim, 0), at(0), at(-120))
			switch {
			case err != nil:
				errs <- err
			case live == nil:
				wins <- claim
			default:
				seen <- live.Claim
			}
		}()
	}
	wg.Wait()
	close(wins)
	close(seen)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var winners []string
	for w := range wins {
		winners = append(winners, w)
	}
	if len(winners) != 1 {
		t.Fatalf("%d claims won (%v), want exactly 1", len(winners), winners)
	}
	for c := range seen {
		if c != winners[0] {
			t.Errorf("a losing claim saw claim %q, want the winner %q", c, winners[0])
		}
	}
}
