package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/imageshare/imageshare"
)

// runRAM tests the RAMStore methods: sub-users, their keys, groups,
// policies, attachments, LoadPrincipal and the RAM version.
func runRAM(t *testing.T, newStore newStoreFunc) {
	t.Run("RAMUser", func(t *testing.T) { testRAMUser(t, newStore) })
	t.Run("RAMUserKey", func(t *testing.T) { testRAMUserKey(t, newStore) })
	t.Run("RAMGroup", func(t *testing.T) { testRAMGroup(t, newStore) })
	t.Run("RAMPolicy", func(t *testing.T) { testRAMPolicy(t, newStore) })
	t.Run("RAMAttach", func(t *testing.T) { testRAMAttach(t, newStore) })
	t.Run("RAMPrincipal", func(t *testing.T) { testRAMPrincipal(t, newStore) })
}

const allowAll = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func user(t *testing.T, s imageshare.Store, accountID int64, name string) *imageshare.User {
	t.Helper()
	u := &imageshare.User{AccountID: accountID, Name: name, Enabled: true, CreatedAt: base}
	ok(t, s.CreateUser(context.Background(), u))
	return u
}

func ramPolicy(t *testing.T, s imageshare.Store, accountID int64, name string) *imageshare.Policy {
	t.Helper()
	p := &imageshare.Policy{AccountID: accountID, Name: name, Description: "d " + name, Document: allowAll, CreatedAt: base}
	ok(t, s.CreatePolicy(context.Background(), p))
	return p
}

func group(t *testing.T, s imageshare.Store, accountID int64, name string) *imageshare.Group {
	t.Helper()
	g := &imageshare.Group{AccountID: accountID, Name: name, CreatedAt: base}
	ok(t, s.CreateGroup(context.Background(), g))
	return g
}

// ramVersion reads the RAM version.
func ramVersion(t *testing.T, s imageshare.Store) int64 {
	t.Helper()
	v, err := s.RAMVersion(context.Background())
	ok(t, err)
	return v
}

func testRAMUser(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a, b := account(t, s, "a@example.com"), account(t, s, "b@example.com")
	dev := user(t, s, a.ID, "dev")
	ops := user(t, s, a.ID, "ops")
	if dev.ID <= 0 || ops.ID == dev.ID {
		t.Fatalf("user ids %d, %d", dev.ID, ops.ID)
	}
	// The same name in another account is another user.
	other := user(t, s, b.ID, "dev")
	wantErr(t, s.CreateUser(ctx, &imageshare.User{AccountID: a.ID, Name: "dev"}), imageshare.KindConflict, imageshare.ReasonUserConflict)
	wantErr(t, s.CreateUser(ctx, &imageshare.User{AccountID: 999999, Name: "x"}), imageshare.KindNotFound, imageshare.ReasonAccountNotFound)

	got, err := s.FindUser(ctx, a.ID, "dev")
	ok(t, err)
	if got.ID != dev.ID || got.AccountID != a.ID || got.Name != "dev" || !got.Enabled {
		t.Fatalf("FindUser = %+v, want %+v", got, dev)
	}
	wantTime(t, "CreatedAt", got.CreatedAt, base)
	if got, err := s.FindUser(ctx, b.ID, "dev"); err != nil || got.ID != other.ID {
		t.Fatalf("FindUser(b, dev) = %+v, %v; want user %d", got, err, other.ID)
	}
	_, err = s.FindUser(ctx, a.ID, "nobody")
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonUserNotFound)

	users, err := s.ListUsers(ctx, a.ID)
	ok(t, err)
	if len(users) != 2 || users[0].Name != "dev" || users[1].Name != "ops" {
		t.Fatalf("ListUsers = %v, want dev, ops", users)
	}
	if users, err := s.ListUsers(ctx, 999999); err != nil || users == nil || len(users) != 0 {
		t.Fatalf("ListUsers(unknown) = %v, %v; want an empty, non-nil list", users, err)
	}

	v := ramVersion(t, s)
	ok(t, s.SetUserEnabled(ctx, dev.ID, false))
	if got, _ := s.FindUser(ctx, a.ID, "dev"); got.Enabled {
		t.Fatal("a disabled user is enabled")
	}
	if ramVersion(t, s) <= v {
		t.Fatal("disabling a user did not advance the RAM version")
	}
	wantErr(t, s.SetUserEnabled(ctx, 999999, true), imageshare.KindNotFound, imageshare.ReasonUserNotFound)
}

