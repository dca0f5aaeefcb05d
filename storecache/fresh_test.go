package storecache

import (
	"context"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/sqlite"
)

// gatedFeed is a real SQLite feed whose second Changes waits for gate.
type gatedFeed struct {
	imageshare.ChangeFeed
	calls   atomic.Int32
	entered chan struct{}
	gate    chan struct{}
}

func (g *gatedFeed) Changes(ctx context.Context) ([]imageshare.Change, bool, error) {
	if g.calls.Add(1) == 2 {
		close(g.entered)
		<-g.gate
	}
	return g.ChangeFeed.Changes(ctx)
}

// TestCheckCoalesces: callers arriving while a check runs share the next
// one, which starts after they arrived (a running check may have read the
// log before their calls began, so they may not use its result).
func TestCheckCoalesces(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "f.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	feed, err := s.ChangeFeed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	g := &gatedFeed{ChangeFeed: feed, entered: make(chan struct{}), gate: make(chan struct{})}
	f := &fresh{feed: g, cache: newCache(1 << 20)}
	if err := f.check(ctx); err != nil { // check 1
		t.Fatal(err)
	}
	go f.check(ctx) // check 2, held at the gate
	<-g.entered
	const callers = 10
	var wg sync.WaitGroup
	var early atomic.Int32
	for range callers {
		wg.Go(func() {
			if err := f.check(ctx); err != nil {
				t.Error(err)
			}
			if g.calls.Load() < 3 {
				early.Add(1) // returned without a check that began after it
			}
		})
	}
	for { // until all ten wait for the next round
		f.mu.Lock()
		n := 0
		if f.next != nil {
			n = f.next.callers
		}
		f.mu.Unlock()
		if n == callers {
			break
		}
		runtime.Gosched()
	}
	close(g.gate)
	wg.Wait()
	if n := g.calls.Load(); n != 3 {
		t.Fatalf("%d checks for 12 calls, want 3 (the ten sharing one)", n)
	}
	if early.Load() != 0 {
		t.Fatalf("%d callers returned on a check that began before them", early.Load())
	}
}
