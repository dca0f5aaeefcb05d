package core_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	_ "github.com/imageshare/imageshare/dialect/aliyun" // registers the ecs: vocabulary
	_ "github.com/imageshare/imageshare/dialect/baidu"
	_ "github.com/imageshare/imageshare/dialect/ucloud"
	"github.com/imageshare/imageshare/policy"
	"github.com/imageshare/imageshare/sqlite"
	"github.com/imageshare/imageshare/vocabulary"
)

const (
	readOnlyDoc = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["ecs:Describe*"],"Resource":"*"}]}`
	allowAllDoc = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	denyLoopDoc = `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"127.0.0.0/8"}}}]}`
)

// subUser creates a sub-user of the caller's account with the given
// policies attached and returns its caller, as a dialect builds it for
// the action.
func (e *env) subUser(t *testing.T, root imageshare.Caller, name string, docs ...string) imageshare.Caller {
	t.Helper()
	ctx := context.Background()
	u, err := e.svc.CreateUser(ctx, root.AccountID, name)
	ok(t, err)
	for i, doc := range docs {
		pname := name + "-p" + string(rune('0'+i))
		_, err := e.svc.CreatePolicy(ctx, root.AccountID, pname, "", doc)
		ok(t, err)
		ok(t, e.svc.AttachPolicy(ctx, root.AccountID, pname, imageshare.PrincipalUser, name))
	}
	k, err := e.svc.CreateUserKey(ctx, u)
	ok(t, err)
	got, err := e.svc.Authenticate(ctx, k.PublicKey)
	ok(t, err)
	c := imageshare.CallerOf(got)
	c.Region, c.SourceIP = "cn-wlcb", netip.MustParseAddr("127.0.0.1")
	return c
}

func as(c imageshare.Caller, action string) imageshare.Caller {
	c.Action = act(action)
	return c
}

// act is the RAM action a dialect's table resolves name to (nil for a name
// no dialect has), as the dialect puts it on the caller.
func act(name string) *imageshare.RAMAction {
	if _, a, ok := vocabulary.Lookup(name); ok {
		return &a.RAMAction
	}
	return nil
}

func wantDenied(t *testing.T, err error, denial policy.Denial, action, resource string) {
	t.Helper()
	wantErr(t, err, imageshare.KindForbidden, imageshare.ReasonAccessDenied)
	d := imageshare.AccessDeniedOf(err)
	if d == nil || d.Denial != string(denial) || d.Action != action || d.Resource != resource {
		t.Fatalf("denial %+v, want %s of %s on %s", d, denial, action, resource)
	}
}

// Every Service method that takes a Caller authorizes it: a sub-user
// without a policy is refused by each, before anything is looked up.
func TestEveryCallerMethodIsAuthorized(t *testing.T) {
	e := newEnv(t, -1)
	root, _ := e.user(t, "alice@example.com")
	dev := e.subUser(t, root, "dev")
	callerType := reflect.TypeFor[imageshare.Caller]()
	svc := reflect.ValueOf(imageshare.Service(e.svc))
	st := reflect.TypeFor[imageshare.Service]()
	n := 0
	for i := range st.NumMethod() {
		m := st.Method(i)
		if m.Type.NumIn() < 2 || m.Type.In(1) != callerType {
			continue
		}
		n++
		for _, action := range []string{"", "ucompshare:DescribeCompShareImageTags", "ecs:NoSuchAction"} {
			args := []reflect.Value{reflect.ValueOf(context.Background()), reflect.ValueOf(as(dev, action))}
			for j := 2; j < m.Type.NumIn(); j++ {
				args = append(args, reflect.Zero(m.Type.In(j)))
			}
			out := svc.MethodByName(m.Name).Call(args)
			err, _ := out[len(out)-1].Interface().(error)
			if imageshare.ErrorReason(err) != imageshare.ReasonAccessDenied && !(action == "ucompshare:DescribeCompShareImageTags" && m.Name == "CatalogTags") {
				t.Errorf("%s as %q: err = %v, want access denied", m.Name, action, err)
			}
		}
	}
	if n < 15 {
		t.Fatalf("only %d Service methods take a Caller", n)
	}
}

func TestSubUserReadOnly(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	bob, _ := e.user(t, "bob@example.com")
	im := e.make(t, alice, inst, "llama")
	_, err := e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: im.ID, Region: "cn-wlcb", Add: []int64{bob.AccountID}})
	ok(t, err)
	dev := e.subUser(t, alice, "dev", readOnlyDoc)

	list, err := e.svc.DescribeShares(ctx, as(dev, "ecs:DescribeImageSharePermission"), im.ID, "cn-wlcb", imageshare.Page{})
	ok(t, err)
	if list.Total != 1 || list.Shares[0].AccountID != bob.AccountID {
		t.Fatalf("shares as the sub-user: %+v", list)
	}
	_, err = e.svc.ModifyShares(ctx, as(dev, "ecs:ModifyImageSharePermission"), imageshare.ShareRequest{ImageID: im.ID, Region: "cn-wlcb", Remove: []int64{bob.AccountID}})
	wantDenied(t, err, policy.ImplicitDeny, "ecs:ModifyImageSharePermission", "acs:ecs:cn-wlcb:"+itoa(alice.AccountID)+":image/"+im.ID)
	if l, _ := e.svc.DescribeShares(ctx, alice, im.ID, "cn-wlcb", imageshare.Page{}); l.Total != 1 {
		t.Fatal("a denied call changed the shares")
	}
	// A read action cannot be used to reach a write operation.
	_, err = e.svc.ModifyShares(ctx, as(dev, "ecs:DescribeImageSharePermission"), imageshare.ShareRequest{ImageID: im.ID, Region: "cn-wlcb", Remove: []int64{bob.AccountID}})
	wantErr(t, err, imageshare.KindForbidden, imageshare.ReasonAccessDenied)
	// The root key is unaffected.
	_, err = e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: im.ID, Region: "cn-wlcb", Remove: []int64{bob.AccountID}})
	ok(t, err)
}

// A denial says the same for an image that exists and one that does not:
// it is decided before the image is looked up.
func TestDenialDoesNotRevealExistence(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	bob, bobInst := e.user(t, "bob@example.com")
	mine := e.make(t, alice, inst, "mine")
	theirs := e.make(t, bob, bobInst, "theirs")
	dev := e.subUser(t, alice, "dev")
	var messages []string
	for _, id := range []string{mine.ID, theirs.ID, "compshareImage-000000000000"} {
		_, err := e.svc.DescribeShares(ctx, as(dev, "ucompshare:DescribeCompShareImageShareAccounts"), id, "cn-wlcb", imageshare.Page{})
		wantDenied(t, err, policy.ImplicitDeny, "ucompshare:DescribeCompShareImageShareAccounts", "ucs:ucompshare:cn-wlcb:"+itoa(alice.AccountID)+":image/"+id)
		messages = append(messages, imageshare.ErrorMessage(err))
	}
	for i, m := range messages {
		want := "You are not authorized to do ucompshare:DescribeCompShareImageShareAccounts on ucs:ucompshare:cn-wlcb:" + itoa(alice.AccountID) + ":image/"
		if len(m) < len(want) || m[:len(want)] != want {
			t.Fatalf("message %d = %q", i, m)
		}
	}
}

func TestPolicyChangesTakeEffectAtOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	im := e.make(t, alice, inst, "llama")
	dev := as(e.subUser(t, alice, "dev"), "bcc:GetImageDetail")
	_, err := e.svc.CreatePolicy(ctx, alice.AccountID, "Read", "", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"bcc:Get*","Resource":"brn:bce:bcc:*:*:image/*"}]}`)
	ok(t, err)
	_, err = e.svc.GetImage(ctx, dev, im.ID)
	wantErr(t, err, imageshare.KindForbidden, imageshare.ReasonAccessDenied)

	// Through a group.
	_, err = e.svc.CreateGroup(ctx, alice.AccountID, "readers")
	ok(t, err)
	ok(t, e.svc.AttachPolicy(ctx, alice.AccountID, "Read", imageshare.PrincipalGroup, "readers"))
	_, err = e.svc.GetImage(ctx, dev, im.ID)
	wantErr(t, err, imageshare.KindForbidden, imageshare.ReasonAccessDenied) // not a member yet
	ok(t, e.svc.AddGroupMember(ctx, alice.AccountID, "readers", "dev"))
	_, err = e.svc.GetImage(ctx, dev, im.ID)
	ok(t, err)
	ok(t, e.svc.RemoveGroupMember(ctx, alice.AccountID, "readers", "dev"))
	_, err = e.svc.GetImage(ctx, dev, im.ID)
	wantErr(t, err, imageshare.KindForbidden, imageshare.ReasonAccessDenied)

	// Directly.
	ok(t, e.svc.AttachPolicy(ctx, alice.AccountID, "Read", imageshare.PrincipalUser, "dev"))
	_, err = e.svc.GetImage(ctx, dev, im.ID)
	ok(t, err)
	ok(t, e.svc.DetachPolicy(ctx, alice.AccountID, "Read", imageshare.PrincipalUser, "dev"))
	_, err = e.svc.GetImage(ctx, dev, im.ID)
	wantErr(t, err, imageshare.KindForbidden, imageshare.ReasonAccessDenied)
	wantErr(t, e.svc.DetachPolicy(ctx, alice.AccountID, "Read", imageshare.PrincipalUser, "dev"), imageshare.KindNotFound, imageshare.ReasonNotAttached)
}

