package postgres_test

import (
	"context"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/postgres/pgtest"
	"github.com/imageshare/imageshare/storetest"
)

// openSchema opens a store on a fresh schema of the test server.
func openSchema(t *testing.T) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.NewSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	pgtest.SkipUnlessConfigured(t)
	storetest.Run(t, func(t *testing.T) imageshare.Store { return openSchema(t) })
}
