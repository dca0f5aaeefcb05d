package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/sqlite"
)

// commitResult is the raw durable commit rate of the store on this disk.
type commitResult struct {
	Commits int     `json:"commits"`
	Seconds float64 `json:"seconds"`
	PerSec  float64 `json:"commits_per_second"`
	P50     float64 `json:"p50_ms"`
	P99     float64 `json:"p99_ms"`
}

// measureCommits commits one row per transaction, one after the other,
// for d: the rate the store reaches when every write is its own durable
// transaction. It uses the store's own connection settings (WAL,
// synchronous=FULL) through a bulk loader flushing after every row, on a
// scratch database next to the datasets (the same file system), removed
// afterwards.
func measureCommits(ctx context.Context, dir string, d time.Duration) (*commitResult, error) {
	path := filepath.Join(dir, "commit-probe.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(path + suffix)
	}
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(path + suffix)
		}
	}()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	b := st.NewBulkLoader(1) // a commit after every row
	defer b.Abort()
	var lat []time.Duration
	start := time.Now()
	for id := int64(1); time.Since(start) < d; id++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := time.Now()
		if err := b.Account(ctx, &imageshare.Account{ID: id, Name: fmt.Sprintf("probe%d@example.com", id), CreatedAt: t}); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t))
	}
	took := time.Since(start)
	if err := b.Close(ctx); err != nil {
		return nil, err
	}
	slices.Sort(lat)
	return &commitResult{Commits: len(lat), Seconds: took.Seconds(), PerSec: float64(len(lat)) / took.Seconds(),
		P50: ms(percentile(lat, 0.5)), P99: ms(percentile(lat, 0.99))}, nil
}