// Two services over one database stand for two replicas: a change made
// through one is obeyed by the other on its next call.
func TestPolicyCacheAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ram.db")
	a := core.New(openStore(t, path), core.Config{})
	b := core.New(openStore(t, path), core.Config{})
	ok(t, a.AddRegion(ctx, "cn-wlcb"))
	acct := &imageshare.Account{Name: "alice@example.com"}
	_, err := a.CreateAccount(ctx, acct)
	ok(t, err)
	u, err := a.CreateUser(ctx, acct.ID, "dev")
	ok(t, err)
	k, err := a.CreateUserKey(ctx, u)
	ok(t, err)
	_, err = a.CreatePolicy(ctx, acct.ID, "All", "", allowAllDoc)
	ok(t, err)
	ok(t, a.AttachPolicy(ctx, acct.ID, "All", imageshare.PrincipalUser, "dev"))
	c := imageshare.Caller{AccountID: acct.ID, PublicKey: k.PublicKey, UserID: u.ID, Action: act("ecs:DescribeImages"), Region: "cn-wlcb"}
	list := func(svc *core.Service) error {
		_, _, err := svc.ListImages(ctx, c, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, Region: "cn-wlcb"})
		return err
	}
	ok(t, list(a))
	ok(t, list(b)) // b caches the principal now

	ok(t, a.DetachPolicy(ctx, acct.ID, "All", imageshare.PrincipalUser, "dev"))
	wantErr(t, list(b), imageshare.KindForbidden, imageshare.ReasonAccessDenied)
	ok(t, a.AttachPolicy(ctx, acct.ID, "All", imageshare.PrincipalUser, "dev"))
	ok(t, list(b))

	ok(t, a.SetUserEnabled(ctx, acct.ID, "dev", false))
	_, err = b.Authenticate(ctx, k.PublicKey)
	wantErr(t, err, imageshare.KindUnauthenticated, imageshare.ReasonKeyDisabled)
	wantErr(t, list(b), imageshare.KindUnauthenticated, imageshare.ReasonKeyDisabled)
	ok(t, a.SetUserEnabled(ctx, acct.ID, "dev", true))
	_, err = b.Authenticate(ctx, k.PublicKey)
	ok(t, err)
	ok(t, list(b))
}

