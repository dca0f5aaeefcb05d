package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"encoding/json"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/version"
)

// readyTimeout bounds the store ping behind /readyz, so that a hung
// database makes the replica not ready instead of hanging the probe.
const readyTimeout = 2 * time.Second

// opsMux serves the operational endpoints next to the dialects:
//   - GET /healthz: liveness; 200 while the process serves HTTP at all;
//   - GET /readyz: readiness; 200 when the store answers, has every
//     migration applied (Store.Ping) and takes a write (probeWrite), 503
//     otherwise;
//   - GET /readyz: readiness; 200 when the store answers and has every
//     migration applied (Store.Ping), 503 otherwise;
//   - GET /info: what this server is, as JSON (Info);
//   - GET /metrics: Prometheus metrics (see docs/deploy.md).
func (m *Main) opsMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := m.Store.Ping(ctx); err != nil {
			// The cause goes to the log only: it may name hosts and users.
			m.Config.Logger.Warn("not ready: store ping failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: the store is unreachable or not migrated\n"))
			return
		}
		if err := m.probeWrite(ctx); err != nil {
			m.Config.Logger.Warn("not ready: the store refuses writes", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: the store cannot write\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.HandleFunc("GET /info", m.serveInfo)
	mux.Handle("GET /metrics", m.Metrics.Handler())
	return mux
}

// probeWrite commits one small write, so that a store that answers reads
// but cannot write (a full disk, a read-only or immutable file, a SQLite
// file owned by another user, a read-only PostgreSQL) makes the replica
// not ready: every share change and every Alibaba call (each records a
// nonce) would fail there (SECURITY.md, finding 9). It goes through the
// nonce table, the write every Alibaba call makes, so it needs no table of
// its own: one row per process, named by a random instance id and
// expiring at once, which the next probe (or any call's pruning) replaces.
func (m *Main) probeWrite(ctx context.Context) error {
	m.probeOnce.Do(func() {
		var b [8]byte
		_, _ = rand.Read(b[:])
		m.probeNonce = "readyz:" + hex.EncodeToString(b[:])
	})
	now := m.Config.Now()
	err := m.Store.UseNonce(ctx, m.probeNonce, now, now)
	if imageshare.IsKind(err, imageshare.KindConflict) {
		return nil // a concurrent probe wrote the row: the store writes
	}
	return err
}

// Dialects are the vendor APIs a server speaks, as GET /info names them.
var Dialects = []string{"ucloud", "aliyun", "baidu"}

// Info is the body of GET /info: which build runs, on which kind of
// store, serving which regions in which dialects. It holds nothing a
// tenant could not learn by calling the API, and no DSN.
type Info struct {
	Version  string   `json:"version"`  // module version (internal/version)
	Revision string   `json:"revision"` // VCS revision, "unknown" if not stamped
	Store    string   `json:"store"`    // "sqlite" or "postgres"
	Regions  []string `json:"regions"`  // served regions, by name
	Dialects []string `json:"dialects"`
}

func (m *Main) serveInfo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	regions, err := m.Service.Regions(ctx)
	if err != nil {
		m.Config.Logger.Warn("info: listing regions failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":"the store is unreachable"}` + "\n"))
		return
	}
	if regions == nil {
		regions = []string{}
	}
	v := version.Get()
	body, _ := json.Marshal(Info{Version: v.Version, Revision: v.Revision, Store: StoreKind(m.Config.DB), Regions: regions, Dialects: Dialects})
	_, _ = w.Write(append(body, '\n'))
}
