package core_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/sqlite"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a core.Service over a SQLite store with a test clock.
type env struct {
	svc   *core.Service
	store imageshare.Store
	clock *clock
}

func openStore(t *testing.T, path string) imageshare.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newEnv(t *testing.T, build time.Duration) *env {
	t.Helper()
	e := &env{store: openStore(t, ":memory:"), clock: newClock()}
	e.svc = core.New(e.store, core.Config{Now: e.clock.Now, BuildDuration: build})
	ok(t, e.store.AddRegion(context.Background(), "cn-wlcb"))
	ok(t, e.store.AddRegion(context.Background(), "bj"))
	return e
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err error, kind imageshare.Kind, reason imageshare.Reason) {
	t.Helper()
	if imageshare.ErrorKind(err) != kind || imageshare.ErrorReason(err) != reason {
		t.Fatalf("err = %v (kind %v, reason %q), want kind %v reason %q", err, imageshare.ErrorKind(err), imageshare.ErrorReason(err), kind, reason)
	}
}

// user creates an account with an instance in cn-wlcb and returns its caller.
func (e *env) user(t *testing.T, name string) (imageshare.Caller, string) {
	t.Helper()
	a := &imageshare.Account{Name: name}
	_, err := e.svc.CreateAccount(context.Background(), a)
	ok(t, err)
	in, err := e.svc.CreateInstance(context.Background(), &imageshare.Instance{OwnerID: a.ID, Region: "cn-wlcb", GPUType: "4090"})
	ok(t, err)
	return imageshare.Caller{AccountID: a.ID}, in.ID
}

func (e *env) make(t *testing.T, c imageshare.Caller, instance, name string) *imageshare.Image {
	t.Helper()
	im, err := e.svc.CreateCustomImage(context.Background(), c, imageshare.CustomImageRequest{Region: "cn-wlcb", InstanceID: instance, Name: name})
	ok(t, err)
	return im
}

func TestBuildProgressAndLazyCompletion(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 10*time.Second)
	alice, inst := e.user(t, "alice@example.com")
	im := e.make(t, alice, inst, "model")
	if im.Status != imageshare.StatusMaking || im.SourceGPUType != "4090" || im.SourceInstance != inst || im.Author != "alice" {
		t.Fatalf("new image %+v; want Making from the instance, author alice", im)
	}
	for _, step := range []struct {
		after     time.Duration
		percent   float64
		remaining time.Duration
		status    imageshare.ImageStatus
	}{
		{0, 0, 10 * time.Second, imageshare.StatusMaking},
		{2500 * time.Millisecond, 25, 7500 * time.Millisecond, imageshare.StatusMaking},
		{7499 * time.Millisecond, 99.99, time.Millisecond, imageshare.StatusMaking},
		{time.Millisecond, 100, 0, imageshare.StatusAvailable},
	} {
		e.clock.Add(step.after)
		p, err := e.svc.ImageBuildProgress(ctx, alice, im.ID, "cn-wlcb")
		ok(t, err)
		if p.Percent != step.percent || p.Remaining != step.remaining || p.Total != 10*time.Second || p.Image.Status != step.status {
			t.Fatalf("after +%v: %v%% remaining %v total %v %s; want %v%% remaining %v total 10s %s",
				step.after, p.Percent, p.Remaining, p.Total, p.Image.Status, step.percent, step.remaining, step.status)
		}
	}
	// The read stored the completion: the store itself says Available.
	stored, err := e.store.FindImageByID(ctx, im.ID)
	ok(t, err)
	if stored.Status != imageshare.StatusAvailable {
		t.Fatalf("stored status %s after a read past the due time", stored.Status)
	}
}

func TestListAndGetCompleteDueBuilds(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 5*time.Second)
	alice, inst := e.user(t, "alice@example.com")
	a := e.make(t, alice, inst, "a")
	e.clock.Add(5 * time.Second)
	images, _, err := e.svc.ListImages(ctx, alice, imageshare.ImageFilter{Scope: imageshare.ScopeOwned})
	ok(t, err)
	if len(images) != 1 || images[0].Status != imageshare.StatusAvailable {
		t.Fatalf("listing %+v; want the due build Available", images)
	}
	b := e.make(t, alice, inst, "b")
	got, err := e.svc.GetImage(ctx, alice, b.ID)
	ok(t, err)
	if got.Status != imageshare.StatusMaking {
		t.Fatalf("GetImage before due: %s", got.Status)
	}
	e.clock.Add(5 * time.Second)
	got, err = e.svc.GetImage(ctx, alice, b.ID)
	ok(t, err)
	if got.Status != imageshare.StatusAvailable || a.ID == b.ID {
		t.Fatalf("GetImage after due: %s", got.Status)
	}
}

func TestInstantBuilds(t *testing.T) {
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	im := e.make(t, alice, inst, "model")
	if im.Status != imageshare.StatusAvailable {
		t.Fatalf("status %s, want Available at once", im.Status)
	}
	p, err := e.svc.ImageBuildProgress(context.Background(), alice, im.ID, "")
	ok(t, err)
	if p.Percent != 100 || p.Remaining != 0 || p.Total != 0 {
		t.Fatalf("progress %+v", p)
	}
}

