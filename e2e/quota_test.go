package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/dialect/ucloud"
)

// TestUCloud_AccountQuota (issue 17 finding 9): the per-account quotas
// reach a UCloud client as RetCode 335 from every action that creates or
// grows an image, and one account's quota leaves another's alone. (The
// Alibaba and Baidu dialects serve no action that creates or grows an
// image; their error tables' quota rows are tested in their packages.)
func TestUCloud_AccountQuota(t *testing.T) {
	srv := communityServer(t, nil, 0, func(c *app.Config) {
		c.Limits = core.Limits{MaxCustomImages: 2, MaxCommunityVersions: 1, MaxTextBytes: 200 << 10}
	})
	alice := newUCUser(t, srv)
	bob := newUCUser(t, srv)
	aliceInst := instance(t, srv, alice)
	bobInst := instance(t, srv, bob)

	first := makeImage(t, alice, aliceInst, "first")
	second := makeImage(t, alice, aliceInst, "second")
	wantQuota := func(action string, params map[string]any) {
		t.Helper()
		code, msg := ucFail(t, alice.C, action, params)
		if code != ucloud.CodeAccountQuota || !strings.Contains(msg, "at most") {
			t.Fatalf("%s over the quota: RetCode %d %q, want %d", action, code, msg, ucloud.CodeAccountQuota)
		}
	}
	wantQuota("CreateCompShareCustomImage", map[string]any{"UHostId": aliceInst, "Name": "third"})
	wantQuota("CopyCompShareCustomImage", map[string]any{"CompShareImageId": first, "TargetImageName": "copy"})
	makeImage(t, bob, bobInst, "bob's")

	// Text bytes: 64 KiB readme and cover on the first (128 KiB), a 64 KiB
	// readme on the second (192 KiB); its cover would make 256 KiB.
	kib64 := strings.Repeat("x", 64<<10)
	call(t, alice, "UpdateCompShareImage", map[string]any{"CompShareImageId": first, "Readme": kib64, "Cover": kib64}, nil)
	call(t, alice, "UpdateCompShareImage", map[string]any{"CompShareImageId": second, "Readme": kib64}, nil)
	wantQuota("UpdateCompShareImage", map[string]any{"CompShareImageId": second, "Cover": kib64})
	// Publishing the first would copy its 128 KiB of texts.
	wantQuota("PublishCompShareImage", map[string]any{"CompShareImageId": first, "Price": 0})

	// Versions: one fits, the second is over the quota.
	call(t, alice, "UpdateCompShareImage", map[string]any{"CompShareImageId": first, "Readme": "# short", "Cover": "https://example.com/c.png"}, nil)
	publish(t, alice, map[string]any{"CompShareImageId": first})
	wantQuota("PublishCompShareImage", map[string]any{"CompShareImageId": first, "Price": 0, "VersionName": "again"})
}

// TestUCloud_QuotaBoundsStoreGrowth measures what one key can add to the
// store with the default quotas (the figure in SECURITY.md): it fills an
// account with images carrying the largest readme and cover, then
// versions of them, until every create is refused. It sends about 300
// requests of 128 KiB, so it runs only with IMAGESHARE_QUOTA_FILL=1, on
// SQLite, where the store is a file to measure.
func TestUCloud_QuotaBoundsStoreGrowth(t *testing.T) {
	if os.Getenv("IMAGESHARE_QUOTA_FILL") == "" || apptest.StoreKind() != "sqlite" {
		t.Skip("set IMAGESHARE_QUOTA_FILL=1 (SQLite) to measure the store growth one key can cause")
	}
	path := filepath.Join(t.TempDir(), "imageshare.db")
	srv := communityServer(t, nil, 0, func(c *app.Config) { c.DB = "sqlite:" + path })
	u := newUCUser(t, srv)
	inst := instance(t, srv, u)
	before := storeBytes(t, path)
	readme, cover := strings.Repeat("r", 64<<10), strings.Repeat("c", 64<<10)
	var images []string
	var refused int
	for i := 0; refused == 0; i++ {
		var out struct{ CompShareImageId string }
		err := u.C.Call(t.Context(), "CreateCompShareCustomImage", map[string]any{"UHostId": inst, "Name": fmt.Sprintf("image %d", i)}, &out)
		if err != nil {
			refused++
			break
		}
		images = append(images, out.CompShareImageId)
		if err := u.C.Call(t.Context(), "UpdateCompShareImage", map[string]any{"CompShareImageId": out.CompShareImageId, "Readme": readme, "Cover": cover}, nil); err != nil {
			refused++
		}
	}
	versions := 0
	for _, id := range images {
		if err := u.C.Call(t.Context(), "PublishCompShareImage", map[string]any{"CompShareImageId": id, "Price": 0}, nil); err != nil {
			break
		}
		versions++
	}
	grown := storeBytes(t, path) - before
	t.Logf("one key: %d custom images, %d versions, store grew by %.1f MiB (quota of texts %d MiB)",
		len(images), versions, float64(grown)/(1<<20), core.DefaultLimits().MaxTextBytes>>20)
	if limit := 2 * core.DefaultLimits().MaxTextBytes; grown > limit {
		t.Fatalf("store grew by %d bytes, more than twice the text quota", grown)
	}
}

// storeBytes is the size of a SQLite store's files.
func storeBytes(t *testing.T, path string) int64 {
	t.Helper()
	var n int64
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if st, err := os.Stat(f); err == nil {
			n += st.Size()
		}
	}
	return n
}
