// Package imagesharetest runs a real imageshare server inside a Go test,
// as fake-gcs-server's fakestorage does for Cloud Storage: the same server
// the binary runs (all three dialects: UCloud CompShare, Alibaba ECS,
// Baidu BCC), on a loopback port, over a throwaway SQLite database
// (sqlite::memory:, a temporary file removed when the server stops), with
// seed data whose credentials it returns. Point a vendor's official SDK
// at URL and it works unmodified; see the examples.
//
//	srv := imagesharetest.Start(t, imagesharetest.Options{Demo: true})
//	alice := srv.Credential("alice@example.com")
//	cfg.BaseUrl = srv.URL // UCloud; ecs client.Domain = srv.Host(); bcc endpoint srv.URL
//
// The server also serves the admin API (docs/deploy.md "CI conveniences")
// with AdminToken: reset, snapshots and fault injection, which Reset,
// Snapshot, Restore and Fault call directly.
package imagesharetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/internal/fault"
	"github.com/imageshare/imageshare/seed"
)

// Options configure a server. The zero value serves the demo data.
type Options struct {
	// Seed is a seed document (YAML or JSON, the format of --seed:
	// docs/deploy.md) loaded at start and again by Reset.
	Seed string
	// Demo loads the built-in demo data (the default when Seed is empty):
	// accounts alice@example.com (10001, key demo-alice-public /
	// demo-alice-private), bob@example.com (10002) and carol@example.com
	// (10003), images in cn-wlcb, cn-hangzhou and bj, one share.
	Demo bool
	// DB is the store DSN; "" is "sqlite::memory:". A PostgreSQL DSN
	// works as well (the schema is the caller's to clean up).
	DB string
	// AdminToken is the admin API's bearer token; "" picks a random one
	// (Server.AdminToken).
	AdminToken string
	// Configure, when set, changes anything else before the server starts
	// (rate limits, build duration, AdminListen ...).
	Configure func(*app.Config)
}

// Credential is one access key of the seed data.
type Credential struct {
	AccountID   int64
	AccountName string
	// User is the sub-user's name for a sub-user's key, "" for the
	// account's own.
	User       string
	PublicKey  string
	PrivateKey string
}

// Server is a running server.
type Server struct {
	// URL is the base URL of all three dialects: "http://127.0.0.1:PORT".
	URL string
	// AdminURL is where /admin/ and /metrics are served: URL, or the
	// admin listener's when Options.Configure set AdminListen.
	AdminURL   string
	AdminToken string
	// Credentials are the keys the seed data holds, in its order.
	Credentials []Credential
	// Main is the server itself, for what this package does not wrap.
	Main *app.Main

	dir string
}

// Start starts a server and stops it when t ends; it fails t if the
// server cannot start.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("imagesharetest: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// New starts a server; Stop stops it.
func New(opts Options) (*Server, error) {
	cfg := app.DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.DB = opts.DB
	if cfg.DB == "" {
		cfg.DB = "sqlite::memory:"
	}
	cfg.BuildDuration = 0 // builds finish at once
	cfg.AdminToken = opts.AdminToken
	if cfg.AdminToken == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		cfg.AdminToken = hex.EncodeToString(b[:])
	}
	s := &Server{AdminToken: cfg.AdminToken}
	files := []*seed.File{}
	if opts.Seed != "" {
		f, err := seed.Parse([]byte(opts.Seed))
		if err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		dir, err := os.MkdirTemp("", "imagesharetest-")
		if err != nil {
			return nil, err
		}
		s.dir = dir
		cfg.SeedFile = filepath.Join(dir, "seed.yaml")
		if err := os.WriteFile(cfg.SeedFile, []byte(opts.Seed), 0o600); err != nil {
			s.removeDir()
			return nil, err
		}
		files = append(files, f)
	}
	if opts.Demo || opts.Seed == "" {
		cfg.Demo = true
		files = append(files, seed.Demo())
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	m := app.New(cfg)
	if err := m.Open(context.Background()); err != nil {
		s.removeDir()
		return nil, err
	}
	s.Main, s.URL, s.AdminURL = m, m.URL(), m.URL()
	if u := m.AdminURL(); u != "" {
		s.AdminURL = u
	}
	for _, f := range files {
		s.Credentials = append(s.Credentials, credentials(f)...)
	}
	return s, nil
}

func credentials(f *seed.File) []Credential {
	var out []Credential
	names := map[int64]string{}
	for _, a := range f.Accounts {
		names[a.ID] = a.Name
		for _, k := range a.Keys {
			out = append(out, Credential{AccountID: a.ID, AccountName: a.Name, PublicKey: k.PublicKey, PrivateKey: k.PrivateKey})
		}
	}
	for _, u := range f.Users {
		for _, k := range u.Keys {
			out = append(out, Credential{AccountID: u.Account, AccountName: names[u.Account], User: u.Name, PublicKey: k.PublicKey, PrivateKey: k.PrivateKey})
		}
	}
	return out
}

// Credential returns the first key of the account (by name or decimal
// id) or sub-user ("account/user") named; it panics if there is none, a
// test's mistake.
func (s *Server) Credential(name string) Credential {
	account, user, _ := strings.Cut(name, "/")
	for _, c := range s.Credentials {
		if (c.AccountName == account || fmt.Sprint(c.AccountID) == account) && c.User == user {
			return c
		}
	}
	panic("imagesharetest: no credential for " + name)
}

// Host is URL without its scheme, "127.0.0.1:PORT": what the Alibaba SDK
// takes as its Domain.
func (s *Server) Host() string {
	return strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://")
}

// Stop stops the server and removes its temporary data.
func (s *Server) Stop() {
	if s.Main != nil {
		_ = s.Main.Close()
		s.Main = nil
	}
	s.removeDir()
}

func (s *Server) removeDir() {
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
		s.dir = ""
	}
}

// Reset puts the seed data back (or nothing but the default regions, with
// empty) and removes every fault rule, as POST /admin/reset does.
func (s *Server) Reset(empty bool) error { return s.Main.Reset(context.Background(), empty) }

// Snapshot saves the store's content under name.
func (s *Server) Snapshot(name string) error {
	_, err := s.Main.Snapshot(context.Background(), name)
	return err
}

// Restore puts the snapshot name back.
func (s *Server) Restore(name string) error {
	_, err := s.Main.Restore(context.Background(), name)
	return err
}

// Fault is a fault rule (see Server.Fault).
type Fault = fault.Rule

// Fault adds a fault rule: calls of Action (its action-table name, or
// "*") in Dialect ("ucloud", "aliyun", "baidu" or "*") fail with Code
// (the vendor's error code: UCloud's RetCode in decimal) or wait Delay,
// for the next Count calls (0: all), as POST /admin/faults does. Reset
// removes it.
func (s *Server) Fault(f Fault) error {
	_, err := s.Main.Faults.Add(f)
	return err
}
