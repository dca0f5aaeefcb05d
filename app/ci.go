package app

import (
	"bytes"
	"context"
	"crypto/tls"

	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imageshare/imageshare/admin"
	"github.com/imageshare/imageshare/app/transfer"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/internal/dsn"
	"github.com/imageshare/imageshare/internal/fault"
)

// ciState is what the CI conveniences of the admin API need
// (docs/deploy.md "CI"): the store's DSN for snapshots, the named
// snapshots, the handlers a reset replaces and the admin listener.
type ciState struct {
	mu        sync.Mutex // one reset, snapshot or restore at a time
	dsn       string     // the store's DSN as opened (memDir's file for sqlite::memory:)
	memDir    string
	snapshots map[string][]byte

	// A reset or restore changes the store under the core's caches (its
	// compiled policies are kept by id, and ids are reused after a reset on
	// SQLite), so it starts a fresh core service and handlers over it.
	tenants atomic.Pointer[http.Handler]
	admin   atomic.Pointer[http.Handler]

	adminLn     net.Listener
	adminServer *http.Server
	adminServed chan struct{}
}

// storeDSN is the DSN the store is opened with: Config.DB, except that
// sqlite::memory: becomes a file in a fresh temporary directory, removed
// at Close. A file rather than SQLite's private in-memory database: the
// snapshots (app/transfer) and a second connection must be able to open
// it by name.
func (m *Main) storeDSN() (string, error) {
	m.ci.dsn = m.Config.DB
	d, err := dsn.Parse(m.Config.DB)
	if err != nil || d.Kind != dsn.SQLite || d.Path != ":memory:" {
		return m.Config.DB, nil // OpenStore reports a parse error
	}
	dir, err := os.MkdirTemp("", "imageshare-memory-")
	if err != nil {
		return "", fmt.Errorf("sqlite::memory:: %w", err)
	}
	m.ci.memDir = dir
	m.ci.dsn = "sqlite:" + filepath.Join(dir, "imageshare.db")
	return m.ci.dsn, nil
}

// removeMemory removes the temporary directory of sqlite::memory:.
func (m *Main) removeMemory() {
	if m.ci.memDir != "" {
		_ = os.RemoveAll(m.ci.memDir)
		m.ci.memDir = ""
	}
}

// coreConfig is the core's configuration from Config.
func (m *Main) coreConfig() core.Config {
	return core.Config{MaxSharesPerImage: m.Config.MaxSharesPerImage, Now: m.Config.Now, BuildDuration: m.Config.BuildDuration, Limits: m.Config.Limits,
		InstanceDuration: m.Config.InstanceDuration}
}

// renew makes svc the service the listeners serve.
func (m *Main) renew(svc *core.Service) {
	h := m.handlerFor(svc)
	m.ci.tenants.Store(&h)
	if m.Config.AdminListen != "" {
		a := m.adminHandlerFor(svc)
		m.ci.admin.Store(&a)
	}
}

func (m *Main) serveTenants(w http.ResponseWriter, r *http.Request) {
	(*m.ci.tenants.Load()).ServeHTTP(w, r)
}

// adminHandlerFor is what the admin listener serves: /metrics, /admin/,
// the operator console (/console/admin/) and /healthz; anything else is 404.
func (m *Main) adminHandlerFor(svc *core.Service) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /metrics", m.Metrics.Handler())
	mux.Handle("/console/", m.console(svc, false, true))
	m.mountAdmin(mux, svc)
	if m.Config.Pprof {
		mountPprof(mux)
	}
	return mux
}

// openAdmin starts the admin listener when Config.AdminListen is set; it
// speaks HTTPS when the tenants' port does (same certificate).
func (m *Main) openAdmin() error {
	if m.Config.AdminListen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", m.Config.AdminListen)
	if err != nil {
		return fmt.Errorf("admin listen on %s: %w", m.Config.AdminListen, err)
	}
	m.ci.adminLn = ln
	m.ci.adminServer = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			(*m.ci.admin.Load()).ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: m.Config.ReadHeaderTimeout,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      10 * time.Minute, // a snapshot of a large store
		MaxHeaderBytes:    64 << 10,
	}
	served := ln
	if m.tls {
		served = tls.NewListener(ln, m.server.TLSConfig)
	}
	m.ci.adminServed = make(chan struct{})
	go func() {
		_ = m.ci.adminServer.Serve(served)
		close(m.ci.adminServed)
	}()
	m.Config.Logger.Info("serving admin", "addr", ln.Addr().String())
	return nil
}

// AdminURL is the base URL of the admin listener ("" without one).
func (m *Main) AdminURL() string {
	if m.ci.adminLn == nil {
		return ""
	}
	if m.tls {
		return "https://" + m.ci.adminLn.Addr().String()
	}
	return "http://" + m.ci.adminLn.Addr().String()
}

