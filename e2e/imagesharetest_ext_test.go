package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// imagesharetest is used from another module, as a user's test suite
// would use it: imagesharetest/testdata/exttest (its own go.mod, requiring
// imageshare through a replace) is copied to a temporary directory, its
// replace pointed at this checkout, and `go test` run there, offline
// (GOPROXY=off: everything it needs is in the module cache; go.sum lists
// it, with the main module's sums added, and -mod=mod lets the copy's
// go.mod follow the main module's requirements). Its test starts a server, calls it with the UCloud SDK, sees an
// injected fault as a RetCodeError and resets.
func TestImagesharetestFromExternalModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds another module")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "imagesharetest", "testdata", "exttest")
	dir := t.TempDir()
	for _, name := range []string{"go.mod", "go.sum", "ext_test.go"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "go.mod" {
			old := "replace github.com/imageshare/imageshare => ../../.."
			if !strings.Contains(string(b), old) {
				t.Fatalf("exttest/go.mod lacks %q", old)
			}
			b = []byte(strings.Replace(string(b), old, "replace github.com/imageshare/imageshare => "+root, 1))
		}
		if name == "go.sum" {
			// The main module's sums too: when its requirements move
			// (a dependency upgraded), the copy still verifies offline.
			main, err := os.ReadFile(filepath.Join(root, "go.sum"))
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, main...)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(goBin, "test", "-count=1", "-v", "./...")
	cmd.Dir = dir
	// The module proxy as the environment sets it, as a user's module
	// would have it: the external module's graph (its go.sum) names a few
	// modules the main module never downloads (logrus's Windows terminal
	// support), which a fresh module cache lacks. .ci/run downloads them
	// up front.
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test in the external module: %v\n%s", err, out)
	}
	for _, want := range []string{"--- PASS: TestFromAnotherModule", "exttest: served from another module"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("go test output lacks %q:\n%s", want, out)
		}
	}
}
