package app

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"imageshare"
	"imageshare/postgres"
	"imageshare/sqlite"
)

// OpenStore opens the store a DSN names: "sqlite:PATH", or a PostgreSQL
// URL "postgres://..." / "postgresql://..." (see docs/postgres.md). Both
// apply pending migrations.
func OpenStore(ctx context.Context, dsn string) (imageshare.Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("store DSN %q names no file", dsn)
		}
		return sqlite.Open(ctx, path)
	case IsPostgresDSN(dsn):
		return postgres.Open(ctx, dsn)
	}
	return nil, fmt.Errorf("store DSN %q: want sqlite:PATH or postgres://USER@HOST/DB", RedactDSN(dsn))
}

// IsPostgresDSN reports whether dsn names a PostgreSQL store.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// passwordParam matches a password given as a key=value or query parameter.
var passwordParam = regexp.MustCompile(`(?i)(password=)[^&\s]*`)

// RedactDSN hides a password a DSN may carry, for error messages and logs.
func RedactDSN(dsn string) string {
	dsn = passwordParam.ReplaceAllString(dsn, "${1}xxxxx")
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok || strings.Contains(userinfo, "/") {
		return dsn
	}
	if user, _, hasPassword := strings.Cut(userinfo, ":"); hasPassword {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return dsn
}