func testRAMUserKey(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a, b := account(t, s, "a@example.com"), account(t, s, "b@example.com")
	dev := user(t, s, a.ID, "dev")
	k := &imageshare.AccessKey{PublicKey: "AKdev", PrivateKey: "SKdev", AccountID: a.ID, UserID: dev.ID, Enabled: true, CreatedAt: base}
	ok(t, s.CreateUserKey(ctx, k))
	got, err := s.FindAccessKey(ctx, "AKdev")
	ok(t, err)
	if got.UserID != dev.ID || got.AccountID != a.ID || got.PrivateKey != "SKdev" || !got.Enabled {
		t.Fatalf("FindAccessKey = %+v, want the key of user %d", got, dev.ID)
	}
	// A root key says so with UserID 0.
	ok(t, s.CreateAccessKey(ctx, &imageshare.AccessKey{PublicKey: "AKroot", PrivateKey: "SKroot", AccountID: a.ID, Enabled: true, CreatedAt: at(1)}))
	if got, err := s.FindAccessKey(ctx, "AKroot"); err != nil || got.UserID != 0 {
		t.Fatalf("root key = %+v, %v; want UserID 0", got, err)
	}
	keys, err := s.ListAccessKeys(ctx, a.ID)
	ok(t, err)
	if len(keys) != 2 || keys[0].UserID != dev.ID || keys[1].UserID != 0 {
		t.Fatalf("ListAccessKeys = %+v, want the user's key then the root key", keys)
	}

	wantErr(t, s.CreateUserKey(ctx, &imageshare.AccessKey{PublicKey: "AKdev", PrivateKey: "x", AccountID: a.ID, UserID: dev.ID}),
		imageshare.KindConflict, imageshare.ReasonKeyConflict)
	// A user of another account, or none, cannot own a key of a.
	wantErr(t, s.CreateUserKey(ctx, &imageshare.AccessKey{PublicKey: "AKx", PrivateKey: "x", AccountID: b.ID, UserID: dev.ID}),
		imageshare.KindNotFound, imageshare.ReasonUserNotFound)
	wantErr(t, s.CreateUserKey(ctx, &imageshare.AccessKey{PublicKey: "AKy", PrivateKey: "x", AccountID: a.ID, UserID: 999999}),
		imageshare.KindNotFound, imageshare.ReasonUserNotFound)
	wantErr(t, s.CreateUserKey(ctx, &imageshare.AccessKey{PublicKey: "AKz", PrivateKey: "x", AccountID: a.ID}),
		imageshare.KindNotFound, imageshare.ReasonUserNotFound)
	if _, err := s.FindAccessKey(ctx, "AKx"); imageshare.ErrorKind(err) != imageshare.KindNotFound {
		t.Fatalf("a refused key was stored: %v", err)
	}
}

func testRAMGroup(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a, b := account(t, s, "a@example.com"), account(t, s, "b@example.com")
	dev, ops := user(t, s, a.ID, "dev"), user(t, s, a.ID, "ops")
	stranger := user(t, s, b.ID, "x")
	readers := group(t, s, a.ID, "readers")
	writers := group(t, s, a.ID, "writers")
	wantErr(t, s.CreateGroup(ctx, &imageshare.Group{AccountID: a.ID, Name: "readers"}), imageshare.KindConflict, imageshare.ReasonUserGroupTaken)
	wantErr(t, s.CreateGroup(ctx, &imageshare.Group{AccountID: 999999, Name: "g"}), imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
	if g, err := s.FindGroup(ctx, a.ID, "writers"); err != nil || g.ID != writers.ID {
		t.Fatalf("FindGroup = %+v, %v", g, err)
	}
	_, err := s.FindGroup(ctx, b.ID, "writers")
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonUserGroupMissing)

	v := ramVersion(t, s)
	ok(t, s.AddGroupMember(ctx, readers.ID, ops.ID, 10))
	ok(t, s.AddGroupMember(ctx, readers.ID, dev.ID, 10))
	ok(t, s.AddGroupMember(ctx, readers.ID, dev.ID, 10)) // a member already: no change
	if ramVersion(t, s) <= v {
		t.Fatal("adding a member did not advance the RAM version")
	}
	wantErr(t, s.AddGroupMember(ctx, readers.ID, stranger.ID, 10), imageshare.KindNotFound, imageshare.ReasonUserNotFound)
	wantErr(t, s.AddGroupMember(ctx, 999999, dev.ID, 10), imageshare.KindNotFound, imageshare.ReasonUserGroupMissing)
	wantErr(t, s.AddGroupMember(ctx, writers.ID, dev.ID, 1), imageshare.KindLimitExceeded, imageshare.ReasonAttachmentQuota)

	groups, err := s.ListGroups(ctx, a.ID)
	ok(t, err)
	want := []int64{min(dev.ID, ops.ID), max(dev.ID, ops.ID)}
	if len(groups) != 2 || groups[0].Name != "readers" || !slices.Equal(groups[0].MemberIDs, want) ||
		groups[1].Name != "writers" || groups[1].MemberIDs == nil || len(groups[1].MemberIDs) != 0 {
		t.Fatalf("ListGroups = %+v, want readers %v and an empty writers (the refused add changed nothing)", groups, want)
	}
	v = ramVersion(t, s)
	ok(t, s.RemoveGroupMember(ctx, readers.ID, ops.ID))
	if ramVersion(t, s) <= v {
		t.Fatal("removing a member did not advance the RAM version")
	}
	wantErr(t, s.RemoveGroupMember(ctx, readers.ID, ops.ID), imageshare.KindNotFound, imageshare.ReasonUserNotFound)
}

