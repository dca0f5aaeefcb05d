package storecache_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/postgres/pgtest"
	"github.com/imageshare/imageshare/sqlite"
)

const (
	benchAccounts = 1000
	benchImages   = 2000
	benchShares   = 10 // per image
)

// benchStore loads a SQLite file with benchAccounts accounts (key PUBn),
// benchImages custom images (imgN of account N%benchAccounts+1), each
// shared with benchShares accounts.
func benchStore(b *testing.B) string {
	path := filepath.Join(b.TempDir(), "bench.db")
	s, err := sqlite.Open(ctx, path)
	must(b, err)
	defer s.Close()
	must(b, s.AddRegion(ctx, "cn-wlcb"))
	l := s.NewBulkLoader(0)
	for i := 1; i <= benchAccounts; i++ {
		must(b, l.Account(ctx, &imageshare.Account{ID: int64(i), Name: fmt.Sprintf("u%d@example.com", i), CreatedAt: at}))
		must(b, l.AccessKey(ctx, &imageshare.AccessKey{PublicKey: fmt.Sprintf("PUB%d", i), PrivateKey: "priv", AccountID: int64(i), Enabled: true, CreatedAt: at}))
	}
	for i := range benchImages {
		owner := int64(i%benchAccounts + 1)
		must(b, l.Image(ctx, &imageshare.Image{ID: fmt.Sprintf("img%d", i), Region: "cn-wlcb", OwnerID: owner, Type: imageshare.ImageCustom,
			Status: imageshare.StatusAvailable, Name: fmt.Sprintf("image %d", i), CreatedAt: at, Tags: []string{}}))
		for j := range benchShares {
			acc := (owner+int64(j))%benchAccounts + 1
			must(b, l.Share(ctx, &imageshare.Share{ImageID: fmt.Sprintf("img%d", i), AccountID: acc, SharedAt: at, SharedBy: owner}))
		}
	}
	must(b, l.Close(ctx))
	return path
}

// BenchmarkHotRead is the UCloud hot read's store work in process
// (DescribeCompShareImageShareAccounts: Authenticate, then the core's
// DescribeShares of a random image by its owner) over a real SQLite
// file, with the caches off and on, from 16 goroutines. The ratio of the
// two ns/op is the caches' gain on the store part of the request
// (docs/caching.md).
func BenchmarkHotRead(b *testing.B) {
	path := benchStore(b)
	runHotRead(b, func(b *testing.B) imageshare.Store {
		raw, err := sqlite.Open(ctx, path)
		must(b, err)
		return raw
	})
}

// BenchmarkHotReadPostgres is BenchmarkHotRead on PostgreSQL
// (scripts/with-postgres.sh), with a smaller dataset made through the
// store: every cached read there still costs one coalesced round trip.
func BenchmarkHotReadPostgres(b *testing.B) {
	pgtest.SkipUnlessConfigured(b)
	dsn := pgtest.NewSchema(b)
	st, err := postgres.Open(ctx, dsn)
	must(b, err)
	must(b, st.AddRegion(ctx, "cn-wlcb"))
	for i := 1; i <= benchAccounts; i++ {
		must(b, st.CreateAccount(ctx, &imageshare.Account{ID: int64(i), Name: fmt.Sprintf("u%d@example.com", i), CreatedAt: at}))
		must(b, st.CreateAccessKey(ctx, &imageshare.AccessKey{PublicKey: fmt.Sprintf("PUB%d", i), PrivateKey: "priv", AccountID: int64(i), Enabled: true, CreatedAt: at}))
	}
	for i := range benchImages {
		owner := int64(i%benchAccounts + 1)
		must(b, st.CreateImage(ctx, &imageshare.Image{ID: fmt.Sprintf("img%d", i), Region: "cn-wlcb", OwnerID: owner, Type: imageshare.ImageCustom,
			Status: imageshare.StatusAvailable, Name: fmt.Sprintf("image %d", i), CreatedAt: at, Tags: []string{}}))
		var add []int64
		for j := range benchShares {
			add = append(add, (owner+int64(j))%benchAccounts+1)
		}
		_, err := st.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: fmt.Sprintf("img%d", i), Add: add, By: owner, At: at})
		must(b, err)
	}
	st.Close()
	runHotRead(b, func(b *testing.B) imageshare.Store {
		s, err := postgres.Open(ctx, dsn)
		must(b, err)
		return s
	})
}

func runHotRead(b *testing.B, open func(b *testing.B) imageshare.Store) {
	// budget -1: off; 0: the default (every entry fits); 64 KiB: almost
	// every read misses, which measures what a miss costs over no cache
	// (a working set far above the budget, as 1M images read at random).
	for _, budget := range []int64{-1, 0, 64 << 10} {
		name := map[int64]string{-1: "cache=off", 0: "cache=on", 64 << 10: "cache=on,misses"}[budget]
		b.Run(name, func(b *testing.B) {
			raw := open(b)
			var st imageshare.Store = raw
			if budget >= 0 {
				c := wrap(b, raw, budget)
				b.Cleanup(func() { b.Logf("%+v", c.Stats()) })
				st = c
			} else {
				b.Cleanup(func() { raw.Close() })
			}
			svc := core.New(st, core.Config{})
			read := func(i int) error {
				k, err := svc.Authenticate(ctx, fmt.Sprintf("PUB%d", i%benchAccounts+1))
				if err != nil {
					return err
				}
				l, err := svc.DescribeShares(ctx, imageshare.CallerOf(k), fmt.Sprintf("img%d", i), "cn-wlcb", imageshare.Page{Limit: 20})
				if err == nil && len(l.Shares) != benchShares {
					err = fmt.Errorf("%d shares", len(l.Shares))
				}
				return err
			}
			// Steady state: every image read once (with the caches on,
			// the benchmark then measures hits and freshness checks).
			for i := range benchImages {
				must(b, read(i))
			}
			var next atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := read(int(next.Add(7919) % benchImages)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
