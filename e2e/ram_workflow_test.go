package e2e

import (
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/baidubce/bce-sdk-go/model"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	"github.com/imageshare/imageshare/vocabulary"
)

// Sub-users' policies govern the workflow's actions (docs/ram.md): the
// RAM vocabulary has each new action with its resource.
func TestRAM_WorkflowActions(t *testing.T) {
	f := newRAMFixture(t, vocabulary.For("aliyun"), aliyunRegion)
	inst := ownInstance(t, f.srv, f.owner, aliyunRegion)
	as := func(user string) *ecs.Client { return aliyunClient(t, f.srv, f.keys[user]) }

	// A read-only user (ecs:Describe*) may find by family, not make.
	mk := ecs.CreateCreateImageRequest()
	mk.RegionId, mk.InstanceId, mk.ImageName = aliyunRegion, inst, "by-reader"
	_, err := as("reader").CreateImage(mk)
	se := wantAliyunError(t, err, "Forbidden.RAM", 403)
	if d := se.AccessDeniedDetail(); d["AuthAction"] != "ecs:CreateImage" || !strings.HasSuffix(d["AuthResource"].(string), ":instance/"+inst) {
		t.Fatalf("denial detail %v", d)
	}
	ff := ecs.CreateDescribeImageFromFamilyRequest()
	ff.RegionId, ff.ImageFamily = aliyunRegion, "none"
	_, err = as("reader").DescribeImageFromFamily(ff)
	mustOK(t, err)

	// A user allowed everything on one image tags it, and not the other.
	tag := func(id string) error {
		req := ecs.CreateTagResourcesRequest()
		req.RegionId, req.ResourceType, req.ResourceId = aliyunRegion, "image", &[]string{id}
		req.Tag = &[]ecs.TagResourcesTag{{Key: "k", Value: "v"}}
		_, err := as("oneimage").TagResources(req)
		return err
	}
	mustOK(t, tag(f.one.ID))
	se = wantAliyunError(t, tag(f.two.ID), "Forbidden.RAM", 403)
	if d := se.AccessDeniedDetail(); d["AuthAction"] != "ecs:TagResources" {
		t.Fatalf("denial detail %v", d)
	}
}

func TestRAM_WorkflowBaidu(t *testing.T) {
	f := newRAMFixture(t, vocabulary.For("baidu"), baiduRegion)
	c := baiduClient(t, f.srv, f.keys["reader"])
	err := c.RemoteCopyImage(f.one.ID, &api.RemoteCopyImageArgs{DestRegion: []string{"cn-wlcb"}})
	wantBceError(t, err, "AccessDenied", 403)
	err = c.BindImageToTags(f.one.ID, &api.BindTagsRequest{ChangeTags: []model.TagModel{{TagKey: "k", TagValue: "v"}}})
	wantBceError(t, err, "AccessDenied", 403)
	all := baiduClient(t, f.srv, f.keys["oneimage"])
	err = all.RemoteCopyImage(f.one.ID, &api.RemoteCopyImageArgs{DestRegion: []string{"cn-wlcb"}})
	baiduOK(t, err)
	err = all.RemoteCopyImage(f.two.ID, &api.RemoteCopyImageArgs{DestRegion: []string{"cn-wlcb"}})
	wantBceError(t, err, "AccessDenied", 403)
}
