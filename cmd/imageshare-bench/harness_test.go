package main

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/sqlite"
)

func TestParseFlags_StoresReplicasBaseline(t *testing.T) {
	o, err := parseFlags([]string{"-store", "sqlite,postgres", "-pg-replicas", "1,2", "-baseline", "HEAD~3", "-scenarios", "Describe"})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, tg := range o.targets() {
		got = append(got, tg.store+"×"+string(rune('0'+tg.replicas)))
	}
	if strings.Join(got, ",") != "sqlite×1,postgres×1,postgres×2" {
		t.Errorf("targets %v", got)
	}
	if o.BaselineScenarios != "Describe" || o.BaselineRounds != 2 {
		t.Errorf("baseline scenarios %q rounds %d; want -scenarios' and 2", o.BaselineScenarios, o.BaselineRounds)
	}
	for _, bad := range [][]string{
		{"-store", "mysql"},
		{"-pg-replicas", "0"},
		{"-baseline", "HEAD", "-baseline-bin", "/bin/true"},
		{"-baseline-rounds", "0"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
	if o, err := parseFlags(nil); err != nil || len(o.Stores) != 1 || o.Stores[0] != "sqlite" {
		t.Errorf("default stores %v (%v); want sqlite alone", o.Stores, err)
	}
}

// With several servers, each worker keeps to one of them and the
// workers spread evenly: two servers, four workers, two connections each.
func TestLoadSpreadsOverReplicas(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]map[string]bool{} // server -> client addresses
	var addrs []string
	for range 2 {
		srv := httptest.NewUnstartedServer(nil)
		name := ""
		srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			conns[name][r.RemoteAddr] = true
			mu.Unlock()
			_, _ = io.WriteString(w, "{}")
		})
		srv.Start()
		t.Cleanup(srv.Close)
		name = srv.Listener.Addr().String()
		conns[name] = map[string]bool{}
		addrs = append(addrs, name)
	}
	makers := func(w int) requestFunc {
		host := addrs[w%len(addrs)]
		return func(*rand.Rand) ([]byte, error) {
			return []byte("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n"), nil
		}
	}
	res, err := runLoad(context.Background(), loadConfig{Addrs: addrs, Conns: 4, Duration: 100 * time.Millisecond}, makers, httpOK)
	if err != nil || res.Errors > 0 || res.Requests == 0 {
		t.Fatalf("load: %+v, %v", res, err)
	}
	for _, a := range addrs {
		if n := len(conns[a]); n != 2 {
			t.Errorf("server %s got %d connections, want 2", a, n)
		}
	}
}

// A synthetic run: the targets table reads the ratios, the p99 growth and
// the RSS of the smallest and largest dataset of each store.
func TestTargetsTable(t *testing.T) {
	m := func(conns int, rps, p99 float64) *measurement {
		return &measurement{loadResult: loadResult{Conns: conns, RPS: rps, P99: p99}}
	}
	size := func(name string, hot, hotP99, bare float64, rss float64) *sizeReport {
		return &sizeReport{Spec: Spec{Name: name}, Dataset: &manifest{}, RSSPeakMB: rss, Scenarios: []*scenarioReport{
			{Name: "DescribeCompShareImageShareAccounts", Imageshare: []*measurement{m(16, hot, hotP99)}, Bare: []*measurement{m(16, bare, 1)}},
			{Name: "ModifyCompShareImageShareAccount", Write: true, Imageshare: []*measurement{m(16, 900, 10)}},
			{Name: "DescribeCommunityImages", Imageshare: []*measurement{m(16, 500, 30)}, Bare: []*measurement{m(16, 1000, 1)}},
		}}
	}
	r := &report{Options: settings{FixedConns: 16}, Commits: &commitResult{PerSec: 1000},
		Sizes: []*sizeReport{size("1k", 6500, 4, 10000, 60), size("1M", 4000, 8, 10000, 200)}}
	r.Machine.LoadBefore, r.Machine.LoadAfter = "1.00 1.00 1.00", "2.00 2.00 2.00"
	md := r.markdown()
	for _, want := range []string{
		"| UCloud hot read, Baidu sharedUsers: DescribeCompShareImageShareAccounts | 65% (≥ 60%) | 40% (≥ 50%) | **no** |",
		"| ModifyCompShareImageShareAccount (of raw durable commits): ModifyCompShareImageShareAccount | 90% (≥ 100%) | 90% (≥ 80%) | **no** |",
		"| DescribeUserCommunityImages, fuzzy DescribeCommunityImages: DescribeCommunityImages | 50% (≥ 30%) | 50% (≥ 25%) | yes |",
		"| fuzzy DescribeCommunityImages p99 ≤ 20 ms | – | 30.0 ms | **no** |",
		"worst 2.00×: DescribeCompShareImageShareAccounts 2.00×",
		"| peak RSS ≤ 150 MB | 60.0 MB | 200.0 MB | **no** |",
		"1.00 1.00 1.00 at the start of the run, 2.00 2.00 2.00 at its end",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(md)
	}
}

