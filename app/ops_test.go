package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
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

// chattr sets or clears the immutable attribute of files. It is how a
// test as root makes a file unwritable: root ignores permission bits, and
// there is no read-only mount here, but an immutable file refuses writes
// to root too, even through descriptors opened before (Linux, ext4).
func chattr(t *testing.T, flag string, paths ...string) {
	t.Helper()
	out, err := exec.Command("chattr", append([]string{flag}, paths...)...).CombinedOutput()
	if err != nil {
		t.Skipf("chattr %s: %v %s (needs root and a filesystem with the immutable attribute)", flag, err, out)
	}
}

// TestReadyz_StoreThatCannotWrite (finding 9 of SECURITY.md): a SQLite
// store whose files turn read-only under the running server still answers
// reads, so Ping passes; /readyz must still answer 503, because no share
// change and no Alibaba call could succeed there. Once the files are
// writable again the replica is ready again, without a restart.
func TestReadyz_StoreThatCannotWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	m := New(Config{DB: "sqlite:" + path})
	if err := m.OpenService(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	h := m.Handler()
	readyz := func() (int, string) {
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rr.Code, rr.Body.String()
	}
	if code, body := readyz(); code != 200 {
		t.Fatalf("/readyz on a writable store: %d %q", code, body)
	}
	files := []string{path, path + "-wal"}
	chattr(t, "+i", files...)
	t.Cleanup(func() { exec.Command("chattr", append([]string{"-i"}, files...)...).Run() })
	if err := m.Store.Ping(context.Background()); err != nil {
		t.Fatalf("Ping on the read-only store: %v; the test wants a store that reads but cannot write", err)
	}
	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "cannot write") {
		t.Fatalf("/readyz on a store that cannot write: %d %q, want 503 not ready", code, body)
	}
	chattr(t, "-i", files...)
	if code, body := readyz(); code != 200 {
		t.Fatalf("/readyz once the store writes again: %d %q", code, body)
	}
}
