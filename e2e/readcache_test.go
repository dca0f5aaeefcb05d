package e2e

import (
	"context"
	"strconv"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// storeCalls reads the server's store call counts by method
// (imageshare_store_duration_seconds, counted above the read caches).
func storeCalls(t *testing.T, srv *apptest.Server) map[string]uint64 {
	mfs, err := srv.Main.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "imageshare_store_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "method" {
					out[l.GetValue()] = m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return out
}

// TestReadCache_HotReadsAnsweredFromCache: the benchmark's hot reads
// (the UCloud share list, which Alibaba's and Baidu's share listings
// share, and DescribeUserCommunityImages) call only store methods the
// read caches keep, and once warm, repeated requests are answered from
// them (docs/caching.md). A new store call on these paths fails this
// test until it is cached or the test says why not.
func TestReadCache_HotReadsAnsweredFromCache(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	other, _ := srv.Account(t, "")
	im := srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Type: imageshare.ImageCustom})
	cl := ucloudclient.New(srv.URL, key.PublicKey, key.PrivateKey, ucloudclient.WithRegion(ucRegion))
	ctx := context.Background()
	var mod ucloudclient.ModifyCompShareImageShareAccountResponse
	if err := cl.Call(ctx, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": im.ID, "AddAccounts": []int64{other.ID}}, &mod); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		action string
		params map[string]any
		read   string // the store read besides FindAccessKey
	}{
		{"DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.ID}, "FindImageShares"},
		{"DescribeUserCommunityImages", map[string]any{"TargetTopOrganizationId": strconv.FormatInt(owner.ID, 10)}, "FindVersionGroups"},
	} {
		call := func() {
			var out map[string]any
			if err := cl.Call(ctx, c.action, c.params, &out); err != nil {
				t.Fatalf("%s: %v", c.action, err)
			}
		}
		for range 3 { // warm: fill, then past the log rows of the setup's writes
			call()
		}
		before, st0 := storeCalls(t, srv), srv.Main.Cache.Stats()
		const n = 10
		for range n {
			call()
		}
		after, st1 := storeCalls(t, srv), srv.Main.Cache.Stats()
		for method, v := range after {
			want := uint64(0)
			if method == "FindAccessKey" || method == c.read {
				want = n
			}
			if got := v - before[method]; got != want {
				t.Errorf("%s x%d: %s called %d times, want %d", c.action, n, method, got, want)
			}
		}
		if hits, misses := st1.Hits-st0.Hits, st1.Misses-st0.Misses; hits != 2*n || misses != 0 {
			t.Errorf("%s x%d: %d cache hits, %d misses; want %d hits", c.action, n, hits, misses, 2*n)
		}
	}
}
