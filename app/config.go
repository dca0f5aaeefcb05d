// Package app wires a store, the core service and the three dialects into
// one HTTP server. It is the only package that knows the concrete types.
package app

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
)

// Config is everything a running imageshare needs. DefaultConfig is the
// one source of defaults (the binary's flags, file keys and environment
// variables take theirs from it). The zero value plus a DB is a valid
// configuration too: Defaults fills every unset field from DefaultConfig,
// except those whose zero is a setting of its own (BuildDuration 0: builds
// finish at once; RateLimitPerKey 0: no limit; RateLimitBurst 0: one
// second's worth).
type Config struct {
	// Listen is the TCP address to serve on ("127.0.0.1:8080"; ":0" picks a port).
	Listen string
	// DB is the store DSN: "sqlite:PATH" or a PostgreSQL one. PATH
	// ":memory:" is a throwaway database: a file in a temporary directory
	// removed when the server closes (ci.go), so that snapshots can copy it.
	DB string
	// SeedFile, when set, is loaded at start; loading it again changes nothing.
	SeedFile string
	// Demo loads the built-in demo dataset at start.
	Demo bool
	// MaxSharesPerImage caps the accounts one image is shared with
	// (default imageshare.DefaultMaxSharesPerImage).
	MaxSharesPerImage int
	// Limits are the per-account quotas (custom images, community
	// versions, total bytes of image texts; a negative quota is no bound)
	// and the bounds on one image's name, description, readme and cover
	// (core/quota.go; SECURITY.md). Zero fields take DefaultConfig's,
	// core.DefaultLimits.
	Limits core.Limits
	// UCloudAccountIDType is "auto", "integer" or "string" (docs/protocols.md section 5).
	UCloudAccountIDType string
	// BaiduDefaultRegion is the region of BCE requests whose host names none.
	BaiduDefaultRegion string
	// MaxBodyBytes bounds request bodies in every dialect.
	MaxBodyBytes int64
	// ShutdownTimeout bounds how long in-flight requests may take to finish.
	ShutdownTimeout time.Duration
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// AdminToken is the bearer token of the admin API at /admin/; empty
	// turns the admin API off.
	AdminToken string
	// ConsoleSecret, when set (at least MinConsoleSecretBytes), is what
	// every replica derives the web console's signing key from, so
	// sessions survive restarts and any replica behind a load balancer
	// accepts them (app/console.go); empty keeps a random key per process.
	ConsoleSecret string
	// AdminListen, when set, is the address of a second listener that
	// serves /metrics, /admin/ and the operator console /console/admin/
	// (and /healthz), off the tenants' port:
	// on Listen those paths then answer 404 (docs/deploy.md).
	AdminListen string
	// Pprof serves Go's runtime profiles (net/http/pprof) at /debug/pprof/
	// on the admin listener, for profiling a running server (the
	// benchmark's -profile; docs/deploy.md). Off by default; it needs
	// AdminListen, so that profiles are never served on the tenants'
	// port: a CPU profile costs the server while it runs.
	Pprof bool
	// BuildDuration is how long a custom image build takes; 0 (or a
	// negative value) means builds finish at once, as --build-duration 0
	// does. DefaultConfig's is imageshare.DefaultBuildDuration (3s).
	BuildDuration time.Duration
	// InstanceDuration is how long an instance takes to start or stop
	// (a launch, start, stop or reboot; docs/instances.md); 0 means at
	// once. DefaultConfig's is 0.
	InstanceDuration time.Duration
	// BuildCheckInterval is how often the build finisher looks for due
	// builds (default 1s).
	BuildCheckInterval time.Duration

	// RateLimitPerKey is the sustained rate, in requests per second, each
	// access key may call the API at; 0 (the default) means no limit. A
	// key over it gets its dialect's throttling error. On PostgreSQL the
	// limit holds across replicas (the buckets are in the database); on
	// SQLite it is per process.
	RateLimitPerKey float64
	// RateLimitBurst is how many requests a key may make at once before
	// the rate applies; 0 means max(1, RateLimitPerKey), one second's worth.
	RateLimitBurst int
	// MaxConcurrentRequests bounds the API requests served at once; a
	// request over it is refused at once with its dialect's busy error. 0
	// means DefaultMaxConcurrentRequests, a negative value no bound.
	MaxConcurrentRequests int

	// TrustedProxies are the load balancers in front of the server: from
	// them, X-Forwarded-For names the caller's address that access
	// policies' acs:SourceIp conditions see (and X-Forwarded-Proto: https
	// makes acs:SecureTransport true). Empty: the TCP peer's address.
	TrustedProxies []netip.Prefix

	// Connection hardening (limits.go, SECURITY.md "Overload").
	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's headers (default DefaultReadHeaderTimeout).
	ReadHeaderTimeout time.Duration
	// BodyReadTimeout bounds how long a client may take to send an API
	// request's body, which is read before the request takes a
	// concurrency slot (default DefaultBodyReadTimeout).
	BodyReadTimeout time.Duration
	// MaxConnsPerClient bounds the connections one client address may
	// hold open; trusted proxies are exempt. 0 means
	// DefaultMaxConnsPerClient, a negative value no bound.
	MaxConnsPerClient int
	// TLSCertFile and TLSKeyFile (PEM), both set, make the server speak
	// HTTPS itself (tls.go).
	TLSCertFile, TLSKeyFile string

	// ReadCacheBytes bounds the in-process read caches (storecache,
	// docs/caching.md) to about this many bytes; 0 means
	// storecache.DefaultBudget and a negative value turns the caches off
	// (--read-cache=false), for diagnosis. The caches keep reads
	// linearizable, so turning them off changes speed, not answers.
	ReadCacheBytes int64
}

