package e2e

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// logBuffer collects a server's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

var finishedLine = regexp.MustCompile(`msg="build finished" image=(\S+)`)

// finished returns the images whose builds this server's finisher logged.
func (b *logBuffer) finished() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ids []string
	for _, m := range finishedLine.FindAllStringSubmatch(b.buf.String(), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// replica starts a server on the store dsn with its own log; stop closes it
// (once; the test's end closes it too if stop was not called).
func replica(t *testing.T, dsn string, clk *testClock, build time.Duration) (srv *apptest.Server, logs *logBuffer, stop func()) {
	t.Helper()
	logs = &logBuffer{}
	m := app.New(app.Config{Listen: "127.0.0.1:0", DB: dsn, Now: clk.Now, BuildDuration: build,
		BuildCheckInterval: 5 * time.Millisecond, AdminToken: adminToken, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			if err := m.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &apptest.Server{URL: m.URL(), Addr: m.Addr(), Main: m, Svc: m.Service, Store: m.Store}, logs, stop
}

// waitStored waits until the store says every image in ids is Available,
// reading the store directly so that no API read completes a build.
func waitStored(t *testing.T, store imageshare.Store, ids []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range ids {
		for {
			im, err := store.FindImageByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if im.Status == imageshare.StatusAvailable {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("image %s still %s: the finisher did not finish it", id, im.Status)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestCommunity_RestartDuringBuild stops the server in the middle of a
// build and starts another on the same store: the build resumes where its
// clock says and the new server's finisher completes it.
func TestCommunity_RestartDuringBuild(t *testing.T) {
	clk := newTestClock()
	dsn := apptest.StoreDSN(t)
	first, _, stop := replica(t, dsn, clk, 30*time.Second)
	alice := newUCUser(t, first)
	id := makeImage(t, alice, instance(t, first, alice), "long build")
	clk.Add(10 * time.Second)
	if p := progress(t, alice, id); p.Process < 33.33 || p.Process > 33.34 || p.RemainingDuration != "20" {
		t.Fatalf("progress before the restart %+v", p)
	}
	stop()

	clk.Add(5 * time.Second) // the server was down for five seconds
	second, logs, _ := replica(t, dsn, clk, 30*time.Second)
	alice.C = ucloudclient.New(second.URL, alice.Key.PublicKey, alice.Key.PrivateKey, ucloudclient.WithRegion(ucRegion))
	if p := progress(t, alice, id); p.Process != 50 || p.RemainingDuration != "15" || p.TotalDuration != "30" {
		t.Fatalf("progress after the restart %+v", p)
	}
	clk.Add(15 * time.Second)
	waitStored(t, second.Store, []string{id})
	if got := logs.finished(); len(got) != 1 || got[0] != id {
		t.Fatalf("the restarted server's finisher logged %q, want %s", got, id)
	}
	if p := progress(t, alice, id); p.Process != 100 || p.RemainingDuration != "0" {
		t.Fatalf("progress after the build %+v", p)
	}
}

// TestCommunity_ReplicasFinishEachBuildOnce runs two servers on one store,
// each with its finisher, and checks that every build is finished (and
// logged) by exactly one of them.
func TestCommunity_ReplicasFinishEachBuildOnce(t *testing.T) {
	clk := newTestClock()
	dsn := apptest.StoreDSN(t)
	a, logsA, _ := replica(t, dsn, clk, 5*time.Second)
	b, logsB, _ := replica(t, dsn, clk, 5*time.Second)
	alice := newUCUser(t, a)
	inst := instance(t, a, alice)
	clients := []*ucloudclient.Client{
		alice.C,
		ucloudclient.New(b.URL, alice.Key.PublicKey, alice.Key.PrivateKey, ucloudclient.WithRegion(ucRegion)),
	}
	var ids []string
	for i := range 12 {
		var out ucloudclient.CreateCompShareCustomImageResponse
		if err := clients[i%2].Call(context.Background(), "CreateCompShareCustomImage",
			map[string]any{"UHostId": inst, "Name": "image " + string(rune('a'+i))}, &out); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.CompShareImageId)
	}
	clk.Add(5 * time.Second)
	waitStored(t, a.Store, ids)
	count := map[string]int{}
	for _, id := range append(logsA.finished(), logsB.finished()...) {
		count[id]++
	}
	for _, id := range ids {
		if count[id] != 1 {
			t.Errorf("build %s finished %d times across the replicas, want once", id, count[id])
		}
	}
	if len(count) != len(ids) {
		t.Errorf("finishers logged %d builds, want %d", len(count), len(ids))
	}
}
