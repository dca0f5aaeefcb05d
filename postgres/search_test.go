package postgres

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
	"github.com/imageshare/imageshare/postgres/pgtest"
	"github.com/imageshare/imageshare/storetest"
)

// TestMigrateAsOrdinaryOwner runs the migrations as docs/postgres.md
// prepares the database: an ordinary role (no superuser) owning a fresh
// database without pg_trgm. Migration 014 must create the trusted
// extension itself and index the search with it.
func TestMigrateAsOrdinaryOwner(t *testing.T) {
	pgtest.SkipUnlessConfigured(t)
	ctx := context.Background()
	server := pgtest.ServerDSN()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	role, db := "imageshare_owner_"+suffix, "imageshare_owned_"+suffix
	for _, q := range []string{
		`CREATE ROLE ` + role + ` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`,
		`CREATE DATABASE ` + db + ` OWNER ` + role,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(ctx, `DROP DATABASE IF EXISTS `+db+` WITH (FORCE)`)
		_, _ = admin.Exec(ctx, `DROP ROLE IF EXISTS `+role)
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.User, u.Path = url.User(role), "/"+db
	s, err := Open(ctx, u.String())
	if err != nil {
		t.Fatalf("open as %s: %v", role, err)
	}
	defer s.Close()
	var super bool
	var extOwner string
	if err := s.pool.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil || super {
		t.Fatalf("connected as a superuser (%v, %v)", super, err)
	}
	if err := s.pool.QueryRow(ctx, `SELECT r.rolname FROM pg_extension e JOIN pg_roles r ON r.oid = e.extowner WHERE e.extname = 'pg_trgm'`).Scan(&extOwner); err != nil {
		t.Fatalf("pg_trgm not installed by the migrations: %v", err)
	}
	if extOwner != role {
		t.Errorf("pg_trgm is owned by %s, want %s (created by the migration)", extOwner, role)
	}
	owner := &imageshare.Account{Name: "owner@example.com"}
	if err := s.CreateAccount(ctx, owner); err != nil {
		t.Fatal(err)
	}
	fillImages(t, s, 50, func(i int) *imageshare.Image { return storetest.FuzzyVersion(i, owner.ID) })
	// (Which index a 50-row catalog is read through is the planner's
	// choice; TestFuzzySearchPlan checks the plan on a larger one.)
	for _, index := range []string{"images_community_name_trgm", "images_community_author_trgm"} {
		var def string
		if err := s.pool.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE indexname = $1`, index).Scan(&def); err != nil {
			t.Fatalf("index %s: %v", index, err)
		}
		if !strings.Contains(def, "gin_trgm_ops") {
			t.Errorf("index %s = %s, want a gin_trgm_ops index", index, def)
		}
	}
	_, n, err := s.FindCommunityImages(ctx, imageshare.CommunityFilter{Name: storetest.FuzzyQuery(3)})
	if err != nil || n != storetest.FuzzyVersionsPerPublisher {
		t.Errorf("search found %d versions (%v), want %d", n, err, storetest.FuzzyVersionsPerPublisher)
	}
}

// TestFuzzySearchPlan checks the statements a public catalog search runs
// (its count and its page, newest first, 20 a page) on an analyzed catalog
// of the benchmark's shape: both read the matches through the pg_trgm
// indexes, asking them for the query's rare trigrams only (three-character
// patterns, not the whole query with its common trigrams), and not the
// catalog in published order. Every search answers as LIKE over all of
// its trigrams does.
func TestFuzzySearchPlan(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	owner := &imageshare.Account{Name: "owner@example.com"}
	if err := s.CreateAccount(ctx, owner); err != nil {
		t.Fatal(err)
	}
	const versions = 5000
	fillImages(t, s, versions, func(i int) *imageshare.Image { return storetest.FuzzyVersion(i, owner.ID) })
	pub := func(f imageshare.CommunityFilter) imageshare.CommunityFilter {
		f.Region, f.Statuses, f.PublicOnly = "cn-wlcb", []imageshare.ImageStatus{imageshare.StatusAvailable}, true
		return f
	}
	for _, f := range []imageshare.CommunityFilter{
		pub(imageshare.CommunityFilter{Name: storetest.FuzzyQuery(123)}),
		pub(imageshare.CommunityFilter{Fuzzy: strings.ToUpper(storetest.FuzzyQuery(77))}),
	} {
		var args argList
		where := communityWhere(f, &args, s.keyFreqs(ctx, f))
		for what, q := range map[string]string{
			"Count": `SELECT count(*) FROM images` + where,
			"Page":  `SELECT ` + imageColumns + ` FROM images` + where + sqlstore.VersionOrder(f.Sort) + ` LIMIT 20 OFFSET 0`,
		} {
			plan := explain(t, s, q, args...)
			if !strings.Contains(plan, "images_community_name_trgm") || strings.Contains(plan, "Seq Scan") ||
				strings.Contains(plan, "Index Scan using images_community ") || strings.Contains(plan, "Index Scan Backward") {
				t.Errorf("%+v %s: not read through the trigram index:\n%s", f, what, plan)
			}
			if f.Fuzzy != "" && !strings.Contains(plan, "images_community_author_trgm") {
				t.Errorf("%+v %s: author not read through its trigram index:\n%s", f, what, plan)
			}
			for _, line := range strings.Split(plan, "\n") {
				if strings.Contains(line, "Index Cond") && strings.Contains(line, "-") {
					t.Errorf("%+v %s: the index is asked for the whole query, common trigrams too: %s", f, what, line)
				}
			}
			if !strings.Contains(plan, "strpos") {
				t.Errorf("%+v %s: the whole query is not checked:\n%s", f, what, plan)
			}
		}
		_, n, err := s.FindCommunityImages(ctx, f)
		if err != nil || n != storetest.FuzzyVersionsPerPublisher {
			t.Errorf("%+v found %d versions (%v), want %d", f, n, err, storetest.FuzzyVersionsPerPublisher)
		}
	}
	// Answers equal LIKE over every trigram, rare trigrams or not.
	for _, f := range []imageshare.CommunityFilter{
		{Name: storetest.FuzzyQuery(5)}, {Name: "chat"}, {Name: "Llama-chat"}, {Name: "diffusion-lora"}, {Fuzzy: "publisher-12"},
		{Fuzzy: "her-3"}, {Name: "a-b"}, {Name: "xyz"}, {Name: "ChatGLM-base-" + storetest.FuzzyQuery(8)[5:]}, {Fuzzy: storetest.FuzzyQuery(300)},
	} {
		f.Page = imageshare.Page{Limit: versions}
		got, n, err := s.FindCommunityImages(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var args argList
		where := communityWhere(f, &args, nil)
		var want int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM images`+where, args...).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if n != want || len(got) != want {
			t.Errorf("%+v: found %d (total %d), LIKE over every trigram %d", f, len(got), n, want)
		}
	}
}