// ParseTrustedProxies reads a comma-separated list of CIDR blocks or
// addresses ("10.0.0.0/8, 192.0.2.7"); "" is none.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an address or CIDR block", item)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// DefaultRegions are served when neither the store nor a seed names any.
var DefaultRegions = []string{"cn-wlcb", "cn-hangzhou", "bj"}

// DefaultConfig returns the configuration of a server started with no
// settings at all (no Logger: Defaults gives one that discards).
func DefaultConfig() Config {
	return Config{
		Listen:                "127.0.0.1:8080",
		DB:                    "sqlite:./imageshare.db",
		MaxSharesPerImage:     imageshare.DefaultMaxSharesPerImage,
		Limits:                core.DefaultLimits(),
		UCloudAccountIDType:   "auto",
		BaiduDefaultRegion:    "bj",
		MaxBodyBytes:          1 << 20,
		ShutdownTimeout:       15 * time.Second,
		BuildDuration:         imageshare.DefaultBuildDuration,
		BuildCheckInterval:    time.Second,
		MaxConcurrentRequests: DefaultMaxConcurrentRequests,
	}
}

// Defaults returns c with every unset field given DefaultConfig's value,
// except the fields whose zero means something (see Config).
func (c Config) Defaults() Config {
	d := DefaultConfig()
	if c.Listen == "" {
		c.Listen = d.Listen
	}
	if c.DB == "" {
		c.DB = d.DB
	}
	if c.MaxSharesPerImage <= 0 {
		c.MaxSharesPerImage = d.MaxSharesPerImage
	}
	c.Limits = c.Limits.WithDefaults()
	if c.UCloudAccountIDType == "" {
		c.UCloudAccountIDType = d.UCloudAccountIDType
	}
	if c.BaiduDefaultRegion == "" {
		c.BaiduDefaultRegion = d.BaiduDefaultRegion
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = d.MaxBodyBytes
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = d.ShutdownTimeout
	}
	if c.BuildDuration < 0 {
		c.BuildDuration = 0
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxConcurrentRequests == 0 {
		c.MaxConcurrentRequests = d.MaxConcurrentRequests
	}
	if c.BuildCheckInterval <= 0 {
		c.BuildCheckInterval = d.BuildCheckInterval
	}
	c = c.connDefaults() // limits.go
	return c
}
