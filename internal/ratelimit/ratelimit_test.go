package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// clock is a test clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)} }

// allowed counts how many of n immediate requests key gets through.
func allowed(l *Limiter, key string, n int) int {
	got := 0
	for i := 0; i < n; i++ {
		if l.Allow(key) {
			got++
		}
	}
	return got
}

func TestLimiter_BurstThenRate(t *testing.T) {
	c := newClock()
	l := NewLimiter(10, 5, c.now)
	if got := allowed(l, "k", 20); got != 5 {
		t.Fatalf("a fresh key got %d of 20 immediate requests, want the burst of 5", got)
	}
	c.advance(300 * time.Millisecond) // 3 tokens at 10/s
	if got := allowed(l, "k", 20); got != 3 {
		t.Fatalf("after 300ms got %d, want 3", got)
	}
	c.advance(time.Hour) // refills to the burst, never beyond
	if got := allowed(l, "k", 20); got != 5 {
		t.Fatalf("after an hour got %d, want the burst of 5", got)
	}
}

func TestLimiter_KeysAreIndependent(t *testing.T) {
	c := newClock()
	l := NewLimiter(1, 2, c.now)
	if got := allowed(l, "attacker", 100); got != 2 {
		t.Fatalf("attacker got %d, want 2", got)
	}
	if got := allowed(l, "victim", 2); got != 2 {
		t.Fatalf("victim got %d of its own burst after another key was exhausted, want 2", got)
	}
}

func TestLimiter_RefusalCostsNothing(t *testing.T) {
	c := newClock()
	l := NewLimiter(10, 1, c.now)
	if !l.Allow("k") {
		t.Fatal("first request refused")
	}
	// A client retrying in a tight loop must still get the configured
	// rate: refused attempts neither take tokens nor restart the refill.
	for i := 0; i < 5; i++ {
		c.advance(10 * time.Millisecond)
		if l.Allow("k") {
			t.Fatalf("admitted %dms after the burst was spent at 10/s", 10*(i+1))
		}
	}
	c.advance(60 * time.Millisecond) // 110ms since the token was taken: 1.1 tokens
	if !l.Allow("k") {
		t.Fatal("refused 110ms after the last admission at 10/s: refused attempts cost tokens")
	}
}

func TestLimiter_Defaults(t *testing.T) {
	for _, rate := range []float64{0, -1} {
		if l := NewLimiter(rate, 10, nil); l != nil {
			t.Fatalf("NewLimiter(%v) = %v, want nil (off)", rate, l)
		}
	}
	var off *Limiter
	if !off.Allow("k") || off.Check("k") != nil || off.Keys() != 0 {
		t.Fatal("a nil limiter must allow everything")
	}
	c := newClock()
	if got := allowed(NewLimiter(2.5, 0, c.now), "k", 10); got != 3 {
		t.Fatalf("burst 0 at 2.5/s allowed %d at once, want ceil(2.5)=3", got)
	}
	if got := allowed(NewLimiter(0.5, 0, c.now), "k", 10); got != 1 {
		t.Fatalf("burst 0 at 0.5/s allowed %d at once, want 1", got)
	}
}

func TestLimiter_CheckError(t *testing.T) {
	l := NewLimiter(1, 1, newClock().now)
	if err := l.Check("k"); err != nil {
		t.Fatalf("first Check: %v", err)
	}
	err := l.Check("k")
	if imageshare.ErrorKind(err) != imageshare.KindLimitExceeded || imageshare.ErrorReason(err) != imageshare.ReasonThrottled {
		t.Fatalf("Check over the limit = %v (%v, %q), want KindLimitExceeded/Throttled", err, imageshare.ErrorKind(err), imageshare.ErrorReason(err))
	}
	if msg := imageshare.ErrorMessage(err); msg == "" || msg == "internal error" {
		t.Fatalf("message %q is not user-facing", msg)
	}
}

// Buckets of idle keys are dropped once there are many, so a stream of
// distinct keys does not grow the map without bound.
func TestLimiter_MemoryBounded(t *testing.T) {
	c := newClock()
	l := NewLimiter(100, 10, c.now)
	for round := 0; round < 5; round++ {
		for i := 0; i < sweepAbove; i++ {
			l.Allow(fmt.Sprintf("r%d-k%d", round, i))
		}
		c.advance(2 * time.Second) // every bucket refills (10 tokens at 100/s in 0.1s)
	}
	if n := l.Keys(); n > sweepAbove+1 {
		t.Fatalf("%d buckets held after %d distinct idle keys, want at most %d", n, 5*sweepAbove, sweepAbove+1)
	}
	// A key that is still being throttled keeps its bucket across a sweep.
	l2 := NewLimiter(0.001, 1, c.now)
	l2.Allow("busy")
	for i := 0; i < sweepAbove+10; i++ {
		l2.Allow(fmt.Sprintf("k%d", i))
	}
	c.advance(2 * time.Second)
	l2.Allow("trigger-sweep")
	if l2.Allow("busy") {
		t.Fatal("a sweep forgot a key that had spent its bucket")
	}
}

func TestLimiter_Concurrent(t *testing.T) {
	l := NewLimiter(0.001, 50, nil) // no refill during the test
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := allowed(l, "shared", 100)
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 50 {
		t.Fatalf("8 goroutines got %d requests through a bucket of 50", total)
	}
}

func TestGate(t *testing.T) {
	g := NewGate(2)
	if !g.TryAcquire() || !g.TryAcquire() {
		t.Fatal("a gate of 2 refused one of the first two")
	}
	if g.TryAcquire() {
		t.Fatal("a gate of 2 admitted a third")
	}
	if g.InFlight() != 2 {
		t.Fatalf("InFlight = %d, want 2", g.InFlight())
	}
	g.Release()
	if !g.TryAcquire() {
		t.Fatal("a released slot was not reusable")
	}
	if NewGate(0) != nil || NewGate(-1) != nil {
		t.Fatal("NewGate(<=0) must be nil (no bound)")
	}
	var off *Gate
	if !off.TryAcquire() || off.InFlight() != 0 {
		t.Fatal("a nil gate must admit everything")
	}
	off.Release()
}

func TestOverloaded(t *testing.T) {
	ctx := context.Background()
	if err := Overloaded(ctx); err != nil {
		t.Fatalf("unmarked context: %v", err)
	}
	err := Overloaded(MarkOverloaded(ctx))
	if imageshare.ErrorKind(err) != imageshare.KindLimitExceeded || imageshare.ErrorReason(err) != imageshare.ReasonOverloaded {
		t.Fatalf("marked context: %v, want KindLimitExceeded/Overloaded", err)
	}
}
