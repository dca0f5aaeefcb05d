package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/app/apptest"
)

// healthcheck exits 0 against a ready server and fails against one that
// is not ready or not there.
func TestHealthcheck(t *testing.T) {
	srv := apptest.Start(t)
	out, _, err := cli(t, "healthcheck", "--url", srv.URL)
	if err != nil || !strings.Contains(out, "ready: "+srv.URL+"/readyz") {
		t.Fatalf("healthcheck of a ready server: %v\n%s", err, out)
	}
	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			t.Errorf("healthcheck asked for %s", r.URL.Path)
		}
		http.Error(w, "store unreachable", http.StatusServiceUnavailable)
	}))
	defer notReady.Close()
	if _, _, err := cli(t, "healthcheck", "--url", notReady.URL); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("healthcheck of a server answering 503: %v", err)
	}
	gone := notReady.URL
	notReady.Close()
	if _, _, err := cli(t, "healthcheck", "--url", gone, "--timeout", "2s"); err == nil {
		t.Fatal("healthcheck of a closed port succeeded")
	}
}

func TestDefaultHealthURL(t *testing.T) {
	for listen, want := range map[string]string{
		"":               "http://127.0.0.1:8080",
		":9000":          "http://127.0.0.1:9000",
		"0.0.0.0:8080":   "http://127.0.0.1:8080",
		"10.0.0.5:8081":  "http://10.0.0.5:8081",
		"[::]:8080":      "http://127.0.0.1:8080",
		"localhost:8443": "http://localhost:8443",
	} {
		env := func(string) (string, bool) { return listen, listen != "" }
		if got := defaultHealthURL(env); got != want {
			t.Errorf("IMAGESHARE_LISTEN=%q: %s, want %s", listen, got, want)
		}
	}
}

// What cobra brings to every command: suggestions for a mistyped command
// or subcommand, flags after positionals, the flag package's -flag
// spelling, and an error printed once (by main, not by the library).
func TestCommandLineConventions(t *testing.T) {
	_, errOut, err := cli(t, "revew", "list")
	if err == nil || !strings.Contains(err.Error(), "Did you mean this?\n\treview") {
		t.Errorf("mistyped command: %v", err)
	}
	if errOut != "" {
		t.Errorf("the error was also printed: %q", errOut)
	}
	if _, _, err := cli(t, "review", "aprove", "x"); err == nil || !strings.Contains(err.Error(), "did you mean approve?") {
		t.Errorf("mistyped subcommand: %v", err)
	}
	if _, _, err := cli(t, "account", "list", "--jsn"); err == nil || !strings.Contains(err.Error(), "unknown flag: --jsn") {
		t.Errorf("unknown flag: %v", err)
	}
	db := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	// Flags after the positional (key disable has a positional only).
	if out, _, err := cli(t, "account", "create", "-db", db, "-name", "a@example.com", "-id", "7"); err != nil || !strings.Contains(out, "7") {
		t.Fatalf("account create with -flag spelling: %v\n%s", err, out)
	}
	out, _, err := cli(t, "key", "create", "--account", "7", "--db", db, "--json")
	if err != nil {
		t.Fatalf("key create: %v", err)
	}
	var key struct {
		PublicKey string `json:"public_key"`
	}
	if err := json.Unmarshal([]byte(out), &key); err != nil || key.PublicKey == "" {
		t.Fatalf("key create --json printed %q: %v", out, err)
	}
	if out, errOut, err := cli(t, "key", "disable", key.PublicKey, "--db", db); err != nil {
		t.Fatalf("key disable KEY --db: %v\n%s%s", err, out, errOut)
	}
	if _, _, err := cli(t, "key", "disable", "--db", db, "no-such-key"); err == nil {
		t.Fatal("disabling an unknown key succeeded")
	}
	// A bare group command fails with its help on stderr.
	_, errOut, err = cli(t, "share")
	if err == nil || !strings.Contains(errOut, "Available Commands:") {
		t.Errorf("bare share: %v\n%s", err, errOut)
	}
}

// Hooking a plain command function into the tree is one leafCmd line:
// its newFlagSet flags become the command's (given ones reach it in
// order, positionals after), and a function that makes its flag set
// otherwise still gets the words as typed.
func TestLeafCmdHooksPlainFunctions(t *testing.T) {
	var got []string
	withFlags := func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("reset", stderr)
		to := fs.String("to", "seed", "what to reset to")
		asJSON := fs.Bool("json", false, "print JSON")
		pos, err := parseArgs(fs, args[1:])
		if err != nil {
			return err
		}
		got = append([]string{args[0], *to, fmt.Sprint(*asJSON)}, pos...)
		return nil
	}
	root := newRoot(io.Discard, io.Discard)
	root.AddCommand(parentCmd("admin", "CI conveniences", leafCmd("reset NAME", withFlags, []string{"reset"}, "Reset", "  imageshare admin reset")))
	root.SetArgs([]string{"admin", "reset", "snap1", "--to", "empty", "--json"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"reset", "empty", "true", "snap1"}; !slices.Equal(got, want) {
		t.Errorf("the function got %q, want %q", got, want)
	}

	var raw []string
	ownFlags := func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := flag.NewFlagSet("fault", flag.ContinueOnError)
		n := fs.Int("n", 0, "calls")
		if err := fs.Parse(args); err != nil {
			return err
		}
		raw = append([]string{fmt.Sprint(*n)}, fs.Args()...)
		return nil
	}
	root = newRoot(io.Discard, io.Discard)
	root.AddCommand(leafCmd("fault", ownFlags, nil, "Inject a fault", "  imageshare fault -n 3 X"))
	root.SetArgs([]string{"fault", "-n", "3", "DescribeImages"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"3", "DescribeImages"}; !slices.Equal(raw, want) {
		t.Errorf("the function got %q, want %q", raw, want)
	}
}
