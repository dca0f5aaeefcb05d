package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/dialect/aliyun"
	"github.com/imageshare/imageshare/dialect/baidu"
	"github.com/imageshare/imageshare/dialect/ucloud"
	"github.com/imageshare/imageshare/internal/clientip"
	"github.com/imageshare/imageshare/internal/dsn"
	"github.com/imageshare/imageshare/internal/fault"
	"github.com/imageshare/imageshare/internal/obs"
	"github.com/imageshare/imageshare/internal/ratelimit"
	"github.com/imageshare/imageshare/seed"
	"github.com/imageshare/imageshare/storecache"
)

// Main is a running imageshare: a store, the core service over it and an
// HTTP server that speaks the three dialects. Tests start one on ":0" and
// use URL; the binary starts one and waits for a signal.
type Main struct {
	Config Config

	Store   imageshare.Store
	Service *core.Service
	// Cache is the read caches over Store (docs/caching.md); nil when
	// Config.ReadCacheBytes turns them off.
	Cache *storecache.Store
	// Metrics are this server's Prometheus metrics, served at /metrics.
	Metrics *obs.Metrics

	listener net.Listener
	tls      bool // serving HTTPS (tls.go)
	server   *http.Server
	served   chan struct{} // closed when Serve returns
	serveErr error

	sharedBuckets ratelimit.Shared // the store's, when it keeps rate-limit buckets
	gate          *ratelimit.Gate  // the concurrency bound of the last Handler (limits.go)

	probeOnce  sync.Once // names probeNonce (ops.go)
	probeNonce string

	stopFinisher context.CancelFunc // stops the build finisher (community.go)
	finisherDone chan struct{}

	// Faults are the fault rules of the admin API (internal/fault); every
	// API request carries them to the dialect kit.
	Faults *fault.Injector
	ci     ciState
	// consoleSecret signs the console's session cookies (console.go).
	consoleOnce   sync.Once
	consoleSecret []byte // reset, snapshots, the live handlers (ci.go)
}

// New returns a Main for cfg (defaults applied); Open starts it.
func New(cfg Config) *Main {
	m := &Main{Config: cfg.Defaults(), Metrics: obs.NewMetrics(), Faults: fault.New()}
	m.Faults.OnInject = m.Metrics.FaultInjected
	return m
}

// Open opens the store, loads the seed and demo data, and starts serving.
func (m *Main) Open(ctx context.Context) error {
	if m.Config.Pprof && m.Config.AdminListen == "" {
		return errors.New("pprof needs admin-listen: profiles are served on the admin listener only")
	}
	if err := m.OpenService(ctx); err != nil {
		return err
	}
	tlsConfig, err := m.tlsConfig()
	if err != nil {
		m.Store.Close()
		return err
	}
	ln, err := net.Listen("tcp", m.Config.Listen)
	if err != nil {
		m.Store.Close()
		return fmt.Errorf("listen on %s: %w", m.Config.Listen, err)
	}
	m.listener = ln
	m.renew(m.Service) // ci.go: the handlers a reset replaces
	m.server = &http.Server{
		Handler: http.HandlerFunc(m.serveTenants),
		// Headers have their own short bound; an API request's body has
		// its own too (Config.BodyReadTimeout, limits.go), read before it
		// takes a concurrency slot. ReadTimeout is the whole request's
		// bound for the operational endpoints.
		ReadHeaderTimeout: m.Config.ReadHeaderTimeout,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		TLSConfig:         tlsConfig,
		// Connection-level errors (TLS handshakes of scanners, mostly).
		ErrorLog: slog.NewLogLogger(m.Config.Logger.Handler(), slog.LevelWarn),
	}
	// Each client address holds a bounded number of connections; the
	// trusted proxies, which carry everyone's, are not counted.
	served := ratelimit.LimitConns(ln, m.Config.MaxConnsPerClient, m.trustedProxy)
	if tlsConfig != nil {
		served, m.tls = tls.NewListener(served, tlsConfig), true
	}
	m.served = make(chan struct{})
	go func() {
		m.serveErr = m.server.Serve(served)
		close(m.served)
	}()
	if err := m.openAdmin(); err != nil { // ci.go
		m.Close()
		return err
	}
	m.startBuildFinisher()
	m.Config.Logger.Info("serving", "addr", ln.Addr().String(), "db", dsn.Redact(m.Config.DB))
	return nil
}

// OpenService opens the store and the core service and loads seed data,
// without serving HTTP: the admin CLI uses it.
func (m *Main) OpenService(ctx context.Context) error {
	db, err := m.storeDSN() // ci.go: sqlite::memory: is a temporary file
	if err != nil {
		return err
	}
	store, err := OpenStore(ctx, db)
	if err != nil {
		m.removeMemory()
		return err
	}
	m.Metrics.WatchStore(store, readyTimeout, m.Config.Logger)
	// A store that keeps rate-limit buckets (PostgreSQL) shares them
	// between replicas; see overloadGuards.
	m.sharedBuckets, _ = store.(ratelimit.Shared)
	cached, cache, err := CacheStore(ctx, store, m.Config.ReadCacheBytes)
	if err != nil {
		store.Close()
		m.removeMemory()
		return err
	}
	store, m.Cache = cached, cache
	m.Store = obs.InstrumentStore(store, m.Metrics)
	m.Service = core.New(m.Store, m.coreConfig())
	if err := m.loadData(ctx, m.Service, true); err != nil {
		store.Close()
		m.removeMemory()
		return err
	}
	return nil
}

