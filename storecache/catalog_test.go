package storecache_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/storetest"
)

// TestCatalogListingsStayCached: every publisher's listing
// (FindVersionGroups, what DescribeUserCommunityImages reads) of a catalog
// of 300 publishers is answered from the cache when read again with
// the default budget, and a version renamed through a second handle (the
// admin CLI's way, seen only through the log) shows in the next read.
// With one group for every listing, the listings shared one shard's
// budget (1/64 of the whole) and were evicted before being read again:
// the benchmark's DescribeUserCommunityImages missed on nearly every
// request.
func TestCatalogListingsStayCached(t *testing.T) {
	const publishers = 300
	path := filepath.Join(t.TempDir(), "catalog.db")
	c := wrap(t, openSQLite(t, path), 0)
	for p := 1; p <= publishers; p++ {
		must(t, c.CreateAccount(ctx, &imageshare.Account{ID: int64(p), Name: "p" + strconv.Itoa(p) + "@example.com", CreatedAt: at}))
		for v := range storetest.FuzzyVersionsPerPublisher {
			must(t, c.CreateImage(ctx, storetest.FuzzyVersion((p-1)*storetest.FuzzyVersionsPerPublisher+v, int64(p))))
		}
	}
	listing := func(p int) *imageshare.VersionGroupList {
		t.Helper()
		l, err := c.FindVersionGroups(ctx, imageshare.CommunityFilter{OrganizationID: int64(p), PublicOnly: true,
			Statuses: []imageshare.ImageStatus{imageshare.StatusAvailable}, Page: imageshare.Page{Limit: 20}})
		must(t, err)
		if l.Total == 0 {
			t.Fatalf("publisher %d: empty listing", p)
		}
		return l
	}
	for p := 1; p <= publishers; p++ {
		listing(p) // fill (a first read may also be dropped by the log check of the writes above)
		listing(p)
	}
	before := c.Stats().Hits
	for p := 1; p <= publishers; p++ {
		listing(p)
	}
	// Shards are chosen by a random hash seed, so a shard may now and then
	// draw more listings than its budget holds and evict one or two (0 of
	// 300 were hits before listings were groups of their own).
	if hits := c.Stats().Hits - before; hits < publishers*9/10 {
		t.Fatalf("%d of %d listings read again were cache hits; want nearly all", hits, publishers)
	}

	cli := openSQLite(t, path)
	defer cli.Close()
	renamed := "renamed-version"
	id := storetest.FuzzyVersion(0, 1).ID
	_, err := cli.UpdateImage(ctx, id, imageshare.ImageUpdate{Name: &renamed})
	must(t, err)
	found := false
	for _, g := range listing(1).Groups {
		for _, v := range g.Versions {
			found = found || (v.ID == id && v.Name == renamed)
		}
	}
	if !found {
		t.Fatalf("publisher 1's listing after the rename through another handle does not show it")
	}
}
