package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/dialect/aliyun"
	"github.com/imageshare/imageshare/dialect/ucloud"
)

// The security matrices run every action of every dialect against one
// data set in region bj, which all three dialects serve: UCloud and
// Alibaba name it in Region/RegionId, Baidu takes it from its default.
const matrixRegion = "bj"

// matrixFixture is alice's data, which the matrices attack.
type matrixFixture struct {
	srv                          *apptest.Server
	alice, bob                   *imageshare.Account
	aliceKey, bobKey, disabled   *imageshare.AccessKey // disabled is a second key of alice's
	private, shared              string                // alice's Custom images; shared is shared with bob
	terminate, delAliyun, delBCE string                // alice's images for the destructive actions
	shareAliyun, shareBCE        string                // alice's images the owner's share calls change
	unshare                      string                // shared with bob, for Baidu's unshare
	version, group, secretTag    string                // alice's unpublished (Reviewing) community version
	instance                     string                // alice's instance in bj
	copying, copyingBCE          string                // alice's images still being made, for the cancel actions
	// platform is a System image of bj; running and stopped are alice's
	// instances launched from it (instances_matrix_test.go).
	platform, running, stopped string
	bceRunning, bceStopped     string // the same, for the BCC calls
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	return newMatrixFixtureWith(t)
}

