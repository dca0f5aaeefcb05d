// Package ratelimit holds the overload guards every dialect shares: a
// token bucket per access key (Limiter), a bound on the requests served
// at once (Gate) and a bound on the connections one client address may
// hold (LimitConns). All are per process: with N replicas behind one load
// balancer the effective limits are N times the configured ones, so an
// operator divides by the replica count.
//
// Neither guard writes a response. The app's middleware marks a request
// over the concurrency bound in its context and hands it on; the dialect
// the request belongs to then answers with its own vendor's error
// (Overloaded), before it decodes the body or touches the store. The app
// takes a slot only once a request's body is read, so that a slow sender
// holds a connection, not a slot (SECURITY.md, finding 3). A dialect
// checks a key's bucket (Limiter.CheckContext, with the request's context:
// dialect/kit) only after the request's signature is verified, so that
// nobody can spend another tenant's bucket with forged requests: see
// SECURITY.md.
package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/imageshare/imageshare"
)

// Limiter is a token bucket per key: each key may make Burst requests at
// once and then Rate requests per second. A nil *Limiter allows
// everything, so "off" needs no special case at the call sites.
type Limiter struct {
	rate  float64 // tokens added per second
	burst float64 // bucket size
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time // last time full buckets were dropped

	// shared, when set, keeps the buckets instead (see Share).
	shared Shared
}

type bucket struct {
	tokens float64
	last   time.Time // when tokens was computed
}

// sweepAbove is the number of buckets past which full (idle) ones are
// dropped. A full bucket is the same as no bucket, so dropping it loses
// nothing; it bounds memory by the keys active within Burst/Rate seconds.
const sweepAbove = 4096

// NewLimiter returns a limiter allowing rate requests per second per key
// with bursts of burst, or nil (no limit) when rate <= 0. A burst below 1
// becomes max(1, rate). now is the clock; nil means time.Now.
func NewLimiter(rate float64, burst int, now func() time.Time) *Limiter {
	if rate <= 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return nil
	}
	b := float64(burst)
	if burst < 1 {
		b = math.Max(1, math.Ceil(rate))
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{rate: rate, burst: b, now: now, buckets: map[string]*bucket{}}
}

// Allow takes one token from key's bucket and reports whether there was
// one. A refused request takes nothing, so a client that keeps retrying
// gets through at the configured rate and no slower.
func (l *Limiter) Allow(key string) bool {
	if l == nil {
		return true
	}
	if l.shared != nil {
		return l.CheckContext(context.Background(), key) == nil
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= sweepAbove {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	} else {
		l.refill(b, now)
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Check is CheckContext without a request to bound it, for tools and
// tests: a dialect checks with its request's context (dialect/kit), so
// that a shared bucket's write stops when the request is cancelled.
func (l *Limiter) Check(key string) error {
	return l.CheckContext(context.Background(), key)
}

// Keys returns how many buckets are held (for tests of the memory bound).
func (l *Limiter) Keys() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

func (l *Limiter) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.last).Seconds(); d > 0 {
		b.tokens = math.Min(l.burst, b.tokens+d*l.rate)
		b.last = now
	}
}

// sweep drops the buckets that have refilled: at most once a second, so a
// stream of new keys costs one pass per second, not one per request.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Second {
		return
	}
	l.swept = now
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// Gate bounds the requests served at once. A nil *Gate admits everything.
type Gate struct {
	slots chan struct{}
}

// NewGate returns a gate admitting n requests at once, or nil (no bound)
// when n <= 0.
func NewGate(n int) *Gate {
	if n <= 0 {
		return nil
	}
	return &Gate{slots: make(chan struct{}, n)}
}

// TryAcquire takes a slot if one is free, without waiting: a request over
// the bound is answered at once rather than queued, so that under overload
// clients learn it in microseconds and the server's memory does not grow
// with a queue.
func (g *Gate) TryAcquire() bool {
	if g == nil {
		return true
	}
	select {
	case g.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// Release frees a slot TryAcquire took.
func (g *Gate) Release() {
	if g != nil {
		<-g.slots
	}
}

// InFlight is the number of slots taken.
func (g *Gate) InFlight() int {
	if g == nil {
		return 0
	}
	return len(g.slots)
}

type overloadedKey struct{}

// MarkOverloaded returns ctx marked as a request over the concurrency
// bound: the dialect must refuse it with Overloaded's error.
func MarkOverloaded(ctx context.Context) context.Context {
	return context.WithValue(ctx, overloadedKey{}, true)
}

// Overloaded returns the domain error a dialect answers a request over the
// concurrency bound with (KindLimitExceeded, ReasonOverloaded), or nil for
// a request within the bound.
func Overloaded(ctx context.Context) error {
	if marked, _ := ctx.Value(overloadedKey{}).(bool); !marked {
		return nil
	}
	return imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonOverloaded,
		"the server is busy: too many requests are in progress; retry later")
}
