package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestAccountAndKeyCommands(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	out, err := runCmd(t, "account", "create", "--db", db, "--name", "dev@example.com", "--id", "42", "--json")
	if err != nil {
		t.Fatalf("account create: %v\n%s", err, out)
	}
	var created struct {
		ID             int64  `json:"id"`
		OrganizationID int64  `json:"organization_id"`
		PublicKey      string `json:"public_key"`
		PrivateKey     string `json:"private_key"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("account create --json printed %q: %v", out, err)
	}
	if created.ID != 42 || created.OrganizationID != 42 || created.PublicKey == "" || created.PrivateKey == "" {
		t.Fatalf("account create: got %+v", created)
	}
	if out, err := runCmd(t, "account", "create", "--db", db, "--name", "dev@example.com"); err == nil {
		t.Fatalf("duplicate account name accepted: %s", out)
	}
	out, err = runCmd(t, "account", "list", "--db", db)
	if err != nil || !strings.Contains(out, "dev@example.com") || !strings.Contains(out, "42") {
		t.Fatalf("account list: %v\n%s", err, out)
	}
	out, err = runCmd(t, "key", "create", "--db", db, "--account", "42")
	if err != nil || !strings.Contains(out, "private key:") {
		t.Fatalf("key create: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "key", "create", "--db", db, "--account", "999"); err == nil {
		t.Fatalf("key for a missing account accepted: %s", out)
	}
	if out, err := runCmd(t, "key", "disable", "--db", db, created.PublicKey); err != nil {
		t.Fatalf("key disable: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "key", "disable", "--db", db, "no-such-key"); err == nil {
		t.Fatalf("disabling an unknown key succeeded: %s", out)
	}
	if _, err := runCmd(t, "bogus"); err == nil {
		t.Fatal("unknown command accepted")
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeDemo_PrintedCallsWork is the newcomer's path: serve --demo,
// paste the printed calls, see the share in bob's sharing list; then
// SIGTERM-equivalent shutdown returns cleanly.
func TestServeDemo_PrintedCallsWork(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--listen", "127.0.0.1:0", "--db", db}, &out, io.Discard)
	}()

	bodies := regexp.MustCompile(`curl -s (\S+)/ -d '([^']+)'`)
	var calls [][]string
	deadline := time.Now().Add(20 * time.Second)
	for len(calls) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		calls = bodies.FindAllStringSubmatch(out.String(), -1)
	}
	if len(calls) < 3 {
		cancel()
		t.Fatalf("serve --demo printed no example calls:\n%s", out.String())
	}
	var last string
	for _, c := range calls {
		resp, err := http.Post(c[1]+"/", "application/x-www-form-urlencoded", strings.NewReader(c[2]))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `"RetCode":0`) {
			t.Fatalf("demo call %s answered %s", c[2], b)
		}
		last = string(b)
	}
	if !strings.Contains(last, "compshareImage-alice-llama") || !strings.Contains(last, "alice@example.com") {
		t.Fatalf("bob's sharing list lacks alice's image: %s", last)
	}
	// The demo's community catalog, as the README's first steps list it.
	isolateEnv(t)
	t.Setenv("IMAGESHARE_URL", calls[0][1])
	t.Setenv("IMAGESHARE_PUBLIC_KEY", "demo-carol-public")
	t.Setenv("IMAGESHARE_PRIVATE_KEY", "demo-carol-private")
	catalog, errOut, err := cli(t, "community", "ls")
	if err != nil || !strings.Contains(catalog, "llama3-finetune-kit") || !strings.Contains(catalog, "whisper-large-api") {
		t.Fatalf("community ls after serve --demo: %v\n%s%s", err, catalog, errOut)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after the signal")
	}
}
