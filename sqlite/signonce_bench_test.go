package sqlite_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// Nonce recording at 16 concurrent callers on a real file, the way the
// Alibaba dialect records one per request: UseNonce (durable, one fsync
// per group commit; what every Alibaba request paid before migration 013)
// against UseSignatureNonce (no fsync per commit). Run with
//
//	go test ./sqlite -run '^$' -bench 'Nonce16' -benchtime 2000x
//
// and, for the fsyncs, under strace -f -c -e trace=fsync,fdatasync.
func BenchmarkUseNonce16(b *testing.B) { benchNonces(b, false) }

func BenchmarkUseSignatureNonce16(b *testing.B) { benchNonces(b, true) }

func benchNonces(b *testing.B, signature bool) {
	s := open(b, filepath.Join(b.TempDir(), "bench.db"))
	defer s.Close()
	var seq atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
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
}
