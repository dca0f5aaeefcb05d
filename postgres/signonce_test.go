package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// TestSignatureNoncesUnlogged: the signature nonces write no WAL (so no
// fsync per request); the guard that makes their loss detectable does.
func TestSignatureNoncesUnlogged(t *testing.T) {
	s := replicas(t, 1)[0]
	ctx := context.Background()
	for table, want := range map[string]string{"signature_nonces": "u", "nonce_guard": "p", "nonces": "p"} {
		var got string
		if err := s.Pool().QueryRow(ctx, `SELECT relpersistence::text FROM pg_class WHERE oid = $1::regclass`, table).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%s has relpersistence %q, want %q", table, got, want)
		}
	}
}

// TestSignatureNonceOnceAcrossReplicas uses one signature nonce through
// two stores at once: exactly one use succeeds.
func TestSignatureNonceOnceAcrossReplicas(t *testing.T) {
	rs := replicas(t, 2)
	ctx := context.Background()
	now := time.Now()
	for round := range 5 {
		nonce := fmt.Sprintf("aliyun:k:%d", round)
		var wg sync.WaitGroup
		results := make(chan error, 16)
		for i := range 16 {
			wg.Go(func() { results <- rs[i%2].UseSignatureNonce(ctx, nonce, now, now, now.Add(time.Minute)) })
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

// TestSignatureNoncesLostInCrash simulates what PostgreSQL's crash
// recovery does to an unlogged table (it is emptied, sentinel included)
// under two replicas: every replay of a request accepted before the loss
// is refused on either replica, the loss is recorded once however many
// replicas find it together, and requests signed after the bound are
// served as before.
func TestSignatureNoncesLostInCrash(t *testing.T) {
	rs := replicas(t, 2)
	ctx := context.Background()
	signed := time.Now().Truncate(time.Second)
	now := signed.Add(time.Second)
	use := func(i int, nonce string, at time.Time) error {
		return rs[i].UseSignatureNonce(ctx, nonce, at, now, now.Add(30*time.Minute))
	}
	for i := range 8 {
		if err := use(i%2, fmt.Sprintf("aliyun:k:before%d", i), signed.Add(-time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	var bound int64
	if err := rs[0].Pool().QueryRow(ctx, `SELECT bound FROM nonce_guard`).Scan(&bound); err != nil {
		t.Fatal(err)
	}
	if want := signed.Add(10 * time.Second).UnixNano(); bound != want {
		t.Fatalf("bound = %v, want the last signed time plus 10 s, %v", time.Unix(0, bound), time.Unix(0, want))
	}

	if _, err := rs[0].Pool().Exec(ctx, `TRUNCATE signature_nonces`); err != nil {
		t.Fatal(err)
	}

	// Every replay, from both replicas at once: refused as signed before
	// the loss, never accepted.
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range 16 {
		wg.Go(func() {
			errs[i] = use(i%2, fmt.Sprintf("aliyun:k:before%d", i%8), signed.Add(-time.Duration(i%8)*time.Minute))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if imageshare.ErrorKind(err) != imageshare.KindInvalid || imageshare.ErrorReason(err) != imageshare.ReasonSignedBeforeLoss {
			t.Fatalf("replay %d after the loss = %v, want SignedBeforeNonceLoss", i, err)
		}
	}
	// A nonce never seen, signed within the bound, may have been accepted
	// before the loss: refused too.
	if err := use(1, "aliyun:k:unknown", signed.Add(10*time.Second)); imageshare.ErrorReason(err) != imageshare.ReasonSignedBeforeLoss {
		t.Fatalf("a request signed at the bound after the loss = %v, want SignedBeforeNonceLoss", err)
	}
	var floor, lostAt int64
	var losses int
	if err := rs[1].Pool().QueryRow(ctx, `SELECT floor, lost_at, losses FROM nonce_guard`).Scan(&floor, &lostAt, &losses); err != nil {
		t.Fatal(err)
	}
	if floor != bound || lostAt == 0 || losses != 1 {
		t.Fatalf("guard after the loss: floor %v lost_at %d losses %d; want the bound, a time, one loss", time.Unix(0, floor), lostAt, losses)
	}
	// After the bound, requests are served, and replays refused as usual.
	fresh := signed.Add(11 * time.Second)
	if err := use(0, "aliyun:k:after", fresh); err != nil {
		t.Fatalf("a request signed after the floor: %v", err)
	}
	if err := use(1, "aliyun:k:after", fresh); imageshare.ErrorReason(err) != imageshare.ReasonNonceUsed {
		t.Fatalf("its replay on the other replica = %v, want NonceUsed", err)
	}
}