// loadData applies the seed file and the demo data (when seeded is set)
// through the core's operator interface op. A deployment whose store serves no region, loading
// no data that names one, serves DefaultRegions; they are added first, so
// that the seed's records in them pass the core's region rule.
func (m *Main) loadData(ctx context.Context, op core.Operator, seeded bool) error {
	var files []*seed.File
	var names []string
	if seeded && m.Config.SeedFile != "" {
		f, err := seed.ReadFile(m.Config.SeedFile)
		if err != nil {
			return err
		}
		files, names = append(files, f), append(names, "seed "+m.Config.SeedFile)
	}
	if seeded && m.Config.Demo {
		files, names = append(files, seed.Demo()), append(names, "demo data")
	}
	regions, err := op.Regions(ctx)
	if err != nil {
		return err
	}
	named := false
	for _, f := range files {
		named = named || len(f.Regions) > 0
	}
	if len(regions) == 0 && !named {
		for _, r := range DefaultRegions {
			if err := op.AddRegion(ctx, r); err != nil {
				return err
			}
		}
	}
	for i, f := range files {
		if err := seed.Apply(ctx, op, f); err != nil {
			return fmt.Errorf("%s: %w", names[i], err)
		}
	}
	return nil
}

// Handler returns the HTTP handler of all three dialects on one port.
func (m *Main) Handler() http.Handler { return m.handlerFor(m.Service) }

// handlerFor is Handler over svc (a reset gives a fresh one: ci.go).
func (m *Main) handlerFor(svc *core.Service) http.Handler {
	log := m.Config.Logger
	extra := m.opsMux()
	// The console (docs/console.md): tenant pages here, operator pages
	// here too unless they have a listener of their own.
	extra.Handle("/console/", m.console(svc, true, m.Config.AdminListen == ""))
	if m.Config.AdminListen == "" {
		extra.Handle("GET /metrics", m.Metrics.Handler())
		m.mountAdmin(extra, svc)
	} else {
		// Served on the admin listener only (ci.go), and not found here
		// rather than left to a dialect's router.
		extra.Handle("/metrics", http.NotFoundHandler())
		extra.Handle("/admin/", http.NotFoundHandler())
	}
	limiter, gate := m.overloadGuards() // limits.go
	m.gate = gate
	return m.withFaults(obs.Middleware(clientip.Trusted(m.Config.TrustedProxies, limitConcurrency(gate, newBodyBudget(DefaultBodyBudget), extra, m.Config.MaxBodyBytes, m.Config.BodyReadTimeout, &router{
		ucloud: ucloud.New(svc, ucloud.Options{
			AccountIDType: m.Config.UCloudAccountIDType,
			Logger:        log.With("dialect", "ucloud"),
			MaxBodyBytes:  m.Config.MaxBodyBytes,
			RateLimit:     limiter,
		}),
		aliyun: aliyun.New(svc, aliyun.Options{
			Logger:       log.With("dialect", "aliyun"),
			MaxBodyBytes: m.Config.MaxBodyBytes,
			RateLimit:    limiter,
		}),
		baidu: baidu.New(svc, baidu.Options{
			DefaultRegion: m.Config.BaiduDefaultRegion,
			Logger:        log.With("dialect", "baidu"),
			MaxBodyBytes:  m.Config.MaxBodyBytes,
			RateLimit:     limiter,
		}),
		maxBody: m.Config.MaxBodyBytes,
		extra:   extra,
	})), m.Metrics, log))
}

// withFaults puts the fault rules on each request's context, where the
// dialect kit looks for them (internal/fault).
func (m *Main) withFaults(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(fault.NewContext(r.Context(), m.Faults)))
	})
}

// Addr is the address the server listens on.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// URL is the base URL of the server, "http://127.0.0.1:PORT", or
// "https://..." when it serves TLS.
func (m *Main) URL() string {
	if m.tls {
		return "https://" + m.Addr()
	}
	return "http://" + m.Addr()
}

// trustedProxy reports whether a is one of Config.TrustedProxies.
func (m *Main) trustedProxy(a netip.Addr) bool {
	for _, p := range m.Config.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Served is closed when the server stops serving; ServeErr then tells why.
func (m *Main) Served() <-chan struct{} { return m.served }

// ServeErr is the error Serve returned (http.ErrServerClosed after Close).
func (m *Main) ServeErr() error { return m.serveErr }

// Close stops accepting, lets in-flight requests finish (up to
// Config.ShutdownTimeout) and closes the store.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		<-m.served
		if err := m.serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		m.server = nil
	}
	if err := m.closeAdmin(); err != nil { // ci.go
		errs = append(errs, err)
	}
	m.stopBuildFinisher()
	if m.Store != nil {
		if err := m.Store.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	m.removeMemory()
	return errors.Join(errs...)
}
