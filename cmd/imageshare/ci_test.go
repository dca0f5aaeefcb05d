package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// imageshare ci against a real server's admin API: a fault added is
// listed, a snapshot saved is listed, a reset clears the faults; a wrong
// token is refused with the server's message.
func TestCICommands(t *testing.T) {
	srv := apptest.Start(t, func(c *app.Config) { c.Demo, c.AdminToken = true, "cli-token" })
	t.Setenv("IMAGESHARE_ADMIN_URL", srv.URL)
	t.Setenv("IMAGESHARE_ADMIN_TOKEN", "cli-token")
	ci := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"ci"}, args...), &out, &errOut)
		return out.String(), err
	}
	must := func(want string, args ...string) {
		t.Helper()
		out, err := ci(args...)
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("ci %v: %q, %v; want %q in the output", args, out, err, want)
		}
	}
	must(`"code":"Throttling"`, "fault", "add", "--dialect", "aliyun", "--action", "DescribeImages", "--code", "Throttling", "--count", "2", "--delay", "10ms")
	must(`"delay":"10ms"`, "fault", "ls")
	must(`"name":"ci@example.com"`, "account", "create", "--name", "ci@example.com")
	must(`"public_key"`, "key", "create", "--account", "10001")
	must(`"name":"base"`, "snapshot", "save", "base")
	must(`"name":"base"`, "snapshot", "ls")
	must(`"reset":"seed"`, "reset")
	must(`{"faults":[]}`, "fault", "ls")
	must(`"name":"base"`, "snapshot", "restore", "base")
	if _, err := ci("fault", "add", "--dialect", "aliyun", "--action", "NoSuchAction", "--code", "X"); err == nil || !strings.Contains(err.Error(), "400 invalid") {
		t.Fatalf("an unknown action: %v, want the server's 400", err)
	}
	t.Setenv("IMAGESHARE_ADMIN_TOKEN", "wrong")
	if _, err := ci("reset"); err == nil || !strings.Contains(err.Error(), "401 unauthenticated") {
		t.Fatalf("a wrong token: %v, want the server's 401", err)
	}
	if _, err := ci("frobnicate"); err == nil {
		t.Fatal("an unknown subcommand was accepted")
	}
}
