package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

type newStoreFunc = func(t *testing.T) imageshare.Store

func testCreateAccount(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	t.Run("AssignsIDAndOrganization", func(t *testing.T) {
		s := newStore(t)
		a := &imageshare.Account{Name: "a@example.com", CreatedAt: base}
		ok(t, s.CreateAccount(ctx, a))
		if a.ID <= 0 || a.OrganizationID != a.ID {
			t.Fatalf("ID, OrganizationID = %d, %d; want a positive id used for both", a.ID, a.OrganizationID)
		}
		b := &imageshare.Account{Name: "b@example.com", OrganizationID: 777}
		ok(t, s.CreateAccount(ctx, b))
		if b.ID <= a.ID || b.OrganizationID != 777 {
			t.Fatalf("second account ID, OrganizationID = %d, %d; want > %d and 777", b.ID, b.OrganizationID, a.ID)
		}
		got, err := s.FindAccountByID(ctx, a.ID)
		ok(t, err)
		if got.Name != a.Name || got.OrganizationID != a.ID {
			t.Errorf("found %+v, want %+v", got, a)
		}
		wantTime(t, "CreatedAt", got.CreatedAt, base)
		got, err = s.FindAccountByID(ctx, b.ID)
		ok(t, err)
		wantTime(t, "zero CreatedAt", got.CreatedAt, time.Time{})
	})
	t.Run("ExplicitID", func(t *testing.T) {
		s := newStore(t)
		a := &imageshare.Account{ID: 200000001, Name: "x@example.com"}
		ok(t, s.CreateAccount(ctx, a))
		if a.ID != 200000001 || a.OrganizationID != 200000001 {
			t.Fatalf("ID, OrganizationID = %d, %d; want 200000001 for both", a.ID, a.OrganizationID)
		}
		// The next assigned id must not collide with the explicit one.
		b := account(t, s, "y@example.com")
		if b.ID == a.ID {
			t.Fatalf("assigned id %d is taken", b.ID)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		err := s.CreateAccount(ctx, &imageshare.Account{ID: a.ID, Name: "other@example.com"})
		wantErr(t, err, imageshare.KindConflict, imageshare.ReasonAccountConflict)
	})
	t.Run("ErrConflictName", func(t *testing.T) {
		s := newStore(t)
		account(t, s, "a@example.com")
		err := s.CreateAccount(ctx, &imageshare.Account{Name: "a@example.com"})
		wantErr(t, err, imageshare.KindConflict, imageshare.ReasonAccountConflict)
		list, total, err := s.ListAccounts(ctx, imageshare.Page{})
		ok(t, err)
		if total != 1 || len(list) != 1 {
			t.Fatalf("after a conflict: %d accounts (total %d), want 1", len(list), total)
		}
	})
}

func testFindAccount(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a := account(t, s, "Mixed.Case@example.com")
	t.Run("ByName", func(t *testing.T) {
		got, err := s.FindAccountByName(ctx, a.Name)
		ok(t, err)
		if got.ID != a.ID {
			t.Fatalf("ID = %d, want %d", got.ID, a.ID)
		}
	})
	t.Run("ErrNotFoundByID", func(t *testing.T) {
		_, err := s.FindAccountByID(ctx, a.ID+1000)
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
	})
	t.Run("ErrNotFoundByName", func(t *testing.T) {
		_, err := s.FindAccountByName(ctx, "nobody@example.com")
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
		_, err = s.FindAccountByName(ctx, "%")
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
	})
	t.Run("ByIDs", func(t *testing.T) {
		b := account(t, s, "b@example.com")
		got, err := s.FindAccountsByIDs(ctx, []int64{b.ID, a.ID + 1000, a.ID, b.ID})
		ok(t, err)
		if len(got) != 2 || got[a.ID] == nil || got[b.ID] == nil || got[b.ID].Name != b.Name {
			t.Fatalf("FindAccountsByIDs = %v, want accounts %d and %d", got, a.ID, b.ID)
		}
		got, err = s.FindAccountsByIDs(ctx, nil)
		ok(t, err)
		if len(got) != 0 {
			t.Fatalf("FindAccountsByIDs(nil) = %v, want empty", got)
		}
	})
}

func testListAccounts(t *testing.T, s imageshare.Store) {
	ctx := context.Background()
	ids := accounts(t, s, "l", 5)
	list, total, err := s.ListAccounts(ctx, imageshare.Page{Offset: 1, Limit: 2})
	ok(t, err)
	if total != 5 || len(list) != 2 || list[0].ID != ids[1] || list[1].ID != ids[2] {
		t.Fatalf("page {1,2}: %d accounts starting %v, total %d; want ids %v, total 5", len(list), list, total, ids[1:3])
	}
	list, total, err = s.ListAccounts(ctx, imageshare.Page{})
	ok(t, err)
	if total != 5 || len(list) != 5 {
		t.Fatalf("Limit 0: %d accounts, total %d; want 5 and 5", len(list), total)
	}
	list, total, err = s.ListAccounts(ctx, imageshare.Page{Offset: 10, Limit: 2})
	ok(t, err)
	if total != 5 || len(list) != 0 {
		t.Fatalf("page past the end: %d accounts, total %d; want 0 and 5", len(list), total)
	}
}

func testAccessKey(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	key := func(pub string, owner int64, n int) *imageshare.AccessKey {
		return &imageshare.AccessKey{PublicKey: pub, PrivateKey: "secret-" + pub, AccountID: owner, Enabled: true, CreatedAt: at(n)}
	}
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		k := key("PUB1", a.ID, 0)
		ok(t, s.CreateAccessKey(ctx, k))
		got, err := s.FindAccessKey(ctx, "PUB1")
		ok(t, err)
		if got.PublicKey != k.PublicKey || got.PrivateKey != k.PrivateKey || got.AccountID != a.ID || !got.Enabled {
			t.Fatalf("found %+v, want %+v", got, k)
		}
		wantTime(t, "CreatedAt", got.CreatedAt, k.CreatedAt)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		ok(t, s.CreateAccessKey(ctx, key("PUB1", a.ID, 0)))
		wantErr(t, s.CreateAccessKey(ctx, key("PUB1", a.ID, 1)), imageshare.KindConflict, imageshare.ReasonKeyConflict)
	})
	t.Run("ErrNotFoundAccount", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		wantErr(t, s.CreateAccessKey(ctx, key("PUB1", a.ID+1000, 0)), imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
		_, err := s.FindAccessKey(ctx, "PUB1")
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonKeyNotFound)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		_, err := s.FindAccessKey(ctx, "nope")
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonKeyNotFound)
	})
	t.Run("SetEnabled", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		ok(t, s.CreateAccessKey(ctx, key("PUB1", a.ID, 0)))
		ok(t, s.CreateAccessKey(ctx, key("PUB2", a.ID, 1)))
		ok(t, s.SetAccessKeyEnabled(ctx, "PUB1", false))
		got, err := s.FindAccessKey(ctx, "PUB1")
		ok(t, err)
		if got.Enabled {
			t.Fatal("disabled key is returned enabled")
		}
		if other, err := s.FindAccessKey(ctx, "PUB2"); err != nil || !other.Enabled {
			t.Fatalf("disabling PUB1 changed PUB2: %+v, %v", other, err)
		}
		ok(t, s.SetAccessKeyEnabled(ctx, "PUB1", true))
		got, err = s.FindAccessKey(ctx, "PUB1")
		ok(t, err)
		if !got.Enabled {
			t.Fatal("re-enabled key is returned disabled")
		}
	})
	t.Run("SetEnabled/ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		wantErr(t, s.SetAccessKeyEnabled(ctx, "nope", false), imageshare.KindNotFound, imageshare.ReasonKeyNotFound)
	})
	t.Run("List", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		b := account(t, s, "b@example.com")
		// Created out of name order; the list is oldest first.
		ok(t, s.CreateAccessKey(ctx, key("K3", a.ID, 0)))
		ok(t, s.CreateAccessKey(ctx, key("K1", a.ID, 1)))
		ok(t, s.CreateAccessKey(ctx, key("K2", a.ID, 2)))
		ok(t, s.CreateAccessKey(ctx, key("KB", b.ID, 0)))
		keys, err := s.ListAccessKeys(ctx, a.ID)
		ok(t, err)
		var got []string
		for _, k := range keys {
			got = append(got, k.PublicKey)
		}
		if want := []string{"K3", "K1", "K2"}; !slices.Equal(got, want) {
			t.Fatalf("keys = %v, want %v", got, want)
		}
		none, err := s.ListAccessKeys(ctx, b.ID+1000)
		ok(t, err)
		if len(none) != 0 {
			t.Fatalf("keys of an unknown account = %v, want none", none)
		}
	})
}

