package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/version"
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

// GET /info says which build runs on which store, serving which regions
// in which dialects; when the store is down it says so with a 503.
func TestInfo(t *testing.T) {
	m := New(Config{DB: "sqlite:" + filepath.Join(t.TempDir(), "db")})
	if err := m.OpenService(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if err := m.Service.AddRegion(context.Background(), "eu-1"); err != nil {
		t.Fatal(err)
	}
	h := m.Handler()
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/info", nil))
	if rr.Code != 200 || rr.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /info = %d %q: %s", rr.Code, rr.Header().Get("Content-Type"), rr.Body)
	}
	var got Info
	if err := json.Unmarshal(rr.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	v := version.Get()
	want := Info{Version: v.Version, Revision: v.Revision, Store: "sqlite",
		Regions: []string{"bj", "cn-hangzhou", "cn-wlcb", "eu-1"}, Dialects: []string{"ucloud", "aliyun", "baidu"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GET /info = %+v, want %+v", got, want)
	}

	for dsn, kind := range map[string]string{"postgres://u@h/d": "postgres", "host=h dbname=d": "postgres", "sqlite::memory:": "sqlite", "nonsense": ""} {
		if got := StoreKind(dsn); got != kind {
			t.Errorf("StoreKind(%q) = %q, want %q", dsn, got, kind)
		}
	}

	// The regions come from the store: with it closed, 503 and no body
	// that a client could take for an answer.
	m.Store.Close()
	rr = httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/info", nil))
	if rr.Code != http.StatusServiceUnavailable {
		t.Fatalf("GET /info on a closed store = %d: %s", rr.Code, rr.Body)
	}
}
