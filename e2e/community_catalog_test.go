package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/ucloud"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// TestCommunity_Paging checks DescribeUserCommunityImages' paging edges on
// a catalog of more than 100 groups: Offset past the end, Limit 0 (the
// default 20), Limit over 100 (lowered to 100), and that TotalCount counts
// groups, not versions.
func TestCommunity_Paging(t *testing.T) {
	srv := communityServer(t, nil, -1)
	alice := newUCUser(t, srv)
	bob := newUCUser(t, srv)
	const groups = 105
	for i := range groups {
		for v := range 1 + i%2 { // every other group has two versions
			srv.Image(t, &imageshare.Image{OwnerID: alice.ID, Type: imageshare.ImageCommunity, Visibility: 1,
				Name: fmt.Sprintf("model %03d", i), GroupID: fmt.Sprintf("g-%03d", i), VersionName: fmt.Sprintf("v%d", v+1),
				PublishedAt: time.Unix(int64(1700000000+i*10+v), 0), CreatedAt: time.Unix(int64(1700000000+i*10+v), 0)})
		}
	}
	target := map[string]any{"TargetTopOrganizationId": org(alice)}
	with := func(extra map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range target {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		params map[string]any
		want   int
		first  string // GroupId of the first group ("" when none)
	}{
		{"Default", nil, 20, "g-104"},
		{"LimitZero", map[string]any{"Limit": 0}, 20, "g-104"},
		{"LimitOver100", map[string]any{"Limit": 500}, 100, "g-104"},
		{"Limit100", map[string]any{"Limit": 100, "Offset": 100}, 5, "g-004"},
		{"OffsetPastEnd", map[string]any{"Offset": 105}, 0, ""},
		{"OffsetFarPastEnd", map[string]any{"Offset": 1000000, "Limit": 5}, 0, ""},
		{"SortAsc", map[string]any{"Limit": 2, "SortCondition": map[string]any{"Field": "PubTime", "ASC": true}}, 2, "g-000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := userGroups(t, bob, with(tc.params))
			if got.TotalCount != groups || got.AvailableTotalCount != groups || len(got.ImageSetGroup) != tc.want {
				t.Fatalf("%d groups of %d (available %d), want %d of %d", len(got.ImageSetGroup), got.TotalCount, got.AvailableTotalCount, tc.want, groups)
			}
			if tc.first != "" && got.ImageSetGroup[0].GroupId != tc.first {
				t.Fatalf("first group %s, want %s", got.ImageSetGroup[0].GroupId, tc.first)
			}
		})
	}
	// A group with two versions carries both, newest first.
	got := userGroups(t, bob, with(map[string]any{"Offset": 1, "Limit": 1}))
	if d := got.ImageSetGroup[0].Data; got.ImageSetGroup[0].GroupId != "g-103" || len(d) != 2 || d[0].VersionName != "v2" || d[1].VersionName != "v1" {
		t.Fatalf("versions of g-103: %+v", got.ImageSetGroup[0])
	}
	callErr(t, bob, "DescribeUserCommunityImages", with(map[string]any{"Offset": -1}), ucloud.CodeInvalidParams)
	callErr(t, bob, "DescribeUserCommunityImages", with(map[string]any{"Limit": -1}), ucloud.CodeInvalidParams)
	// The flat catalog pages versions the same way.
	var cat ucloudclient.DescribeCommunityImagesResponse
	call(t, bob, "DescribeCommunityImages", map[string]any{"Limit": 500}, &cat)
	if cat.TotalCount != groups+groups/2 || len(cat.ImageSet) != 100 {
		t.Fatalf("DescribeCommunityImages: %d of %d", len(cat.ImageSet), cat.TotalCount)
	}
	call(t, bob, "DescribeCommunityImages", map[string]any{"Offset": 500}, &cat)
	if len(cat.ImageSet) != 0 || cat.ImageSet == nil {
		t.Fatalf("DescribeCommunityImages past the end: %#v", cat.ImageSet)
	}
}