func TestCreateCustomImageErrors(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Second)
	alice, inst := e.user(t, "alice@example.com")
	bob, bobInst := e.user(t, "bob@example.com")
	bjInst, err := e.svc.CreateInstance(ctx, &imageshare.Instance{OwnerID: alice.AccountID, Region: "bj"})
	ok(t, err)
	e.make(t, alice, inst, "model")
	create := func(c imageshare.Caller, instance, name string) error {
		_, err := e.svc.CreateCustomImage(ctx, c, imageshare.CustomImageRequest{Region: "cn-wlcb", InstanceID: instance, Name: name})
		return err
	}
	wantErr(t, create(alice, "uhost-missing", "x"), imageshare.KindNotFound, imageshare.ReasonInstanceNotFound)
	wantErr(t, create(alice, bobInst, "x"), imageshare.KindNotFound, imageshare.ReasonInstanceNotFound)
	wantErr(t, create(alice, bjInst.ID, "x"), imageshare.KindNotFound, imageshare.ReasonInstanceNotFound)
	wantErr(t, create(alice, inst, "model"), imageshare.KindConflict, imageshare.ReasonDuplicateName)
	wantErr(t, create(alice, inst, "  "), imageshare.KindInvalid, imageshare.ReasonMissingParameter)
	wantErr(t, create(alice, inst, string(make([]byte, imageshare.MaxImageNameBytes+1))), imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	ok(t, create(bob, bobInst, "model")) // names are per account
	_, err = e.svc.CreateInstance(ctx, &imageshare.Instance{OwnerID: alice.AccountID, Region: "mars"})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonRegionNotFound)
	_, err = e.svc.CreateInstance(ctx, &imageshare.Instance{OwnerID: 999999, Region: "bj"})
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
}

// TestReplicasFinishEachBuildOnce runs two services over one database
// file, as two replicas would, and has both finish due builds at once.
func TestReplicasFinishEachBuildOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	clk := newClock()
	first := openStore(t, path)
	replicas := []*core.Service{
		core.New(first, core.Config{Now: clk.Now, BuildDuration: time.Minute}),
		core.New(openStore(t, path), core.Config{Now: clk.Now, BuildDuration: time.Minute}),
	}
	e := &env{svc: replicas[0], store: first, clock: clk}
	ok(t, e.store.AddRegion(ctx, "cn-wlcb"))
	alice, inst := e.user(t, "alice@example.com")
	var want []string
	for i := range 30 {
		// Alternate the replica that takes each request.
		im, err := replicas[i%2].CreateCustomImage(ctx, alice, imageshare.CustomImageRequest{InstanceID: inst, Name: string(rune('a' + i))})
		ok(t, err)
		want = append(want, im.ID)
	}
	clk.Add(time.Minute)
	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	for _, r := range replicas {
		for range 3 {
			wg.Go(func() {
				ids, err := r.FinishDueBuilds(ctx)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				got = append(got, ids...)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("finished %d builds (%q), want each of %d exactly once", len(got), got, len(want))
	}
}

// TestBuildSurvivesRestart closes the store mid-build and reopens it: the
// build resumes from its stored clock and is finished after it is due.
func TestBuildSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "restart.db")
	clk := newClock()
	first, err := sqlite.Open(ctx, path)
	ok(t, err)
	e := &env{svc: core.New(first, core.Config{Now: clk.Now, BuildDuration: 20 * time.Second}), store: first, clock: clk}
	ok(t, first.AddRegion(ctx, "cn-wlcb"))
	alice, inst := e.user(t, "alice@example.com")
	im := e.make(t, alice, inst, "model")
	clk.Add(5 * time.Second)
	ok(t, first.Close())

	clk.Add(5 * time.Second) // down for five seconds
	second := core.New(openStore(t, path), core.Config{Now: clk.Now, BuildDuration: 20 * time.Second})
	p, err := second.ImageBuildProgress(ctx, alice, im.ID, "cn-wlcb")
	ok(t, err)
	if p.Percent != 50 || p.Remaining != 10*time.Second || p.Image.Status != imageshare.StatusMaking {
		t.Fatalf("after restart: %v%% remaining %v %s; want 50%% remaining 10s Making", p.Percent, p.Remaining, p.Image.Status)
	}
	clk.Add(10 * time.Second)
	ids, err := second.FinishDueBuilds(ctx)
	ok(t, err)
	if !slices.Equal(ids, []string{im.ID}) {
		t.Fatalf("finisher after restart finished %q, want %s", ids, im.ID)
	}
}

func TestRunBuildFinisher(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	e := newEnv(t, time.Minute)
	alice, inst := e.user(t, "alice@example.com")
	im := e.make(t, alice, inst, "model")
	var reported atomic.Int32
	done := make(chan struct{})
	go func() {
		e.svc.RunBuildFinisher(ctx, 5*time.Millisecond, func(ids []string, err error) {
			if err == nil && slices.Equal(ids, []string{im.ID}) {
				reported.Add(1)
			}
		})
		close(done)
	}()
	e.clock.Add(time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for reported.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if reported.Load() != 1 {
		t.Fatalf("finisher reported the build %d times, want once", reported.Load())
	}
	stored, err := e.store.FindImageByID(context.Background(), im.ID)
	ok(t, err)
	if stored.Status != imageshare.StatusAvailable {
		t.Fatalf("status %s after the finisher ran", stored.Status)
	}
}
