package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	teaecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/dialect/aliyun"
)

// The two Alibaba SDKs people run, each with its own signature: the Tea
// SDK (github.com/alibabacloud-go/ecs-20140526/v7, V3 ACS3-HMAC-SHA256 by
// default) and the classic SDK (RPC signature v1). Every served action is
// driven through both, and both must see the same answers and leave the
// same state (docs/aliyun.md).

// ecsDriver is one SDK's way of calling each served action.
type ecsDriver interface {
	share(imageID string, add, remove []int64, public *bool, dryRun bool) error
	// shares returns the shared account ids (sorted) and whether the
	// image is shared with everyone.
	shares(imageID string) ([]int64, bool, error)
	images(imageID string) ([]string, error)
	deleteImage(imageID string, force, dryRun bool) error
	// wf calls one of the image workflow's actions
	// (aliyun_workflow_drivers_test.go).
	wf(action string, a wfArgs, dryRun bool) (string, error)
	// instance calls an instance action (instances_aliyun_driver_test.go)
	// and sums its answer up.
	instance(action string, a instArgs, dryRun bool) (string, error)
}

type teaDriver struct{ c *teaecs.Client }

func ids(list []int64) []*string {
	var out []*string
	for _, id := range list {
		out = append(out, dara.String(idString(id)))
	}
	return out
}

func (d teaDriver) share(imageID string, add, remove []int64, public *bool, dryRun bool) error {
	req := &teaecs.ModifyImageSharePermissionRequest{RegionId: dara.String(aliyunRegion), ImageId: dara.String(imageID),
		AddAccount: ids(add), RemoveAccount: ids(remove), IsPublic: public}
	if dryRun {
		req.DryRun = dara.Bool(true)
	}
	_, err := d.c.ModifyImageSharePermission(req)
	return err
}

func (d teaDriver) shares(imageID string) ([]int64, bool, error) {
	r, err := d.c.DescribeImageSharePermission(&teaecs.DescribeImageSharePermissionRequest{
		RegionId: dara.String(aliyunRegion), ImageId: dara.String(imageID), PageSize: dara.Int32(100)})
	if err != nil {
		return nil, false, err
	}
	var got []int64
	for _, a := range r.Body.Accounts.Account {
		id, _ := strconv.ParseInt(dara.StringValue(a.AliyunId), 10, 64)
		got = append(got, id)
	}
	slices.Sort(got)
	public := len(r.Body.ShareGroups.ShareGroup) == 1 && dara.StringValue(r.Body.ShareGroups.ShareGroup[0].Group) == "all"
	return got, public, nil
}

func (d teaDriver) images(imageID string) ([]string, error) {
	r, err := d.c.DescribeImages(&teaecs.DescribeImagesRequest{RegionId: dara.String(aliyunRegion), ImageId: dara.String(imageID)})
	if err != nil {
		return nil, err
	}
	var got []string
	for _, im := range r.Body.Images.Image {
		got = append(got, dara.StringValue(im.ImageId))
	}
	return got, nil
}

func (d teaDriver) deleteImage(imageID string, force, dryRun bool) error {
	req := &teaecs.DeleteImageRequest{RegionId: dara.String(aliyunRegion), ImageId: dara.String(imageID), Force: dara.Bool(force)}
	if dryRun {
		req.DryRun = dara.Bool(true)
	}
	_, err := d.c.DeleteImage(req)
	return err
}

type classicDriver struct{ c *ecs.Client }

func strs(list []int64) *[]string {
	if len(list) == 0 {
		return nil
	}
	var out []string
	for _, id := range list {
		out = append(out, idString(id))
	}
	return &out
}