// TestCommunity_OthersUnpublishedNeverAppear: versions that are Reviewing,
// rejected or private are visible to their owner only, in every listing.
func TestCommunity_OthersUnpublishedNeverAppear(t *testing.T) {
	srv := communityServer(t, nil, -1)
	alice := newUCUser(t, srv)
	bob := newUCUser(t, srv)
	bobInst := instance(t, srv, bob)
	aliceID := makeImage(t, alice, instance(t, srv, alice), "shared name")
	published := publish(t, alice, map[string]any{"CompShareImageId": aliceID, "Tags": []string{"llm"}})
	adminOK(t, srv, "POST", "/admin/reviews/"+published.CompShareImageId+"/approve", nil, nil)

	pending := publish(t, bob, map[string]any{"CompShareImageId": makeImage(t, bob, bobInst, "shared name"), "Tags": []string{"llm"}})
	rejected := publish(t, bob, map[string]any{"CompShareImageId": makeImage(t, bob, bobInst, "shared name 2"), "Tags": []string{"llm"}})
	hidden := publish(t, bob, map[string]any{"CompShareImageId": makeImage(t, bob, bobInst, "shared name 3"), "Tags": []string{"llm"}})
	status, body := adminDo(t, srv.URL, adminToken, "POST", "/admin/reviews/"+rejected.CompShareImageId+"/reject", map[string]any{"reason": "needs a readme"})
	if status != 200 {
		t.Fatalf("reject: %d %s", status, body)
	}
	adminOK(t, srv, "POST", "/admin/reviews/"+hidden.CompShareImageId+"/approve", nil, nil)
	call(t, bob, "UpdateCompShareImage", map[string]any{"CompShareImageId": hidden.CompShareImageId, "Visibility": 0}, nil)

	only := []string{published.CompShareImageId}
	for _, u := range []*ucUser{alice, bob} {
		for _, params := range []map[string]any{nil, {"Name": "shared"}, {"Tag": "llm"}, {"TargetTopOrganizationId": org(bob)}} {
			want := only
			if params != nil && params["TargetTopOrganizationId"] != nil {
				want = []string{}
			}
			if got := groupVersionIDs(userGroups(t, u, params).ImageSetGroup); !slices.Equal(got, want) {
				t.Errorf("DescribeUserCommunityImages(%v) as %d = %q, want %q", params, u.ID, got, want)
			}
			if params != nil && params["TargetTopOrganizationId"] != nil {
				continue // DescribeUserCommunityImages' own parameter
			}
			var cat ucloudclient.DescribeCommunityImagesResponse
			call(t, u, "DescribeCommunityImages", params, &cat)
			ids := []string{}
			for _, im := range cat.ImageSet {
				ids = append(ids, im.CompShareImageId)
			}
			if !slices.Equal(ids, want) {
				t.Errorf("DescribeCommunityImages(%v) as %d = %q, want %q", params, u.ID, ids, want)
			}
		}
		var one ucloudclient.DescribeCommunityImagesResponse
		call(t, u, "DescribeCommunityImages", map[string]any{"CompShareImageId": pending.CompShareImageId}, &one)
		if one.TotalCount != 0 {
			t.Errorf("a pending version is found by id")
		}
	}
	// Bob sees all three of his, the rejection with its reason; alice none of them.
	var self ucloudclient.DescribeSelfCommunityImagesResponse
	call(t, bob, "DescribeSelfCommunityImages", nil, &self)
	statuses := map[string]string{}
	for _, g := range self.ImageSetGroup {
		for _, v := range g.Data {
			statuses[v.CompShareImageId] = v.Status + "/" + v.FailedReason
		}
	}
	if self.TotalCount != 3 || self.AvailableTotalCount != 1 || statuses[pending.CompShareImageId] != "Reviewing/" ||
		statuses[rejected.CompShareImageId] != "UnAvailable/needs a readme" || statuses[hidden.CompShareImageId] != "Available/" {
		t.Fatalf("bob's self listing: total %d available %d %v", self.TotalCount, self.AvailableTotalCount, statuses)
	}
	call(t, alice, "DescribeSelfCommunityImages", map[string]any{"CompShareImageId": rejected.CompShareImageId}, &self)
	if self.TotalCount != 0 {
		t.Fatalf("alice's self listing shows bob's version: %+v", self)
	}
	call(t, alice, "DescribeSelfCommunityImages", map[string]any{"GroupId": rejected.GroupId}, &self)
	if self.TotalCount != 0 {
		t.Fatalf("alice's self listing shows bob's group: %+v", self)
	}
	// Alice cannot add a version to bob's group, nor edit bob's version.
	callErr(t, alice, "PublishCompShareImage", map[string]any{"CompShareImageId": aliceID, "Price": 0, "GroupId": pending.GroupId}, ucloud.CodeGroupNotFound)
	callErr(t, alice, "UpdateCompShareImage", map[string]any{"CompShareImageId": pending.CompShareImageId, "Description": "x"}, ucloud.CodeImageNotFound)
}

