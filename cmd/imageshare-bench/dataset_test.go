package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/sqlite"
)

// TestDatasetMatchesWhatTheLoadAssumes generates a small dataset and checks
// through the store the facts the load generator relies on without reading
// the store: each image's owner and key, its share list (never the owner,
// never an account the modify scenario adds), and the catalog queries'
// answers.
func TestDatasetMatchesWhatTheLoadAssumes(t *testing.T) {
	ctx := context.Background()
	spec := Spec{Name: "test", Images: 60, Accounts: 1000, Shares: 600, Community: 40}
	if err := spec.validate(); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	db, m, err := ensureDataset(ctx, root, spec, newProgressReporter(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if m.Spec != spec || m.Bytes == 0 {
		t.Fatalf("manifest %+v", m)
	}
	// A second call reuses the finished dataset.
	start := time.Now()
	if db2, _, err := ensureDataset(ctx, root, spec, newProgressReporter(io.Discard)); err != nil || db2 != db || time.Since(start) > time.Second {
		t.Fatalf("reuse: %s, %v after %v", db2, err, time.Since(start))
	}

	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conns := maxModifyWorkers(spec)
	if conns < 64 {
		t.Fatalf("the test dataset allows only %d modify workers", conns)
	}
	for i := range spec.Images {
		im, err := st.FindImageByID(ctx, imageID(i))
		if err != nil {
			t.Fatal(err)
		}
		owner := imageOwner(spec, i)
		k, err := st.FindAccessKey(ctx, publicKey(owner))
		if err != nil || im.OwnerID != owner || k.AccountID != owner || k.PrivateKey != privateKey(owner) {
			t.Fatalf("image %d: owner %d, key %+v (%v); want owner %d", i, im.OwnerID, k, err, owner)
		}
		shares, total, err := st.ListShares(ctx, im.ID, imageshare.Page{})
		if err != nil || total != spec.Shares/spec.Images {
			t.Fatalf("image %d has %d shares (%v), want %d", i, total, err, spec.Shares/spec.Images)
		}
		for _, sh := range shares {
			if sh.AccountID == owner {
				t.Fatalf("image %d is shared with its owner", i)
			}
			for w := range conns {
				if sh.AccountID == accountID((i%spec.Accounts+2+w)%spec.Accounts) {
					t.Fatalf("image %d is shared with %d, which modify worker %d adds and removes", i, sh.AccountID, w)
				}
			}
		}
	}
	publishers := spec.Community / versionsPerPublisher
	for p := range publishers {
		found, n, err := st.FindCommunityImages(ctx, imageshare.CommunityFilter{Region: benchRegion, Name: fuzzyQuery(p),
			Statuses: []imageshare.ImageStatus{imageshare.StatusAvailable}, PublicOnly: true})
		if err != nil || n != versionsPerPublisher {
			t.Fatalf("fuzzy query %q found %d versions (%v), want %d", fuzzyQuery(p), n, err, versionsPerPublisher)
		}
		for _, v := range found {
			if v.OwnerID != versionOwner(spec, p*versionsPerPublisher) {
				t.Fatalf("query %q found %s of publisher %d", fuzzyQuery(p), v.ID, v.OwnerID)
			}
		}
		groups, err := st.FindVersionGroups(ctx, imageshare.CommunityFilter{Region: benchRegion,
			OrganizationID: versionOwner(spec, p*versionsPerPublisher), PublicOnly: true})
		if err != nil || groups.Total != versionsPerPublisher/versionsPerGroup {
			t.Fatalf("publisher %d has %+v groups (%v)", p, groups, err)
		}
	}
}

func TestSizeSpec(t *testing.T) {
	for in, want := range map[string]Spec{
		"1k": {Name: "1k", Images: 1000, Accounts: 1000, Shares: 10000, Community: 1000},
		"1M": {Name: "1M", Images: 1_000_000, Accounts: 100_000, Shares: 10_000_000, Community: 1_000_000},
	} {
		got, err := sizeSpec(in)
		if err != nil || got != want {
			t.Errorf("sizeSpec(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "2M", "x"} {
		if _, err := sizeSpec(bad); err == nil {
			t.Errorf("sizeSpec(%q) accepted", bad)
		}
	}
	seen := map[string]bool{}
	for n := range 200_000 {
		w := word(n)
		if seen[w] {
			t.Fatalf("word(%d) = %q repeats", n, w)
		}
		seen[w] = true
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	if percentile(d, 0.5) != 50 || percentile(d, 0.99) != 99 || percentile(d, 1) != 100 || percentile(d[:1], 0.99) != 1 {
		t.Fatal("nearest-rank percentiles are off")
	}
}
