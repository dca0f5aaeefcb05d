package e2e

import (
	"log/slog"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// chattr sets or clears a file attribute, skipping the test where that
// cannot be done (not root, or a filesystem without the attribute).
func chattr(t *testing.T, flag string, paths ...string) {
	t.Helper()
	out, err := exec.Command("chattr", append([]string{flag}, paths...)...).CombinedOutput()
	if err != nil {
		t.Skipf("chattr %s: %v %s (needs root and a filesystem with the immutable attribute)", flag, err, out)
	}
}

// TestAliyun_StoreThatCannotWrite (issue 17 finding 9): every Alibaba call
// records its signature nonce, so on a store that cannot write (a full
// disk, an immutable or read-only file) no Alibaba call can be served. It
// must answer Alibaba's 503 ServiceUnavailable, which says to try again,
// and log that the store cannot write: never a bare 500 InternalError,
// and never a success whose nonce was not recorded (a replay would then
// pass). Once the store writes again, calls succeed again.
func TestAliyun_StoreThatCannotWrite(t *testing.T) {
	if apptest.StoreKind() != "sqlite" {
		t.Skip("an immutable file is a SQLite store's way of not writing")
	}
	path := filepath.Join(t.TempDir(), "imageshare.db")
	logs := &syncBuffer{}
	srv := apptest.Start(t, func(c *app.Config) {
		c.DB = "sqlite:" + path
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	owner, key := srv.Account(t, "owner@example.com")
	im := customImage(t, srv, owner, aliyunRegion)
	c := aliyunClient(t, srv, key)
	c.GetConfig().AutoRetry = false
	_, err := describeShares(c, im.ID, 1, 10)
	mustOK(t, err)

	files := []string{path, path + "-wal"}
	chattr(t, "+i", files...)
	t.Cleanup(func() { exec.Command("chattr", append([]string{"-i"}, files...)...).Run() })
	for range 3 {
		_, err = describeShares(c, im.ID, 1, 10)
		se := wantAliyunError(t, err, "ServiceUnavailable", http.StatusServiceUnavailable)
		if want := "The request has failed due to a temporary failure of the server."; se.Message() != want {
			t.Fatalf("message %q, want %q", se.Message(), want)
		}
	}
	if !strings.Contains(logs.String(), "cannot write") {
		t.Fatalf("no log line says the store cannot write:\n%s", logs.String())
	}

	chattr(t, "-i", files...)
	_, err = describeShares(c, im.ID, 1, 10)
	mustOK(t, err)
}
