package core_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/postgres/pgtest"
)

// deleteShareRaces is how many {share, delete} pairs each race test sends.
const deleteShareRaces = 1000

// TestDeleteShareRace_SQLite and TestDeleteShareRace_PostgresReplicas
// send a share and a delete without Force of the same image at the same
// time, a thousand times. Whichever runs first, an acknowledged share must
// survive: if both are acknowledged, the delete removed an image that was
// shared, which DeleteImage without Force promises not to do (issue 17,
// finding 4: the "is it shared?" check ran outside the delete's
// transaction). The assertion does not depend on which one wins.
func TestDeleteShareRace_SQLite(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "race.db"))
	svc := core.New(st, core.Config{})
	runDeleteShareRaces(t, st, svc, svc)
}

func TestDeleteShareRace_PostgresReplicas(t *testing.T) {
	pgtest.SkipUnlessConfigured(t)
	dsn := pgtest.NewSchema(t)
	var svcs []*core.Service
	var first imageshare.Store
	for range 2 {
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if first == nil {
			first = st
		}
		svcs = append(svcs, core.New(st, core.Config{}))
	}
	runDeleteShareRaces(t, first, svcs[0], svcs[1])
}

// runDeleteShareRaces shares through sharer and deletes through deleter,
// which may be replicas on one database; st sets up and checks the data.
func runDeleteShareRaces(t *testing.T, st imageshare.Store, sharer, deleter *core.Service) {
	ctx := context.Background()
	ok(t, st.AddRegion(ctx, "cn-wlcb"))
	owner := &imageshare.Account{Name: "owner@example.com"}
	ok(t, st.CreateAccount(ctx, owner))
	guest := &imageshare.Account{Name: "guest@example.com"}
	ok(t, st.CreateAccount(ctx, guest))
	c := imageshare.Caller{AccountID: owner.ID}

	var shareFirst, deleteFirst, lost int
	for i := range deleteShareRaces {
		id := fmt.Sprintf("race-%d", i)
		ok(t, st.CreateImage(ctx, &imageshare.Image{ID: id, Region: "cn-wlcb", OwnerID: owner.ID,
			Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable, Name: id}))
		var shareErr, deleteErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			_, shareErr = sharer.ModifyShares(ctx, c, imageshare.ShareRequest{ImageID: id, Add: []int64{guest.ID}, Mode: imageshare.ShareStrict})
		})
		wg.Go(func() {
			<-start
			deleteErr = deleter.DeleteImage(ctx, c, id, "", false)
		})
		close(start)
		wg.Wait()

		switch {
		case shareErr == nil && deleteErr == nil:
			lost++
		case shareErr == nil:
			// The share won: the delete must have been refused as shared,
			// and the share must still be there.
			if imageshare.ErrorReason(deleteErr) != imageshare.ReasonImageShared {
				t.Fatalf("race %d: delete after share = %v, want ReasonImageShared", i, deleteErr)
			}
			if shared, err := st.IsSharedWith(ctx, id, guest.ID); err != nil || !shared {
				t.Fatalf("race %d: acknowledged share is gone (shared %v, err %v)", i, shared, err)
			}
			shareFirst++
		case deleteErr == nil:
			// The delete won: the share must have found no image.
			if imageshare.ErrorReason(shareErr) != imageshare.ReasonImageNotFound {
				t.Fatalf("race %d: share after delete = %v, want ReasonImageNotFound", i, shareErr)
			}
			if _, err := st.FindImageByID(ctx, id); imageshare.ErrorKind(err) != imageshare.KindNotFound {
				t.Fatalf("race %d: acknowledged delete left the image (err %v)", i, err)
			}
			deleteFirst++
		default:
			t.Fatalf("race %d: both failed: share %v, delete %v", i, shareErr, deleteErr)
		}
	}
	t.Logf("%d races: share first %d, delete first %d, acknowledged shares lost %d",
		deleteShareRaces, shareFirst, deleteFirst, lost)
	if lost > 0 {
		t.Fatalf("%d of %d races acknowledged both the share and the delete without Force: the shares are lost", lost, deleteShareRaces)
	}
}