// TestCommunity_JSONEncoderAndShapes sends the calls with the SDK's JSON
// encoder and checks the raw types of the seed's fields.
func TestCommunity_JSONEncoderAndShapes(t *testing.T) {
	srv := communityServer(t, nil, -1)
	alice := newUCUser(t, srv, ucloudclient.WithJSON())
	id := makeImage(t, alice, instance(t, srv, alice), "json image")
	v := publish(t, alice, map[string]any{"CompShareImageId": id, "Price": 2, "Tags": []string{"a"},
		"Softwares": map[string]any{"Applications": []string{"jupyter"}, "Framework": "PyTorch"}})
	adminOK(t, srv, "POST", "/admin/reviews/"+v.CompShareImageId+"/approve", nil, nil)
	resp, err := alice.C.Do(context.Background(), "DescribeUserCommunityImages", map[string]any{"TargetTopOrganizationId": alice.ID, "Limit": 20})
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Action              string
		RetCode             json.RawMessage
		TotalCount          json.RawMessage
		AvailableTotalCount json.RawMessage
		CompshareImageGroup []map[string]json.RawMessage
	}
	if err := json.Unmarshal(resp.Body, &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Action != "DescribeUserCommunityImagesResponse" || string(raw.RetCode) != "0" || string(raw.TotalCount) != "1" ||
		string(raw.AvailableTotalCount) != "1" || len(raw.CompshareImageGroup) != 1 {
		t.Fatalf("response %s", resp.Body)
	}
	g := raw.CompshareImageGroup[0]
	for key, want := range map[string]byte{"CreatedCount": '0', "FavoritesCount": '0', "ImageUseTime": '0', "RecommendCount": '0',
		"IsFavorite": 'f', "GroupId": '"', "ImageName": '"', "ImageDesc": '"', "Status": '"', "Data": '['} {
		if v := g[key]; len(v) == 0 || v[0] != want {
			t.Errorf("CompshareImageGroup.%s = %s", key, v)
		}
	}
	var data []map[string]json.RawMessage
	if err := json.Unmarshal(g["Data"], &data); err != nil || len(data) != 1 {
		t.Fatalf("Data %s", g["Data"])
	}
	for key, want := range map[string]string{"Price": "2", "Container": `"false"`, "Tags": `["a"]`, "Visibility": "1"} {
		if got := string(data[0][key]); got != want {
			t.Errorf("Data[0].%s = %s, want %s", key, got, want)
		}
	}
	var out ucloudclient.DescribeUserCommunityImagesResponse
	if err := ucloudclient.Decode(resp, &out); err != nil {
		t.Fatal(err)
	}
	if sw := out.ImageSetGroup[0].Data[0].Softwares; !slices.Equal(sw.Applications, []string{"jupyter"}) || sw.Framework != "PyTorch" {
		t.Fatalf("softwares %+v", sw)
	}
}
