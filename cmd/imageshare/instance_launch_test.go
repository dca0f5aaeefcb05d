package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
)

// `instance run` launches through the core's rules: from an image shared
// with the account, not from one that is not (refused as missing);
// `instance ls` lists what it launched.
func TestInstanceRunAndList(t *testing.T) {
	ctx := context.Background()
	db := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	for _, id := range []string{"42", "43"} {
		if out, err := runCmd(t, "account", "create", "--db", db, "--name", id+"@example.com", "--id", id); err != nil {
			t.Fatalf("account create: %v\n%s", err, out)
		}
	}
	m, err := openAdmin(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	im := &imageshare.Image{ID: "img-1", Region: "cn-wlcb", OwnerID: 42, Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable,
		Name: "golden", OSType: "linux", CreatedAt: m.Service.Now()}
	if err := m.Service.AddImage(ctx, im); err != nil {
		t.Fatal(err)
	}
	m.Close()
	args := []string{"instance", "run", "--db", db, "--account", "43", "--region", "cn-wlcb", "--image", "img-1", "--gpu-type", "4090", "--gpus", "1", "--json"}
	if out, err := runCmd(t, args...); err == nil || !strings.Contains(err.Error(), `image "img-1" does not exist`) {
		t.Fatalf("run from an image not shared: %v\n%s", err, out)
	}
	m, err = openAdmin(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Service.ShareImage(ctx, "img-1", 43); err != nil {
		t.Fatal(err)
	}
	m.Close()
	out, err := runCmd(t, args...)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	var made []instanceView
	if err := json.Unmarshal([]byte(out), &made); err != nil || len(made) != 1 || made[0].ImageID != "img-1" || made[0].Status != "Running" || made[0].GPUCount != 1 {
		t.Fatalf("run printed %q (%v)", out, err)
	}
	out, err = runCmd(t, "instance", "ls", "--db", db, "--account", "43")
	if err != nil || !strings.Contains(out, made[0].ID) || !strings.Contains(out, "img-1") {
		t.Fatalf("ls: %v\n%s", err, out)
	}
	out, err = runCmd(t, "instance", "ls", "--db", db, "--account", "42", "--json")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Fatalf("the owner lists the consumer's instance: %v\n%s", err, out)
	}
}
