package transfer

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/postgres"
	"github.com/imageshare/imageshare/postgres/pgtest"
)

// populateRAM adds sub-users, a key of one, groups, policies and
// attachments of both kinds to a populated store.
func populateRAM(t *testing.T, s imageshare.Store) (accountID, userID int64) {
	t.Helper()
	ctx := context.Background()
	a := &imageshare.Account{Name: "ram@example.com", CreatedAt: base}
	ok(t, s.CreateAccount(ctx, a))
	dev := &imageshare.User{AccountID: a.ID, Name: "dev", Enabled: true, CreatedAt: base}
	ok(t, s.CreateUser(ctx, dev))
	ok(t, s.CreateUser(ctx, &imageshare.User{AccountID: a.ID, Name: "off", CreatedAt: base.Add(1)}))
	ok(t, s.CreateUserKey(ctx, &imageshare.AccessKey{PublicKey: "KDEV", PrivateKey: "sdev", AccountID: a.ID, UserID: dev.ID, Enabled: true, CreatedAt: base}))
	g := &imageshare.Group{AccountID: a.ID, Name: "readers", CreatedAt: base}
	ok(t, s.CreateGroup(ctx, g))
	ok(t, s.AddGroupMember(ctx, g.ID, dev.ID, 10))
	read := &imageshare.Policy{AccountID: a.ID, Name: "Read", Description: `"quoted" ü`,
		Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]}`, CreatedAt: base}
	deny := &imageshare.Policy{AccountID: a.ID, Name: "Deny", Document: `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`, CreatedAt: base}
	ok(t, s.CreatePolicy(ctx, read))
	ok(t, s.CreatePolicy(ctx, deny))
	ok(t, s.AttachPolicy(ctx, imageshare.Attachment{PolicyID: read.ID, PrincipalType: imageshare.PrincipalGroup, PrincipalID: g.ID, AttachedAt: base}, 10))
	ok(t, s.AttachPolicy(ctx, imageshare.Attachment{PolicyID: deny.ID, PrincipalType: imageshare.PrincipalUser, PrincipalID: dev.ID, AttachedAt: base.Add(2)}, 10))
	return a.ID, dev.ID
}

// wantSameRAM compares what two stores answer about the account's RAM
// records, and that new records get fresh ids in the second.
func wantSameRAM(t *testing.T, a, b imageshare.Store, accountID, userID int64) {
	t.Helper()
	ctx := context.Background()
	same := func(what string, x, y any, errX, errY error) {
		t.Helper()
		ok(t, errX)
		ok(t, errY)
		if !reflect.DeepEqual(x, y) {
			t.Errorf("%s differs:\n%#v\n%#v", what, x, y)
		}
	}
	ua, err1 := a.ListUsers(ctx, accountID)
	ub, err2 := b.ListUsers(ctx, accountID)
	same("users", ua, ub, err1, err2)
	ga, err1 := a.ListGroups(ctx, accountID)
	gb, err2 := b.ListGroups(ctx, accountID)
	same("groups", ga, gb, err1, err2)
	pa, err1 := a.ListPolicies(ctx, accountID)
	pb, err2 := b.ListPolicies(ctx, accountID)
	same("policies", pa, pb, err1, err2)
	aa, err1 := a.ListAttachments(ctx, accountID)
	ab, err2 := b.ListAttachments(ctx, accountID)
	same("attachments", aa, ab, err1, err2)
	pra, err1 := a.LoadPrincipal(ctx, userID)
	prb, err2 := b.LoadPrincipal(ctx, userID)
	same("principal", pra, prb, err1, err2)
	ka, err1 := a.FindAccessKey(ctx, "KDEV")
	kb, err2 := b.FindAccessKey(ctx, "KDEV")
	same("the sub-user's key", ka, kb, err1, err2)

	u := &imageshare.User{AccountID: accountID, Name: "new"}
	ok(t, b.CreateUser(ctx, u))
	g := &imageshare.Group{AccountID: accountID, Name: "new"}
	ok(t, b.CreateGroup(ctx, g))
	p := &imageshare.Policy{AccountID: accountID, Name: "new", Document: "{}"}
	ok(t, b.CreatePolicy(ctx, p))
	// populateRAM made users 1 and 2, group 1 and policies 1 and 2.
	for what, id := range map[string][2]int64{"user": {u.ID, 2}, "group": {g.ID, 1}, "policy": {p.ID, 2}} {
		if id[0] <= id[1] {
			t.Errorf("new %s id %d collides with a moved one", what, id[0])
		}
	}
}

func TestRoundTripRAM(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	s := openSQLiteStore(t, src)
	populate(t, s)
	accountID, userID := populateRAM(t, s)
	ok(t, s.Close())
	stream := export(t, "sqlite:"+src)
	stats := importInto(t, "sqlite:"+dst, stream)
	if stats["ram_users"] != 2 || stats["ram_policies"] != 2 || stats["ram_user_policies"] != 1 || stats["ram_group_policies"] != 1 || stats["ram_version"] != 1 {
		t.Errorf("imported %v", stats)
	}
	wantSameRows(t, src, dst)
	a, b := openSQLiteStore(t, src), openSQLiteStore(t, dst)
	defer a.Close()
	defer b.Close()
	wantSameRAM(t, a, b, accountID, userID)

	t.Run("PostgreSQL", func(t *testing.T) {
		pgtest.SkipUnlessConfigured(t)
		pg := pgtest.NewSchema(t)
		importInto(t, pg, stream)
		wantPostgresRows(t, pg, src)
		p, err := postgres.Open(context.Background(), pg)
		ok(t, err)
		defer p.Close()
		wantSameRAM(t, a, p, accountID, userID)
	})
}
