package e2e

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/baidubce/bce-sdk-go/bce"
	"github.com/baidubce/bce-sdk-go/services/bcc"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/internal/ucloudclient"
	"github.com/imageshare/imageshare/policy"
	"github.com/imageshare/imageshare/vocabulary"
)

// End-to-end tests of sub-users and access policies (docs/ram.md) through
// each dialect's official client: the same users and policies, the
// vendors' action names and resource names, and the policy simulator
// asked about every call the server decided.

// Policies the fixture attaches, written once for the three vocabularies.
const (
	ramReadOnly = `{"Version":"1","Statement":[{"Effect":"Allow",
		"Action":["ecs:Describe*","ucompshare:Describe*","bcc:Get*","bcc:List*"],"Resource":"*"}]}`
	ramAll      = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	ramNoLoop   = `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["127.0.0.0/8"]}}}]}`
	ramOneImage = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["ecs:*","ucompshare:*","bcc:*"],
		"Resource":["acs:ecs:*:*:image/ID","ucs:ucompshare:*:*:image/ID","brn:bce:bcc:*:*:image/ID"]}]}`
)

// ramFixture is an account with two shared custom images in one region
// and sub-users with keys: reader (read-only), oneimage (everything on the
// first image only), netdeny (everything, but a Deny for calls from
// 127.0.0.0/8), none (no policy) and off (everything, but disabled).
type ramFixture struct {
	srv      *apptest.Server
	vocab    *vocabulary.Vocabulary
	region   string
	owner    *imageshare.Account
	ownerKey *imageshare.AccessKey
	friend   *imageshare.Account
	one, two *imageshare.Image
	keys     map[string]*imageshare.AccessKey
}

func newRAMFixture(t *testing.T, vocab *vocabulary.Vocabulary, region string) *ramFixture {
	t.Helper()
	ctx := context.Background()
	srv := apptest.Start(t)
	f := &ramFixture{srv: srv, vocab: vocab, region: region, keys: map[string]*imageshare.AccessKey{}}
	f.owner, f.ownerKey = srv.Account(t, "")
	f.friend, _ = srv.Account(t, "")
	f.one = srv.Image(t, &imageshare.Image{Region: region, OwnerID: f.owner.ID, Type: imageshare.ImageCustom})
	f.two = srv.Image(t, &imageshare.Image{Region: region, OwnerID: f.owner.ID, Type: imageshare.ImageCustom})
	for _, im := range []*imageshare.Image{f.one, f.two} {
		f.share(t, im.ID)
	}
	svc := srv.Svc
	for name, doc := range map[string]string{
		"ReadOnly": ramReadOnly, "All": ramAll, "NoLoopback": ramNoLoop,
		"OneImage": strings.ReplaceAll(ramOneImage, "image/ID", "image/"+f.one.ID),
	} {
		if _, err := svc.CreatePolicy(ctx, f.owner.ID, name, "", doc); err != nil {
			t.Fatalf("policy %s: %v", name, err)
		}
	}
	for user, policies := range map[string][]string{
		"reader": {"ReadOnly"}, "oneimage": {"OneImage"}, "netdeny": {"All", "NoLoopback"}, "none": nil, "off": {"All"},
	} {
		u, err := svc.CreateUser(ctx, f.owner.ID, user)
		mustOK(t, err)
		for _, p := range policies {
			mustOK(t, svc.AttachPolicy(ctx, f.owner.ID, p, imageshare.PrincipalUser, user))
		}
		if f.keys[user], err = svc.CreateUserKey(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	mustOK(t, svc.SetUserEnabled(ctx, f.owner.ID, "off", false))
	return f
}

// share shares id with the friend account, as the owner.
func (f *ramFixture) share(t *testing.T, id string) {
	t.Helper()
	_, err := f.srv.Svc.ModifyShares(context.Background(), imageshare.Caller{AccountID: f.owner.ID},
		imageshare.ShareRequest{ImageID: id, Add: []int64{f.friend.ID}})
	mustOK(t, err)
}

// shared reports whether id is still shared with the friend account.
func (f *ramFixture) shared(t *testing.T, id string) bool {
	t.Helper()
	return slices.Contains(sharedWith(t, f.srv, f.owner, id), f.friend.ID)
}

// ramDialect is what the table needs of one dialect: its calls, as the
// given user, and how it reports a denial and a disabled user.
type ramDialect struct {
	describe, modify, list func(user, imageID string) error
	// denied checks err is the dialect's denial of action on resource and
	// returns the message a caller sees.
	denied   func(t *testing.T, err error, action, resource string, denial policy.Denial) string
	disabled func(t *testing.T, err error)
	// names of the vendor actions describe, modify and list are.
	describeAction, modifyAction, listAction string
}

// ramCase is one call and what must come of it: allowed (any answer but
// a denial), or denied in this way.
type ramCase struct {
	user, op, image string
	denial          policy.Denial // "" for allowed
	disabled        bool
}

const missingImage = "compshareImage-doesnotexist"

func ramCases(f *ramFixture) []ramCase {
	return []ramCase{
		{user: "reader", op: "describe", image: f.one.ID},
		{user: "reader", op: "list"},
		{user: "reader", op: "describe", image: missingImage}, // allowed, then not found
		{user: "reader", op: "modify", image: f.one.ID, denial: policy.ImplicitDeny},
		{user: "oneimage", op: "describe", image: f.one.ID},
		{user: "oneimage", op: "modify", image: f.one.ID},
		{user: "oneimage", op: "describe", image: f.two.ID, denial: policy.ImplicitDeny},
		{user: "oneimage", op: "modify", image: f.two.ID, denial: policy.ImplicitDeny},
		{user: "oneimage", op: "describe", image: missingImage, denial: policy.ImplicitDeny},
		{user: "oneimage", op: "list", denial: policy.ImplicitDeny},
		{user: "netdeny", op: "describe", image: f.one.ID, denial: policy.ExplicitDeny},
		{user: "netdeny", op: "modify", image: f.one.ID, denial: policy.ExplicitDeny},
		{user: "none", op: "describe", image: f.one.ID, denial: policy.ImplicitDeny},
		{user: "off", op: "describe", image: f.one.ID, disabled: true},
	}
}

// runRAMTable runs every case through the dialect, checks the answer and
// that nothing changed on a denial, and asks the simulator the same
// question: it must agree with the server on each.
func runRAMTable(t *testing.T, f *ramFixture, d ramDialect) {
	ctx := context.Background()
	loopback := netip.MustParseAddr("127.0.0.1")
	denialMessages := map[string]string{}
	for _, tc := range ramCases(f) {
		name := tc.user + "/" + tc.op + "/" + tc.image
		t.Run(name, func(t *testing.T) {
			call, action, id := d.describe, d.describeAction, tc.image
			switch tc.op {
			case "modify":
				call, action = d.modify, d.modifyAction
			case "list":
				call, action, id = d.list, d.listAction, "*"
			}
			resource := f.vocab.ARN(f.region, f.owner.ID, vocabulary.KindImage, id)
			err := call(tc.user, tc.image)
			switch {
			case tc.disabled:
				d.disabled(t, err)
			case tc.denial != "":
				msg := d.denied(t, err, action, resource, tc.denial)
				denialMessages[tc.user+tc.op+tc.image] = msg
				if tc.image != "" && tc.image != missingImage && !f.shared(t, tc.image) {
					t.Fatal("a denied call changed the shares")
				}
			case tc.image == missingImage:
				if err == nil {
					t.Fatal("a missing image was found")
				}
			default:
				mustOK(t, err)
			}
			if tc.op == "modify" && err == nil {
				f.share(t, tc.image) // the allowed change is undone
			}

			sim, serr := f.srv.Svc.SimulatePolicy(ctx, f.owner.ID, tc.user, core.Simulation{Action: action, Resource: resource, SourceIP: loopback})
			mustOK(t, serr)
			switch {
			case tc.disabled:
				if sim.Allowed() || sim.Refusal == "" {
					t.Fatalf("simulator: %+v, server refused a disabled user", sim)
				}
			case sim.Allowed() != (tc.denial == ""):
				t.Fatalf("simulator allowed=%v (%s), server denial %q", sim.Allowed(), sim.Decision.Denial, tc.denial)
			case tc.denial != "" && sim.Decision.Denial != tc.denial:
				t.Fatalf("simulator %s, server %s", sim.Decision.Denial, tc.denial)
			case tc.denial == policy.ExplicitDeny && (sim.Decision.Policy != "NoLoopback" || sim.Decision.Statement != 0):
				t.Fatalf("simulator names %s statement %d, want NoLoopback 0", sim.Decision.Policy, sim.Decision.Statement)
			}
		})
	}
	// A denial of an image that exists reads as the denial of one that
	// does not, but for the id the caller itself sent.
	exists := denialMessages["oneimagedescribe"+f.two.ID]
	missing := denialMessages["oneimagedescribe"+missingImage]
	if exists == "" || strings.ReplaceAll(exists, f.two.ID, missingImage) != missing {
		t.Errorf("denials differ for an existing and a missing image:\n%q\n%q", exists, missing)
	}
	// The owner's own key is untouched by all of it.
	if err := d.describe("", f.one.ID); err != nil {
		t.Fatalf("root key: %v", err)
	}
}

func TestRAM_Aliyun(t *testing.T) {
	f := newRAMFixture(t, vocabulary.For("aliyun"), aliyunRegion)
	client := func(user string) *ecs.Client {
		k := f.ownerKey
		if user != "" {
			k = f.keys[user]
		}
		return aliyunClient(t, f.srv, k)
	}
	runRAMTable(t, f, ramDialect{
		describeAction: "ecs:DescribeImageSharePermission", modifyAction: "ecs:ModifyImageSharePermission", listAction: "ecs:DescribeImages",
		describe: func(user, id string) error {
			_, err := describeShares(client(user), id, 0, 0)
			return err
		},
		modify: func(user, id string) error {
			return modifyShares(client(user), id, nil, []string{idString(f.friend.ID)})
		},
		list: func(user, _ string) error {
			_, err := client(user).DescribeImages(ecs.CreateDescribeImagesRequest())
			return err
		},
		denied: func(t *testing.T, err error, action, resource string, denial policy.Denial) string {
			se := wantAliyunError(t, err, "Forbidden.RAM", 403)
			d := se.AccessDeniedDetail()
			want := map[string]any{"AuthAction": action, "AuthResource": resource, "NoPermissionType": string(denial),
				"PolicyType": "AccountLevelIdentityBasedPolicy", "AuthPrincipalType": "SubUser", "AuthPrincipalOwnerId": idString(f.owner.ID)}
			for k, v := range want {
				if d[k] != v {
					t.Errorf("AccessDeniedDetail[%s] = %v, want %v (detail %v)", k, d[k], v, d)
				}
			}
			return se.Message() + " " + d["AuthResource"].(string)
		},
		disabled: func(t *testing.T, err error) {
			wantAliyunError(t, err, "InvalidAccessKeyId.Inactive", 400)
		},
	})
}

func TestRAM_UCloud(t *testing.T) {
	f := newRAMFixture(t, vocabulary.For("ucloud"), ucRegion)
	client := func(user string) *ucloudclient.Client {
		k := f.ownerKey
		if user != "" {
			k = f.keys[user]
		}
		return ucloudclient.New(f.srv.URL, k.PublicKey, k.PrivateKey, ucloudclient.WithRegion(ucRegion))
	}
	call := func(user, action string, params map[string]any) error {
		return client(user).Call(context.Background(), action, params, nil)
	}
	retCode := func(t *testing.T, err error) *ucloudclient.RetCodeError {
		t.Helper()
		var rc *ucloudclient.RetCodeError
		if !errors.As(err, &rc) {
			t.Fatalf("error %v (%T), want a RetCode", err, err)
		}
		return rc
	}
	runRAMTable(t, f, ramDialect{
		describeAction: "ucompshare:DescribeCompShareImageShareAccounts", modifyAction: "ucompshare:ModifyCompShareImageShareAccount",
		listAction: "ucompshare:DescribeCompShareCustomImages",
		describe: func(user, id string) error {
			return call(user, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": id})
		},
		modify: func(user, id string) error {
			return call(user, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": id, "RemoveAccounts": []int64{f.friend.ID}})
		},
		list: func(user, _ string) error { return call(user, "DescribeCompShareCustomImages", nil) },
		denied: func(t *testing.T, err error, action, resource string, denial policy.Denial) string {
			rc := retCode(t, err)
			if rc.RetCode != 175 || !strings.Contains(rc.Message, action) || !strings.Contains(rc.Message, resource) {
				t.Fatalf("RetCode %d %q, want 175 naming %s and %s", rc.RetCode, rc.Message, action, resource)
			}
			if (denial == policy.ExplicitDeny) != strings.Contains(rc.Message, "a policy denies it") {
				t.Errorf("message %q does not say %s", rc.Message, denial)
			}
			return rc.Message
		},
		disabled: func(t *testing.T, err error) {
			if rc := retCode(t, err); rc.RetCode != 174 {
				t.Fatalf("RetCode %d %q, want 174 (disabled key)", rc.RetCode, rc.Message)
			}
		},
	})
}

func TestRAM_Baidu(t *testing.T) {
	f := newRAMFixture(t, vocabulary.For("baidu"), baiduRegion)
	client := func(user string) *bcc.Client {
		k := f.ownerKey
		if user != "" {
			k = f.keys[user]
		}
		return baiduClient(t, f.srv, k)
	}
	runRAMTable(t, f, ramDialect{
		describeAction: "bcc:GetImageSharedUser", modifyAction: "bcc:UnShareImage", listAction: "bcc:ListImage",
		describe: func(user, id string) error {
			_, err := client(user).GetImageSharedUser(id)
			return err
		},
		modify: func(user, id string) error {
			return client(user).UnShareImage(id, &api.SharedUser{AccountId: idString(f.friend.ID)})
		},
		list: func(user, _ string) error {
			_, err := client(user).ListImage(&api.ListImageArgs{})
			return err
		},
		denied: func(t *testing.T, err error, action, resource string, denial policy.Denial) string {
			wantBceError(t, err, "AccessDenied", 403)
			var se *bce.BceServiceError
			errors.As(err, &se)
			if !strings.Contains(se.Message, action) || !strings.Contains(se.Message, resource) {
				t.Fatalf("message %q does not name %s and %s", se.Message, action, resource)
			}
			return se.Message
		},
		disabled: func(t *testing.T, err error) {
			wantBceError(t, err, "InvalidAccessKeyId", 403)
		},
	})
}

// A sub-user's Forbidden.RAM reaches the SDK as a ServerError whose
// AccessDeniedDetail the SDK parses: checked once more on the raw error.
func TestRAM_AliyunDetailIsParsedBySDK(t *testing.T) {
	f := newRAMFixture(t, vocabulary.For("aliyun"), aliyunRegion)
	err := modifyShares(aliyunClient(t, f.srv, f.keys["reader"]), f.one.ID, []string{idString(f.friend.ID)}, nil)
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) || se.AccessDeniedDetail() == nil || !strings.Contains(se.Error(), "AccessDeniedDetail: map[") {
		t.Fatalf("error %v carries no AccessDeniedDetail", err)
	}
}

// Behind a trusted proxy the caller's address is the one X-Forwarded-For
// names; from any other peer the header is ignored.
func TestRAM_TrustedProxy(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		proxies string
		xff     string
		allowed bool
	}{
		{"no proxy configured: the header is ignored", "", "198.51.100.7", false},
		{"trusted proxy: the forwarded address counts", "127.0.0.1/32", "198.51.100.7", true},
		{"trusted proxy: a forwarded loopback is still denied", "127.0.0.1/32", "127.0.0.5", false},
		{"untrusted peer: the header is ignored", "10.0.0.0/8", "198.51.100.7", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxies, err := app.ParseTrustedProxies(tc.proxies)
			mustOK(t, err)
			srv := apptest.Start(t, func(c *app.Config) { c.TrustedProxies = proxies })
			owner, _ := srv.Account(t, "")
			im := srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Type: imageshare.ImageCustom})
			for name, doc := range map[string]string{"All": ramAll, "NoLoopback": ramNoLoop} {
				_, err := srv.Svc.CreatePolicy(ctx, owner.ID, name, "", doc)
				mustOK(t, err)
			}
			u, err := srv.Svc.CreateUser(ctx, owner.ID, "dev")
			mustOK(t, err)
			mustOK(t, srv.Svc.AttachPolicy(ctx, owner.ID, "All", imageshare.PrincipalUser, "dev"))
			mustOK(t, srv.Svc.AttachPolicy(ctx, owner.ID, "NoLoopback", imageshare.PrincipalUser, "dev"))
			k, err := srv.Svc.CreateUserKey(ctx, u)
			mustOK(t, err)

			c := ucloudclient.New(srv.URL, k.PublicKey, k.PrivateKey, ucloudclient.WithRegion(ucRegion))
			req, err := c.NewRequest(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.ID})
			mustOK(t, err)
			req.Header.Set("X-Forwarded-For", tc.xff)
			resp, err := c.Send(req)
			mustOK(t, err)
			err = ucloudclient.Decode(resp, nil)
			var rc *ucloudclient.RetCodeError
			switch {
			case tc.allowed:
				mustOK(t, err)
			case !errors.As(err, &rc) || rc.RetCode != 175 || !strings.Contains(rc.Message, "a policy denies it"):
				t.Fatalf("err = %v, want RetCode 175 by the Deny on 127.0.0.0/8", err)
			}
		})
	}
}

// Two replicas on one database: a change made through one holds on the
// other from its next call, with no wait (each call reads the RAM
// version, every change increments it).
func TestRAM_ReplicasSeeChangesAtOnce(t *testing.T) {
	ctx := context.Background()
	dsn := apptest.StoreDSN(t)
	a := apptest.Start(t, func(c *app.Config) { c.DB = dsn })
	b := apptest.Start(t, func(c *app.Config) { c.DB = dsn })
	owner, _ := a.Account(t, "")
	im := a.Image(t, &imageshare.Image{Region: aliyunRegion, OwnerID: owner.ID, Type: imageshare.ImageCustom})
	_, err := a.Svc.CreatePolicy(ctx, owner.ID, "ReadOnly", "", ramReadOnly)
	mustOK(t, err)
	u, err := a.Svc.CreateUser(ctx, owner.ID, "dev")
	mustOK(t, err)
	k, err := a.Svc.CreateUserKey(ctx, u)
	mustOK(t, err)
	viaB := aliyunClient(t, b, k)
	describe := func() error { _, err := describeShares(viaB, im.ID, 0, 0); return err }

	wantAliyunError(t, describe(), "Forbidden.RAM", 403) // b caches the principal with no policy
	mustOK(t, a.Svc.AttachPolicy(ctx, owner.ID, "ReadOnly", imageshare.PrincipalUser, "dev"))
	mustOK(t, describe())
	mustOK(t, a.Svc.DetachPolicy(ctx, owner.ID, "ReadOnly", imageshare.PrincipalUser, "dev"))
	wantAliyunError(t, describe(), "Forbidden.RAM", 403)
	mustOK(t, a.Svc.AttachPolicy(ctx, owner.ID, "ReadOnly", imageshare.PrincipalUser, "dev"))
	mustOK(t, describe())
	mustOK(t, a.Svc.SetUserEnabled(ctx, owner.ID, "dev", false))
	wantAliyunError(t, describe(), "InvalidAccessKeyId.Inactive", 400)
	mustOK(t, a.Svc.SetUserEnabled(ctx, owner.ID, "dev", true))
	mustOK(t, describe())
}
