package app

import (
	"context"
	"net/http"
	"time"
)

// readyTimeout bounds the store ping behind /readyz, so that a hung
// database makes the replica not ready instead of hanging the probe.
const readyTimeout = 2 * time.Second

// opsMux serves the operational endpoints next to the dialects:
//   - GET /healthz: liveness; 200 while the process serves HTTP at all;
//   - GET /readyz: readiness; 200 when the store answers and has every
//     migration applied (Store.Ping), 503 otherwise;
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
	mux.Handle("GET /metrics", m.Metrics.Handler())
	return mux
}
