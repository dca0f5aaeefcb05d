package postgres_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/postgres/pgtest"
)

// Nonce recording at 16 concurrent callers, as on SQLite
// (sqlite/signonce_bench_test.go): UseNonce (logged table, a WAL flush
// per commit) against UseSignatureNonce (UNLOGGED). The WAL the run
// writes is reported per call (the server's insert position, so run
// nothing else on it). scripts/with-postgres.sh runs the server with
// fsync and synchronous_commit off: the time per call shows what the
// flushes cost only on a server with them on. Run with
//
//	scripts/with-postgres.sh go test ./postgres -run '^$' -bench 'Nonce16' -benchtime 2000x
func BenchmarkUseNonce16(b *testing.B) { benchNonces(b, false) }

func BenchmarkUseSignatureNonce16(b *testing.B) { benchNonces(b, true) }

func benchNonces(b *testing.B, signature bool) {
	pgtest.SkipUnlessConfigured(b)
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.NewSchema(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	walBytes := func() int64 {
		var n int64
		if err := s.Pool().QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	var seq atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	before := walBytes()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			now := time.Now()
			n := fmt.Sprintf("aliyun:bench:%d", seq.Add(1))
			var err error
			if signature {
				err = s.UseSignatureNonce(ctx, n, now, now, now.Add(30*time.Minute))
			} else {
				err = s.UseNonce(ctx, n, now, now.Add(30*time.Minute))
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(walBytes()-before)/float64(b.N), "walbytes/op")
}
