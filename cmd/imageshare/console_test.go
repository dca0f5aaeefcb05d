package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// serve --demo prints the console's URLs (the operator's on the admin
// listener), and each answers with its sign-in page.
func TestServe_DemoPrintsConsole(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--listen", "127.0.0.1:0", "--db", db,
			"--admin-token", "tok", "--admin-listen", "127.0.0.1:0"}, &out, &logs)
	}()
	printed := regexp.MustCompile(`Web console: (http://\S+/console/) .*\nOperator console: (http://\S+/console/admin/) `)
	var m []string
	// Waits for the process's output line, as TestServe_LogFormatJSON does.
	for deadline := time.Now().Add(30 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		m = printed.FindStringSubmatch(out.String())
	}
	if m == nil {
		t.Fatalf("serve --demo printed no console URLs:\n%s\n%s", out.String(), logs.String())
	}
	if m[1] == strings.TrimSuffix(m[2], "admin/") {
		t.Errorf("the operator console %s is on the tenants' port, not the admin listener", m[2])
	}
	for _, u := range []string{m[1] + "login", m[2] + "login"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Sign in") {
			t.Errorf("%s: %d\n%s", u, resp.StatusCode, body)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
