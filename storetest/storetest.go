// Package storetest is the conformance suite every imageshare.Store must
// pass. It drives a store only through the interface: a behaviour is
// either part of the contract for every store or not tested here.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// Run runs the suite. newStore must return an empty, migrated store and
// arrange (with t.Cleanup) for it to be closed; it is called once per
// subtest, so subtests never see each other's data.
func Run(t *testing.T, newStore func(t *testing.T) imageshare.Store) {
	t.Run("Ping", func(t *testing.T) { testPing(t, newStore(t)) })
	t.Run("CreateAccount", func(t *testing.T) { testCreateAccount(t, newStore) })
	t.Run("FindAccount", func(t *testing.T) { testFindAccount(t, newStore) })
	t.Run("ListAccounts", func(t *testing.T) { testListAccounts(t, newStore(t)) })
	t.Run("AccessKey", func(t *testing.T) { testAccessKey(t, newStore) })
	t.Run("Region", func(t *testing.T) { testRegion(t, newStore(t)) })
	t.Run("Instance", func(t *testing.T) { testInstance(t, newStore) })
	t.Run("Nonce", func(t *testing.T) { testNonce(t, newStore) })
	t.Run("SignatureNonce", func(t *testing.T) { testSignatureNonce(t, newStore) })
	t.Run("CreateImage", func(t *testing.T) { testCreateImage(t, newStore) })
	t.Run("FindImages", func(t *testing.T) { testFindImages(t, newStore) })
	t.Run("FindImagesDescribeFilters", func(t *testing.T) { testDescribeFilters(t, newStore) })
	t.Run("UpdateImage", func(t *testing.T) { testUpdateImage(t, newStore) })
	t.Run("DeleteImage", func(t *testing.T) { testDeleteImage(t, newStore) })
	t.Run("ApplyShareChange", func(t *testing.T) { testApplyShareChange(t, newStore) })
	t.Run("ListShares", func(t *testing.T) { testListShares(t, newStore) })
	t.Run("CountShares", func(t *testing.T) { testCountShares(t, newStore(t)) })
	runCommunity(t, newStore)
	runRAM(t, newStore)
	runInstances(t, newStore)
	runIdempotency(t, newStore)
}

// base is a time with nanoseconds in a non-UTC zone: stores must keep the
// instant to the nanosecond and return it in UTC.
var base = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("UTC+8", 8*3600))

// at returns base plus n seconds.
func at(n int) time.Time { return base.Add(time.Duration(n) * time.Second) }

// wantErr fails unless err has exactly the given kind and reason.
func wantErr(t *testing.T, err error, kind imageshare.Kind, reason imageshare.Reason) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want kind %v reason %q", kind, reason)
	}
	if got := imageshare.ErrorKind(err); got != kind {
		t.Fatalf("kind = %v, want %v (err %v)", got, kind, err)
	}
	if got := imageshare.ErrorReason(err); got != reason {
		t.Fatalf("reason = %q, want %q (err %v)", got, reason, err)
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantTime fails unless got is the instant want, in UTC (or both zero).
func wantTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if want.IsZero() {
		if !got.IsZero() {
			t.Errorf("%s = %v, want the zero time", what, got)
		}
		return
	}
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want %v in UTC", what, got, want.UTC())
	}
}

// account creates an account named name with the next free id.
func account(t *testing.T, s imageshare.Store, name string) *imageshare.Account {
	t.Helper()
	a := &imageshare.Account{Name: name, CreatedAt: base}
	ok(t, s.CreateAccount(context.Background(), a))
	return a
}

// accounts creates n accounts named prefix0, prefix1, ...
func accounts(t *testing.T, s imageshare.Store, prefix string, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = account(t, s, fmt.Sprintf("%s%d@example.com", prefix, i)).ID
	}
	return ids
}

// image creates a minimal custom image owned by owner, created at at(n).
func image(t *testing.T, s imageshare.Store, id string, owner int64, n int) *imageshare.Image {
	t.Helper()
	im := &imageshare.Image{ID: id, Region: "cn-wlcb", OwnerID: owner, Type: imageshare.ImageCustom,
		Status: imageshare.StatusAvailable, Name: id, CreatedAt: at(n)}
	ok(t, s.CreateImage(context.Background(), im))
	return im
}

func testPing(t *testing.T, s imageshare.Store) {
	ok(t, s.Ping(context.Background()))
}
