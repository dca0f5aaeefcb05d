package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/imageshare/imageshare"
)

// runInstances is the instance lifecycle's part of the contract.
func runInstances(t *testing.T, newStore newStoreFunc) {
	t.Run("InstanceLaunch", func(t *testing.T) { testInstanceLaunch(t, newStore) })
	t.Run("InstanceQuota", func(t *testing.T) { testInstanceQuota(t, newStore) })
	t.Run("InstanceFind", func(t *testing.T) { testInstanceFind(t, newStore) })
	t.Run("InstanceUpdate", func(t *testing.T) { testInstanceUpdate(t, newStore) })
	t.Run("InstanceTransitions", func(t *testing.T) { testInstanceTransitions(t, newStore) })
	t.Run("ImageInUse", func(t *testing.T) { testImageInUse(t, newStore) })
}

// launched returns a Running instance of owner from image.
func launched(id string, owner int64, im *imageshare.Image, n int) *imageshare.Instance {
	in := &imageshare.Instance{ID: id, OwnerID: owner, Region: "cn-wlcb", Zone: "cn-wlcb-a", Name: "n-" + id,
		InstanceType: "ecs.gn7i.xlarge", CPU: 4, MemoryMB: 16384, GPUType: "4090", GPUCount: 1,
		Status: imageshare.InstanceRunning, CreatedAt: at(n)}
	if im != nil {
		in.CopyImageFacts(im)
	}
	return in
}

func testInstanceLaunch(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a := account(t, s, "a@example.com")
	im := fullImage("img-1", a.ID)
	ok(t, s.CreateImage(ctx, im))
	in := launched("i-1", a.ID, im, 1)
	in.Status, in.TransitionDoneAt = imageshare.InstancePending, at(30)
	ok(t, s.LaunchInstances(ctx, []*imageshare.Instance{in}, 0))
	got, err := s.FindInstance(ctx, "i-1")
	ok(t, err)
	wantTime(t, "CreatedAt", got.CreatedAt, at(1))
	wantTime(t, "TransitionDoneAt", got.TransitionDoneAt, at(30))
	got.CreatedAt, got.TransitionDoneAt = in.CreatedAt, in.TransitionDoneAt
	if *got != *in {
		t.Fatalf("found %+v, want %+v", got, in)
	}
	t.Run("ErrConflictAtomic", func(t *testing.T) {
		err := s.LaunchInstances(ctx, []*imageshare.Instance{launched("i-2", a.ID, im, 2), launched("i-1", a.ID, im, 2)}, 0)
		if imageshare.ErrorKind(err) != imageshare.KindConflict {
			t.Fatalf("err = %v, want conflict", err)
		}
		if _, err := s.FindInstance(ctx, "i-2"); imageshare.ErrorKind(err) != imageshare.KindNotFound {
			t.Fatalf("i-2 stored by a failed launch: %v", err)
		}
	})
	t.Run("ErrMissingImage", func(t *testing.T) {
		err := s.LaunchInstances(ctx, []*imageshare.Instance{launched("i-3", a.ID, &imageshare.Image{ID: "img-gone"}, 2)}, 0)
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	})
	t.Run("StatusDefaultsToRunning", func(t *testing.T) {
		ok(t, s.CreateInstance(ctx, &imageshare.Instance{ID: "uhost-9", OwnerID: a.ID, Region: "cn-wlcb", CreatedAt: at(3)}))
		got, err := s.FindInstance(ctx, "uhost-9")
		ok(t, err)
		if got.Status != imageshare.InstanceRunning {
			t.Fatalf("status = %q, want Running", got.Status)
		}
	})
}

func testInstanceQuota(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a := account(t, s, "a@example.com")
	ok(t, s.LaunchInstances(ctx, []*imageshare.Instance{launched("i-1", a.ID, nil, 1), launched("i-2", a.ID, nil, 1)}, 3))
	err := s.LaunchInstances(ctx, []*imageshare.Instance{launched("i-3", a.ID, nil, 1), launched("i-4", a.ID, nil, 1)}, 3)
	wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
	if _, n, _ := s.FindInstances(ctx, imageshare.InstanceFilter{OwnerID: a.ID}); n != 2 {
		t.Fatalf("%d instances after a refused launch, want 2", n)
	}
	t.Run("Concurrent", func(t *testing.T) {
		// Eight launches of one instance race for the one place left.
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.LaunchInstances(ctx, []*imageshare.Instance{launched("c-"+string(rune('a'+i)), a.ID, nil, 2)}, 3)
			}()
		}
		wg.Wait()
		if _, n, _ := s.FindInstances(ctx, imageshare.InstanceFilter{OwnerID: a.ID}); n != 3 {
			t.Fatalf("%d instances after racing launches, want 3 (errors %v)", n, errs)
		}
	})
}

