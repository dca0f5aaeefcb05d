package app

import (
	"net/http"
	"time"

	"github.com/imageshare/imageshare/internal/ratelimit"
)

// DefaultMaxConcurrentRequests is the bound on API requests served at once
// when Config leaves it 0. A request takes milliseconds, so this is far
// above what normal use reaches; it is there to keep a flood from growing
// memory and latency without limit.
const DefaultMaxConcurrentRequests = 256

// Connection defaults (SECURITY.md, "Overload", finding 3). A client that
// sends its request slowly holds a connection, never a concurrency slot:
// headers must arrive within DefaultReadHeaderTimeout, an API request's
// body within DefaultBodyReadTimeout (1 MiB, the body bound, at 1 Mbit/s
// takes 8.4 s), and one address may hold DefaultMaxConnsPerClient
// connections at once.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultBodyReadTimeout   = 10 * time.Second
	DefaultMaxConnsPerClient = 128
)

// connDefaults fills the connection settings Defaults leaves to this file.
func (c Config) connDefaults() Config {
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.BodyReadTimeout <= 0 {
		c.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if c.MaxConnsPerClient == 0 {
		c.MaxConnsPerClient = DefaultMaxConnsPerClient
	}
	return c
}

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

// Gate is the concurrency gate of the handler Handler built last (nil when
// unbounded). Tests hold its slots, as requests being served would, to
// see what the requests over the bound get.
func (m *Main) Gate() *ratelimit.Gate { return m.gate }

// limitConcurrency admits at most the gate's size of API requests at once.
//
// A request takes its slot only once its body is here: the body (at most
// maxBody+1 bytes, enough for the dialect to tell it is too large) is read
// first, within bodyTimeout, and handed on from memory. A client that
// trickles its body holds its connection (bounded per address, see
// ratelimit.LimitConns), never a slot, so slow senders cannot make the
// server answer everyone "busy" (finding 3).
//
// The bodies held at once are bounded too (bodybudget.go): a request whose
// body the budget cannot hold is refused as busy, like one over the bound.
//
// A request over the bound is not answered here, because only its dialect
// knows how its SDK expects to hear "busy": it is marked and handed on,
// and the dialect refuses it (ratelimit.Overloaded) before it decodes the
// body or touches the store. The operational endpoints of exempt
// (/healthz, /readyz, /metrics, /admin/) are never refused, so probes and
// operators still get through under overload.
func limitConcurrency(gate *ratelimit.Gate, budget *bodyBudget, exempt *http.ServeMux, maxBody int64, bodyTimeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt != nil {
			if _, pattern := exempt.Handler(r); pattern != "" {
				next.ServeHTTP(w, r)
				return
			}
		}
		release, ok := bufferBody(w, r, maxBody, bodyTimeout, budget) // bodybudget.go
		defer release()
		if !ok || !gate.TryAcquire() {
			next.ServeHTTP(w, r.WithContext(ratelimit.MarkOverloaded(r.Context())))
			return
		}
		defer gate.Release()
		next.ServeHTTP(w, r)
	})
}