func (d classicDriver) share(imageID string, add, remove []int64, public *bool, dryRun bool) error {
	req := ecs.CreateModifyImageSharePermissionRequest()
	req.ImageId, req.AddAccount, req.RemoveAccount = imageID, strs(add), strs(remove)
	if public != nil {
		req.IsPublic = requests.NewBoolean(*public)
	}
	if dryRun {
		// The classic SDK's request has no DryRun field; ECS documents
		// the parameter, so it goes in the query as the SDK allows.
		req.QueryParams["DryRun"] = "true"
	}
	_, err := d.c.ModifyImageSharePermission(req)
	return err
}

func (d classicDriver) shares(imageID string) ([]int64, bool, error) {
	r, err := describeShares(d.c, imageID, 0, 100)
	if err != nil {
		return nil, false, err
	}
	var got []int64
	for _, a := range r.Accounts.Account {
		id, _ := strconv.ParseInt(a.AliyunId, 10, 64)
		got = append(got, id)
	}
	slices.Sort(got)
	public := len(r.ShareGroups.ShareGroup) == 1 && r.ShareGroups.ShareGroup[0].Group == "all"
	return got, public, nil
}

func (d classicDriver) images(imageID string) ([]string, error) {
	req := ecs.CreateDescribeImagesRequest()
	req.ImageId = imageID
	r, err := d.c.DescribeImages(req)
	if err != nil {
		return nil, err
	}
	var got []string
	for _, im := range r.Images.Image {
		got = append(got, im.ImageId)
	}
	return got, nil
}

func (d classicDriver) deleteImage(imageID string, force, dryRun bool) error {
	req := ecs.CreateDeleteImageRequest()
	req.ImageId, req.Force = imageID, requests.NewBoolean(force)
	if dryRun {
		req.QueryParams["DryRun"] = "true"
	}
	_, err := d.c.DeleteImage(req)
	return err
}

// sdkError reads the HTTP status and Code either SDK reports; 0 and ""
// for no error or one that is not the server's.
func sdkError(err error) (int, string) {
	var se *sdkerrors.ServerError
	if errors.As(err, &se) {
		return se.HttpStatus(), se.ErrorCode()
	}
	return teaErrorStatus(err)
}

// outcome renders a call's result for a transcript: "ok" or "STATUS Code".
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	status, code := sdkError(err)
	if code == "" {
		return "client error: " + err.Error()
	}
	return fmt.Sprintf("%d %s", status, code)
}

// recordingProxy forwards every request to target and keeps a copy of
// each as it was sent: the proof of which signature a client used, and
// the captured requests a replay test sends again.
type recordingProxy struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []capturedRequest
}

type capturedRequest struct {
	method, uri string
	header      http.Header
	body        []byte
}

