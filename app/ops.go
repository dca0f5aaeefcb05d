package app

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"imageshare/internal/version"
)

// readyTimeout bounds the store ping behind /readyz, so that a hung
// database makes the replica not ready instead of hanging the probe.
const readyTimeout = 2 * time.Second

// opsMux serves the operational endpoints next to the dialects:
//   - GET /healthz: liveness; 200 while the process serves HTTP at all;
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
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.HandleFunc("GET /info", m.serveInfo)
	mux.Handle("GET /metrics", m.Metrics.Handler())
	return mux
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
