package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare/admin"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/dialect/ucloud"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// End-to-end tests of the custom-image lifecycle and the community
// catalog over the UCloud dialect and the admin API: a CompShare user makes
// an image from an instance, publishes it, an operator reviews it, and it
// is found in the catalog. Responses are decoded into the SDK's own types
// (ucloudclient mirrors them), so the strict decoder accepts them.

const adminToken = "test-admin-token"

// testClock is a settable clock shared by a test and its servers.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// communityServer starts a server with the admin API on, builds of build
// (negative: at once) and clk as its clock.
func communityServer(t *testing.T, clk *testClock, build time.Duration, opts ...func(*app.Config)) *apptest.Server {
	t.Helper()
	return apptest.Start(t, append([]func(*app.Config){func(c *app.Config) {
		c.AdminToken = adminToken
		c.BuildDuration = build
		c.BuildCheckInterval = 10 * time.Millisecond
		if clk != nil {
			c.Now = clk.Now
		}
	}}, opts...)...)
}

// adminDo calls the admin API with token ("" sends no Authorization) and
// returns the status and body.
func adminDo(t *testing.T, url, token, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// adminOK calls the admin API with the right token and decodes a 2xx reply.
func adminOK(t *testing.T, srv *apptest.Server, method, path string, body, out any) {
	t.Helper()
	status, b := adminDo(t, srv.URL, adminToken, method, path, body)
	if status/100 != 2 {
		t.Fatalf("admin %s %s: %d %s", method, path, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("admin %s %s: %v in %s", method, path, err, b)
		}
	}
}

// instance records an instance of u's through the admin API.
func instance(t *testing.T, srv *apptest.Server, u *ucUser) string {
	t.Helper()
	var in admin.Instance
	adminOK(t, srv, "POST", "/admin/instances", map[string]any{"account_id": u.ID, "region": ucRegion, "gpu_type": "4090"}, &in)
	return in.ID
}

// call makes a UCloud call that must succeed.
func call(t *testing.T, u *ucUser, action string, params map[string]any, out any) {
	t.Helper()
	if err := u.C.Call(context.Background(), action, params, out); err != nil {
		t.Fatalf("%s(%v): %v", action, params, err)
	}
}

// callErr makes a UCloud call that must fail with RetCode code.
func callErr(t *testing.T, u *ucUser, action string, params map[string]any, code int) {
	t.Helper()
	err := u.C.Call(context.Background(), action, params, nil)
	if got := ucloudclient.RetCode(err); got != code {
		t.Fatalf("%s(%v): err %v, want RetCode %d", action, params, err, code)
	}
}

func makeImage(t *testing.T, u *ucUser, inst, name string) string {
	t.Helper()
	var out ucloudclient.CreateCompShareCustomImageResponse
	call(t, u, "CreateCompShareCustomImage", map[string]any{"UHostId": inst, "Name": name,
		"Softwares": map[string]any{"Application": []string{"comfyui"}, "CUDAVersion": "12.4"}}, &out)
	if out.CompShareImageId == "" {
		t.Fatal("CreateCompShareCustomImage returned no id")
	}
	return out.CompShareImageId
}

// publishResult is PublishCompShareImage's reply with imageshare's extra keys.
type publishResult struct {
	ucloudclient.PublishCompShareImageResponse
	CompShareImageId, GroupId, VersionName string
}

func publish(t *testing.T, u *ucUser, params map[string]any) publishResult {
	t.Helper()
	if _, ok := params["Price"]; !ok {
		params["Price"] = 0
	}
	var out publishResult
	call(t, u, "PublishCompShareImage", params, &out)
	return out
}

func progress(t *testing.T, u *ucUser, id string) ucloudclient.GetCompShareImageCreateProgressResponse {
	t.Helper()
	var out ucloudclient.GetCompShareImageCreateProgressResponse
	call(t, u, "GetCompShareImageCreateProgress", map[string]any{"CompShareImageId": id}, &out)
	return out
}

// userGroups calls DescribeUserCommunityImages and checks the documented and
// the SDK's lists agree: CompshareImageGroup (the documentation's) and ImageSetGroup
// (the SDK) carry the same groups.
func userGroups(t *testing.T, u *ucUser, params map[string]any) ucloudclient.DescribeUserCommunityImagesResponse {
	t.Helper()
	resp, err := u.C.Do(context.Background(), "DescribeUserCommunityImages", params)
	if err != nil {
		t.Fatal(err)
	}
	var out ucloudclient.DescribeUserCommunityImagesResponse
	if err := ucloudclient.Decode(resp, &out); err != nil {
		t.Fatalf("DescribeUserCommunityImages(%v): %v", params, err)
	}
	var seed struct {
		Action              string
		RetCode             int
		TotalCount          int
		CompshareImageGroup []ucloudclient.CompshareImageGroup
	}
	if err := json.Unmarshal(resp.Body, &seed); err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(resp.Body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"CompshareImageGroup", "ImageSetGroup"} {
		if v := raw[key]; len(v) == 0 || v[0] != '[' {
			t.Fatalf("%s is %s, want an array", key, v)
		}
	}
	if seed.Action != "DescribeUserCommunityImagesResponse" || seed.TotalCount != out.TotalCount ||
		!slices.EqualFunc(seed.CompshareImageGroup, out.ImageSetGroup, func(a, b ucloudclient.CompshareImageGroup) bool {
			return a.GroupId == b.GroupId && len(a.Data) == len(b.Data)
		}) {
		t.Fatalf("CompshareImageGroup and ImageSetGroup differ: %s", resp.Body)
	}
	return out
}

// groupVersionIDs flattens groups to their versions' ids.
func groupVersionIDs(groups []ucloudclient.CompshareImageGroup) []string {
	ids := []string{}
	for _, g := range groups {
		for _, v := range g.Data {
			ids = append(ids, v.CompShareImageId)
		}
	}
	return ids
}

func org(u *ucUser) string { return strconv.FormatInt(u.ID, 10) }

// TestCommunity_Lifecycle walks the whole path: make → progress →
// available → publish → reviewing (invisible in the catalog) → approve →
// found by user, by tag, by fuzzy name → update → offline (gone from the
// catalog) → terminate.
func TestCommunity_Lifecycle(t *testing.T) {
	clk := newTestClock()
	srv := communityServer(t, clk, 10*time.Second)
	alice := newUCUser(t, srv)
	bob := newUCUser(t, srv)
	inst := instance(t, srv, alice)

	// Make: the image starts Making and reports truthful progress.
	id := makeImage(t, alice, inst, "Stable Diffusion XL Turbo")
	var own ucloudclient.DescribeCompShareCustomImagesResponse
	call(t, alice, "DescribeCompShareCustomImages", map[string]any{"CompShareImageId": id}, &own)
	if len(own.ImageSet) != 1 || own.ImageSet[0].Status != "Making" || own.ImageSet[0].SourceGpuType != "4090" ||
		!slices.Equal(own.ImageSet[0].Softwares.Applications, []string{"comfyui"}) {
		t.Fatalf("new image %+v", own.ImageSet)
	}
	if p := progress(t, alice, id); p.Process != 0 || p.RemainingDuration != "10" || p.TotalDuration != "10" {
		t.Fatalf("progress at start %+v", p)
	}
	callErr(t, alice, "PublishCompShareImage", map[string]any{"CompShareImageId": id, "Price": 0}, ucloud.CodeForbidden)
	clk.Add(4 * time.Second)
	if p := progress(t, alice, id); p.Process != 40 || p.RemainingDuration != "6" || p.TotalDuration != "10" {
		t.Fatalf("progress after 4s %+v", p)
	}
	clk.Add(6 * time.Second)
	if p := progress(t, alice, id); p.Process != 100 || p.RemainingDuration != "0" {
		t.Fatalf("progress when due %+v", p)
	}
	call(t, alice, "DescribeCompShareCustomImages", map[string]any{"CompShareImageId": id}, &own)
	if own.ImageSet[0].Status != "Available" {
		t.Fatalf("status after the build: %s", own.ImageSet[0].Status)
	}

	// Publish: the version is Reviewing, visible to its owner only.
	v := publish(t, alice, map[string]any{"CompShareImageId": id, "Price": 1.5, "Tags": []string{"aigc", "sdxl"},
		"AutoStart": "true", "Readme": "# SDXL Turbo", "VersionName": "1.0", "VersionDesc": "first release"})
	if v.CompShareImageId == "" || v.CompShareImageId == id || v.GroupId == "" || v.VersionName != "1.0" {
		t.Fatalf("publish returned %+v", v)
	}
	if got := userGroups(t, bob, map[string]any{"TargetTopOrganizationId": org(alice)}); got.TotalCount != 0 || len(got.ImageSetGroup) != 0 {
		t.Fatalf("Reviewing version in the catalog: %+v", got)
	}
	var cat ucloudclient.DescribeCommunityImagesResponse
	call(t, bob, "DescribeCommunityImages", map[string]any{"Name": "turbo"}, &cat)
	if cat.TotalCount != 0 {
		t.Fatalf("Reviewing version in DescribeCommunityImages: %+v", cat)
	}
	var self ucloudclient.DescribeSelfCommunityImagesResponse
	call(t, alice, "DescribeSelfCommunityImages", map[string]any{}, &self)
	if self.TotalCount != 1 || self.AvailableTotalCount != 0 || self.ImageSetGroup[0].Data[0].Status != "Reviewing" ||
		self.ImageSetGroup[0].GroupId != v.GroupId {
		t.Fatalf("self listing while Reviewing %+v", self)
	}

	// Review: the admin API needs the token.
	if status, _ := adminDo(t, srv.URL, "", "POST", "/admin/reviews/"+v.CompShareImageId+"/approve", nil); status != http.StatusUnauthorized {
		t.Fatalf("approve without a token: %d", status)
	}
	var queue admin.VersionList
	adminOK(t, srv, "GET", "/admin/reviews", nil, &queue)
	if queue.Total != 1 || queue.Versions[0].ID != v.CompShareImageId || queue.Versions[0].Status != "Reviewing" {
		t.Fatalf("review queue %+v", queue)
	}
	var approved admin.Version
	adminOK(t, srv, "POST", "/admin/reviews/"+v.CompShareImageId+"/approve", nil, &approved)
	if approved.Status != "Available" || !approved.PublishedAt.Equal(clk.Now()) {
		t.Fatalf("approved %+v", approved)
	}

	// Found by publisher, by tag, by fuzzy name and by author.
	got := userGroups(t, bob, map[string]any{"TargetTopOrganizationId": org(alice)})
	if got.TotalCount != 1 || got.AvailableTotalCount != 1 || !slices.Equal(groupVersionIDs(got.ImageSetGroup), []string{v.CompShareImageId}) {
		t.Fatalf("catalog of alice %+v", got)
	}
	g := got.ImageSetGroup[0]
	d := g.Data[0]
	if g.GroupId != v.GroupId || g.Status != "Available" || g.ImageName != "Stable Diffusion XL Turbo" || d.ImageType != "Community" ||
		d.ImageOwnerAlias != "Community" || d.Price != 1.5 || !d.ImageCharge || !d.AutoStart || d.VersionName != "1.0" ||
		d.VersionDesc != "first release" || d.PubTime != int(clk.Now().Unix()) || d.Owner.AccountId != org(alice) ||
		d.Owner.AccountName == alice.Name || d.Author == "" {
		t.Fatalf("published group %+v", g)
	}
	for _, params := range []map[string]any{
		{"Tag": "sdxl"},
		{"Name": "xl tur"},
		{"FuzzySearch": d.Author},
		{"Author": d.Author},
		{"TargetTopOrganizationId": org(alice), "Name": "TURBO", "Tag": "aigc"},
	} {
		if got := userGroups(t, bob, params); !slices.Equal(groupVersionIDs(got.ImageSetGroup), []string{v.CompShareImageId}) {
			t.Fatalf("search %v found %q", params, groupVersionIDs(got.ImageSetGroup))
		}
	}
	call(t, bob, "DescribeCommunityImages", map[string]any{"Tag": "sdxl"}, &cat)
	if cat.TotalCount != 1 || cat.ImageSet[0].CompShareImageId != v.CompShareImageId {
		t.Fatalf("DescribeCommunityImages by tag %+v", cat)
	}
	call(t, bob, "DescribeCommunityImages", map[string]any{"CompShareImageId": v.CompShareImageId}, &cat)
	if cat.TotalCount != 1 || cat.ImageSet[0].Readme != "# SDXL Turbo" {
		t.Fatalf("DescribeCommunityImages by id %+v", cat)
	}
	var tags ucloudclient.DescribeCompShareImageTagsResponse
	call(t, bob, "DescribeCompShareImageTags", nil, &tags)
	if !slices.Contains(tags.Tags, "sdxl") || !slices.Contains(tags.Tags, "aigc") {
		t.Fatalf("tags %q", tags.Tags)
	}

	// Update: new tags are searchable, old ones are not.
	call(t, alice, "UpdateCompShareImage", map[string]any{"CompShareImageId": v.CompShareImageId,
		"Description": "faster", "Tags": []string{"aigc", "fast"}}, &ucloudclient.UpdateCompShareImageResponse{})
	if got := userGroups(t, bob, map[string]any{"Tag": "fast"}); len(got.ImageSetGroup) != 1 || got.ImageSetGroup[0].ImageDesc != "faster" {
		t.Fatalf("after update, by new tag: %+v", got)
	}
	if got := userGroups(t, bob, map[string]any{"Tag": "sdxl"}); got.TotalCount != 0 {
		t.Fatalf("after update, by old tag: %+v", got)
	}

	// Offline: gone from the catalog, still the owner's.
	adminOK(t, srv, "POST", "/admin/versions/"+v.CompShareImageId+"/offline", nil, nil)
	if got := userGroups(t, bob, map[string]any{"TargetTopOrganizationId": org(alice)}); got.TotalCount != 0 {
		t.Fatalf("offline version in the catalog: %+v", got)
	}
	call(t, alice, "DescribeSelfCommunityImages", map[string]any{"CompShareImageId": id}, &self)
	if self.TotalCount != 1 || self.AvailableTotalCount != 0 || self.ImageSetGroup[0].Data[0].Status != "Offline" {
		t.Fatalf("self listing of an offline version %+v", self)
	}

	// Terminate: the custom image and its shares go; the version stays.
	call(t, alice, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": id, "AddAccounts": []int64{bob.ID}},
		&ucloudclient.ModifyCompShareImageShareAccountResponse{})
	callErr(t, alice, "TerminateCompShareCustomImage", map[string]any{"CompShareImageId": v.CompShareImageId}, ucloud.CodeNotCustomImage)
	callErr(t, bob, "TerminateCompShareCustomImage", map[string]any{"CompShareImageId": id}, ucloud.CodeImageNotFound)
	call(t, alice, "TerminateCompShareCustomImage", map[string]any{"CompShareImageId": id}, &ucloudclient.TerminateCompShareCustomImageResponse{})
	call(t, alice, "DescribeCompShareCustomImages", nil, &own)
	if own.TotalCount != 0 {
		t.Fatalf("terminated image still listed: %+v", own.ImageSet)
	}
	if shared := bob.sharingImages(t); len(shared) != 0 {
		t.Fatalf("bob still sees %d shared images", len(shared))
	}
	call(t, alice, "DescribeSelfCommunityImages", map[string]any{"GroupId": v.GroupId}, &self)
	if self.TotalCount != 1 {
		t.Fatalf("version gone with its source image: %+v", self)
	}
}

// TestCommunity_CopyAndSecondVersion copies an image and publishes the copy
// as a second version of the original's group.
func TestCommunity_CopyAndSecondVersion(t *testing.T) {
	srv := communityServer(t, nil, -1)
	alice := newUCUser(t, srv)
	id := makeImage(t, alice, instance(t, srv, alice), "llm")
	v1 := publish(t, alice, map[string]any{"CompShareImageId": id})
	var cp ucloudclient.CopyCompShareCustomImageResponse
	call(t, alice, "CopyCompShareCustomImage", map[string]any{"CompShareImageId": id, "TargetImageName": "llm-v2"}, &cp)
	if cp.NewCompShareImageId == "" || cp.NewCompShareImageId == id {
		t.Fatalf("copy %+v", cp)
	}
	callErr(t, alice, "CopyCompShareCustomImage", map[string]any{"CompShareImageId": id, "TargetImageName": "llm-v2"}, ucloud.CodeDuplicateName)
	v2 := publish(t, alice, map[string]any{"CompShareImageId": cp.NewCompShareImageId, "GroupId": v1.GroupId})
	if v2.GroupId != v1.GroupId || v1.VersionName != "v1" || v2.VersionName != "v2" {
		t.Fatalf("versions %+v and %+v", v1, v2)
	}
	for _, v := range []publishResult{v1, v2} {
		adminOK(t, srv, "POST", "/admin/reviews/"+v.CompShareImageId+"/approve", nil, nil)
	}
	got := userGroups(t, alice, map[string]any{"TargetTopOrganizationId": org(alice)})
	if got.TotalCount != 1 || len(got.ImageSetGroup[0].Data) != 2 || got.ImageSetGroup[0].Data[0].CompShareImageId != v2.CompShareImageId {
		t.Fatalf("one group with both versions, newest first; got %+v", got)
	}
}
