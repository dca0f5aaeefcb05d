package app

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// startServer opens a real server on loopback ports with cfg's settings
// and a fresh SQLite file.
func startServer(t *testing.T, configure func(*Config)) *Main {
	t.Helper()
	cfg := Config{Listen: "127.0.0.1:0", DB: "sqlite:" + filepath.Join(t.TempDir(), "db")}
	configure(&cfg)
	m := New(cfg)
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func getStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Profiles are served only when asked, and then only on the admin
// listener: never on the tenants' port.
func TestPprof_OffByDefault(t *testing.T) {
	m := startServer(t, func(c *Config) { c.AdminListen = "127.0.0.1:0" })
	for _, base := range []string{m.URL(), m.AdminURL()} {
		for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/symbol"} {
			if code, body := getStatus(t, base+path); code == http.StatusOK {
				t.Errorf("GET %s%s = 200 by default: %.100s", base, path, body)
			}
		}
	}
	// Without an admin listener, nothing on the one port either.
	m2 := startServer(t, func(*Config) {})
	if code, _ := getStatus(t, m2.URL()+"/debug/pprof/"); code == http.StatusOK {
		t.Errorf("GET /debug/pprof/ on the only listener = 200 by default")
	}
}

func TestPprof_OnTheAdminListenerOnly(t *testing.T) {
	m := startServer(t, func(c *Config) { c.AdminListen = "127.0.0.1:0"; c.Pprof = true })
	code, body := getStatus(t, m.AdminURL()+"/debug/pprof/")
	if code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("admin /debug/pprof/ = %d %.200s", code, body)
	}
	if code, _ := getStatus(t, m.AdminURL()+"/debug/pprof/cmdline"); code != http.StatusOK {
		t.Errorf("admin /debug/pprof/cmdline = %d", code)
	}
	if code, body := getStatus(t, m.URL()+"/debug/pprof/"); code == http.StatusOK {
		t.Errorf("tenants' /debug/pprof/ = 200: %.100s", body)
	}
}

func TestPprof_NeedsAdminListen(t *testing.T) {
	m := New(Config{Listen: "127.0.0.1:0", DB: "sqlite:" + filepath.Join(t.TempDir(), "db"), Pprof: true})
	err := m.Open(context.Background())
	if err == nil {
		m.Close()
		t.Fatal("Open with Pprof and no AdminListen succeeded")
	}
	if !strings.Contains(err.Error(), "admin-listen") {
		t.Errorf("error %q does not name admin-listen", err)
	}
}
