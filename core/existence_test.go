package core_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/postgres/pgtest"
)

// Existence by timing (issue 17, finding 5): the answer for another
// tenant's image is the same as for a missing id, and it must also take
// the same work, or its time tells the image exists (and, when shares
// were read, how many it has). The test counts the store's work: every
// call the core makes and every record it gets back, through a wrapper
// around the real store. A foreign image with 50 shares and a missing id
// must cost exactly the same calls and records, call by call.

// workCounter records, for each call of interest, the method and how
// many records it returned (images, shares, the total it reported).
type workCounter struct {
	imageshare.Store
	mu    sync.Mutex
	trace []string
}

func (s *workCounter) note(method string, records int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trace = append(s.trace, fmt.Sprintf("%s records=%d kind=%v reason=%q", method, records, imageshare.ErrorKind(err), imageshare.ErrorReason(err)))
}

func (s *workCounter) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.trace
	s.trace = nil
	return t
}

func one(im *imageshare.Image) int {
	if im == nil {
		return 0
	}
	return 1
}

func (s *workCounter) FindImageByID(ctx context.Context, id string) (*imageshare.Image, error) {
	im, err := s.Store.FindImageByID(ctx, id)
	s.note("FindImageByID", one(im), err)
	return im, err
}

func (s *workCounter) FindOwnedImage(ctx context.Context, id string, owner int64) (*imageshare.Image, error) {
	im, err := s.Store.FindOwnedImage(ctx, id, owner)
	s.note("FindOwnedImage", one(im), err)
	return im, err
}

func (s *workCounter) FindImageShares(ctx context.Context, id string, owner int64, p imageshare.Page) (*imageshare.Image, []*imageshare.Share, int, error) {
	im, shares, total, err := s.Store.FindImageShares(ctx, id, owner, p)
	s.note("FindImageShares", one(im)+len(shares)+total, err)
	return im, shares, total, err
}

func (s *workCounter) ListShares(ctx context.Context, id string, p imageshare.Page) ([]*imageshare.Share, int, error) {
	shares, total, err := s.Store.ListShares(ctx, id, p)
	s.note("ListShares", len(shares)+total, err)
	return shares, total, err
}

func (s *workCounter) IsSharedWith(ctx context.Context, id string, account int64) (bool, error) {
	shared, err := s.Store.IsSharedWith(ctx, id, account)
	s.note("IsSharedWith", 1, err)
	return shared, err
}

func (s *workCounter) FindImages(ctx context.Context, f imageshare.ImageFilter) ([]*imageshare.Image, int, error) {
	images, total, err := s.Store.FindImages(ctx, f)
	s.note("FindImages", len(images)+total, err)
	return images, total, err
}

func (s *workCounter) FindAccountsByIDs(ctx context.Context, ids []int64) (map[int64]*imageshare.Account, error) {
	m, err := s.Store.FindAccountsByIDs(ctx, ids)
	s.note("FindAccountsByIDs", len(m), err)
	return m, err
}

func (s *workCounter) DeleteImage(ctx context.Context, id string, force bool) error {
	err := s.Store.DeleteImage(ctx, id, force)
	s.note("DeleteImage", 0, err)
	return err
}

func (s *workCounter) ApplyShareChange(ctx context.Context, c imageshare.ShareChange) (*imageshare.ShareResult, error) {
	res, err := s.Store.ApplyShareChange(ctx, c)
	s.note("ApplyShareChange", 0, err)
	return res, err
}

func (s *workCounter) UpdateImage(ctx context.Context, id string, u imageshare.ImageUpdate) (*imageshare.Image, error) {
	im, err := s.Store.UpdateImage(ctx, id, u)
	s.note("UpdateImage", one(im), err)
	return im, err
}

// probeEnv is a victim's custom image shared with 50 accounts, and an
// attacker (another tenant) who probes it and a missing id.
type probeEnv struct {
	svc      *core.Service
	counter  *workCounter
	attacker imageshare.Caller
	foreign  string // the victim's image
	missing  string // no image has this id
}

func newProbeEnv(t *testing.T) *probeEnv {
	ctx := context.Background()
	st := probeStore(t)
	ok(t, st.AddRegion(ctx, "cn-wlcb"))
	victim := &imageshare.Account{Name: "victim@example.com"}
	ok(t, st.CreateAccount(ctx, victim))
	attacker := &imageshare.Account{Name: "attacker@example.com"}
	ok(t, st.CreateAccount(ctx, attacker))
	e := &probeEnv{attacker: imageshare.Caller{AccountID: attacker.ID}, foreign: "victim-image", missing: "victim-imagf"}
	ok(t, st.CreateImage(ctx, &imageshare.Image{ID: e.foreign, Region: "cn-wlcb", OwnerID: victim.ID,
		Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable, Name: "secret", CreatedAt: time.Now()}))
	var guests []int64
	for i := range 50 {
		a := &imageshare.Account{Name: fmt.Sprintf("guest%d@example.com", i)}
		ok(t, st.CreateAccount(ctx, a))
		guests = append(guests, a.ID)
	}
	_, err := st.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: e.foreign, Add: guests, By: victim.ID, At: time.Now()})
	ok(t, err)
	e.counter = &workCounter{Store: st}
	e.svc = core.New(e.counter, core.Config{})
	return e
}

