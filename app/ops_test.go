package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"imageshare"
)

// flakyPing is the real store with a Ping that fails while down is set,
// as a database that drops out and comes back would.
type flakyPing struct {
	imageshare.Store
	down atomic.Bool
}

func (s *flakyPing) Ping(ctx context.Context) error {
	if s.down.Load() {
		return imageshare.Errorf(imageshare.KindUnavailable, imageshare.ReasonNone, "connection refused")
	}
	return s.Store.Ping(ctx)
}

func TestReadyz_FollowsTheStore(t *testing.T) {
	m := New(Config{DB: "sqlite:" + filepath.Join(t.TempDir(), "db")})
	if err := m.OpenService(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	store := &flakyPing{Store: m.Store}
	m.Store = store
	h := m.Handler()
	status := func(path string) int {
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, path, nil))
		return rr.Code
	}
	steps := []struct {
		down              bool
		health, readiness int
	}{
		{false, 200, 200},
		{true, 200, 503},
		{true, 200, 503},
		{false, 200, 200}, // ready again without a restart
	}
	for i, s := range steps {
		store.down.Store(s.down)
		if got := status("/healthz"); got != s.health {
			t.Errorf("step %d: /healthz = %d, want %d", i, got, s.health)
		}
		if got := status("/readyz"); got != s.readiness {
			t.Errorf("step %d: /readyz = %d, want %d", i, got, s.readiness)
		}
	}
}