func testRAMPolicy(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a, b := account(t, s, "a@example.com"), account(t, s, "b@example.com")
	read := ramPolicy(t, s, a.ID, "Read")
	ramPolicy(t, s, a.ID, "Admin")
	ramPolicy(t, s, b.ID, "Read")
	wantErr(t, s.CreatePolicy(ctx, &imageshare.Policy{AccountID: a.ID, Name: "Read", Document: allowAll}), imageshare.KindConflict, imageshare.ReasonPolicyConflict)
	wantErr(t, s.CreatePolicy(ctx, &imageshare.Policy{AccountID: 999999, Name: "P", Document: allowAll}), imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
	got, err := s.FindPolicy(ctx, a.ID, "Read")
	ok(t, err)
	if got.ID != read.ID || got.Document != allowAll || got.Description != "d Read" || got.AccountID != a.ID {
		t.Fatalf("FindPolicy = %+v, want %+v", got, read)
	}
	wantTime(t, "CreatedAt", got.CreatedAt, base)
	_, err = s.FindPolicy(ctx, a.ID, "Nope")
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonPolicyNotFound)
	list, err := s.ListPolicies(ctx, a.ID)
	ok(t, err)
	if len(list) != 2 || list[0].Name != "Admin" || list[1].Name != "Read" {
		t.Fatalf("ListPolicies = %v, want Admin, Read", list)
	}
}

func testRAMAttach(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a, b := account(t, s, "a@example.com"), account(t, s, "b@example.com")
	dev := user(t, s, a.ID, "dev")
	readers := group(t, s, a.ID, "readers")
	read, write := ramPolicy(t, s, a.ID, "Read"), ramPolicy(t, s, a.ID, "Write")
	foreign := ramPolicy(t, s, b.ID, "Foreign")
	strangerGroup := group(t, s, b.ID, "g")

	toUser := func(p *imageshare.Policy) imageshare.Attachment {
		return imageshare.Attachment{PolicyID: p.ID, PrincipalType: imageshare.PrincipalUser, PrincipalID: dev.ID, AttachedAt: base}
	}
	toGroup := func(p *imageshare.Policy, g *imageshare.Group) imageshare.Attachment {
		return imageshare.Attachment{PolicyID: p.ID, PrincipalType: imageshare.PrincipalGroup, PrincipalID: g.ID, AttachedAt: at(1)}
	}
	v := ramVersion(t, s)
	ok(t, s.AttachPolicy(ctx, toUser(read), 10))
	if ramVersion(t, s) <= v {
		t.Fatal("attaching did not advance the RAM version")
	}
	ok(t, s.AttachPolicy(ctx, toUser(read), 10)) // attached already: no change
	ok(t, s.AttachPolicy(ctx, toGroup(write, readers), 10))
	wantErr(t, s.AttachPolicy(ctx, toUser(write), 1), imageshare.KindLimitExceeded, imageshare.ReasonAttachmentQuota)
	wantErr(t, s.AttachPolicy(ctx, toUser(foreign), 10), imageshare.KindNotFound, imageshare.ReasonUserNotFound)
	wantErr(t, s.AttachPolicy(ctx, toGroup(read, strangerGroup), 10), imageshare.KindNotFound, imageshare.ReasonUserGroupMissing)
	wantErr(t, s.AttachPolicy(ctx, imageshare.Attachment{PolicyID: 999999, PrincipalType: imageshare.PrincipalUser, PrincipalID: dev.ID}, 10),
		imageshare.KindNotFound, imageshare.ReasonPolicyNotFound)
	wantErr(t, s.AttachPolicy(ctx, imageshare.Attachment{PolicyID: read.ID, PrincipalType: "Role", PrincipalID: dev.ID}, 10),
		imageshare.KindInvalid, imageshare.ReasonInvalidParameter)

	list, err := s.ListAttachments(ctx, a.ID)
	ok(t, err)
	if len(list) != 2 ||
		list[0].PolicyName != "Read" || list[0].PrincipalType != imageshare.PrincipalUser || list[0].PrincipalName != "dev" || list[0].PrincipalID != dev.ID ||
		list[1].PolicyName != "Write" || list[1].PrincipalType != imageshare.PrincipalGroup || list[1].PrincipalName != "readers" {
		t.Fatalf("ListAttachments = %+v", list)
	}
	wantTime(t, "AttachedAt", list[0].AttachedAt, base)

	v = ramVersion(t, s)
	ok(t, s.DetachPolicy(ctx, toUser(read)))
	if ramVersion(t, s) <= v {
		t.Fatal("detaching did not advance the RAM version")
	}
	wantErr(t, s.DetachPolicy(ctx, toUser(read)), imageshare.KindNotFound, imageshare.ReasonNotAttached)
	if list, _ := s.ListAttachments(ctx, a.ID); len(list) != 1 {
		t.Fatalf("after detach ListAttachments = %+v", list)
	}
}

