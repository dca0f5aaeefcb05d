package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/dialect/ucloud"
)

// TestCommunity_Errors checks that every refusal of the lifecycle and the
// catalog comes back as its own RetCode with HTTP 200.
func TestCommunity_Errors(t *testing.T) {
	clk := newTestClock()
	srv := communityServer(t, clk, time.Minute)
	alice := newUCUser(t, srv)
	bob := newUCUser(t, srv)
	aliceInst := instance(t, srv, alice)
	bobInst := instance(t, srv, bob)
	making := makeImage(t, alice, aliceInst, "making")
	clk.Add(time.Minute)
	ready := makeImage(t, alice, aliceInst, "ready")
	clk.Add(time.Minute)
	bobImage := makeImage(t, bob, bobInst, "bob's")
	sys := srv.Image(t, &imageshare.Image{Type: imageshare.ImageSystem, Name: "Ubuntu 22.04"})
	version := publish(t, alice, map[string]any{"CompShareImageId": ready})
	pending := makeImage(t, alice, aliceInst, "still making")

	for _, tc := range []struct {
		name   string
		u      *ucUser
		action string
		params map[string]any
		code   int
	}{
		// Instances.
		{"UnknownInstance", alice, "CreateCompShareCustomImage", map[string]any{"UHostId": "uhost-nope", "Name": "x"}, ucloud.CodeInstanceNotFound},
		{"AnotherAccountsInstance", alice, "CreateCompShareCustomImage", map[string]any{"UHostId": bobInst, "Name": "x"}, ucloud.CodeInstanceNotFound},
		{"InstanceInAnotherRegion", alice, "CreateCompShareCustomImage", map[string]any{"UHostId": aliceInst, "Name": "x", "Region": "bj"}, ucloud.CodeInstanceNotFound},
		{"MissingUHostId", alice, "CreateCompShareCustomImage", map[string]any{"Name": "x"}, ucloud.CodeMissingParams},
		{"MissingName", alice, "CreateCompShareCustomImage", map[string]any{"UHostId": aliceInst}, ucloud.CodeMissingParams},
		{"DuplicateName", alice, "CreateCompShareCustomImage", map[string]any{"UHostId": aliceInst, "Name": "ready"}, ucloud.CodeDuplicateName},
		{"NameTooLong", alice, "CreateCompShareCustomImage", map[string]any{"UHostId": aliceInst, "Name": strings.Repeat("n", 200)}, ucloud.CodeInvalidParams},
		// Not the owner.
		{"ProgressNotOwner", bob, "GetCompShareImageCreateProgress", map[string]any{"CompShareImageId": ready}, ucloud.CodeImageNotFound},
		{"PublishNotOwner", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": bobImage, "Price": 0}, ucloud.CodeImageNotFound},
		{"UpdateNotOwner", bob, "UpdateCompShareImage", map[string]any{"CompShareImageId": ready, "Description": "x"}, ucloud.CodeImageNotFound},
		{"CopyNotOwner", bob, "CopyCompShareCustomImage", map[string]any{"CompShareImageId": ready}, ucloud.CodeImageNotFound},
		{"TerminateNotOwner", bob, "TerminateCompShareCustomImage", map[string]any{"CompShareImageId": ready}, ucloud.CodeImageNotFound},
		{"ProgressUnknown", alice, "GetCompShareImageCreateProgress", map[string]any{"CompShareImageId": "compshareImage-nope"}, ucloud.CodeImageNotFound},
		// Publishing what cannot be published.
		{"PublishPlatformImage", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": sys.ID, "Price": 0}, ucloud.CodeImageNotFound},
		{"PublishVersion", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": version.CompShareImageId, "Price": 0}, ucloud.CodeNotCustomImage},
		{"PublishMaking", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": pending, "Price": 0}, ucloud.CodeForbidden},
		{"CopyMaking", alice, "CopyCompShareCustomImage", map[string]any{"CompShareImageId": pending}, ucloud.CodeForbidden},
		{"ProgressOfVersion", alice, "GetCompShareImageCreateProgress", map[string]any{"CompShareImageId": version.CompShareImageId}, ucloud.CodeNotCustomImage},
		{"PublishMissingPrice", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": making}, ucloud.CodeMissingParams},
		{"PublishBadPrice", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": making, "Price": "cheap"}, ucloud.CodeInvalidParams},
		{"PublishPriceDecimals", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": making, "Price": 1.234}, ucloud.CodeInvalidParams},
		{"PublishNegativePrice", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": making, "Price": -1}, ucloud.CodeInvalidParams},
		{"PublishFourTags", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": making, "Price": 0, "Tags": []string{"a", "b", "c", "d"}}, ucloud.CodeInvalidParams},
		{"PublishBadAutoStart", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": making, "Price": 0, "AutoStart": "maybe"}, ucloud.CodeInvalidParams},
		{"PublishUnknownGroup", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": making, "Price": 0, "GroupId": "compshareGroup-nope"}, ucloud.CodeGroupNotFound},
		{"PublishDuplicateVersion", alice, "PublishCompShareImage", map[string]any{"CompShareImageId": ready, "Price": 0, "VersionName": version.VersionName}, ucloud.CodeDuplicateName},
		// Updates.
		{"UpdateFourTags", alice, "UpdateCompShareImage", map[string]any{"CompShareImageId": ready, "Tags": []string{"a", "b", "c", "d"}}, ucloud.CodeInvalidParams},
		{"UpdateVisibility", alice, "UpdateCompShareImage", map[string]any{"CompShareImageId": ready, "Visibility": 2}, ucloud.CodeInvalidParams},
		{"UpdateSoftwaresNotJSON", alice, "UpdateCompShareImage", map[string]any{"CompShareImageId": ready, "Softwares": "cuda 12"}, ucloud.CodeInvalidParams},
		{"UpdatePlatformImage", alice, "UpdateCompShareImage", map[string]any{"CompShareImageId": sys.ID, "Description": "x"}, ucloud.CodeImageNotFound},
		{"TerminateVersion", alice, "TerminateCompShareCustomImage", map[string]any{"CompShareImageId": version.CompShareImageId}, ucloud.CodeNotCustomImage},
		// Catalog parameters.
		{"BadOrganization", alice, "DescribeUserCommunityImages", map[string]any{"TargetTopOrganizationId": "alice"}, ucloud.CodeInvalidParams},
		{"ZeroOrganization", alice, "DescribeUserCommunityImages", map[string]any{"TargetTopOrganizationId": 0}, ucloud.CodeInvalidParams},
		{"BadSortField", alice, "DescribeUserCommunityImages", map[string]any{"SortCondition": map[string]any{"Field": "Random"}}, ucloud.CodeInvalidParams},
		{"BadIsFree", alice, "DescribeUserCommunityImages", map[string]any{"IsFree": "maybe"}, ucloud.CodeInvalidParams},
		{"NameTooLongQuery", alice, "DescribeCommunityImages", map[string]any{"Name": strings.Repeat("q", 300)}, ucloud.CodeInvalidParams},
		{"MissingRegion", alice, "DescribeCommunityImages", map[string]any{"Region": ""}, ucloud.CodeMissingParams},
	} {
		t.Run(tc.name, func(t *testing.T) { callErr(t, tc.u, tc.action, tc.params, tc.code) })
	}
	t.Run("ErrorEnvelope", func(t *testing.T) {
		resp, err := alice.C.Do(t.Context(), "PublishCompShareImage", map[string]any{"CompShareImageId": pending, "Price": 0})
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Action  string
			RetCode int
			Message string
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(resp.Body, &body) != nil ||
			body.Action != "PublishCompShareImageResponse" || !strings.Contains(body.Message, "Making") {
			t.Fatalf("error response %d %s", resp.StatusCode, resp.Body)
		}
	})
}

// TestCommunity_AdminAPI checks the admin API's guard and its errors.
func TestCommunity_AdminAPI(t *testing.T) {
	srv := communityServer(t, nil, -1)
	alice := newUCUser(t, srv)
	v := publish(t, alice, map[string]any{"CompShareImageId": makeImage(t, alice, instance(t, srv, alice), "x")})
	approve := "/admin/reviews/" + v.CompShareImageId + "/approve"
	errorCode := func(body []byte) string {
		var e struct {
			Error struct{ Code, Reason, Message string }
		}
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("error body %s: %v", body, err)
		}
		return e.Error.Code + "/" + e.Error.Reason
	}
	for _, tc := range []struct {
		name, token, method, path string
		body                      any
		status                    int
		code                      string
	}{
		{"NoToken", "", "POST", approve, nil, 401, "unauthenticated/"},
		{"WrongToken", "wrong", "POST", approve, nil, 401, "unauthenticated/"},
		{"TokenPrefix", adminToken[:5], "GET", "/admin/reviews", nil, 401, "unauthenticated/"},
		{"UnknownEndpoint", adminToken, "GET", "/admin/nothing", nil, 404, "not_found/"},
		{"WrongMethod", adminToken, "GET", approve, nil, 404, "not_found/"},
		{"UnknownVersion", adminToken, "POST", "/admin/reviews/compshareImage-nope/approve", nil, 404, "not_found/VersionNotFound"},
		{"BadBody", adminToken, "POST", "/admin/reviews/" + v.CompShareImageId + "/reject", map[string]any{"why": 1}, 400, "invalid/InvalidParameter"},
		{"BadStatus", adminToken, "GET", "/admin/reviews?status=Bogus", nil, 400, "invalid/InvalidParameter"},
		{"BadLimit", adminToken, "GET", "/admin/reviews?limit=-3", nil, 400, "invalid/InvalidParameter"},
		{"InstanceOwnerMissing", adminToken, "POST", "/admin/instances", map[string]any{"account_id": 999999, "region": ucRegion}, 404, "not_found/AccountNotFound"},
		{"InstanceRegionUnknown", adminToken, "POST", "/admin/instances", map[string]any{"account_id": alice.ID, "region": "mars"}, 400, "invalid/RegionNotFound"},
		{"OfflineWhileReviewing", adminToken, "POST", "/admin/versions/" + v.CompShareImageId + "/offline", nil, 409, "conflict/ImageNotAvailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := adminDo(t, srv.URL, tc.token, tc.method, tc.path, tc.body)
			if status != tc.status || errorCode(body) != tc.code {
				t.Fatalf("%s %s: %d %s, want %d %s", tc.method, tc.path, status, body, tc.status, tc.code)
			}
		})
	}
	// The version is still Reviewing after every refused call; approving
	// twice is a conflict.
	adminOK(t, srv, "POST", approve, nil, nil)
	if status, body := adminDo(t, srv.URL, adminToken, "POST", approve, nil); status != 409 || errorCode(body) != "conflict/ImageNotAvailable" {
		t.Fatalf("second approval: %d %s", status, body)
	}

	t.Run("OffWithoutToken", func(t *testing.T) {
		off := communityServer(t, nil, -1, func(c *app.Config) { c.AdminToken = "" })
		status, body := adminDo(t, off.URL, adminToken, "GET", "/admin/reviews", nil)
		if status != 404 || errorCode(body) != "admin_disabled/" {
			t.Fatalf("admin API without a configured token: %d %s", status, body)
		}
	})
}
