package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/admin"
)

// TestInstanceAndReviewCommands records an instance with the CLI, makes and
// publishes an image through the core (what a tenant's API calls do), then
// reviews it with the CLI.
func TestInstanceAndReviewCommands(t *testing.T) {
	ctx := context.Background()
	db := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	if out, err := runCmd(t, "account", "create", "--db", db, "--name", "dev@example.com", "--id", "42"); err != nil {
		t.Fatalf("account create: %v\n%s", err, out)
	}
	out, err := runCmd(t, "instance", "create", "--db", db, "--account", "42", "--region", "cn-wlcb", "--gpu-type", "4090", "--json")
	if err != nil {
		t.Fatalf("instance create: %v\n%s", err, out)
	}
	var in admin.Instance
	if err := json.Unmarshal([]byte(out), &in); err != nil || in.AccountID != 42 || in.GPUType != "4090" || !strings.HasPrefix(in.ID, "uhost-") {
		t.Fatalf("instance create printed %q (%v)", out, err)
	}
	for _, bad := range [][]string{
		{"instance", "create", "--db", db, "--account", "42"},
		{"instance", "create", "--db", db, "--account", "999", "--region", "cn-wlcb"},
		{"instance", "create", "--db", db, "--account", "42", "--region", "mars"},
		{"instance", "create", "--db", db, "--account", "42", "--region", "cn-wlcb", "--id", in.ID},
	} {
		if out, err := runCmd(t, bad...); err == nil {
			t.Errorf("%q succeeded: %s", bad, out)
		}
	}

	m, err := openAdmin(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	caller := imageshare.Caller{AccountID: 42}
	var versions []string
	for _, name := range []string{"one", "two"} {
		im, err := m.Service.CreateCustomImage(ctx, caller, imageshare.CustomImageRequest{InstanceID: in.ID, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		// The build takes the default 3s; finish it now instead of waiting.
		if _, err := m.Store.ChangeImageStatus(ctx, imageshare.StatusChange{ImageID: im.ID,
			From: []imageshare.ImageStatus{imageshare.StatusMaking}, To: imageshare.StatusAvailable}); err != nil {
			t.Fatal(err)
		}
		v, err := m.Service.PublishImage(ctx, caller, imageshare.PublishRequest{ImageID: im.ID})
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v.ID)
	}
	m.Close()

	out, err = runCmd(t, "review", "list", "--db", db, "--json")
	if err != nil {
		t.Fatalf("review list: %v\n%s", err, out)
	}
	var list admin.VersionList
	if err := json.Unmarshal([]byte(out), &list); err != nil || list.Total != 2 || list.Versions[0].ID != versions[0] {
		t.Fatalf("review list printed %q (%v)", out, err)
	}
	if out, err := runCmd(t, "review", "approve", "--db", db, versions[0]); err != nil || !strings.Contains(out, "is now Available") {
		t.Fatalf("review approve: %v\n%s", err, out)
	}
	// Flags after the version id are read too.
	if out, err := runCmd(t, "review", "reject", versions[1], "--db", db, "--reason", "no readme"); err != nil ||
		!strings.Contains(out, "is now UnAvailable") || !strings.Contains(out, "reason: no readme") {
		t.Fatalf("review reject: %v\n%s", err, out)
	}
	out, err = runCmd(t, "review", "list", "--db", db)
	if err != nil || !strings.Contains(out, "0 of 0 shown") {
		t.Fatalf("review list after reviews: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "review", "offline", "--db", db, versions[0]); err != nil || !strings.Contains(out, "is now Offline") {
		t.Fatalf("review offline: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "review", "online", "--db", db, versions[0]); err != nil || !strings.Contains(out, "is now Available") {
		t.Fatalf("review online: %v\n%s", err, out)
	}
	out, err = runCmd(t, "review", "list", "--db", db, "--status", "all")
	if err != nil || !strings.Contains(out, "2 of 2 shown") {
		t.Fatalf("review list --status all: %v\n%s", err, out)
	}
	for _, bad := range [][]string{
		{"review", "approve", "--db", db, versions[0]},     // not Reviewing
		{"review", "approve", "--db", db, "no-such-image"}, // not a version
		{"review", "approve", "--db", db},                  // no id
		{"review", "list", "--db", db, "--status", "Bogus"},
		{"review", "frobnicate"},
	} {
		if out, err := runCmd(t, bad...); err == nil {
			t.Errorf("%q succeeded: %s", bad, out)
		}
	}
}
