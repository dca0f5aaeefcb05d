package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/ratelimit"
)

// TestRateLimitAcrossReplicas spends one key's burst through the limiters
// of two replicas at once: exactly the burst is admitted, not twice it.
func TestRateLimitAcrossReplicas(t *testing.T) {
	rs := replicas(t, 2)
	const burst = 5
	// A rate so low that no token comes back during the test.
	limiters := []*ratelimit.Limiter{
		ratelimit.NewLimiter(0.001, burst, nil).Share(rs[0]),
		ratelimit.NewLimiter(0.001, burst, nil).Share(rs[1]),
	}
	if !limiters[0].Shared() {
		t.Fatal("limiter does not share its buckets")
	}
	var wg sync.WaitGroup
	results := make(chan error, 24)
	for i := range 24 {
		wg.Go(func() { results <- limiters[i%2].CheckContext(context.Background(), "KEY-A") })
	}
	wg.Wait()
	close(results)
	admitted := 0
	for err := range results {
		switch {
		case err == nil:
			admitted++
		case imageshare.ErrorReason(err) != imageshare.ReasonThrottled:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if admitted != burst {
		t.Fatalf("%d requests admitted, want the burst of %d", admitted, burst)
	}
	// Another key has its own bucket.
	if err := limiters[1].Check("KEY-B"); err != nil {
		t.Fatalf("KEY-B: %v", err)
	}
}

// TestRateLimitRefills checks the shared bucket gains tokens with time
// and that a refusal costs nothing.
func TestRateLimitRefills(t *testing.T) {
	rs := replicas(t, 2)
	// A token every 500ms: slow enough that none comes back between two
	// consecutive checks even on a loaded machine.
	a := ratelimit.NewLimiter(2, 1, nil).Share(rs[0])
	b := ratelimit.NewLimiter(2, 1, nil).Share(rs[1])
	if err := a.Check("K"); err != nil {
		t.Fatal(err)
	}
	if err := b.Check("K"); imageshare.ErrorReason(err) != imageshare.ReasonThrottled {
		t.Fatalf("second request at once: %v, want throttled", err)
	}
	time.Sleep(700 * time.Millisecond) // 1.4 tokens at 2/s, capped at the burst of 1
	if err := b.Check("K"); err != nil {
		t.Fatalf("after a refill: %v", err)
	}
	if err := a.Check("K"); imageshare.ErrorReason(err) != imageshare.ReasonThrottled {
		t.Fatalf("the burst was exceeded after a refill: %v", err)
	}
}
