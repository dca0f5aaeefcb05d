package baidu

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// catalog is a caller's view of a small image set in two regions.
type catalog struct {
	env    *testEnv
	owner  *imageshare.Account
	key    *imageshare.AccessKey
	friend *imageshare.Account
}

func newCatalog(t *testing.T) *catalog {
	env := newTestEnv(t)
	owner, key := env.account("owner@example.com")
	friend, friendKey := env.account("friend@example.com")
	for _, im := range []*imageshare.Image{
		{ID: "s-1", Type: imageshare.ImageSystem, OSType: "linux", OSName: "CentOS"},
		{ID: "s-2", Type: imageshare.ImageSystem, Status: imageshare.StatusUnAvailable},
		{ID: "s-hz", Type: imageshare.ImageSystem, Region: "cn-hangzhou"},
		{ID: "a-1", Type: imageshare.ImageApp},
		{ID: "c-1", OwnerID: owner.ID, Description: "mine", SizeMB: 20480, Status: imageshare.StatusMaking,
			BuildDoneAt: time.Date(2024, 5, 1, 13, 0, 0, 0, time.UTC)},
		{ID: "c-2", OwnerID: owner.ID, Status: imageshare.StatusUnAvailable, FailedReason: "disk full"},
		{ID: "c-hz", OwnerID: owner.ID, Region: "cn-hangzhou"},
		{ID: "cm-1", OwnerID: owner.ID, Type: imageshare.ImageCommunity},
		{ID: "f-1", OwnerID: friend.ID},
		{ID: "f-2", OwnerID: friend.ID},
	} {
		env.image(im)
	}
	if _, err := env.svc.ModifyShares(context.Background(), imageshare.Caller{AccountID: friend.ID, PublicKey: friendKey.PublicKey},
		imageshare.ShareRequest{ImageID: "f-1", Add: []int64{owner.ID}, Mode: imageshare.ShareStrict}); err != nil {
		t.Fatal(err)
	}
	return &catalog{env: env, owner: owner, key: key, friend: friend}
}

func (c *catalog) list(t *testing.T, query string) *listImagesResult {
	t.Helper()
	var res listImagesResult
	c.env.serve(c.env.signer(c.key).newRequest(t, "GET", "/v2/image?"+query, nil)).decode(t, &res)
	return &res
}

func ids(images []imageModel) []string {
	out := []string{}
	for _, im := range images {
		out = append(out, im.ID+":"+im.Type)
	}
	return out
}