// probeStore is a SQLite store, or a PostgreSQL one with
// IMAGESHARE_TEST_DB=postgres (scripts/with-postgres.sh).
func probeStore(t *testing.T) imageshare.Store {
	if os.Getenv("IMAGESHARE_TEST_DB") != "postgres" {
		return openStore(t, ":memory:")
	}
	pgtest.SkipUnlessConfigured(t)
	st, err := postgres.Open(context.Background(), pgtest.NewSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// probes are the attacker's calls on one image id that answer "not
// found" for both a foreign and a missing image.
func (e *probeEnv) probes() map[string]func(id string) error {
	ctx := context.Background()
	return map[string]func(id string) error{
		"DescribeShares": func(id string) error {
			_, err := e.svc.DescribeShares(ctx, e.attacker, id, "", imageshare.Page{Limit: 100})
			return err
		},
		"DeleteImage": func(id string) error { return e.svc.DeleteImage(ctx, e.attacker, id, "", false) },
		"DeleteImageForce": func(id string) error {
			return e.svc.DeleteImage(ctx, e.attacker, id, "", true)
		},
		"ModifyShares": func(id string) error {
			_, err := e.svc.ModifyShares(ctx, e.attacker, imageshare.ShareRequest{ImageID: id, Add: []int64{e.attacker.AccountID + 1}})
			return err
		},
	}
}

func TestExistence_ForeignImageCostsWhatMissingCosts(t *testing.T) {
	e := newProbeEnv(t)
	for name, probe := range e.probes() {
		t.Run(name, func(t *testing.T) {
			foreignErr := probe(e.foreign)
			foreign := e.counter.take()
			missingErr := probe(e.missing)
			missing := e.counter.take()
			wantErr(t, foreignErr, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
			wantErr(t, missingErr, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
			if len(foreign) == 0 {
				t.Fatal("no store call recorded: the counting wrapper misses the call this probe makes")
			}
			if !slices.Equal(foreign, missing) {
				t.Fatalf("store work for another tenant's 50-share image:\n  %q\nfor a missing id:\n  %q", foreign, missing)
			}
		})
	}
	// The victim's data is untouched by the probes.
	im, shares, total, err := e.counter.Store.FindImageShares(context.Background(), e.foreign, mustOwner(t, e), imageshare.Page{})
	ok(t, err)
	if im == nil || total != 50 || len(shares) != 50 {
		t.Fatalf("victim's image after the probes: %v, %d shares (total %d)", im, len(shares), total)
	}
}

func mustOwner(t *testing.T, e *probeEnv) int64 {
	t.Helper()
	im, err := e.counter.Store.FindImageByID(context.Background(), e.foreign)
	ok(t, err)
	return im.OwnerID
}

// TestExistence_TimingMeasurement is the documented measurement behind the
// count above, not a pass/fail timing test: with IMAGESHARE_TIMING_PROBES=N
// it sends N interleaved DescribeShares probes for the foreign 50-share
// image and for a missing id, and logs both medians, the Mann-Whitney z
// of the two samples (|z| < 2 means no difference at ~95 %), and how
// often the median of 20 probes of each orders them the way the foreign
// image's extra work would.
func TestExistence_TimingMeasurement(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("IMAGESHARE_TIMING_PROBES"))
	if n <= 0 {
		t.Skip("set IMAGESHARE_TIMING_PROBES=N to measure")
	}
	e := newProbeEnv(t)
	probe := e.probes()["DescribeShares"]
	foreign, missing := make([]float64, 0, n), make([]float64, 0, n)
	timed := func(id string) float64 {
		start := time.Now()
		_ = probe(id)
		return float64(time.Since(start).Nanoseconds()) / 1e3
	}
	for range n {
		// Pairs in random order, so that neither side always runs first
		// (the first of a pair runs on colder caches).
		if rand.IntN(2) == 0 {
			foreign = append(foreign, timed(e.foreign))
			missing = append(missing, timed(e.missing))
		} else {
			missing = append(missing, timed(e.missing))
			foreign = append(foreign, timed(e.foreign))
		}
		e.counter.take()
	}
	t.Logf("%d probes each: foreign p25/p50/p75 %.1f/%.1f/%.1f µs, missing %.1f/%.1f/%.1f µs; Mann-Whitney z = %.2f; 20-probe medians order foreign slower in %.0f %% of windows",
		n, quantile(foreign, .25), quantile(foreign, .5), quantile(foreign, .75),
		quantile(missing, .25), quantile(missing, .5), quantile(missing, .75),
		mannWhitneyZ(foreign, missing), 100*windowsSlower(foreign, missing, 20))
}

func quantile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

func median(xs []float64) float64 { return quantile(xs, .5) }

// mannWhitneyZ is the normal approximation of the rank-sum test of a
// against b (positive: a tends to be larger).
func mannWhitneyZ(a, b []float64) float64 {
	type v struct {
		x float64
		a bool
	}
	all := make([]v, 0, len(a)+len(b))
	for _, x := range a {
		all = append(all, v{x, true})
	}
	for _, x := range b {
		all = append(all, v{x, false})
	}
	slices.SortFunc(all, func(p, q v) int {
		switch {
		case p.x < q.x:
			return -1
		case p.x > q.x:
			return 1
		}
		return 0
	})
	var ra float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].x == all[i].x {
			j++
		}
		rank := float64(i+j+1) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			if all[k].a {
				ra += rank
			}
		}
		i = j
	}
	na, nb := float64(len(a)), float64(len(b))
	u := ra - na*(na+1)/2
	mu := na * nb / 2
	sigma := math.Sqrt(na * nb * (na + nb + 1) / 12)
	return (u - mu) / sigma
}

// windowsSlower is the share of consecutive windows of w probes in which
// the foreign median is above the missing one: what an attacker with w
// probes of each would conclude.
func windowsSlower(foreign, missing []float64, w int) float64 {
	var slower, windows int
	for i := 0; i+w <= len(foreign) && i+w <= len(missing); i += w {
		windows++
		if median(foreign[i:i+w]) > median(missing[i:i+w]) {
			slower++
		}
	}
	if windows == 0 {
		return 0
	}
	return float64(slower) / float64(windows)
}
