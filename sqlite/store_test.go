package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/sqlite"
	"github.com/imageshare/imageshare/storetest"
)

func openTemp(t *testing.T) imageshare.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openMemory(t *testing.T) imageshare.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreFile(t *testing.T) { storetest.Run(t, openTemp) }

func TestStoreMemory(t *testing.T) { storetest.Run(t, openMemory) }