func TestSourceIPAndResourceConditions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	one, two := e.make(t, alice, inst, "one"), e.make(t, alice, inst, "two")
	oneOnly := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"acs:ecs:*:*:image/` + one.ID + `"}]}`
	dev := as(e.subUser(t, alice, "dev", oneOnly), "ecs:DescribeImageSharePermission")
	_, err := e.svc.DescribeShares(ctx, dev, one.ID, "cn-wlcb", imageshare.Page{})
	ok(t, err)
	_, err = e.svc.DescribeShares(ctx, dev, two.ID, "cn-wlcb", imageshare.Page{})
	wantErr(t, err, imageshare.KindForbidden, imageshare.ReasonAccessDenied)

	ops := as(e.subUser(t, alice, "ops", allowAllDoc, denyLoopDoc), "ecs:DescribeImages")
	_, _, err = e.svc.ListImages(ctx, ops, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, Region: "cn-wlcb"})
	wantDenied(t, err, policy.ExplicitDeny, "ecs:DescribeImages", "acs:ecs:cn-wlcb:"+itoa(alice.AccountID)+":image/*")
	if d := imageshare.AccessDeniedOf(err); d.Policy != "ops-p1" || d.Statement != 0 || d.UserName != "ops" {
		t.Fatalf("denial %+v does not name the deciding statement", d)
	}
	ops.SourceIP = netip.MustParseAddr("192.0.2.10")
	_, _, err = e.svc.ListImages(ctx, ops, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, Region: "cn-wlcb"})
	ok(t, err)
}

// The simulator answers as the server decides, case by case.
func TestSimulatorAgreesWithAuthorize(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	im := e.make(t, alice, inst, "one")
	e.subUser(t, alice, "reader", readOnlyDoc)
	e.subUser(t, alice, "netdeny", allowAllDoc, denyLoopDoc)
	e.subUser(t, alice, "none")
	arn := "acs:ecs:cn-wlcb:" + itoa(alice.AccountID) + ":image/" + im.ID
	for _, tt := range []struct {
		user, action, ip string
		call             func(c imageshare.Caller) error
	}{
		{"reader", "ecs:DescribeImageSharePermission", "127.0.0.1", func(c imageshare.Caller) error {
			_, err := e.svc.DescribeShares(ctx, c, im.ID, "cn-wlcb", imageshare.Page{})
			return err
		}},
		{"reader", "ecs:ModifyImageSharePermission", "127.0.0.1", func(c imageshare.Caller) error {
			_, err := e.svc.ModifyShares(ctx, c, imageshare.ShareRequest{ImageID: im.ID, Region: "cn-wlcb", SetPublic: new(bool)})
			return err
		}},
		{"netdeny", "ecs:DescribeImageSharePermission", "127.0.0.1", func(c imageshare.Caller) error {
			_, err := e.svc.DescribeShares(ctx, c, im.ID, "cn-wlcb", imageshare.Page{})
			return err
		}},
		{"netdeny", "ecs:DescribeImageSharePermission", "10.0.0.1", func(c imageshare.Caller) error {
			_, err := e.svc.DescribeShares(ctx, c, im.ID, "cn-wlcb", imageshare.Page{})
			return err
		}},
		{"none", "ecs:DescribeImageSharePermission", "127.0.0.1", func(c imageshare.Caller) error {
			_, err := e.svc.DescribeShares(ctx, c, im.ID, "cn-wlcb", imageshare.Page{})
			return err
		}},
	} {
		u, err := e.svc.FindUser(ctx, alice.AccountID, tt.user)
		ok(t, err)
		c := imageshare.Caller{AccountID: alice.AccountID, UserID: u.ID, Action: act(tt.action), Region: "cn-wlcb", SourceIP: netip.MustParseAddr(tt.ip)}
		served := tt.call(c)
		if served != nil && imageshare.ErrorReason(served) != imageshare.ReasonAccessDenied {
			t.Fatalf("%s %s: %v", tt.user, tt.action, served)
		}
		sim, err := e.svc.SimulatePolicy(ctx, alice.AccountID, tt.user, core.Simulation{Action: tt.action, Resource: arn, SourceIP: c.SourceIP})
		ok(t, err)
		if sim.Allowed() != (served == nil) {
			t.Errorf("%s %s from %s: simulator allowed=%v, server err=%v", tt.user, tt.action, tt.ip, sim.Allowed(), served)
		}
		if served != nil && string(sim.Decision.Denial) != imageshare.AccessDeniedOf(served).Denial {
			t.Errorf("%s %s: simulator %s, server %s", tt.user, tt.action, sim.Decision.Denial, imageshare.AccessDeniedOf(served).Denial)
		}
	}
	sim, err := e.svc.SimulatePolicy(ctx, alice.AccountID, "reader", core.Simulation{Action: "ecs:AllocatePublicIpAddress", Resource: arn})
	ok(t, err)
	if sim.Allowed() || sim.Refusal == "" {
		t.Fatalf("an unknown action simulates as %+v", sim)
	}
}

func TestRAMAdminRefuses(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, _ := e.user(t, "alice@example.com")
	_, err := e.svc.CreateUser(ctx, alice.AccountID, "bad name")
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	_, err = e.svc.CreateUser(ctx, alice.AccountID, "")
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonMissingParameter)
	_, err = e.svc.CreatePolicy(ctx, alice.AccountID, "P", "", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs","Resource":"*"}]}`)
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonPolicyInvalid)
	_, err = e.svc.CreateUser(ctx, 999999, "dev")
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
	err = e.svc.AttachPolicy(ctx, alice.AccountID, "Nope", imageshare.PrincipalUser, "dev")
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonPolicyNotFound)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// BenchmarkAuthorize measures what authorization adds to a call: a root
// caller (nothing), and a sub-user whose compiled policies are cached (one
// read of the RAM version and an evaluation).
func BenchmarkAuthorize(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	svc := core.New(s, core.Config{})
	if err := s.AddRegion(ctx, "cn-wlcb"); err != nil {
		b.Fatal(err)
	}
	acct := &imageshare.Account{Name: "alice@example.com"}
	if _, err := svc.CreateAccount(ctx, acct); err != nil {
		b.Fatal(err)
	}
	u, _ := svc.CreateUser(ctx, acct.ID, "dev")
	svc.CreatePolicy(ctx, acct.ID, "Read", "", readOnlyDoc)
	svc.CreatePolicy(ctx, acct.ID, "Net", "", denyLoopDoc)
	svc.AttachPolicy(ctx, acct.ID, "Read", imageshare.PrincipalUser, "dev")
	svc.AttachPolicy(ctx, acct.ID, "Net", imageshare.PrincipalUser, "dev")
	for _, bc := range []struct {
		name string
		c    imageshare.Caller
	}{
		{"root", imageshare.Caller{AccountID: acct.ID, Action: act("ecs:DescribeImageSharePermission"), Region: "cn-wlcb"}},
		{"subuser", imageshare.Caller{AccountID: acct.ID, UserID: u.ID, Action: act("ecs:DescribeImageSharePermission"), Region: "cn-wlcb", SourceIP: netip.MustParseAddr("10.0.0.1")}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				// The image does not exist: what is measured is everything
				// before the lookup, plus the lookup itself.
				if _, err := svc.DescribeShares(ctx, bc.c, "compshareImage-none", "cn-wlcb", imageshare.Page{}); imageshare.ErrorReason(err) != imageshare.ReasonImageNotFound {
					b.Fatal(err)
				}
			}
		})
	}
}