func testRegion(t *testing.T, s imageshare.Store) {
	ctx := context.Background()
	for _, r := range []string{"cn-wlcb", "bj", "cn-hangzhou", "bj"} {
		ok(t, s.AddRegion(ctx, r))
	}
	got, err := s.ListRegions(ctx)
	ok(t, err)
	if want := []string{"bj", "cn-hangzhou", "cn-wlcb"}; !slices.Equal(got, want) {
		t.Fatalf("regions = %v, want %v", got, want)
	}
}

func testInstance(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a := account(t, s, "a@example.com")
	in := &imageshare.Instance{ID: "uhost-1", OwnerID: a.ID, Region: "cn-wlcb", GPUType: "4090", CreatedAt: base}
	ok(t, s.CreateInstance(ctx, in))
	t.Run("RoundTrip", func(t *testing.T) {
		got, err := s.FindInstance(ctx, "uhost-1")
		ok(t, err)
		if got.ID != in.ID || got.OwnerID != in.OwnerID || got.Region != in.Region || got.GPUType != in.GPUType {
			t.Fatalf("found %+v, want %+v", got, in)
		}
		wantTime(t, "CreatedAt", got.CreatedAt, base)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		err := s.CreateInstance(ctx, &imageshare.Instance{ID: "uhost-1", OwnerID: a.ID})
		if imageshare.ErrorKind(err) != imageshare.KindConflict {
			t.Fatalf("err = %v, want kind conflict", err)
		}
	})
	t.Run("ErrNotFoundOwner", func(t *testing.T) {
		err := s.CreateInstance(ctx, &imageshare.Instance{ID: "uhost-2", OwnerID: a.ID + 1000})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.FindInstance(ctx, "uhost-2")
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonInstanceNotFound)
	})
}