// BenchmarkFuzzySearch compares one fuzzy search on a small and a large
// catalog of the benchmark's shape (1k and 200k versions by default;
// IMAGESHARE_BENCH_FUZZY_SIZES=small,large changes them), each in its own
// schema, alternating between the two. It reports each size's mean and
// p99 and their ratios (the SQLite store's benchmark reports the same).
// Loading 200k versions takes a few minutes.
func BenchmarkFuzzySearch(b *testing.B) {
	pgtest.SkipUnlessConfigured(b)
	small, large := 1000, 200_000
	if v := os.Getenv("IMAGESHARE_BENCH_FUZZY_SIZES"); v != "" {
		if parts := strings.Split(v, ","); len(parts) == 2 {
			small, _ = strconv.Atoi(parts[0])
			large, _ = strconv.Atoi(parts[1])
		}
	}
	sizes := []int{small, large}
	ctx := context.Background()
	var stores []*Store
	for _, n := range sizes {
		s, err := Open(ctx, pgtest.NewSchema(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		owner := &imageshare.Account{Name: "owner@example.com"}
		if err := s.CreateAccount(ctx, owner); err != nil {
			b.Fatal(err)
		}
		for start := 0; start < n; start += 10000 {
			err := s.inTx(ctx, "bench.fill", writeTx, func(tx pgx.Tx) error {
				for c := start; c < min(n, start+10000); c++ {
					if err := insertImage(ctx, tx, storetest.FuzzyVersion(c, owner.ID)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.pool.Exec(ctx, `VACUUM ANALYZE images`); err != nil {
			b.Fatal(err)
		}
		stores = append(stores, s)
	}
	times := [2][]time.Duration{}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for k, s := range stores {
			p := (i * 7919) % (sizes[k] / storetest.FuzzyVersionsPerPublisher)
			start := time.Now()
			_, n, err := s.FindCommunityImages(ctx, imageshare.CommunityFilter{Name: storetest.FuzzyQuery(p), Region: "cn-wlcb",
				Statuses: []imageshare.ImageStatus{imageshare.StatusAvailable}, PublicOnly: true, Page: imageshare.Page{Limit: 20}})
			times[k] = append(times[k], time.Since(start))
			if err != nil || n != storetest.FuzzyVersionsPerPublisher {
				b.Fatalf("search %q on %d versions: %d found, %v", storetest.FuzzyQuery(p), sizes[k], n, err)
			}
		}
	}
	b.StopTimer()
	var mean, p99 [2]float64
	for k := range times {
		ts := times[k]
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		var sum time.Duration
		for _, d := range ts {
			sum += d
		}
		mean[k] = float64(sum.Microseconds()) / float64(len(ts))
		p99[k] = float64(ts[min(len(ts)-1, len(ts)*99/100)].Microseconds())
		b.ReportMetric(mean[k], fmt.Sprintf("µs-mean-%d", sizes[k]))
		b.ReportMetric(p99[k], fmt.Sprintf("µs-p99-%d", sizes[k]))
	}
	b.ReportMetric(mean[1]/mean[0], "mean-ratio")
	b.ReportMetric(p99[1]/p99[0], "p99-ratio")
}
