package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCmd(t, args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func TestUserGroupPolicyCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "cli.db")
	mustRun(t, "account", "create", "--db", db, "--name", "a@example.com", "--id", "10001")

	var dev struct {
		ID         int64  `json:"id"`
		Name       string `json:"name"`
		Enabled    bool   `json:"enabled"`
		PublicKey  string `json:"public_key"`
		PrivateKey string `json:"private_key"`
	}
	out := mustRun(t, "user", "create", "--db", db, "--account", "10001", "--name", "dev", "--json")
	if err := json.Unmarshal([]byte(out), &dev); err != nil || dev.Name != "dev" || !dev.Enabled || dev.PublicKey == "" || dev.PrivateKey == "" {
		t.Fatalf("user create --json = %q (%v)", out, err)
	}
	if out, err := runCmd(t, "user", "create", "--db", db, "--account", "10001", "--name", "dev"); err == nil {
		t.Fatalf("a second user dev was created: %s", out)
	}
	if out := mustRun(t, "user", "key", "--db", db, "--account", "10001", "--name", "dev"); !strings.Contains(out, "private key:") {
		t.Fatalf("user key: %s", out)
	}

	doc := filepath.Join(dir, "read.json")
	if err := os.WriteFile(doc, []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "policy", "create", "--db", db, "--account", "10001", "--name", "ReadOnly", "--document", doc, "--description", "look, do not touch")
	mustRun(t, "policy", "create", "--db", db, "--account", "10001", "--name", "NoLoop", "--document",
		`{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"127.0.0.0/8"}}}]}`)
	if out, err := runCmd(t, "policy", "create", "--db", db, "--account", "10001", "--name", "Bad", "--document", `{"Version":"1","Statement":[]}`); err == nil || !strings.Contains(out+err.Error(), "at least one statement") {
		t.Fatalf("an invalid policy: %v %s", err, out)
	}
	mustRun(t, "group", "create", "--db", db, "--account", "10001", "--name", "readers")
	mustRun(t, "group", "add", "--db", db, "--account", "10001", "--group", "readers", "--user", "dev")
	mustRun(t, "policy", "attach", "--db", db, "--account", "10001", "--policy", "ReadOnly", "--group", "readers")
	mustRun(t, "policy", "attach", "--db", db, "--account", "10001", "--policy", "NoLoop", "--user", "dev")
	if out, err := runCmd(t, "policy", "attach", "--db", db, "--account", "10001", "--policy", "NoLoop", "--user", "dev", "--group", "readers"); err == nil {
		t.Fatalf("attach to a user and a group at once: %s", out)
	}
	out = mustRun(t, "policy", "list", "--db", db, "--account", "10001")
	if !strings.Contains(out, "Group:readers") || !strings.Contains(out, "User:dev") || !strings.Contains(out, "look, do not touch") {
		t.Fatalf("policy list:\n%s", out)
	}
	if out := mustRun(t, "group", "list", "--db", db, "--account", "10001"); !strings.Contains(out, "readers") || !strings.Contains(out, "dev") {
		t.Fatalf("group list:\n%s", out)
	}

	check := func(args ...string) string {
		return mustRun(t, append([]string{"policy", "check", "--db", db, "--user", "dev@10001"}, args...)...)
	}
	if out := check("--action", "ecs:DescribeImageSharePermission", "--resource", "acs:ecs:cn-hangzhou:10001:image/m-1", "--source-ip", "10.0.0.1"); !strings.HasPrefix(out, "ALLOW") || !strings.Contains(out, "policy ReadOnly, statement 0") {
		t.Fatalf("read from 10.0.0.1:\n%s", out)
	}
	if out := check("--action", "ecs:DescribeImageSharePermission", "--resource", "acs:ecs:cn-hangzhou:10001:image/m-1", "--source-ip", "127.0.0.1"); !strings.HasPrefix(out, "DENY (ExplicitDeny)") || !strings.Contains(out, "policy NoLoop, statement 0") {
		t.Fatalf("read from 127.0.0.1:\n%s", out)
	}
	if out := check("--action", "ecs:ModifyImageSharePermission", "--resource", "acs:ecs:cn-hangzhou:10001:image/m-1", "--source-ip", "10.0.0.1"); !strings.HasPrefix(out, "DENY (ImplicitDeny)") {
		t.Fatalf("modify:\n%s", out)
	}
	var res struct {
		Allowed bool   `json:"allowed"`
		Denial  string `json:"denial"`
		Policy  string `json:"policy"`
	}
	out = check("--action", "ecs:DescribeImages", "--resource", "acs:ecs:cn-hangzhou:10001:image/*", "--json")
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Allowed || res.Denial != "ExplicitDeny" || res.Policy != "NoLoop" {
		t.Fatalf("without --source-ip a Deny on the address holds: %s (%v)", out, err)
	}

	mustRun(t, "user", "disable", "--db", db, "--account", "10001", "--name", "dev")
	if out := mustRun(t, "user", "list", "--db", db, "--account", "10001"); !strings.Contains(out, "false") {
		t.Fatalf("user list after disable:\n%s", out)
	}
	if out := check("--action", "ecs:DescribeImages", "--resource", "*", "--source-ip", "10.0.0.1"); !strings.Contains(out, "disabled") {
		t.Fatalf("a disabled user:\n%s", out)
	}
	mustRun(t, "policy", "detach", "--db", db, "--account", "10001", "--policy", "NoLoop", "--user", "dev")
	if out, err := runCmd(t, "policy", "detach", "--db", db, "--account", "10001", "--policy", "NoLoop", "--user", "dev"); err == nil {
		t.Fatalf("detaching twice succeeded: %s", out)
	}
	for _, bad := range [][]string{
		{"policy", "check", "--db", db, "--user", "dev", "--action", "a:b", "--resource", "*"},                           // no account
		{"policy", "check", "--db", db, "--user", "dev@x", "--action", "a:b", "--resource", "*"},                         // bad account
		{"policy", "check", "--db", db, "--user", "dev@10001", "--action", "a:b", "--resource", "*", "--source-ip", "x"}, // bad address
		{"user", "create", "--db", db, "--account", "10001", "dev2"},                                                     // positional
		{"user", "list", "--db", db}, // no account
		{"policy", "frobnicate"},
	} {
		if out, err := runCmd(t, bad...); err == nil {
			t.Errorf("%v succeeded: %s", bad, out)
		}
	}
}
