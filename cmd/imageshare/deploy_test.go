package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The container files name commands and flags this binary has: the
// Containerfile's HEALTHCHECK and CMD, and each compose service's command
// and health check (a flag removed or renamed fails here, not in a
// deployment).
func TestContainerFilesNameRealCommands(t *testing.T) {
	containerfile, err := os.ReadFile("../../Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	execForms := regexp.MustCompile(`(?m)^\s*(?:CMD|ENTRYPOINT|HEALTHCHECK[^\[]*CMD) (\[.*\])\s*$`)
	var lines [][]string
	for _, m := range execForms.FindAllStringSubmatch(string(containerfile), -1) {
		var argv []string
		if err := json.Unmarshal([]byte(m[1]), &argv); err != nil {
			t.Fatalf("Containerfile %s: %v", m[0], err)
		}
		if argv[0] == "/usr/local/bin/imageshare" {
			argv = argv[1:]
		}
		lines = append(lines, argv)
	}
	if len(lines) != 3 {
		t.Fatalf("Containerfile: %d exec-form lines (ENTRYPOINT, CMD, HEALTHCHECK), want 3: %q", len(lines), lines)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	b, err := os.ReadFile("../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatal(err)
	}
	replicas := 0
	for name, svc := range compose.Services {
		if svc.Image != "localhost/imageshare:dev" {
			continue
		}
		replicas++
		if !strings.HasPrefix(svc.Environment["IMAGESHARE_DB"], "postgres://") {
			t.Errorf("compose %s: IMAGESHARE_DB %q, want the PostgreSQL service", name, svc.Environment["IMAGESHARE_DB"])
		}
		lines = append(lines, svc.Command)
		if test := svc.Healthcheck.Test; len(test) < 2 || test[0] != "CMD" || test[1] != "/usr/local/bin/imageshare" {
			t.Errorf("compose %s: health check %q, want the binary's healthcheck", name, test)
		} else {
			lines = append(lines, test[2:])
		}
	}
	if replicas != 2 {
		t.Errorf("compose: %d imageshare replicas, want 2", replicas)
	}
	for _, argv := range lines {
		if len(argv) == 0 {
			continue
		}
		// --help after the flags: cobra checks every flag, then prints
		// help instead of running.
		if out, errOut, err := cli(t, append(argv, "--help")...); err != nil || !strings.Contains(out, "Usage:") {
			t.Errorf("imageshare %q: %v\n%s", argv, err, errOut)
		}
	}
}

// The README's sub-user and policy commands work when pasted, policy
// document included (run on a fresh store; the README runs them on the
// demo server's, where account 10001 exists).
func TestReadmePolicyExampleWorks(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "**Sub-users and a policy.**")
	if start < 0 {
		t.Fatal("README has no sub-user example")
	}
	block := text[start:]
	block = block[strings.Index(block, "```sh\n")+6:]
	block = block[:strings.Index(block, "```")]
	block = strings.ReplaceAll(block, "\\\n", " ")
	t.Chdir("../..") // the README's commands run from the repository's root
	db := "sqlite:" + filepath.Join(t.TempDir(), "readme.db")
	if out, _, err := cli(t, "account", "create", "--db", db, "--name", "alice@example.com", "--id", "10001"); err != nil {
		t.Fatalf("account create: %v\n%s", err, out)
	}
	ran := 0
	var last string
	for _, line := range strings.Split(block, "\n") {
		line, _, _ = strings.Cut(line, "#")
		words := strings.Fields(line)
		if len(words) == 0 {
			continue
		}
		if words[0] != "./imageshare" {
			t.Fatalf("README example line %q does not run ./imageshare", line)
		}
		out, errOut, err := cli(t, append(words[1:], "--db", db)...)
		if err != nil {
			t.Fatalf("%s: %v\n%s%s", line, err, out, errOut)
		}
		last = out
		ran++
	}
	if ran != 4 || !strings.HasPrefix(last, "DENY (ImplicitDeny) ucompshare:ModifyCompShareImageShareAccount") {
		t.Fatalf("ran %d commands; the last printed %q", ran, last)
	}
}