func testInstanceFind(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a, b := account(t, s, "a@example.com"), account(t, s, "b@example.com")
	im := fullImage("img-1", a.ID)
	ok(t, s.CreateImage(ctx, im))
	i1, i2, i3 := launched("i-1", a.ID, im, 1), launched("i-2", a.ID, nil, 2), launched("i-3", a.ID, im, 3)
	i2.Zone, i3.Status, i3.Name = "cn-wlcb-b", imageshare.InstanceStopped, "web"
	ok(t, s.LaunchInstances(ctx, []*imageshare.Instance{i3, i1, i2}, 0))
	ok(t, s.LaunchInstances(ctx, []*imageshare.Instance{launched("i-b", b.ID, im, 0)}, 0))
	for _, c := range []struct {
		name string
		f    imageshare.InstanceFilter
		want []string
	}{
		{"Owner", imageshare.InstanceFilter{OwnerID: a.ID}, []string{"i-1", "i-2", "i-3"}},
		{"OtherOwner", imageshare.InstanceFilter{OwnerID: b.ID}, []string{"i-b"}},
		{"IDs", imageshare.InstanceFilter{OwnerID: a.ID, IDs: []string{"i-3", "i-b", "i-1"}}, []string{"i-1", "i-3"}},
		{"Image", imageshare.InstanceFilter{OwnerID: a.ID, ImageID: "img-1"}, []string{"i-1", "i-3"}},
		{"Status", imageshare.InstanceFilter{OwnerID: a.ID, Statuses: []imageshare.InstanceStatus{imageshare.InstanceStopped}}, []string{"i-3"}},
		{"Name", imageshare.InstanceFilter{OwnerID: a.ID, Name: "web"}, []string{"i-3"}},
		{"Zone", imageshare.InstanceFilter{OwnerID: a.ID, Zone: "cn-wlcb-b"}, []string{"i-2"}},
		{"Region", imageshare.InstanceFilter{OwnerID: a.ID, Region: "cn-sh2"}, []string{}},
		{"Page", imageshare.InstanceFilter{OwnerID: a.ID, Page: imageshare.Page{Offset: 1, Limit: 1}}, []string{"i-2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, total, err := s.FindInstances(ctx, c.f)
			ok(t, err)
			ids := []string{}
			for _, in := range got {
				ids = append(ids, in.ID)
			}
			if !slices.Equal(ids, c.want) {
				t.Fatalf("ids = %v, want %v", ids, c.want)
			}
			if c.f.Page.Limit == 0 && total != len(c.want) {
				t.Fatalf("total = %d, want %d", total, len(c.want))
			}
		})
	}
}

func testInstanceUpdate(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a, b := account(t, s, "a@example.com"), account(t, s, "b@example.com")
	im, im2 := fullImage("img-1", a.ID), fullImage("img-2", a.ID)
	im2.OSName, im2.Platform = "Windows Server 2022", "Windows Server 2022"
	ok(t, s.CreateImage(ctx, im))
	ok(t, s.CreateImage(ctx, im2))
	ok(t, s.LaunchInstances(ctx, []*imageshare.Instance{launched("i-1", a.ID, im, 1)}, 0))
	stopping, due := imageshare.InstanceStopping, at(9)
	from := []imageshare.InstanceStatus{imageshare.InstanceRunning}
	t.Run("ErrNotFoundOtherOwner", func(t *testing.T) {
		_, err := s.UpdateInstance(ctx, imageshare.InstanceUpdate{ID: "i-1", OwnerID: b.ID, From: from, Status: &stopping})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonInstanceNotFound)
	})
	got, err := s.UpdateInstance(ctx, imageshare.InstanceUpdate{ID: "i-1", OwnerID: a.ID, From: from, Status: &stopping, TransitionDoneAt: &due})
	ok(t, err)
	if got.Status != stopping {
		t.Fatalf("status = %q, want Stopping", got.Status)
	}
	wantTime(t, "TransitionDoneAt", got.TransitionDoneAt, due)
	t.Run("ErrStateUnchanged", func(t *testing.T) {
		_, err := s.UpdateInstance(ctx, imageshare.InstanceUpdate{ID: "i-1", OwnerID: a.ID, From: from, Image: im2})
		wantErr(t, err, imageshare.KindConflict, imageshare.ReasonInstanceState)
		got, _ := s.FindInstance(ctx, "i-1")
		if got.ImageID != "img-1" {
			t.Fatalf("image = %q after a refused update", got.ImageID)
		}
	})
	t.Run("Reinstall", func(t *testing.T) {
		got, err := s.UpdateInstance(ctx, imageshare.InstanceUpdate{ID: "i-1", OwnerID: a.ID, Image: im2})
		ok(t, err)
		if got.ImageID != "img-2" || got.OSName != im2.OSName || got.Platform != im2.Platform {
			t.Fatalf("after reinstall %+v", got)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		wantErr(t, s.DeleteInstance(ctx, "i-1", b.ID), imageshare.KindNotFound, imageshare.ReasonInstanceNotFound)
		ok(t, s.DeleteInstance(ctx, "i-1", a.ID))
		wantErr(t, s.DeleteInstance(ctx, "i-1", a.ID), imageshare.KindNotFound, imageshare.ReasonInstanceNotFound)
	})
}