// The baseline's copy of a dataset says which migrations it carries that
// the baseline's source does not know.
func TestBaselineCopyNamesUnknownMigrations(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "imageshare.db")
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	cp := filepath.Join(dir, "baseline.db")
	if err := copyDB(db, cp); err != nil {
		t.Fatal(err)
	}
	b := &baselineSetup{known: map[int]bool{1: true, 2: true}}
	note := b.unknownMigrations(cp)
	if !strings.Contains(note, "004") || strings.Contains(note, "001") {
		t.Errorf("note %q; want the migrations after 002 and not 001", note)
	}
	b.known = map[int]bool{}
	for v := 1; v < 100; v++ {
		b.known[v] = true
	}
	if note := b.unknownMigrations(cp); note != "" {
		t.Errorf("a baseline knowing every migration got note %q", note)
	}
}

// TestPostgresDataset copies a small dataset into PostgreSQL as the
// PostgreSQL runs do and checks through the PostgreSQL store what the
// load generator relies on; a second call reuses it. It needs
// IMAGESHARE_TEST_POSTGRES_DSN (scripts/with-postgres.sh).
func TestPostgresDataset(t *testing.T) {
	dsn := os.Getenv("IMAGESHARE_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("IMAGESHARE_TEST_POSTGRES_DSN is not set (run under scripts/with-postgres.sh)")
	}
	ctx := context.Background()
	spec := Spec{Name: "pgtest", Images: 30, Accounts: 1000, Shares: 300, Community: 20}
	db, _, err := ensureDataset(ctx, t.TempDir(), spec, newProgressReporter(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	o := &options{PGDSN: dsn}
	pg, err := startPostgres(ctx, o, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	target, load, err := pg.ensureDataset(ctx, spec, db, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if load.Reused || !load.NoFKChecks || load.Rows < int64(spec.Images+spec.Shares+spec.Community+2*spec.Accounts) {
		t.Fatalf("load %+v", load)
	}
	st, err := postgres.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range spec.Images {
		owner := imageOwner(spec, i)
		im, err := st.FindImageByID(ctx, imageID(i))
		if err != nil || im.OwnerID != owner {
			t.Fatalf("image %d: %+v, %v", i, im, err)
		}
		k, err := st.FindAccessKey(ctx, publicKey(owner))
		if err != nil || k.PrivateKey != privateKey(owner) || !k.Enabled {
			t.Fatalf("key of %d: %+v, %v", owner, k, err)
		}
		if _, total, err := st.ListShares(ctx, im.ID, imageshare.Page{}); err != nil || total != spec.Shares/spec.Images {
			t.Fatalf("image %d has %d shares (%v)", i, total, err)
		}
	}
	again, load2, err := pg.ensureDataset(ctx, spec, db, t.Logf)
	if err != nil || again != target || !load2.Reused {
		t.Fatalf("second load: %s %+v %v; want the first reused", again, load2, err)
	}
}