func testNonce(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	t.Run("ErrConflictReuse", func(t *testing.T) {
		s := newStore(t)
		ok(t, s.UseNonce(ctx, "n1", at(0), at(60)))
		wantErr(t, s.UseNonce(ctx, "n1", at(59), at(119)), imageshare.KindConflict, imageshare.ReasonNonceUsed)
		ok(t, s.UseNonce(ctx, "n2", at(59), at(119)))
	})
	t.Run("ExpiredReusable", func(t *testing.T) {
		s := newStore(t)
		ok(t, s.UseNonce(ctx, "n1", at(0), at(60)))
		ok(t, s.UseNonce(ctx, "n1", at(60), at(120)))
		// The second use recorded a new expiry.
		wantErr(t, s.UseNonce(ctx, "n1", at(100), at(160)), imageshare.KindConflict, imageshare.ReasonNonceUsed)
	})
	t.Run("Pruning", func(t *testing.T) {
		// Many expired nonces must not make later uses fail or forget
		// live ones, whatever a store prunes.
		s := newStore(t)
		for i := range 300 {
			ok(t, s.UseNonce(ctx, fmt.Sprintf("old%d", i), at(i), at(i+1)))
		}
		ok(t, s.UseNonce(ctx, "live", at(400), at(1000)))
		for i := range 10 {
			ok(t, s.UseNonce(ctx, fmt.Sprintf("fresh%d", i), at(500), at(600)))
		}
		wantErr(t, s.UseNonce(ctx, "live", at(999), at(2000)), imageshare.KindConflict, imageshare.ReasonNonceUsed)
		// An expired nonce can be used again whether or not it was pruned.
		ok(t, s.UseNonce(ctx, "old299", at(500), at(600)))
	})
	t.Run("LiveNoncesByPrefix", func(t *testing.T) {
		s := newStore(t)
		l, isLister := s.(imageshare.NonceLister)
		if !isLister {
			t.Skip("the store lists no nonces (optional)")
		}
		ok(t, s.UseNonce(ctx, "out:a\x1f404 NoSuchObject gone", at(0), at(60)))
		ok(t, s.UseNonce(ctx, "out:ab\x1fok", at(0), at(60)))
		ok(t, s.UseNonce(ctx, "out:a\x1fexpired", at(0), at(10)))
		ok(t, s.UseNonce(ctx, "out:b", at(0), at(60)))
		got, err := l.LiveNonces(ctx, "out:a\x1f", at(20), 10)
		ok(t, err)
		if len(got) != 1 || got[0] != "out:a\x1f404 NoSuchObject gone" {
			t.Fatalf("LiveNonces = %q, want the one live nonce of the prefix", got)
		}
		if got, err := l.LiveNonces(ctx, "out:c", at(20), 10); err != nil || len(got) != 0 {
			t.Fatalf("LiveNonces of an unused prefix = %q, %v", got, err)
		}
	})
}