// versionCounter is a store that counts the reads of the RAM version.
type versionCounter struct {
	imageshare.Store
	reads int
}

func (s *versionCounter) RAMVersion(ctx context.Context) (int64, error) {
	s.reads++
	return s.Store.RAMVersion(ctx)
}

// A sub-user's request reads the RAM version once: Authenticate reads it
// to refuse a disabled user's key, and the call is authorized by the
// principal of that version (AccessKey.RAMVersion), with a cold cache and
// a warm one alike.
func TestRAMVersionReadOncePerRequest(t *testing.T) {
	ctx := context.Background()
	store := &versionCounter{Store: openStore(t, ":memory:")}
	svc := core.New(store, core.Config{})
	ok(t, store.AddRegion(ctx, "cn-wlcb"))
	acct := &imageshare.Account{Name: "alice@example.com"}
	_, err := svc.CreateAccount(ctx, acct)
	ok(t, err)
	u, err := svc.CreateUser(ctx, acct.ID, "dev")
	ok(t, err)
	k, err := svc.CreateUserKey(ctx, u)
	ok(t, err)
	_, err = svc.CreatePolicy(ctx, acct.ID, "All", "", allowAllDoc)
	ok(t, err)
	ok(t, svc.AttachPolicy(ctx, acct.ID, "All", imageshare.PrincipalUser, "dev"))
	for _, cache := range []string{"cold", "warm"} {
		store.reads = 0
		key, err := svc.Authenticate(ctx, k.PublicKey) // the request's steps, as dialect/kit runs them
		ok(t, err)
		c := as(imageshare.CallerOf(key), "ecs:DescribeImages")
		c.Region = "cn-wlcb"
		_, _, err = svc.ListImages(ctx, c, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, Region: "cn-wlcb"})
		ok(t, err)
		if store.reads != 1 {
			t.Errorf("%s cache: a request read the RAM version %d times, want 1", cache, store.reads)
		}
	}
}