// newMatrixFixtureWith is newMatrixFixture on a server opts configure.
func newMatrixFixtureWith(t *testing.T, opts ...func(*app.Config)) *matrixFixture {
	t.Helper()
	ctx := context.Background()
	// Builds finish at once, so that no state moves by itself.
	srv := apptest.Start(t, append([]func(*app.Config){func(c *app.Config) { c.BuildDuration = -1 }}, opts...)...)
	f := &matrixFixture{srv: srv}
	f.alice, f.aliceKey = srv.Account(t, "alice@example.com")
	f.bob, f.bobKey = srv.Account(t, "bob@example.com")
	k, err := srv.Svc.CreateKey(ctx, f.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Svc.SetKeyEnabled(ctx, k.PublicKey, false); err != nil {
		t.Fatal(err)
	}
	f.disabled = k
	var b [4]byte
	_, _ = rand.Read(b[:])
	f.secretTag = "secret-" + hex.EncodeToString(b[:])
	// Images bob must never see carry the secret tag; the shared ones do not.
	image := func(name string, tags ...string) string {
		return srv.Image(t, &imageshare.Image{Region: matrixRegion, OwnerID: f.alice.ID, Type: imageshare.ImageCustom,
			Name: name, Tags: tags, OSName: "Ubuntu", OSType: "linux", SizeMB: 20480}).ID
	}
	f.private, f.shared = image("alice-private", f.secretTag), image("alice-shared")
	f.terminate, f.delAliyun, f.delBCE, f.unshare = image("alice-terminate", f.secretTag), image("alice-del-aliyun", f.secretTag), image("alice-del-bce", f.secretTag), image("alice-unshare")
	f.shareAliyun, f.shareBCE = image("alice-share-aliyun", f.secretTag), image("alice-share-bce", f.secretTag)
	caller := imageshare.Caller{AccountID: f.alice.ID}
	for _, id := range []string{f.shared, f.unshare} {
		if _, err := srv.Svc.ModifyShares(ctx, caller, imageshare.ShareRequest{ImageID: id, Region: matrixRegion, Add: []int64{f.bob.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	v, err := srv.Svc.PublishImage(ctx, caller, imageshare.PublishRequest{ImageID: f.private, Region: matrixRegion,
		Name: "alice-unpublished", VersionName: "v1", Tags: []string{f.secretTag}})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if v.Status != imageshare.StatusReviewing {
		t.Fatalf("published version is %s, want Reviewing (unpublished)", v.Status)
	}
	f.version, f.group = v.ID, v.GroupID
	in, err := srv.Svc.CreateInstance(ctx, &imageshare.Instance{OwnerID: f.alice.ID, Region: matrixRegion, GPUType: "4090"})
	if err != nil {
		t.Fatal(err)
	}
	f.instance = in.ID
	now := srv.Svc.Now().UTC()
	making := func(name string) string {
		return srv.Image(t, &imageshare.Image{Region: matrixRegion, OwnerID: f.alice.ID, Type: imageshare.ImageCustom, Name: name,
			Tags: []string{f.secretTag}, Status: imageshare.StatusMaking, BuildStartedAt: now, BuildDoneAt: now.Add(time.Hour)}).ID
	}
	f.copying, f.copyingBCE = making("alice-copying"), making("alice-copying-bce")
	f.addInstances(t)
	return f
}

func ucOp(action string, params map[string]string, mutates bool) apiOp {
	p := map[string]string{"Region": matrixRegion}
	for k, v := range params {
		p[k] = v
	}
	return apiOp{dialect: dUCloud, action: action, params: p, mutates: mutates}
}

func alOp(action string, params map[string]string, mutates bool) apiOp {
	p := map[string]string{"RegionId": matrixRegion}
	for k, v := range params {
		p[k] = v
	}
	return apiOp{dialect: dAliyun, action: action, params: p, mutates: mutates}
}

func bceOp(action, method, path, query, body string, mutates bool) apiOp {
	op := apiOp{dialect: dBaidu, action: action, method: method, path: path, query: query, mutates: mutates}
	if body != "" {
		op.body = []byte(body)
	}
	return op
}

// baiduActions are the BCC calls the dialect serves (dialect/baidu/router.go),
// named after the SDK methods that make them.
var baiduActions = []string{"DeleteImage", "GetImageDetail", "GetImageSharedUser", "ListImage", "ShareImage", "UnShareImage",
	// The image workflow's; ImportCustomImage is served only to answer 501 (docs/baidu.md), so no call of it succeeds.
	"CreateImage", "RenameImage", "RemoteCopyImage", "CancelRemoteCopyImage", "BindImageToTags", "UnBindImageToTags", "GetImageOS",
	"CreateInstance", "CreateInstanceBySpec", "ListInstances", "GetInstanceDetail", "StartInstance", "StopInstance", "RebootInstance",
	"RebuildInstance", "DeleteInstance", "ListSecurityGroup", "ListZone"}

// ownerOps is every action of every dialect as alice would call it, each
// on data that makes a successful call observable (mutates says whether it
// changes the store).
func (f *matrixFixture) ownerOps() []apiOp {
	bob := strconv.FormatInt(f.bob.ID, 10)
	return append([]apiOp{
		ucOp("DescribeCompShareImageShareAccounts", map[string]string{"CompShareImageId": f.shared}, false),
		ucOp("ModifyCompShareImageShareAccount", map[string]string{"CompShareImageId": f.private, "AddAccounts.0": bob}, true),
		ucOp("DescribeCompShareCustomImages", nil, false),
		ucOp("DescribeCompShareSharingImages", nil, false),
		ucOp("DescribeCompShareImages", nil, false),
		ucOp("CreateCompShareCustomImage", map[string]string{"UHostId": f.instance, "Name": "matrix-created"}, true),
		ucOp("GetCompShareImageCreateProgress", map[string]string{"CompShareImageId": f.private}, false),
		ucOp("UpdateCompShareImage", map[string]string{"CompShareImageId": f.private, "Description": "changed by the matrix"}, true),
		ucOp("CopyCompShareCustomImage", map[string]string{"CompShareImageId": f.private, "TargetImageName": "matrix-copy"}, true),
		ucOp("TerminateCompShareCustomImage", map[string]string{"CompShareImageId": f.terminate}, true),
		ucOp("DescribeCompShareImageTags", nil, false),
		ucOp("PublishCompShareImage", map[string]string{"CompShareImageId": f.private, "Price": "0", "VersionName": "matrix"}, true),
		ucOp("DescribeCommunityImages", nil, false),
		ucOp("DescribeSelfCommunityImages", nil, false),
		ucOp("DescribeUserCommunityImages", nil, false),

		alOp("DescribeImageSharePermission", map[string]string{"ImageId": f.shared}, false),
		alOp("ModifyImageSharePermission", map[string]string{"ImageId": f.shareAliyun, "AddAccount.1": bob}, true),
		alOp("DescribeImages", nil, false),
		alOp("DeleteImage", map[string]string{"ImageId": f.delAliyun}, true),

		bceOp("ListImage", http.MethodGet, "/v2/image", "", "", false),
		bceOp("GetImageDetail", http.MethodGet, "/v2/image/"+f.private, "", "", false),
		bceOp("GetImageSharedUser", http.MethodGet, "/v2/image/"+f.shared+"/sharedUsers", "", "", false),
		bceOp("ShareImage", http.MethodPost, "/v2/image/"+f.shareBCE, "share", `{"accountId":"`+bob+`"}`, true),
		bceOp("UnShareImage", http.MethodPost, "/v2/image/"+f.unshare, "unshare", `{"accountId":"`+bob+`"}`, true),
		bceOp("DeleteImage", http.MethodDelete, "/v2/image/"+f.delBCE, "", "", true),

		// The image workflow (docs/aliyun.md, docs/baidu.md); tags are
		// added before they are removed, so that each removal changes the store.
		alOp("CreateImage", map[string]string{"InstanceId": f.instance, "ImageName": "matrix-made"}, true),
		alOp("ModifyImageAttribute", map[string]string{"ImageId": f.private, "Description": "changed by ecs"}, true),
		alOp("CopyImage", map[string]string{"ImageId": f.private, "DestinationRegionId": "cn-wlcb", "DestinationImageName": "matrix-ecs-copy"}, true),
		alOp("CancelCopyImage", map[string]string{"ImageId": f.copying}, true),
		alOp("DescribeImageFromFamily", map[string]string{"ImageFamily": "matrix"}, false),
		alOp("DescribeRegions", nil, false),
		alOp("TagResources", map[string]string{"ResourceType": "image", "ResourceId.1": f.private, "Tag.1.Key": "matrix"}, true),
		alOp("ListTagResources", map[string]string{"ResourceType": "image", "ResourceId.1": f.private}, false),
		alOp("DescribeTags", map[string]string{"ResourceType": "image"}, false),
		alOp("UntagResources", map[string]string{"ResourceType": "image", "ResourceId.1": f.private, "All": "true"}, true),
		alOp("AddTags", map[string]string{"ResourceType": "image", "ResourceId": f.private, "Tag.1.Key": "matrix2"}, true),
		alOp("RemoveTags", map[string]string{"ResourceType": "image", "ResourceId": f.private}, true),
		bceOp("CreateImage", http.MethodPost, "/v2/image", "", `{"instanceId":"`+f.instance+`","imageName":"matrixbce"}`, true),
		bceOp("RenameImage", http.MethodPut, "/v2/image/rename", "", `{"imageId":"`+f.private+`","name":"alice-renamed"}`, true),
		bceOp("RemoteCopyImage", http.MethodPost, "/v2/image/"+f.private, "remoteCopy", `{"name":"matrix-bce-copy","destRegion":["cn-wlcb"]}`, true),
		bceOp("CancelRemoteCopyImage", http.MethodPost, "/v2/image/"+f.copyingBCE, "cancelRemoteCopy", "", true),
		bceOp("BindImageToTags", http.MethodPut, "/v2/image/"+f.private+"/tag", "bind", `{"changeTags":[{"tagKey":"bce","tagValue":"v"}]}`, true),
		bceOp("UnBindImageToTags", http.MethodPut, "/v2/image/"+f.private+"/tag", "unbind", `{"changeTags":[{"tagKey":"bce","tagValue":"v"}]}`, true),
		bceOp("GetImageOS", http.MethodPost, "/v2/image/os", "", `{"instanceIds":["`+f.instance+`"]}`, false),
	}, f.instanceOps()...)
}

// checkCoversEveryAction fails unless ops name every action each dialect serves.
func checkCoversEveryAction(t *testing.T, ops []apiOp) {
	t.Helper()
	want := map[string][]string{dUCloud: ucloud.Actions(), dAliyun: aliyun.Actions(), dBaidu: baiduActions}
	got := map[string][]string{}
	for _, op := range ops {
		if !slices.Contains(got[op.dialect], op.action) {
			got[op.dialect] = append(got[op.dialect], op.action)
		}
	}
	for d, names := range want {
		for _, name := range names {
			if !slices.Contains(got[d], name) {
				t.Errorf("the matrix has no case for %s action %s", d, name)
			}
		}
	}
}

// refusal is the answer a spoiled request must get.
type refusal struct {
	status int
	code   string
}

// authCase is one way of getting authentication wrong.
type authCase struct {
	name string
	// cred returns the credentials for an op; replay cases also make the
	// request whose nonce is then reused.
	cred func(t *testing.T, f *matrixFixture) cred
	// want is the refusal per dialect; a dialect without an entry has no
	// such mechanism (UCloud signs no time or nonce: see SECURITY.md).
	want map[string]refusal
}

var authCases = []authCase{
	{"NoSignature", func(t *testing.T, f *matrixFixture) cred { c := keyCred(f.aliceKey); c.omitSignature = true; return c },
		map[string]refusal{dUCloud: {200, "170"}, dAliyun: {400, "MissingParameter"}, dBaidu: {400, "InvalidHTTPAuthHeader"}}},
	{"WrongSignature", func(t *testing.T, f *matrixFixture) cred { c := keyCred(f.aliceKey); c.corrupt = true; return c },
		map[string]refusal{dUCloud: {200, "171"}, dAliyun: {400, "SignatureDoesNotMatch"}, dBaidu: {400, "SignatureDoesNotMatch"}}},
	{"WrongSecret", func(t *testing.T, f *matrixFixture) cred {
		return cred{keyID: f.aliceKey.PublicKey, secret: f.aliceKey.PrivateKey + "x"}
	}, map[string]refusal{dUCloud: {200, "171"}, dAliyun: {400, "SignatureDoesNotMatch"}, dBaidu: {400, "SignatureDoesNotMatch"}}},
	// Bob's key id signed with alice's secret: neither may act as the other.
	{"AnotherAccountsKey", func(t *testing.T, f *matrixFixture) cred {
		return cred{keyID: f.bobKey.PublicKey, secret: f.aliceKey.PrivateKey}
	}, map[string]refusal{dUCloud: {200, "171"}, dAliyun: {400, "SignatureDoesNotMatch"}, dBaidu: {400, "SignatureDoesNotMatch"}}},
	// A disabled key of alice's, signed correctly: accepted, it would act as alice.
	{"DisabledKey", func(t *testing.T, f *matrixFixture) cred { return keyCred(f.disabled) },
		map[string]refusal{dUCloud: {200, "174"}, dAliyun: {400, "InvalidAccessKeyId.Inactive"}, dBaidu: {403, "InvalidAccessKeyId"}}},
	{"UnknownKey", func(t *testing.T, f *matrixFixture) cred { return cred{keyID: "AKNOSUCHKEY", secret: "whatever"} },
		map[string]refusal{dUCloud: {200, "172"}, dAliyun: {404, "InvalidAccessKeyId.NotFound"}, dBaidu: {403, "InvalidAccessKeyId"}}},
	// Signed two hours ago: Alibaba's 15-minute window and Baidu's 1800 s
	// signature are both over.
	{"StaleTimestamp", func(t *testing.T, f *matrixFixture) cred { c := keyCred(f.aliceKey); c.skew = -2 * time.Hour; return c },
		map[string]refusal{dAliyun: {400, "InvalidTimeStamp.Expired"}, dBaidu: {400, "RequestExpired"}}},
	{"FutureTimestamp", func(t *testing.T, f *matrixFixture) cred {
		c := keyCred(f.aliceKey)
		c.skew = 20 * time.Minute
		return c
	},
		map[string]refusal{dAliyun: {400, "InvalidTimeStamp.Expired"}, dBaidu: {403, "RequestTimeTooSkewed"}}},
	// Baidu's signature declares its own window: 60 s, signed 2 minutes ago.
	{"ExpiredSignature", func(t *testing.T, f *matrixFixture) cred {
		c := keyCred(f.aliceKey)
		c.skew, c.expireSeconds = -2*time.Minute, 60
		return c
	}, map[string]refusal{dBaidu: {400, "RequestExpired"}}},
	// A nonce already used by an accepted request, on a new, correctly
	// signed request: Alibaba refuses it, whatever the request.
	{"ReplayedNonce", func(t *testing.T, f *matrixFixture) cred {
		c := keyCred(f.aliceKey)
		var b [12]byte
		_, _ = rand.Read(b[:])
		c.nonce = "replayed-" + hex.EncodeToString(b[:])
		if r := send(t, f.srv.URL, alOp("DescribeImages", nil, false), c); !r.ok() {
			t.Fatalf("first use of the nonce refused: %s", r)
		}
		return c
	}, map[string]refusal{dAliyun: {400, "SignatureNonceUsed"}}},
}

// TestAuthMatrix sends every action of every dialect with each kind of bad
// authentication and checks that each is refused with the dialect's own
// error and changes nothing; then the same request correctly signed
// succeeds (and, for a changing action, changes the store), so the refused
// requests were ones that would have had an effect.
func TestAuthMatrix(t *testing.T) {
	f := newMatrixFixture(t)
	ops := f.ownerOps()
	checkCoversEveryAction(t, ops)
	refused := 0
	for _, op := range ops {
		t.Run(op.dialect+"/"+op.action, func(t *testing.T) {
			for _, ac := range authCases {
				want, applies := ac.want[op.dialect]
				if !applies {
					continue
				}
				c := ac.cred(t, f)
				before := storeState(t, f.srv)
				r := send(t, f.srv.URL, op, c)
				if r.status != want.status || r.code != want.code {
					t.Errorf("%s: got %s, want %d %s", ac.name, r, want.status, want.code)
				}
				checkErrorEnvelope(t, op.dialect, ac.name, r)
				if after := storeState(t, f.srv); after != before {
					t.Errorf("%s: the refused call changed the store:\n%s", ac.name, firstDiff(before, after))
				}
				refused++
			}
			before := storeState(t, f.srv)
			r := send(t, f.srv.URL, op, keyCred(f.aliceKey))
			if !r.ok() {
				t.Fatalf("correctly signed: %s, want success", r)
			}
			if changed := storeState(t, f.srv) != before; changed != op.mutates {
				t.Errorf("correctly signed: store changed = %v, want %v", changed, op.mutates)
			}
		})
	}
	t.Logf("%d actions, %d refused requests, none with a side effect", len(ops), refused)
}

// checkErrorEnvelope checks the parts of an error answer each SDK reads.
func checkErrorEnvelope(t *testing.T, dialect, name string, r reply) {
	t.Helper()
	switch dialect {
	case dUCloud:
		if r.message == "" || r.header.Get("X-UCLOUD-REQUEST-UUID") == "" {
			t.Errorf("%s: UCloud error without Message or request UUID: %s", name, r)
		}
	case dAliyun:
		fields := parseJSONObject(r.body)
		for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
			if _, ok := fields[k].(string); !ok {
				t.Errorf("%s: Alibaba error field %s is not a string: %s", name, k, r)
			}
		}
	case dBaidu:
		fields := parseJSONObject(r.body)
		for _, k := range []string{"code", "message", "requestId"} {
			if s, ok := fields[k].(string); !ok || s == "" {
				t.Errorf("%s: BCE error field %s missing: %s", name, k, r)
			}
		}
	}
}

// TestAuth_UCloudReplayIsAccepted proves what SECURITY.md says of UCloud's
// signature: it covers no time and no nonce, so a captured request is
// valid for as long as its key is. The replayed change is applied again.
func TestAuth_UCloudReplayIsAccepted(t *testing.T) {
	f := newMatrixFixture(t)
	bob := strconv.FormatInt(f.bob.ID, 10)
	add := ucOp("ModifyCompShareImageShareAccount", map[string]string{"CompShareImageId": f.private, "AddAccounts.0": bob}, true)
	remove := ucOp("ModifyCompShareImageShareAccount", map[string]string{"CompShareImageId": f.private, "RemoveAccounts.0": bob}, true)
	captured := ucloudRequest(t, f.srv.URL, add, keyCred(f.aliceKey))
	raw, err := io.ReadAll(captured.Body)
	if err != nil {
		t.Fatal(err)
	}
	replay := func() reply {
		req, err := http.NewRequest(http.MethodPost, captured.URL.String(), bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = captured.Header.Clone()
		return doReply(t, dUCloud, req)
	}
	if r := replay(); !r.ok() {
		t.Fatalf("original request: %s", r)
	}
	if r := send(t, f.srv.URL, remove, keyCred(f.aliceKey)); !r.ok() {
		t.Fatalf("owner's removal: %s", r)
	}
	if got := sharedWith(t, f.srv, f.alice, f.private); len(got) != 0 {
		t.Fatalf("shared with %v after removal", got)
	}
	if r := replay(); !r.ok() {
		t.Fatalf("replayed request refused (%s): SECURITY.md says UCloud replays are accepted; update it", r)
	}
	if got := sharedWith(t, f.srv, f.alice, f.private); !slices.Equal(got, []int64{f.bob.ID}) {
		t.Fatalf("after the replay the image is shared with %v, want the replayed add applied again", got)
	}
}

func parseJSONObject(body []byte) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return m
}

// TestAuth_BaiduReplayWithinWindow proves what SECURITY.md says of Baidu's
// signature: a captured request stays valid until its signature expires
// (the SDK's own retries depend on it). Replayed byte for byte after the
// owner undid the share, it is a resend: it gets the first answer and is
// not run again (docs/baidu.md, Retries). But x-bce-request-id is not
// signed: replayed with another one, it shares again.
func TestAuth_BaiduReplayWithinWindow(t *testing.T) {
	f := newMatrixFixture(t)
	bob := strconv.FormatInt(f.bob.ID, 10)
	share := bceOp("ShareImage", http.MethodPost, "/v2/image/"+f.shareBCE, "share", `{"accountId":"`+bob+`"}`, true)
	captured := baiduRequest(t, f.srv.URL, share, keyCred(f.aliceKey))
	raw, err := io.ReadAll(captured.Body)
	if err != nil {
		t.Fatal(err)
	}
	replay := func(requestID string) reply {
		req, err := http.NewRequest(captured.Method, captured.URL.String(), bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = captured.Header.Clone()
		if requestID != "" {
			req.Header.Set("X-Bce-Request-Id", requestID)
		}
		return doReply(t, dBaidu, req)
	}
	if r := replay(""); !r.ok() {
		t.Fatalf("original request: %s", r)
	}
	unshare := bceOp("UnShareImage", http.MethodPost, "/v2/image/"+f.shareBCE, "unshare", `{"accountId":"`+bob+`"}`, true)
	if r := send(t, f.srv.URL, unshare, keyCred(f.aliceKey)); !r.ok() {
		t.Fatalf("owner's unshare: %s", r)
	}
	if r := replay(""); !r.ok() {
		t.Fatalf("identical replay within the window (%s): want the first answer, success", r)
	}
	if got := sharedWith(t, f.srv, f.alice, f.shareBCE); len(got) != 0 {
		t.Fatalf("after an identical replay the image is shared with %v, want it not run again", got)
	}
	if r := replay("another-request-id"); !r.ok() {
		t.Fatalf("replay with another x-bce-request-id refused (%s): SECURITY.md says it is accepted; update it", r)
	}
	if got := sharedWith(t, f.srv, f.alice, f.shareBCE); !slices.Equal(got, []int64{f.bob.ID}) {
		t.Fatalf("after the replay the image is shared with %v, want the share applied again", got)
	}
}
