package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
)

// Idempotency of creating calls (docs/aliyun.md "Idempotency"): a call
// that carries a client token (ECS ClientToken, BCC clientToken) runs
// once per account, action and token. The first call claims the token in
// the store (its unique key decides between replicas), runs, and records
// what it made; a repeat with the same parameters gets that result and
// makes nothing; a repeat with other parameters is refused
// (ReasonIdempotentMismatch). A repeat that arrives while the first is
// still running waits for its record. A failed call releases its claim,
// so the token may be retried.

// Idempotency timings. A record is kept for idempotencyTTL (the window in
// which a retry is recognised); a claim still in progress after
// idempotencyStale is presumed abandoned (its replica died between the
// claim and the record) and may be taken over; a repeat waits at most
// idempotencyWait for the first call to finish.
const (
	idempotencyTTL   = 24 * time.Hour
	idempotencyStale = 2 * time.Minute
	idempotencyWait  = 30 * time.Second
)

// idempotencyPoll is how long a repeat waits between reads of the first
// call's record: it doubles from the first value up to the second.
var idempotencyPoll = [2]time.Duration{10 * time.Millisecond, 250 * time.Millisecond}

// idempotencyWaiting, when set (by tests), is called each time a repeat
// finds the first call in progress and is about to wait.
var idempotencyWaiting func(key imageshare.IdempotencyKey)

// IdempotentCall describes one creating call for idempotent.
type IdempotentCall struct {
	// Scope names the action, e.g. "ecs:CreateImage"; tokens are
	// separate per scope.
	Scope string
	// Token is the client token; empty runs the call unguarded.
	Token string
	// Params are the call's canonical parameters: any value encoding/json
	// encodes deterministically (a struct, or a map, whose keys it
	// sorts). Leave out the token itself and what does not change the
	// result (DryRun is never recorded: a DryRun does not claim).
	Params any
}

// paramsHash is the hex SHA-256 of params' JSON encoding.
func paramsHash(params any) (string, error) {
	b, err := json.Marshal(params)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// checkClientToken refuses a token longer than MaxClientTokenBytes or
// with a character outside printable ASCII (docs/aliyun.md
// "Idempotency").
func checkClientToken(token string) error {
	if len(token) > imageshare.MaxClientTokenBytes {
		return invalid("ClientToken is longer than %d characters", imageshare.MaxClientTokenBytes)
	}
	for i := 0; i < len(token); i++ {
		if token[i] < 0x21 || token[i] > 0x7e {
			return invalid("ClientToken must be printable ASCII")
		}
	}
	return nil
}

// idempotent runs create once for (c's account, call.Scope, call.Token)
// and returns what it made: create's result (ids joined as the caller
// chooses, never empty) the first time, the recorded result (replayed
// true) on a repeat with the same parameters. create must not be run
// for a DryRun: check first, then call idempotent.
func (s *Service) idempotent(ctx context.Context, c imageshare.Caller, call IdempotentCall, create func(ctx context.Context) (string, error)) (result string, replayed bool, err error) {
	if call.Token == "" {
		result, err = create(ctx)
		return result, false, err
	}
	if err := checkClientToken(call.Token); err != nil {
		return "", false, err
	}
	hash, err := paramsHash(call.Params)
	if err != nil {
		return "", false, imageshare.Internal("core.idempotent", err)
	}
	key := imageshare.IdempotencyKey{AccountID: c.AccountID, Scope: call.Scope, Token: call.Token}
	deadline := s.now().Add(idempotencyWait)
	poll := idempotencyPoll[0]
	for {
		now := s.now().UTC()
		rec := &imageshare.IdempotencyRecord{IdempotencyKey: key, ParamsHash: hash, Claim: newClaim(),
			ClaimedAt: now, ExpiresAt: now.Add(idempotencyTTL)}
		live, err := s.store.ClaimIdempotencyKey(ctx, rec, now, now.Add(-idempotencyStale))
		if err != nil {
			return "", false, err
		}
		if live == nil {
			return s.runClaimed(ctx, rec, create)
		}
		if live.ParamsHash != hash {
			return "", false, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonIdempotentMismatch,
				"the client token %q was used by an earlier %s call with other parameters", call.Token, scopeAction(call.Scope))
		}
		if live.Done() {
			return live.Result, true, nil
		}
		// The first call is still running (here or on another replica):
		// wait for its record, then read it through the claim again,
		// which also takes over a claim that went stale meanwhile.
		if idempotencyWaiting != nil {
			idempotencyWaiting(key)
		}
		if !s.now().Before(deadline) {
			return "", false, imageshare.Errorf(imageshare.KindUnavailable, imageshare.ReasonIdempotentInProgress,
				"an earlier call with the client token %q is still in progress; retry it later", call.Token)
		}
		select {
		case <-ctx.Done():
			return "", false, imageshare.Errorf(imageshare.KindUnavailable, imageshare.ReasonIdempotentInProgress,
				"an earlier call with the client token %q is still in progress; retry it later", call.Token)
		case <-time.After(poll):
		}
		poll = min(poll*2, idempotencyPoll[1])
	}
}

// runClaimed runs create for the claim rec holds, then records its
// result, or releases the claim if it failed.
func (s *Service) runClaimed(ctx context.Context, rec *imageshare.IdempotencyRecord, create func(ctx context.Context) (string, error)) (string, bool, error) {
	result, err := create(ctx)
	if err == nil && result == "" {
		err = imageshare.Internal("core.idempotent", errEmptyResult)
	}
	// The claim is settled even when the caller has gone: a claim left
	// in progress would hold back every retry until it goes stale.
	bg := context.WithoutCancel(ctx)
	if err != nil {
		if rerr := s.store.ReleaseIdempotencyKey(bg, rec.IdempotencyKey, rec.Claim); rerr != nil {
			return "", false, err // the stale rule frees it later; the call's own error matters
		}
		return "", false, err
	}
	// The resource is made whatever the record's fate: answer with it. A
	// record that could not be completed goes stale and is taken over by
	// a later retry, which then makes another (the one case a token does
	// not de-duplicate: docs/aliyun.md "Idempotency").
	_ = s.store.CompleteIdempotencyKey(bg, rec.IdempotencyKey, rec.Claim, result)
	return result, false, nil
}

type emptyResult struct{}

func (emptyResult) Error() string { return "an idempotent create returned no result" }

var errEmptyResult error = emptyResult{}

// newClaim returns a random identity for one claim.
func newClaim() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// scopeAction is the action part of a scope ("ecs:CreateImage" →
// "CreateImage"), for messages.
func scopeAction(scope string) string {
	if _, a, ok := strings.Cut(scope, ":"); ok {
		return a
	}
	return scope
}
