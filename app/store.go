package app

import (
	"context"
	"fmt"
	"strings"

	"imageshare"
	"imageshare/sqlite"
)

// OpenStore opens the store a DSN names: "sqlite:PATH".
func OpenStore(ctx context.Context, dsn string) (imageshare.Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("store DSN %q names no file", dsn)
		}
		return sqlite.Open(ctx, path)
	}
	return nil, fmt.Errorf("store DSN %q: want sqlite:PATH", dsn)
}
