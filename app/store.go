package app

import (
	"context"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/dsn"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/sqlite"
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
