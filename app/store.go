package app

import (
	"context"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/dsn"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/sqlite"
	"github.com/imageshare/imageshare/storecache"
)

// OpenStore opens the store a DSN names (internal/dsn reads it: sqlite:PATH,
// a postgres:// URL or a PostgreSQL key=value string; see docs/postgres.md).
// Both apply pending migrations. No error it returns carries the DSN's
// password.
func OpenStore(ctx context.Context, s string) (imageshare.Store, error) {
	d, err := dsn.Parse(s)
	if err != nil {
		return nil, err
	}
	var st imageshare.Store
	switch d.Kind {
	case dsn.SQLite:
		st, err = sqlite.Open(ctx, d.Path)
	default:
		st, err = postgres.Open(ctx, d.Conn)
	}
	if err != nil {
		return nil, d.Scrub(err)
	}
	return st, nil
}

// StoreKind returns the kind of store a DSN names ("sqlite" or
// "postgres"), "" if it does not parse.
func StoreKind(s string) string {
	d, err := dsn.Parse(s)
	if err != nil {
		return ""
	}
	return string(d.Kind)
}

// CacheStore puts the read caches (storecache, docs/caching.md) over st,
// bounded to about budget bytes (0: storecache.DefaultBudget); a negative
// budget returns st unchanged (the caches off). Both stores keep the
// change log the caches need (migration 012).
func CacheStore(ctx context.Context, st imageshare.Store, budget int64) (imageshare.Store, *storecache.Store, error) {
	if budget < 0 {
		return st, nil, nil
	}
	c, err := storecache.New(ctx, st, budget)
	if err != nil {
		return nil, nil, err
	}
	return c, c, nil
}
