// Package apptest starts a real imageshare server on a loopback port
// for end-to-end tests: the same app.Main the binary runs, on a fresh
// store (SQLite, or PostgreSQL when IMAGESHARE_TEST_DB=postgres; see
// StoreDSN).
package apptest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/postgres/pgtest"
)

// Server is a running test server.
type Server struct {
	URL  string // "http://127.0.0.1:PORT"
	Addr string // "127.0.0.1:PORT"
	Main *app.Main
	// Svc is the core service; as core.Operator it is how a test makes
	// records (Account, Image).
	Svc *core.Service
	// Store is the store under Svc, for tests that look at what a call
	// wrote; records are made through Svc.
	Store imageshare.Store
}

// EnvTestDB selects the store end-to-end tests run on: unset or "sqlite"
// for a SQLite file per test, "postgres" for a fresh schema per test on
// the PostgreSQL server that IMAGESHARE_TEST_POSTGRES_DSN names
// (scripts/with-postgres.sh starts one and sets it).
const EnvTestDB = "IMAGESHARE_TEST_DB"

// StoreKind returns the store tests run on: "sqlite" or "postgres".
func StoreKind() string {
	if os.Getenv(EnvTestDB) == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// StoreDSN returns the DSN of a fresh, empty store for t, removed when t
// ends: a SQLite file in a temp dir, or a PostgreSQL schema when
// IMAGESHARE_TEST_DB=postgres. Several servers started on one DSN are
// replicas sharing one database.
func StoreDSN(t testing.TB) string {
	t.Helper()
	switch v := os.Getenv(EnvTestDB); v {
	case "", "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "imageshare.db")
	case "postgres":
		return pgtest.NewSchema(t)
	default:
		t.Fatalf("apptest: %s=%q: want sqlite or postgres", EnvTestDB, v)
		return ""
	}
}

// Start starts a server and stops it when the test ends: the binary's
// defaults (app.DefaultConfig) on a loopback port and a fresh store
// (StoreDSN). Options may change the configuration before it opens.
func Start(t testing.TB, opts ...func(*app.Config)) *Server {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.Listen, cfg.DB = "127.0.0.1:0", ""
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.DB == "" {
		cfg.DB = StoreDSN(t)
	}
	m := app.New(cfg)
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("apptest: start: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("apptest: close: %v", err)
		}
	})
	return &Server{URL: m.URL(), Addr: m.Addr(), Main: m, Svc: m.Service, Store: m.Store}
}

var seq atomic.Int64

// Account creates an account with a fresh access key.
func (s *Server) Account(t testing.TB, name string) (*imageshare.Account, *imageshare.AccessKey) {
	t.Helper()
	if name == "" {
		name = fmt.Sprintf("user%d@example.com", seq.Add(1))
	}
	a := &imageshare.Account{Name: name}
	k, err := s.Svc.CreateAccount(context.Background(), a)
	if err != nil {
		t.Fatalf("apptest: create account %q: %v", name, err)
	}
	return a, k
}

// Image records im through the core's operator interface (core.Operator),
// under the rules a seed obeys. An empty ID gets a fresh one, an empty
// Status is Available, an empty Name is derived from the id, an empty
// Region is cn-wlcb and an empty Type is Custom.
func (s *Server) Image(t testing.TB, im *imageshare.Image) *imageshare.Image {
	t.Helper()
	if im.ID == "" {
		im.ID = fmt.Sprintf("compshareImage-t%d-%d", os.Getpid(), seq.Add(1))
	}
	if im.Status == "" {
		im.Status = imageshare.StatusAvailable
	}
	if im.Name == "" {
		im.Name = "image " + im.ID
	}
	if im.Region == "" {
		im.Region = "cn-wlcb"
	}
	if im.Type == "" {
		im.Type = imageshare.ImageCustom
	}
	if im.CreatedAt.IsZero() {
		im.CreatedAt = s.Svc.Now().UTC()
	}
	if err := s.Svc.AddImage(context.Background(), im); err != nil {
		t.Fatalf("apptest: create image %q: %v", im.ID, err)
	}
	return im
}