func TestHandler_ListImages(t *testing.T) {
	c := newCatalog(t)
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"maxKeys=1000", []string{"a-1:Integration", "c-1:Custom", "c-2:Custom", "f-1:Sharing", "s-1:System", "s-2:System"}},
		{"imageType=All", []string{"a-1:Integration", "c-1:Custom", "c-2:Custom", "f-1:Sharing", "s-1:System", "s-2:System"}},
		{"imageType=System", []string{"s-1:System", "s-2:System"}},
		{"imageType=Integration", []string{"a-1:Integration"}},
		{"imageType=Custom", []string{"c-1:Custom", "c-2:Custom"}},
		{"imageType=custom&imageName=c-2", []string{"c-2:Custom"}},
		{"imageType=Sharing", []string{"f-1:Sharing"}},
		{"imageType=GpuBccSystem", []string{}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			res := c.list(t, tc.query)
			if got := ids(res.Images); !slices.Equal(got, tc.want) {
				t.Errorf("images = %v, want %v", got, tc.want)
			}
			if res.IsTruncated || res.NextMarker != "" || res.MaxKeys != 1000 {
				t.Errorf("page = truncated %v, next %q, maxKeys %d; want one whole page of 1000", res.IsTruncated, res.NextMarker, res.MaxKeys)
			}
		})
	}

	t.Run("Pages", func(t *testing.T) {
		var got []string
		marker := ""
		for range 10 {
			res := c.list(t, "maxKeys=4&marker="+marker)
			if res.Marker != marker || res.MaxKeys != 4 {
				t.Errorf("echo: marker %q maxKeys %d", res.Marker, res.MaxKeys)
			}
			got = append(got, ids(res.Images)...)
			if !res.IsTruncated {
				break
			}
			marker = res.NextMarker
		}
		want := c.list(t, "").Images
		if !slices.Equal(got, ids(want)) {
			t.Errorf("pages = %v, want %v", got, ids(want))
		}
		// A marker that names no image (deleted since) still marks its place.
		if got := ids(c.list(t, "maxKeys=2&marker=c-15").Images); !slices.Equal(got, []string{"c-2:Custom", "f-1:Sharing"}) {
			t.Errorf("from a missing marker: %v", got)
		}
	})

	t.Run("Model", func(t *testing.T) {
		byID := map[string]imageModel{}
		for _, im := range c.list(t, "").Images {
			byID[im.ID] = im
		}
		created := c.env.clock().UTC().Format(time.RFC3339)
		c1 := byID["c-1"]
		if c1.Status != "Creating" || c1.Desc != "mine" || c1.DiskSize != 20 || c1.MinDiskGb != 20 || c1.CreateTime != created || c1.Name != "image c-1" {
			t.Errorf("c-1 = %+v", c1)
		}
		if s := byID["c-2"].Status; s != "CreateFailed" {
			t.Errorf("c-2 status = %q, want CreateFailed", s)
		}
		if s := byID["s-2"].Status; s != "NotAvailable" {
			t.Errorf("s-2 status = %q, want NotAvailable", s)
		}
		if s1 := byID["s-1"]; s1.Status != "Available" || s1.OsType != "linux" || s1.OsName != "CentOS" {
			t.Errorf("s-1 = %+v", s1)
		}
	})

	t.Run("RegionFromHost", func(t *testing.T) {
		s := c.env.signer(c.key)
		s.host = "bcc.cn-hangzhou.baidubce.com"
		var res listImagesResult
		c.env.serve(s.newRequest(t, "GET", "/v2/image", nil)).decode(t, &res)
		if got := ids(res.Images); !slices.Equal(got, []string{"c-hz:Custom", "s-hz:System"}) {
			t.Errorf("cn-hangzhou images = %v", got)
		}
		s.host = "bcc.nowhere.baidubce.com"
		c.env.serve(s.newRequest(t, "GET", "/v2/image", nil)).expect(t, 400, codeInvalidHTTPRequest)
	})

	for _, q := range []string{"maxKeys=0", "maxKeys=-1", "maxKeys=ten", "imageType=Bogus"} {
		t.Run("Refuses "+q, func(t *testing.T) {
			c.env.serve(c.env.signer(c.key).newRequest(t, "GET", "/v2/image?"+q, nil)).expect(t, 400, codeInvalidHTTPRequest)
		})
	}
	t.Run("ClampsMaxKeys", func(t *testing.T) {
		if res := c.list(t, "maxKeys=5000"); res.MaxKeys != 1000 || len(res.Images) != 6 {
			t.Errorf("maxKeys=5000: maxKeys %d, %d images", res.MaxKeys, len(res.Images))
		}
	})
}

func TestHandler_GetImage(t *testing.T) {
	c := newCatalog(t)
	s := c.env.signer(c.key)
	for id, typ := range map[string]string{"c-1": "Custom", "f-1": "Sharing", "s-1": "System", "a-1": "Integration", "cm-1": "Community"} {
		var res imageDetailResult
		c.env.serve(s.newRequest(t, "GET", "/v2/image/"+id, nil)).decode(t, &res)
		if res.Image.ID != id || res.Image.Type != typ {
			t.Errorf("%s: got %s type %s, want type %s", id, res.Image.ID, res.Image.Type, typ)
		}
	}
	for _, id := range []string{"f-2", "c-hz", "s-hz", "nope"} {
		c.env.serve(s.newRequest(t, "GET", "/v2/image/"+id, nil)).expect(t, 404, codeNoSuchObject)
	}
}

