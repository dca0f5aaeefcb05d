package app

import (
	"bytes"
	"io"
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
// A request over the bound is not answered here, because only its dialect
// knows how its SDK expects to hear "busy": it is marked and handed on,
// and the dialect refuses it (ratelimit.Overloaded) before it decodes the
// body or touches the store. The operational endpoints of exempt
// (/healthz, /readyz, /metrics, /admin/) are never refused, so probes and
// operators still get through under overload.
func limitConcurrency(gate *ratelimit.Gate, exempt *http.ServeMux, maxBody int64, bodyTimeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt != nil {
			if _, pattern := exempt.Handler(r); pattern != "" {
				next.ServeHTTP(w, r)
				return
			}
		}
		bufferBody(w, r, maxBody, bodyTimeout)
		if !gate.TryAcquire() {
			next.ServeHTTP(w, r.WithContext(ratelimit.MarkOverloaded(r.Context())))
			return
		}
		defer gate.Release()
		next.ServeHTTP(w, r)
	})
}

// bufferBody reads up to limit+1 bytes of r's body within timeout and
// replaces the body with them, followed by the rest of the original body
// (which no dialect reads: each stops at limit+1) or by the read's error,
// which the dialect reports in its own words.
func bufferBody(w http.ResponseWriter, r *http.Request, limit int64, timeout time.Duration) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	if timeout > 0 {
		// The deadline stays after the read: the body is then consumed,
		// and the server sets the connection's next deadline itself.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
	}
	// Memory grows as bytes arrive, not as Content-Length promises: a
	// client that declares 1 MiB and sends one byte holds a few KiB.
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= limit {
		buf.Grow(int(min(r.ContentLength, 16<<10)))
	}
	_, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	rest := io.Reader(r.Body)
	if err != nil {
		rest = errReader{err}
	}
	r.Body = readCloser{io.MultiReader(&buf, rest), r.Body}
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
