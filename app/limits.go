package app

import (
	"net/http"

	"imageshare/internal/ratelimit"
)

// DefaultMaxConcurrentRequests is the bound on API requests served at once
// when Config leaves it 0. A request takes milliseconds, so this is far
// above what normal use reaches; it is there to keep a flood from growing
// memory and latency without limit.
const DefaultMaxConcurrentRequests = 256

// overloadGuards builds the per-key limiter and the concurrency gate the
// configuration asks for; either is nil when off. On a store that keeps
// rate-limit buckets (PostgreSQL) the limiter's buckets are the store's,
// so a key's limit holds across replicas; the gate protects one process
// and stays per process.
func (m *Main) overloadGuards() (*ratelimit.Limiter, *ratelimit.Gate) {
	c := m.Config
	limiter := ratelimit.NewLimiter(c.RateLimitPerKey, c.RateLimitBurst, c.Now).Share(m.sharedBuckets)
	return limiter, ratelimit.NewGate(c.MaxConcurrentRequests)
}

// limitConcurrency admits at most the gate's size of API requests at once.
// A request over the bound is not answered here, because only its dialect
// knows how its SDK expects to hear "busy": it is marked and handed on,
// and the dialect refuses it (ratelimit.Overloaded) before it reads the
// body or touches the store. The operational endpoints of exempt
// (/healthz, /readyz, /metrics, /admin/) are never refused, so probes and
// operators still get through under overload.
func limitConcurrency(gate *ratelimit.Gate, exempt *http.ServeMux, next http.Handler) http.Handler {
	if gate == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt != nil {
			if _, pattern := exempt.Handler(r); pattern != "" {
				next.ServeHTTP(w, r)
				return
			}
		}
		if !gate.TryAcquire() {
			next.ServeHTTP(w, r.WithContext(ratelimit.MarkOverloaded(r.Context())))
			return
		}
		defer gate.Release()
		next.ServeHTTP(w, r)
	})
}
