package app

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/ucloudclient"
	"github.com/imageshare/imageshare/sqlite"
)

// BenchmarkHotRead is the hot read of the benchmark report (BENCHMARKS.md,
// issue 18 part 4) in one process: UCloud
// DescribeCompShareImageShareAccounts (an image's ten shares, by its
// owner) against a real server (New + Open on a loopback port, default
// settings, the request log written as text to a file as serve writes it
// to stderr) on a real SQLite file. Requests are pre-signed (UCloud
// signatures carry no time) and sent one after another on one keep-alive
// connection, written raw and read with net/http's parser, so that the
// client's share of a profile stays small:
//
//	go test -run '^$' -bench HotRead -benchmem -cpuprofile cpu.out ./app/
//	go tool pprof -top app.test cpu.out
func BenchmarkHotRead(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	db := filepath.Join(dir, "imageshare.db")
	const images, accounts, sharesPer = 64, 1000, 10
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.AddRegion(ctx, "cn-wlcb"); err != nil {
		b.Fatal(err)
	}
	epoch := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	key := func(id int64) (string, string) {
		return fmt.Sprintf("BENCHPUB%07d", id), fmt.Sprintf("bench-private-key-%07d", id)
	}
	bl := st.NewBulkLoader(0)
	for id := int64(1); id <= accounts; id++ {
		pub, priv := key(id)
		if err := bl.Account(ctx, &imageshare.Account{ID: id, Name: fmt.Sprintf("bench%06d@example.com", id), CreatedAt: epoch}); err != nil {
			b.Fatal(err)
		}
		if err := bl.AccessKey(ctx, &imageshare.AccessKey{PublicKey: pub, PrivateKey: priv, AccountID: id, Enabled: true, CreatedAt: epoch}); err != nil {
			b.Fatal(err)
		}
	}
	owner := func(i int) int64 { return int64(i%accounts) + 1 }
	for i := range images {
		im := &imageshare.Image{ID: fmt.Sprintf("compshareImage-bench%07d", i), Region: "cn-wlcb", OwnerID: owner(i),
			Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable, Name: fmt.Sprintf("bench-image-%07d", i),
			Description: "benchmark custom image", SizeMB: 20480, Tags: []string{"llm"}, CreatedAt: epoch,
			SourceGPUType: "4090", SourceInstance: "uhost-bench", OSName: "Ubuntu 22.04", OSType: "linux",
			Softwares: imageshare.Software{Applications: []string{"jupyter"}, CUDAVersion: "12.1", Framework: "PyTorch", FrameworkVersion: "2.3"}}
		if err := bl.Image(ctx, im); err != nil {
			b.Fatal(err)
		}
		for j := range sharesPer {
			if err := bl.Share(ctx, &imageshare.Share{ImageID: im.ID, AccountID: int64((i+1+j*37)%accounts) + 1,
				SharedAt: epoch.Add(time.Duration(j+1) * time.Millisecond), SharedBy: owner(i)}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := bl.Close(ctx); err != nil {
		b.Fatal(err)
	}
	st.Close()

	logFile, err := os.Create(filepath.Join(dir, "requests.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	m := New(Config{Listen: "127.0.0.1:0", DB: "sqlite:" + db, BaiduDefaultRegion: "cn-wlcb",
		Logger: slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err := m.Open(ctx); err != nil {
		b.Fatal(err)
	}
	defer m.Close()

	var reqs [][]byte
	for i := range images {
		pub, priv := key(owner(i))
		c := ucloudclient.New(m.URL(), pub, priv, ucloudclient.WithRegion("cn-wlcb"))
		r, err := c.NewRequest(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": fmt.Sprintf("compshareImage-bench%07d", i)})
		if err != nil {
			b.Fatal(err)
		}
		var raw bytes.Buffer
		if err := r.Write(&raw); err != nil {
			b.Fatal(err)
		}
		reqs = append(reqs, raw.Bytes())
	}
	conn, err := net.Dial("tcp", m.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReaderSize(conn, 64<<10)
	body := make([]byte, 0, 64<<10)
	call := func(req []byte) {
		if _, err := conn.Write(req); err != nil {
			b.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		buf := bytes.NewBuffer(body[:0])
		_, err = io.Copy(buf, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !bytes.Contains(buf.Bytes(), []byte(`"RetCode":0`)) {
			b.Fatalf("HTTP %d %v: %.300s", resp.StatusCode, err, buf.Bytes())
		}
		if n := bytes.Count(buf.Bytes(), []byte(`"AccountId"`)); n != sharesPer {
			b.Fatalf("%d accounts in the answer, want %d: %.300s", n, sharesPer, buf.Bytes())
		}
	}
	for _, r := range reqs { // warm the statement caches
		call(r)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	n := 0
	for i := 0; b.Loop(); i++ {
		call(reqs[i%len(reqs)])
		n++
	}
	// CPU time (server and client, user and system) per request: on a
	// shared machine it moves far less than wall time does.
	b.ReportMetric(float64(processCPU()-cpu)/float64(n), "cpu-ns/op")
}

// processCPU is the CPU time this process has used, in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