func (m *Main) closeAdmin() error {
	if m.ci.adminServer == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	err := m.ci.adminServer.Shutdown(ctx)
	<-m.ci.adminServed
	m.ci.adminServer, m.ci.adminLn = nil, nil
	return err
}

// Reset empties the store and loads the seed and demo data again (none
// when empty is set: the store then serves DefaultRegions only), removes
// every fault rule and serves a fresh core service.
func (m *Main) Reset(ctx context.Context, empty bool) error {
	m.ci.mu.Lock()
	defer m.ci.mu.Unlock()
	m.Faults.Clear()
	if _, err := transfer.Replace(ctx, m.ci.dsn, nil); err != nil {
		return err
	}
	svc := core.New(m.Store, m.coreConfig())
	if err := m.loadData(ctx, svc, !empty); err != nil {
		return err
	}
	m.renew(svc)
	return nil
}

// maxSnapshots bounds the named snapshots a server keeps in memory.
const maxSnapshots = 64

var snapshotName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Snapshot saves the store's whole content, as app/transfer exports it,
// under name (replacing a snapshot of that name), in memory.
func (m *Main) Snapshot(ctx context.Context, name string) (admin.Snapshot, error) {
	if !snapshotName.MatchString(name) {
		return admin.Snapshot{}, errBadSnapshotName
	}
	m.ci.mu.Lock()
	defer m.ci.mu.Unlock()
	if _, ok := m.ci.snapshots[name]; !ok && len(m.ci.snapshots) >= maxSnapshots {
		return admin.Snapshot{}, fmt.Errorf("%w: at most %d; delete one first", admin.ErrTooManySnapshots, maxSnapshots)
	}
	var buf bytes.Buffer
	stats, err := transfer.Export(ctx, m.ci.dsn, &buf)
	if err != nil {
		return admin.Snapshot{}, err
	}
	if m.ci.snapshots == nil {
		m.ci.snapshots = map[string][]byte{}
	}
	m.ci.snapshots[name] = buf.Bytes()
	return admin.Snapshot{Name: name, Bytes: buf.Len(), Rows: stats.Total()}, nil
}

var errBadSnapshotName = fmt.Errorf("%w: a snapshot name is 1 to 64 letters, digits, '.', '_' or '-'", admin.ErrBadSnapshotName)

// Restore replaces the store's content with the snapshot name, in one
// transaction, and serves a fresh core service. Fault rules stay.
func (m *Main) Restore(ctx context.Context, name string) (admin.Snapshot, error) {
	m.ci.mu.Lock()
	defer m.ci.mu.Unlock()
	data, ok := m.ci.snapshots[name]
	if !ok {
		return admin.Snapshot{}, admin.ErrNoSnapshot
	}
	stats, err := transfer.Replace(ctx, m.ci.dsn, bytes.NewReader(data))
	if err != nil {
		return admin.Snapshot{}, err
	}
	m.renew(core.New(m.Store, m.coreConfig()))
	return admin.Snapshot{Name: name, Bytes: len(data), Rows: stats.Total()}, nil
}

// Snapshots lists the snapshots by name.
func (m *Main) Snapshots() []admin.Snapshot {
	m.ci.mu.Lock()
	defer m.ci.mu.Unlock()
	out := []admin.Snapshot{}
	for name, data := range m.ci.snapshots {
		out = append(out, admin.Snapshot{Name: name, Bytes: len(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DeleteSnapshot forgets a snapshot.
func (m *Main) DeleteSnapshot(name string) error {
	m.ci.mu.Lock()
	defer m.ci.mu.Unlock()
	if _, ok := m.ci.snapshots[name]; !ok {
		return admin.ErrNoSnapshot
	}
	delete(m.ci.snapshots, name)
	return nil
}

// ciBackend is the admin API's view of a Main for one core service.
type ciBackend struct {
	m   *Main
	svc *core.Service
}

func (b ciBackend) Operator() core.Operator { return b.svc }
func (b ciBackend) Faults() *fault.Injector { return b.m.Faults }
func (b ciBackend) Reset(ctx context.Context, empty bool) error {
	return b.m.Reset(ctx, empty)
}
func (b ciBackend) Snapshot(ctx context.Context, name string) (admin.Snapshot, error) {
	return b.m.Snapshot(ctx, name)
}
func (b ciBackend) Restore(ctx context.Context, name string) (admin.Snapshot, error) {
	return b.m.Restore(ctx, name)
}
func (b ciBackend) Snapshots() []admin.Snapshot      { return b.m.Snapshots() }
func (b ciBackend) DeleteSnapshot(name string) error { return b.m.DeleteSnapshot(name) }