func testRAMPrincipal(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a := account(t, s, "a@example.com")
	dev, ops := user(t, s, a.ID, "dev"), user(t, s, a.ID, "ops")
	g1, g2 := group(t, s, a.ID, "g1"), group(t, s, a.ID, "g2")
	own, shared, viaGroup := ramPolicy(t, s, a.ID, "Own"), ramPolicy(t, s, a.ID, "Shared"), ramPolicy(t, s, a.ID, "Group")

	p, err := s.LoadPrincipal(ctx, dev.ID)
	ok(t, err)
	if p.User.ID != dev.ID || p.User.Name != "dev" || len(p.Policies) != 0 || p.Version != ramVersion(t, s) {
		t.Fatalf("LoadPrincipal with no policy = %+v", p)
	}
	ok(t, s.AttachPolicy(ctx, imageshare.Attachment{PolicyID: own.ID, PrincipalType: imageshare.PrincipalUser, PrincipalID: dev.ID, AttachedAt: at(2)}, 10))
	ok(t, s.AttachPolicy(ctx, imageshare.Attachment{PolicyID: shared.ID, PrincipalType: imageshare.PrincipalUser, PrincipalID: dev.ID, AttachedAt: at(3)}, 10))
	// Shared reaches dev through both groups too: it is listed once.
	for _, g := range []*imageshare.Group{g1, g2} {
		ok(t, s.AttachPolicy(ctx, imageshare.Attachment{PolicyID: shared.ID, PrincipalType: imageshare.PrincipalGroup, PrincipalID: g.ID, AttachedAt: at(1)}, 10))
		ok(t, s.AddGroupMember(ctx, g.ID, dev.ID, 10))
	}
	ok(t, s.AttachPolicy(ctx, imageshare.Attachment{PolicyID: viaGroup.ID, PrincipalType: imageshare.PrincipalGroup, PrincipalID: g2.ID, AttachedAt: at(4)}, 10))

	p, err = s.LoadPrincipal(ctx, dev.ID)
	ok(t, err)
	var names []string
	for _, pol := range p.Policies {
		names = append(names, pol.Name)
		if pol.Document != allowAll {
			t.Errorf("policy %s has document %q", pol.Name, pol.Document)
		}
	}
	if !slices.Equal(names, []string{"Own", "Shared", "Group"}) {
		t.Fatalf("policies = %v, want the user's own in attachment order, then its groups'", names)
	}
	if p.Version != ramVersion(t, s) {
		t.Fatalf("principal version %d, store version %d", p.Version, ramVersion(t, s))
	}
	// Another user of the account gets nothing of dev's.
	p, err = s.LoadPrincipal(ctx, ops.ID)
	ok(t, err)
	if len(p.Policies) != 0 {
		t.Fatalf("ops has %d policies", len(p.Policies))
	}
	_, err = s.LoadPrincipal(ctx, 999999)
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonUserNotFound)
}
