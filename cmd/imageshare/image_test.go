package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/seed"
)

// TestImageShow prints a demo image's OS facts and key tags, as JSON and
// as a table, and refuses a missing image.
func TestImageShow(t *testing.T) {
	ctx := context.Background()
	db := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	m, err := openAdmin(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Apply(ctx, m.Service, seed.Demo()); err != nil {
		t.Fatal(err)
	}
	m.Close()

	out, err := runCmd(t, "image", "show", "m-demoalicehz01", "--db", db, "--json")
	if err != nil {
		t.Fatalf("image show: %v\n%s", err, out)
	}
	var im imageJSON
	if err := json.Unmarshal([]byte(out), &im); err != nil {
		t.Fatalf("image show printed %q: %v", out, err)
	}
	if im.Platform != "CentOS" || im.OSNameEn != "CentOS 7.9 64 bit" || im.OSName != "CentOS 7.9 64位" || im.Architecture != "x86_64" ||
		im.BootMode != "BIOS" || len(im.KeyTags) != 1 || im.KeyTags[0].Key != "app" || im.KeyTags[0].Value != "web" {
		t.Errorf("image show --json: %+v", im)
	}
	out, err = runCmd(t, "image", "show", "compshareImage-sys-ubuntu2204", "--db", db)
	if err != nil || !strings.Contains(out, "acs:ubuntu_22_04_x64") || !strings.Contains(out, "UEFI") {
		t.Errorf("image show table: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "image", "show", "m-missing", "--db", db); err == nil {
		t.Errorf("image show of a missing image succeeded: %s", out)
	}
}
