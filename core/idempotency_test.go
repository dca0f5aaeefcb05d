package core_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
)

type createParams struct {
	Instance string
	Name     string
}

// counter returns a create function that makes "m-<n>" and counts its runs.
func counter(runs *atomic.Int32) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		return fmt.Sprint("m-", runs.Add(1)), nil
	}
}

func TestIdempotent_ReplayAndMismatch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	c, _ := e.user(t, "owner@example.com")
	other, _ := e.user(t, "other@example.com")
	var runs atomic.Int32
	call := core.IdempotentCall{Scope: "ecs:CreateImage", Token: "tok-1", Params: createParams{"i-1", "a"}}

	r1, replayed, err := e.svc.Idempotent(ctx, c, call, counter(&runs))
	ok(t, err)
	if r1 != "m-1" || replayed {
		t.Fatalf("first call = %q replayed %v, want m-1, false", r1, replayed)
	}
	r2, replayed, err := e.svc.Idempotent(ctx, c, call, counter(&runs))
	ok(t, err)
	if r2 != "m-1" || !replayed || runs.Load() != 1 {
		t.Fatalf("repeat = %q replayed %v after %d runs, want m-1, true, 1 run", r2, replayed, runs.Load())
	}

	changed := call
	changed.Params = createParams{"i-1", "b"}
	_, _, err = e.svc.Idempotent(ctx, c, changed, counter(&runs))
	wantErr(t, err, imageshare.KindConflict, imageshare.ReasonIdempotentMismatch)

	// The token is the account's and the action's own.
	r3, _, err := e.svc.Idempotent(ctx, other, changed, counter(&runs))
	ok(t, err)
	scoped := changed
	scoped.Scope = "ecs:CopyImage"
	r4, _, err := e.svc.Idempotent(ctx, c, scoped, counter(&runs))
	ok(t, err)
	if r3 != "m-2" || r4 != "m-3" {
		t.Fatalf("other account / scope = %q, %q; want m-2, m-3", r3, r4)
	}

	// Without a token every call runs.
	call.Token = ""
	_, _, err = e.svc.Idempotent(ctx, c, call, counter(&runs))
	ok(t, err)
	_, _, err = e.svc.Idempotent(ctx, c, call, counter(&runs))
	ok(t, err)
	if runs.Load() != 5 {
		t.Fatalf("%d runs, want 5", runs.Load())
	}
}

func TestIdempotent_FailureReleases(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	c, _ := e.user(t, "owner@example.com")
	call := core.IdempotentCall{Scope: "bcc:CreateImage", Token: "tok", Params: createParams{"i-1", "a"}}
	boom := imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonDuplicateName, "taken")
	_, _, err := e.svc.Idempotent(ctx, c, call, func(context.Context) (string, error) { return "", boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the create's own error", err)
	}
	// Nothing is recorded: the retry runs, even with other parameters.
	call.Params = createParams{"i-1", "b"}
	var runs atomic.Int32
	r, replayed, err := e.svc.Idempotent(ctx, c, call, counter(&runs))
	ok(t, err)
	if r != "m-1" || replayed {
		t.Fatalf("retry after failure = %q replayed %v, want a new run", r, replayed)
	}
}

func TestIdempotent_TokenChecked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	c, _ := e.user(t, "owner@example.com")
	var runs atomic.Int32
	for _, tok := range []string{strings.Repeat("a", 65), "has space", "ünicode"} {
		_, _, err := e.svc.Idempotent(ctx, c, core.IdempotentCall{Scope: "ecs:CreateImage", Token: tok}, counter(&runs))
		wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	}
	_, _, err := e.svc.Idempotent(ctx, c, core.IdempotentCall{Scope: "ecs:CreateImage", Token: strings.Repeat("a", 64)}, counter(&runs))
	ok(t, err)
	if runs.Load() != 1 {
		t.Fatalf("%d runs, want 1 (only the valid token)", runs.Load())
	}
}

// A repeat that arrives while the first call runs waits for its record
// and answers with its result: the first call's create holds until the
// repeat has reported that it waits.
func TestIdempotent_ConcurrentRepeatWaits(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	c, _ := e.user(t, "owner@example.com")
	call := core.IdempotentCall{Scope: "ecs:CreateImage", Token: "tok", Params: createParams{"i-1", "a"}}
	waiting := make(chan struct{}, 1)
	core.SetIdempotencyWaiting(func(imageshare.IdempotencyKey) {
		select {
		case waiting <- struct{}{}:
		default:
		}
	})
	t.Cleanup(func() { core.SetIdempotencyWaiting(nil) })

	var runs atomic.Int32
	type answer struct {
		r        string
		replayed bool
		err      error
	}
	second := make(chan answer, 1)
	first, _, err := e.svc.Idempotent(ctx, c, call, func(ctx context.Context) (string, error) {
		go func() {
			r, replayed, err := e.svc.Idempotent(ctx, c, call, counter(&runs))
			second <- answer{r, replayed, err}
		}()
		<-waiting // the repeat found this call in progress
		return "m-first", nil
	})
	ok(t, err)
	a := <-second
	ok(t, a.err)
	if first != "m-first" || a.r != "m-first" || !a.replayed || runs.Load() != 0 {
		t.Fatalf("first %q, repeat %q (replayed %v, %d runs); want the first's result, replayed, no run", first, a.r, a.replayed, runs.Load())
	}
}

// A claim left in progress by a replica that died is taken over once
// stale (two minutes on the service clock), not before.
func TestIdempotent_StaleClaimTakenOver(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	c, _ := e.user(t, "owner@example.com")
	call := core.IdempotentCall{Scope: "ecs:CreateImage", Token: "tok", Params: createParams{"i-1", "a"}}
	now := e.clock.Now()
	dead := &imageshare.IdempotencyRecord{
		IdempotencyKey: imageshare.IdempotencyKey{AccountID: c.AccountID, Scope: call.Scope, Token: call.Token},
		Claim:          "dead", ClaimedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}
	// The dead claim had other parameters: a mismatch while it is live.
	dead.ParamsHash = "not-the-same"
	live, err := e.store.ClaimIdempotencyKey(ctx, dead, now, now.Add(-time.Hour))
	ok(t, err)
	if live != nil {
		t.Fatal("setup: not claimed")
	}
	var runs atomic.Int32
	_, _, err = e.svc.Idempotent(ctx, c, call, counter(&runs))
	wantErr(t, err, imageshare.KindConflict, imageshare.ReasonIdempotentMismatch)
	e.clock.Add(2*time.Minute + time.Second)
	r, replayed, err := e.svc.Idempotent(ctx, c, call, counter(&runs))
	ok(t, err)
	if r != "m-1" || replayed {
		t.Fatalf("after staleness = %q replayed %v, want a new run", r, replayed)
	}
}
