package app

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/imageshare/imageshare"
)

// authenticateAfterUnloggedDisable serves a store with readCacheBytes,
// authenticates a key, then disables it behind the change log's back (its
// trigger dropped, as no write path of the product ever does) and
// authenticates again: only a cache can still accept the key then.
func authenticateAfterUnloggedDisable(t *testing.T, readCacheBytes int64) error {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	m := New(Config{DB: "sqlite:" + path, ReadCacheBytes: readCacheBytes})
	if err := m.OpenService(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	a := &imageshare.Account{Name: "a@example.com"}
	if err := m.Store.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := m.Store.CreateAccessKey(ctx, &imageshare.AccessKey{PublicKey: "PUB", PrivateKey: "priv", AccountID: a.ID, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	for range 3 { // with the caches on, the third is answered from them
		if _, err := m.Service.Authenticate(ctx, "PUB"); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DROP TRIGGER cache_log_access_keys_update`, `UPDATE access_keys SET enabled = 0 WHERE public_key = 'PUB'`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	_, err = m.Service.Authenticate(ctx, "PUB")
	return err
}

// TestReadCacheOff: with the caches off (--read-cache=false) every read
// goes to the store. The same steps with the caches on show the test can
// fail: the unlogged disable is not seen.
func TestReadCacheOff(t *testing.T) {
	if err := authenticateAfterUnloggedDisable(t, -1); imageshare.ErrorKind(err) != imageshare.KindUnauthenticated {
		t.Fatalf("caches off: Authenticate after the disable = %v; want the key refused", err)
	}
	if err := authenticateAfterUnloggedDisable(t, 0); err != nil {
		t.Fatalf("caches on: Authenticate after an unlogged disable = %v; want the cached key (this is what shows the off case reads the store)", err)
	}
}