func testInstanceTransitions(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a := account(t, s, "a@example.com")
	p, st, sp, run := launched("p", a.ID, nil, 1), launched("st", a.ID, nil, 1), launched("sp", a.ID, nil, 1), launched("run", a.ID, nil, 1)
	p.Status, p.TransitionDoneAt = imageshare.InstancePending, at(10)
	st.Status, st.TransitionDoneAt = imageshare.InstanceStarting, at(20)
	sp.Status, sp.TransitionDoneAt = imageshare.InstanceStopping, at(10)
	ok(t, s.LaunchInstances(ctx, []*imageshare.Instance{p, st, sp, run}, 0))
	ids, err := s.FinishInstanceTransitions(ctx, at(9), 100)
	ok(t, err)
	if len(ids) != 0 {
		t.Fatalf("finished %v before anything was due", ids)
	}
	// Two finishers at once (two replicas) finish each due transition once.
	var wg sync.WaitGroup
	got := make([][]string, 2)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = s.FinishInstanceTransitions(ctx, at(10), 100)
		}()
	}
	wg.Wait()
	all := append(append([]string{}, got[0]...), got[1]...)
	slices.Sort(all)
	if !slices.Equal(all, []string{"p", "sp"}) {
		t.Fatalf("finished %v, want p and sp once each", got)
	}
	for id, want := range map[string]imageshare.InstanceStatus{"p": imageshare.InstanceRunning, "sp": imageshare.InstanceStopped,
		"st": imageshare.InstanceStarting, "run": imageshare.InstanceRunning} {
		in, err := s.FindInstance(ctx, id)
		ok(t, err)
		if in.Status != want {
			t.Errorf("%s is %s, want %s", id, in.Status, want)
		}
	}
}

func testImageInUse(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a, b := account(t, s, "a@example.com"), account(t, s, "b@example.com")
	used, free := fullImage("img-used", a.ID), fullImage("img-free", a.ID)
	used.Status, free.Status = imageshare.StatusAvailable, imageshare.StatusAvailable
	used.IsPublic, free.IsPublic = false, false
	ok(t, s.CreateImage(ctx, used))
	ok(t, s.CreateImage(ctx, free))
	ok(t, s.LaunchInstances(ctx, []*imageshare.Instance{launched("i-b", b.ID, used, 1)}, 0))
	yes, no := true, false
	for _, c := range []struct {
		inUse *bool
		want  []string
	}{{&yes, []string{"img-used"}}, {&no, []string{"img-free"}}} {
		images, _, err := s.FindImages(ctx, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: a.ID, InUse: c.inUse})
		ok(t, err)
		ids := []string{}
		for _, im := range images {
			ids = append(ids, im.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, c.want) {
			t.Errorf("InUse=%v: %v, want %v", *c.inUse, ids, c.want)
		}
	}
	for id, want := range map[string]bool{"img-used": true, "img-free": false} {
		im, err := s.FindImageByID(ctx, id)
		ok(t, err)
		if im.InUse != want {
			t.Errorf("%s: InUse = %v, want %v", id, im.InUse, want)
		}
	}
	wantErr(t, s.DeleteImage(ctx, "img-used", false), imageshare.KindConflict, imageshare.ReasonImageInUse)
	ok(t, s.DeleteImage(ctx, "img-free", false))
	ok(t, s.DeleteImage(ctx, "img-used", true))
	// The instance keeps running what it ran.
	in, err := s.FindInstance(ctx, "i-b")
	ok(t, err)
	if in.ImageID != "img-used" || in.Status != imageshare.InstanceRunning {
		t.Fatalf("instance after its image's forced delete: %+v", in)
	}
}