func newRecordingProxy(t *testing.T, target string) *recordingProxy {
	p := &recordingProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.reqs = append(p.reqs, capturedRequest{r.Method, r.RequestURI, r.Header.Clone(), body})
		p.mu.Unlock()
		resp, err := forward(target, capturedRequest{r.Method, r.RequestURI, r.Header, body}, r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(p.Close)
	return p
}

// forward sends c to target with the Host it was signed for.
func forward(target string, c capturedRequest, host string) (*http.Response, error) {
	req, err := http.NewRequest(c.method, target+c.uri, bytes.NewReader(c.body))
	if err != nil {
		return nil, err
	}
	req.Header = c.header.Clone()
	req.Host = host
	return http.DefaultTransport.RoundTrip(req)
}

// sdkDriver returns the named SDK's driver ("tea" or "classic") for key;
// the Tea SDK goes through a recording proxy so that the test can prove it
// signed with V3.
func sdkDriver(t *testing.T, srv *apptest.Server, key *imageshare.AccessKey, sdk string) (ecsDriver, *recordingProxy) {
	t.Helper()
	if sdk == "classic" {
		return classicDriver{aliyunClient(t, srv, key)}, nil
	}
	proxy := newRecordingProxy(t, srv.URL)
	return teaDriver{teaECSClientAt(t, proxy.URL, key.PublicKey, key.PrivateKey)}, proxy
}

// teaECSClientAt is teaECSClient for any endpoint and credentials.
func teaECSClientAt(t *testing.T, baseURL, keyID, secret string) *teaecs.Client {
	t.Helper()
	c := teaECSClient(t, &apptest.Server{URL: baseURL}, &imageshare.AccessKey{PublicKey: keyID, PrivateKey: secret})
	return c
}

// Every served action, through each SDK, on its own server: the same
// transcript of answers and the same state after each step.
func TestAliyun_TeaAndClassicSDKsAgree(t *testing.T) {
	want := []string{
		"share B: ok", "shares: [B] public=false",
		"share C, unshare B: ok", "shares: [C] public=false",
		"public: ok", "shares: [C] public=true",
		"images: [IMG]",
		"share owner: 404 InvalidAccount.Forbbiden",
		"share unknown: 404 InvalidAccount.NotFound",
		"delete shared: 403 ImageUseShared",
		"delete dry run: 400 DryRunOperation", "images: [IMG]",
		"share dry run: 400 DryRunOperation", "shares: [C] public=true",
		"B shares: 404 InvalidImageId.NotFound",
		"B delete: ok", // another tenant's image: ignored like a missing one (docs/aliyun.md)
		"delete forced: ok", "images: []",
		// The image workflow (docs/aliyun.md "The image workflow").
		"make: ok", "make again: ok same=true", "make other: 400 IdempotentParameterMismatch",
		"rename: ok", "tag: ok", "add tags: ok", "list tags: ok [k=v k2=v2]", "describe tags: ok [k=v(1) k2=v2(1)]",
		"remove tags: ok", "untag: ok", "list tags: ok []",
		"copy: ok", "cancel copy: ok", "cancel again: 404 InvalidImageId.NotFound",
		"family: ok IMG2", "regions: ok [bj cn-hangzhou cn-wlcb]",
	}
	for _, sdk := range []string{"tea", "classic"} {
		t.Run(sdk, func(t *testing.T) {
			// Builds take an hour: a copy is still being made when cancelled.
			srv := apptest.Start(t, func(c *app.Config) { c.BuildDuration = time.Hour })
			owner, key := srv.Account(t, "")
			b, bKey := srv.Account(t, "")
			c, _ := srv.Account(t, "")
			im := customImage(t, srv, owner, aliyunRegion)
			im2 := customImage(t, srv, owner, aliyunRegion)
			d, proxy := sdkDriver(t, srv, key, sdk)
			bd, _ := sdkDriver(t, srv, bKey, sdk)
			names := strings.NewReplacer(idString(b.ID), "B", idString(c.ID), "C", im.ID, "IMG")
			var got []string
			log := func(step string, err error) { got = append(got, step+": "+outcome(err)) }
			shares := func() {
				list, public, err := d.shares(im.ID)
				if err != nil {
					got = append(got, "shares: "+outcome(err))
					return
				}
				got = append(got, names.Replace(fmt.Sprintf("shares: %v public=%v", list, public)))
			}
			images := func() {
				list, err := d.images(im.ID)
				if err != nil {
					got = append(got, "images: "+outcome(err))
					return
				}
				got = append(got, names.Replace(fmt.Sprintf("images: %v", list)))
			}
			on := true
			log("share B", d.share(im.ID, []int64{b.ID}, nil, nil, false))
			shares()
			log("share C, unshare B", d.share(im.ID, []int64{c.ID}, []int64{b.ID}, nil, false))
			shares()
			log("public", d.share(im.ID, nil, nil, &on, false))
			shares()
			images()
			log("share owner", d.share(im.ID, []int64{owner.ID}, nil, nil, false))
			log("share unknown", d.share(im.ID, []int64{999999999}, nil, nil, false))
			log("delete shared", d.deleteImage(im.ID, false, false))
			log("delete dry run", d.deleteImage(im.ID, true, true))
			images()
			log("share dry run", d.share(im.ID, []int64{b.ID}, nil, nil, true))
			shares()
			_, _, err := bd.shares(im.ID)
			log("B shares", err)
			log("B delete", bd.deleteImage(im.ID, true, false))
			log("delete forced", d.deleteImage(im.ID, true, false))
			images()

			// The instance actions first: their transcript lists every
			// instance of the owner, so the workflow's instance comes after.
			sys := platformImage(t, srv, aliyunRegion)
			instGot := instanceTranscript(d, bd, sys.ID, func() []string { return ownerInstances(t, srv, owner) })
			if !slices.Equal(instGot, instanceTranscriptWant) {
				t.Fatalf("instance transcript through the %s SDK:\n%s\nwant:\n%s", sdk, strings.Join(instGot, "\n"), strings.Join(instanceTranscriptWant, "\n"))
			}
			inst := ownInstance(t, srv, owner, aliyunRegion)
			wf := func(step, action string, a wfArgs) string {
				out, err := d.wf(action, a, false)
				if err != nil {
					got = append(got, step+": "+outcome(err))
					return ""
				}
				if out != "" && action != "CreateImage" && action != "CopyImage" {
					got = append(got, strings.NewReplacer(im2.ID, "IMG2").Replace(step+": ok "+out))
				} else {
					got = append(got, step+": ok")
				}
				return out
			}
			made := wf("make", "CreateImage", wfArgs{InstanceID: inst, Name: "made", Token: "tok"})
			again, err := d.wf("CreateImage", wfArgs{InstanceID: inst, Name: "made", Token: "tok"}, false)
			got = append(got, fmt.Sprintf("make again: %s same=%v", outcome(err), again == made && made != ""))
			wf("make other", "CreateImage", wfArgs{InstanceID: inst, Name: "made2", Token: "tok"})
			wf("rename", "ModifyImageAttribute", wfArgs{ImageID: im2.ID, Name: "renamed", Family: "fam"})
			wf("tag", "TagResources", wfArgs{ImageID: im2.ID, TagKey: "k", TagValue: "v"})
			wf("add tags", "AddTags", wfArgs{ImageID: im2.ID, TagKey: "k2", TagValue: "v2"})
			wf("list tags", "ListTagResources", wfArgs{ImageID: im2.ID})
			wf("describe tags", "DescribeTags", wfArgs{ImageID: im2.ID})
			wf("remove tags", "RemoveTags", wfArgs{ImageID: im2.ID, TagKey: "k2"})
			wf("untag", "UntagResources", wfArgs{ImageID: im2.ID, TagKey: "k"})
			wf("list tags", "ListTagResources", wfArgs{ImageID: im2.ID})
			cp := wf("copy", "CopyImage", wfArgs{ImageID: im2.ID, Dest: "cn-wlcb", Name: "copied"})
			wf("cancel copy", "CancelCopyImage", wfArgs{Region: "cn-wlcb", ImageID: cp})
			wf("cancel again", "CancelCopyImage", wfArgs{Region: "cn-wlcb", ImageID: cp})
			wf("family", "DescribeImageFromFamily", wfArgs{Family: "fam"})
			wf("regions", "DescribeRegions", wfArgs{})
			if !slices.Equal(got, want) {
				t.Fatalf("transcript through the %s SDK:\n%s\nwant:\n%s", sdk, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if proxy != nil {
				seen := map[string]bool{}
				for _, r := range proxy.reqs {
					if !strings.HasPrefix(r.header.Get("Authorization"), "ACS3-HMAC-SHA256 ") || strings.Contains(r.uri, "Signature=") {
						t.Errorf("the Tea SDK did not sign %s %s with V3", r.header.Get("x-acs-action"), r.uri)
					}
					seen[r.header.Get("x-acs-action")] = true
				}
				for _, a := range aliyun.Actions() {
					if !seen[a] {
						t.Errorf("the Tea SDK never sent %s", a)
					}
				}
			}
		})
	}
}

// A wrong secret, a stale date and a reused nonce are refused through
// both SDKs, and a refused call changes nothing.
func TestAliyun_SDKRefusals(t *testing.T) {
	for _, sdk := range []string{"tea", "classic"} {
		t.Run(sdk+"/wrong secret", func(t *testing.T) {
			srv := apptest.Start(t)
			owner, key := srv.Account(t, "")
			b, _ := srv.Account(t, "")
			im := customImage(t, srv, owner, aliyunRegion)
			d, _ := sdkDriver(t, srv, &imageshare.AccessKey{PublicKey: key.PublicKey, PrivateKey: key.PrivateKey + "x"}, sdk)
			if got := outcome(d.share(im.ID, []int64{b.ID}, nil, nil, false)); got != "400 SignatureDoesNotMatch" {
				t.Fatalf("wrong secret: %s", got)
			}
			if got := sharedWith(t, srv, owner, im.ID); len(got) != 0 {
				t.Fatalf("shared with %v", got)
			}
		})
		t.Run(sdk+"/stale date", func(t *testing.T) {
			for _, skew := range []time.Duration{20 * time.Minute, -20 * time.Minute} {
				srv := apptest.Start(t, func(c *app.Config) { c.Now = func() time.Time { return time.Now().Add(skew) } })
				owner, key := srv.Account(t, "")
				im := customImage(t, srv, owner, aliyunRegion)
				d, _ := sdkDriver(t, srv, key, sdk)
				if got := outcome(d.deleteImage(im.ID, true, false)); got != "400 InvalidTimeStamp.Expired" {
					t.Fatalf("server clock %v: %s", skew, got)
				}
				if _, err := srv.Store.FindImageByID(t.Context(), im.ID); err != nil {
					t.Fatalf("a refused delete deleted: %v", err)
				}
			}
		})
	}

	t.Run("classic/reused nonce", func(t *testing.T) {
		srv := apptest.Start(t)
		owner, key := srv.Account(t, "")
		b, _ := srv.Account(t, "")
		im := customImage(t, srv, owner, aliyunRegion)
		c := aliyunClient(t, srv, key)
		c.SetTransport(&replayTransport{replay: true})
		wantAliyunError(t, modifyShares(c, im.ID, []string{idString(b.ID)}, nil), "SignatureNonceUsed", 400)
	})

	t.Run("tea/reused nonce", func(t *testing.T) {
		srv := apptest.Start(t)
		owner, key := srv.Account(t, "")
		b, _ := srv.Account(t, "")
		c2, _ := srv.Account(t, "")
		im := customImage(t, srv, owner, aliyunRegion)
		d, proxy := sdkDriver(t, srv, key, "tea")
		if err := d.share(im.ID, []int64{b.ID}, nil, nil, false); err != nil {
			t.Fatal(err)
		}
		if err := d.share(im.ID, nil, []int64{b.ID}, nil, false); err != nil {
			t.Fatal(err)
		}
		// The captured share, sent again as it was: refused, and the
		// share it asked for is not made again.
		captured := proxy.reqs[0]
		resp, err := forward(srv.URL, captured, strings.TrimPrefix(proxy.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"Code":"SignatureNonceUsed"`) {
			t.Fatalf("replayed V3 request: %d %s", resp.StatusCode, body)
		}
		if got := sharedWith(t, srv, owner, im.ID); len(got) != 0 {
			t.Fatalf("the replay shared with %v", got)
		}
		// The same nonce in a V2 request, properly signed, is refused
		// too: one nonce space for both schemes.
		p := map[string]string{"Action": "ModifyImageSharePermission", "ImageId": im.ID, "AddAccount.1": idString(c2.ID),
			"SignatureNonce": captured.header.Get("x-acs-signature-nonce")}
		signAliyun("POST", p, key.PublicKey, key.PrivateKey)
		wantRawError(t, sendRaw(t, srv.URL, "POST", p, nil), "SignatureNonceUsed", 400)
		if got := sharedWith(t, srv, owner, im.ID); len(got) != 0 {
			t.Fatalf("the V2 request with a V3 nonce shared with %v", got)
		}
	})
}

// Packer 1.6.6 (Debian's) sends SecurityToken= on every call: no token.
// A real STS token is refused in Alibaba's words, V2 and V3 alike.
func TestAliyun_SecurityToken(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	im := customImage(t, srv, owner, aliyunRegion)
	p := map[string]string{"Action": "DescribeImageSharePermission", "ImageId": im.ID, "SecurityToken": ""}
	signAliyun("POST", p, key.PublicKey, key.PrivateKey)
	if r := sendRaw(t, srv.URL, "POST", p, nil); r.status != 200 {
		t.Fatalf("empty SecurityToken: %d %s", r.status, r.body)
	}
	p = map[string]string{"Action": "DescribeImageSharePermission", "ImageId": im.ID, "SecurityToken": "CAIS-sts-token"}
	signAliyun("POST", p, key.PublicKey, key.PrivateKey)
	wantRawError(t, sendRaw(t, srv.URL, "POST", p, nil), "InvalidSecurityToken.MismatchWithAccessKey", 400)

	c, err := teaecs.NewClient(&openapiutil.Config{
		AccessKeyId: dara.String(key.PublicKey), AccessKeySecret: dara.String(key.PrivateKey),
		SecurityToken: dara.String("CAIS-sts-token"), RegionId: dara.String(aliyunRegion),
		Endpoint: dara.String(strings.TrimPrefix(srv.URL, "http://")), Protocol: dara.String("http"),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeImageSharePermission(&teaecs.DescribeImageSharePermissionRequest{RegionId: dara.String(aliyunRegion), ImageId: dara.String(im.ID)})
	if status, code := teaErrorStatus(err); status != 400 || code != "InvalidSecurityToken.MismatchWithAccessKey" {
		t.Fatalf("V3 with an STS token: %v", err)
	}
}

// A parameter the action does not read is refused, never ignored: through
// V2 and V3, an unimplemented filter, a list name without its index, a
// scalar given an index, and DryRun on an action that writes nothing.
func TestAliyun_UnknownParametersRefused(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	im := customImage(t, srv, owner, aliyunRegion)
	for _, tc := range []struct{ action, name, value string }{
		{"DescribeImages", "OSTypes", "linux"},
		{"DescribeImages", "Tag.1.Name", "k"},
		{"DescribeImages", "OwnerId", "1"},
		{"ModifyImageSharePermission", "AddAccount", "1"},
		{"ModifyImageSharePermission", "ImageId.1", im.ID},
		{"DescribeImageSharePermission", "DryRun", "true"},
		{"DeleteImage", "imageid", im.ID},
	} {
		p := map[string]string{"Action": tc.action, "ImageId": im.ID, tc.name: tc.value}
		signAliyun("POST", p, key.PublicKey, key.PrivateKey)
		r := sendRaw(t, srv.URL, "POST", p, nil)
		wantRawError(t, r, "InvalidParameter", 400)
		if msg, _ := r.fields["Message"].(string); !strings.Contains(msg, strconv.Quote(tc.name)) {
			t.Errorf("%s %s: the message does not name the parameter: %s", tc.action, tc.name, msg)
		}
	}
	if _, err := srv.Store.FindImageByID(t.Context(), im.ID); err != nil {
		t.Fatalf("a refused call changed the image: %v", err)
	}
	// Through the Tea SDK's V3: a parameter it sends that is not served
	// (acting for another owner) is refused the same way.
	_, err := teaECSClient(t, srv, key).DescribeImages(&teaecs.DescribeImagesRequest{RegionId: dara.String(aliyunRegion), OwnerId: dara.Int64(1)})
	if status, code := teaErrorStatus(err); status != 400 || code != "InvalidParameter" {
		t.Fatalf("V3 DescribeImages with OwnerId: %v", err)
	}
}
