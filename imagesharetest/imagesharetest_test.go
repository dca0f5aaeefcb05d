package imagesharetest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/imagesharetest"
)

const testSeed = `
regions: [cn-wlcb]
accounts:
  - id: 501
    name: ci@example.com
    keys: [{public_key: ci-public, private_key: ci-private}]
images:
  - {id: compshareImage-ci-1, region: cn-wlcb, owner: 501, type: Custom, name: ci-image}
users:
  - account: 501
    name: robot
    keys: [{public_key: robot-public, private_key: robot-private}]
`

// A YAML seed is served with its credentials; the store is a temporary
// file that Stop removes; Reset puts the seed back after a change and
// Restore a snapshot.
func TestStartSeedResetSnapshot(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	srv := imagesharetest.Start(t, imagesharetest.Options{Seed: testSeed})
	if srv.Main.Config.DB != "sqlite::memory:" {
		t.Fatalf("DB %q, want sqlite::memory:", srv.Main.Config.DB)
	}
	if c := srv.Credential("ci@example.com"); c.AccountID != 501 || c.PublicKey != "ci-public" || c.PrivateKey != "ci-private" {
		t.Fatalf("account credential %+v", c)
	}
	if c := srv.Credential("501/robot"); c.User != "robot" || c.PublicKey != "robot-public" {
		t.Fatalf("sub-user credential %+v", c)
	}
	if len(srv.Credentials) != 2 {
		t.Fatalf("credentials %+v: want only the seed's (no demo data with a seed)", srv.Credentials)
	}
	ctx := context.Background()
	op := srv.Main.Service
	if _, err := op.FindImage(ctx, "compshareImage-ci-1"); err != nil {
		t.Fatalf("seeded image: %v", err)
	}
	if err := srv.Snapshot("seeded"); err != nil {
		t.Fatal(err)
	}
	extra := &imageshare.Image{ID: "compshareImage-ci-2", Region: "cn-wlcb", OwnerID: 501, Type: imageshare.ImageCustom,
		Status: imageshare.StatusAvailable, Name: "extra"}
	if err := op.AddImage(ctx, extra); err != nil {
		t.Fatal(err)
	}
	if err := srv.Snapshot("two-images"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Reset(false); err != nil {
		t.Fatal(err)
	}
	if _, err := op.FindImage(ctx, extra.ID); !imageshare.IsKind(err, imageshare.KindNotFound) {
		t.Fatalf("after reset, the added image: %v, want not found", err)
	}
	if _, err := op.FindImage(ctx, "compshareImage-ci-1"); err != nil {
		t.Fatalf("after reset, the seeded image: %v", err)
	}
	if err := srv.Restore("two-images"); err != nil {
		t.Fatal(err)
	}
	if _, err := op.FindImage(ctx, extra.ID); err != nil {
		t.Fatalf("after restore, the added image: %v", err)
	}
	if err := srv.Reset(true); err != nil {
		t.Fatal(err)
	}
	if _, err := op.FindImage(ctx, "compshareImage-ci-1"); !imageshare.IsKind(err, imageshare.KindNotFound) {
		t.Fatalf("after an empty reset, the seeded image: %v, want not found", err)
	}

	dirs, _ := filepath.Glob(filepath.Join(tmp, "imageshare-memory-*"))
	if len(dirs) != 1 {
		t.Fatalf("temporary store directories while serving: %v, want one", dirs)
	}
	srv.Stop()
	dirs, _ = filepath.Glob(filepath.Join(tmp, "*"))
	if len(dirs) != 0 {
		t.Fatalf("left behind after Stop: %v", dirs)
	}
}

// Options.DB serves another store: the tests' own (a SQLite file, or a
// PostgreSQL schema with IMAGESHARE_TEST_DB=postgres), where a reset and
// a restore work the same.
func TestOtherStore(t *testing.T) {
	srv := imagesharetest.Start(t, imagesharetest.Options{DB: apptest.StoreDSN(t), Seed: testSeed})
	ctx := context.Background()
	if err := srv.Snapshot("s"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Reset(true); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Main.Service.FindImage(ctx, "compshareImage-ci-1"); !imageshare.IsKind(err, imageshare.KindNotFound) {
		t.Fatalf("after an empty reset: %v", err)
	}
	if err := srv.Restore("s"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Main.Service.FindImage(ctx, "compshareImage-ci-1"); err != nil {
		t.Fatalf("after restore: %v", err)
	}
}
