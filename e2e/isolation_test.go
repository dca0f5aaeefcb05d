package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestIsolationMatrix: bob, with his own valid key, calls every action
// that names an image on alice's images, through every dialect. For him
// her private image, the share list of the image she shares with him and
// her unpublished community version do not exist: each answer is exactly
// the answer for an id that exists nowhere (same status, code and message),
// and nothing changes. Listings never show him what is not his or shared
// with him; the image shared with him is visible, its share list is not.
func TestIsolationMatrix(t *testing.T) {
	f := newMatrixFixture(t)
	bob := keyCred(f.bobKey)
	carol, _ := f.srv.Account(t, "carol@example.com")
	carolID := strconv.FormatInt(carol.ID, 10)
	bobID := strconv.FormatInt(f.bob.ID, 10)
	const ghost = "compshareImage-nosuchimage0"

	// Every action that names an image, as a function of the id it names.
	targeted := []func(id string) apiOp{
		func(id string) apiOp {
			return ucOp("DescribeCompShareImageShareAccounts", map[string]string{"CompShareImageId": id}, false)
		},
		func(id string) apiOp {
			return ucOp("ModifyCompShareImageShareAccount", map[string]string{"CompShareImageId": id, "AddAccounts.0": carolID, "RemoveAccounts.0": bobID}, true)
		},
		func(id string) apiOp {
			return ucOp("GetCompShareImageCreateProgress", map[string]string{"CompShareImageId": id}, false)
		},
		func(id string) apiOp {
			return ucOp("UpdateCompShareImage", map[string]string{"CompShareImageId": id, "Description": "defaced", "Visibility": "1"}, true)
		},
		func(id string) apiOp {
			return ucOp("CopyCompShareCustomImage", map[string]string{"CompShareImageId": id, "TargetImageName": "stolen"}, true)
		},
		func(id string) apiOp {
			return ucOp("TerminateCompShareCustomImage", map[string]string{"CompShareImageId": id}, true)
		},
		func(id string) apiOp {
			return ucOp("PublishCompShareImage", map[string]string{"CompShareImageId": id, "Price": "0"}, true)
		},
		func(id string) apiOp {
			return alOp("DescribeImageSharePermission", map[string]string{"ImageId": id}, false)
		},
		func(id string) apiOp {
			return alOp("ModifyImageSharePermission", map[string]string{"ImageId": id, "AddAccount.1": carolID, "RemoveAccount.1": bobID}, true)
		},
		func(id string) apiOp {
			return alOp("DeleteImage", map[string]string{"ImageId": id, "Force": "true"}, true)
		},
		func(id string) apiOp {
			return bceOp("GetImageSharedUser", http.MethodGet, "/v2/image/"+id+"/sharedUsers", "", "", false)
		},
		func(id string) apiOp {
			return bceOp("ShareImage", http.MethodPost, "/v2/image/"+id, "share", `{"accountId":"`+carolID+`"}`, true)
		},
		func(id string) apiOp {
			return bceOp("UnShareImage", http.MethodPost, "/v2/image/"+id, "unshare", `{"accountId":"`+bobID+`"}`, true)
		},
		func(id string) apiOp { return bceOp("DeleteImage", http.MethodDelete, "/v2/image/"+id, "", "", true) },
		func(id string) apiOp { return bceOp("GetImageDetail", http.MethodGet, "/v2/image/"+id, "", "", false) },
	}
	targets := map[string]string{"private": f.private, "shared": f.shared, "unpublished-version": f.version}
	start := storeState(t, f.srv)
	compared := 0
	for _, mk := range targeted {
		for what, id := range targets {
			op := mk(id)
			if what == "shared" && op.dialect == dBaidu && op.action == "GetImageDetail" {
				continue // the one read a shared image allows: checked below
			}
			t.Run(op.String()+"/"+what, func(t *testing.T) {
				before := storeState(t, f.srv)
				got := send(t, f.srv.URL, op, bob)
				want := send(t, f.srv.URL, mk(ghost), bob)
				// A success is wrong unless a missing image gets it too
				// (ECS ignores a DeleteImage of an image that does not
				// exist): then the answers and the store must still agree.
				if got.ok() && !want.ok() {
					t.Fatalf("bob's call on alice's %s image succeeded: %s", what, got)
				}
				if got.status != want.status || got.code != want.code || strings.ReplaceAll(got.message, id, "ID") != strings.ReplaceAll(want.message, ghost, "ID") {
					t.Errorf("alice's %s image answers bob\n  %d %s %q\nbut an image that does not exist answers\n  %d %s %q",
						what, got.status, got.code, got.message, want.status, want.code, want.message)
				}
				if after := storeState(t, f.srv); after != before {
					t.Errorf("the refused call changed the store:\n%s", firstDiff(before, after))
				}
				compared++
			})
		}
	}

	// What bob may see: the shared image, and nothing else of alice's.
	secret := []string{f.private, f.version, f.group, f.secretTag, f.terminate, f.delAliyun, f.delBCE}
	listings := []struct {
		op   apiOp
		must []string // ids the answer must show
	}{
		{ucOp("DescribeCompShareCustomImages", nil, false), nil},
		{ucOp("DescribeCompShareSharingImages", nil, false), []string{f.shared, f.unshare}},
		{ucOp("DescribeCompShareImages", nil, false), nil},
		{ucOp("DescribeCompShareImageTags", nil, false), nil},
		{ucOp("DescribeCommunityImages", nil, false), nil},
		{ucOp("DescribeCommunityImages", map[string]string{"CompShareImageId": f.version}, false), nil},
		{ucOp("DescribeCommunityImages", map[string]string{"Name": "alice-unpublished"}, false), nil},
		{ucOp("DescribeSelfCommunityImages", nil, false), nil},
		{ucOp("DescribeSelfCommunityImages", map[string]string{"CompShareImageId": f.version}, false), nil},
		{ucOp("DescribeSelfCommunityImages", map[string]string{"GroupId": f.group}, false), nil},
		{ucOp("DescribeUserCommunityImages", map[string]string{"TargetTopOrganizationId": strconv.FormatInt(f.alice.OrganizationID, 10)}, false), nil},
		{ucOp("DescribeUserCommunityImages", map[string]string{"FuzzySearch": "alice"}, false), nil},
		{alOp("DescribeImages", nil, false), []string{f.shared}},
		{alOp("DescribeImages", map[string]string{"ImageOwnerAlias": "others"}, false), []string{f.shared}},
		{alOp("DescribeImages", map[string]string{"ImageId": f.private + "," + f.version + "," + f.shared}, false), []string{f.shared}},
		{alOp("DescribeImages", map[string]string{"ImageName": "alice", "Status": "Available,UnAvailable,Creating,Waiting"}, false), []string{f.shared}},
		{bceOp("ListImage", http.MethodGet, "/v2/image", "", "", false), nil},
		{bceOp("ListImage", http.MethodGet, "/v2/image", "imageType=Sharing", "", false), []string{f.shared}},
		{bceOp("ListImage", http.MethodGet, "/v2/image", "imageType=Custom", "", false), nil},
		{bceOp("GetImageDetail", http.MethodGet, "/v2/image/"+f.shared, "", "", false), []string{f.shared}},
	}
	for _, l := range listings {
		t.Run("listing/"+l.op.String(), func(t *testing.T) {
			r := send(t, f.srv.URL, l.op, bob)
			if !r.ok() {
				t.Fatalf("bob's listing failed: %s", r)
			}
			body := string(r.body)
			for _, s := range secret {
				if strings.Contains(body, `"`+s+`"`) {
					t.Errorf("bob's listing shows alice's %q: %s", s, r)
				}
			}
			for _, id := range l.must {
				if !strings.Contains(body, `"`+id+`"`) {
					t.Errorf("bob's listing does not show %s, which is shared with him: %s", id, r)
				}
			}
			if strings.Contains(body, f.alice.Name) && len(l.must) == 0 {
				t.Errorf("a listing with nothing of alice's names her: %s", r)
			}
		})
	}
	if end := storeState(t, f.srv); end != start {
		t.Errorf("bob's calls changed alice's data:\n%s", firstDiff(start, end))
	}
	t.Logf("%d refused calls compared with a nonexistent image, %d listings checked", compared, len(listings))
}