func TestHandler_SharesAndDelete(t *testing.T) {
	c := newCatalog(t)
	env := c.env
	s := env.signer(c.key)
	third, _ := env.account("third@example.com")

	var users sharedUsersResult
	env.serve(s.newRequest(t, "GET", "/v2/image/c-2/sharedUsers", nil)).decode(t, &users)
	if users.Users == nil || len(users.Users) != 0 {
		t.Errorf("unshared image users = %#v, want an empty list", users.Users)
	}
	env.serve(s.newRequest(t, "POST", shareTarget("c-2", "share"), jsonBody(map[string]string{"account": "friend@example.com"}))).expect(t, 200, "")
	env.serve(s.newRequest(t, "POST", shareTarget("c-2", "share"), jsonBody(map[string]string{"accountId": accountIDString(third)}))).expect(t, 200, "")
	env.serve(s.newRequest(t, "GET", "/v2/image/c-2/sharedUsers", nil)).decode(t, &users)
	want := []sharedUser{{"friend@example.com", accountIDString(c.friend)}, {"third@example.com", accountIDString(third)}}
	if !slices.Equal(users.Users, want) {
		t.Errorf("users = %v, want %v", users.Users, want)
	}

	env.serve(s.newRequest(t, "DELETE", "/v2/image/c-2", nil)).expect(t, 409, codeImageSharedToOthers)
	// Unsharing an account the image is not shared with changes nothing.
	env.serve(s.newRequest(t, "POST", shareTarget("c-1", "unshare"), jsonBody(map[string]string{"account": "third@example.com"}))).expect(t, 200, "")
	for _, name := range []string{"friend@example.com", "third@example.com"} {
		env.serve(s.newRequest(t, "POST", shareTarget("c-2", "unshare"), jsonBody(map[string]string{"account": name}))).expect(t, 200, "")
	}
	env.serve(s.newRequest(t, "DELETE", "/v2/image/c-2", nil)).expect(t, 200, "")
	env.serve(s.newRequest(t, "GET", "/v2/image/c-2", nil)).expect(t, 404, codeNoSuchObject)

	// Platform and community images cannot be shared; others' images and images in
	// another region are not found.
	env.serve(s.newRequest(t, "GET", "/v2/image/s-1/sharedUsers", nil)).expect(t, 403, codeUnCustomCannotBeShared)
	env.serve(s.newRequest(t, "POST", shareTarget("a-1", "share"), jsonBody(map[string]string{"account": "third@example.com"}))).expect(t, 403, codeUnCustomCannotBeShared)
	env.serve(s.newRequest(t, "GET", "/v2/image/s-hz/sharedUsers", nil)).expect(t, 404, codeNoSuchObject)
	env.serve(s.newRequest(t, "GET", "/v2/image/cm-1/sharedUsers", nil)).expect(t, 403, codeUnCustomCannotBeShared)
	env.serve(s.newRequest(t, "POST", shareTarget("cm-1", "share"), jsonBody(map[string]string{"account": "third@example.com"}))).expect(t, 403, codeUnCustomCannotBeShared)
	env.serve(s.newRequest(t, "GET", "/v2/image/f-1/sharedUsers", nil)).expect(t, 404, codeNoSuchObject)
	env.serve(s.newRequest(t, "GET", "/v2/image/c-hz/sharedUsers", nil)).expect(t, 404, codeNoSuchObject)
	env.serve(s.newRequest(t, "POST", shareTarget("f-1", "share"), jsonBody(map[string]string{"account": "third@example.com"}))).expect(t, 404, codeNoSuchObject)
	env.serve(s.newRequest(t, "DELETE", "/v2/image/f-1", nil)).expect(t, 404, codeNoSuchObject)

	// The per-image cap (3 in this env).
	for _, n := range []string{"a", "b", "c"} {
		a, _ := env.account(n + "@example.com")
		env.serve(s.newRequest(t, "POST", shareTarget("c-1", "share"), jsonBody(map[string]string{"accountId": accountIDString(a)}))).expect(t, 200, "")
	}
	env.serve(s.newRequest(t, "POST", shareTarget("c-1", "share"), jsonBody(map[string]string{"account": "third@example.com"}))).expect(t, 413, codeExceedSharedQuota)
}
