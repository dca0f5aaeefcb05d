package e2e

import (
	"net/http"
	"slices"
	"testing"

	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	"github.com/imageshare/imageshare/app/apptest"
)

// Cross-dialect (issue 16 item 7): an image shared through Alibaba is
// launched through BCC and CompShare by the consumer; an instance made in
// one dialect is listed by the others (same account, same region, bj);
// BCC's security-group and zone lists show the default network a launch
// may name.
func TestInstances_CrossDialect(t *testing.T) {
	srv := apptest.Start(t)
	owner, ownerKey := srv.Account(t, "")
	consumer, key := srv.Account(t, "")
	im := customImage(t, srv, owner, matrixRegion)
	ecsOwner := aliyunClientIn(t, srv, matrixRegion, ownerKey.PublicKey, ownerKey.PrivateKey)
	mustOK(t, modifyShares(ecsOwner, im.ID, []string{idString(consumer.ID)}, nil))

	ecsC := aliyunClientIn(t, srv, matrixRegion, key.PublicKey, key.PrivateKey)
	bcc := baiduClient(t, srv, key)
	uc := newUCSDK(srv.URL, consumer, key, false)

	fromECS, err := runInstances(ecsC, im.ID, 1)
	mustOK(t, err)
	groups, err := bcc.ListSecurityGroup(&api.ListSecurityGroupArgs{})
	baiduOK(t, err)
	zones, err := bcc.ListZone()
	baiduOK(t, err)
	if len(groups.SecurityGroups) != 1 || len(zones.Zones) != 2 {
		t.Fatalf("BCC lists %+v and %+v", groups, zones)
	}
	fromBCC, err := bcc.CreateInstance(&api.CreateInstanceArgs{ImageId: im.ID, SecurityGroupId: groups.SecurityGroups[0].Id, ZoneName: zones.Zones[1].ZoneName})
	baiduOK(t, err)
	_, err = bcc.CreateInstance(&api.CreateInstanceArgs{ImageId: im.ID, SecurityGroupId: "sg-notmine"})
	wantBceError(t, err, "NoSuchObject", http.StatusNotFound)
	r := uc.NewCreateCompShareInstanceRequest()
	r.Region, r.CompShareImageId = ptr(matrixRegion), ptr(im.ID)
	fromUC, err := uc.CreateCompShareInstance(r)
	must(t, "CreateCompShareInstance", err)
	want := []string{fromECS[0], fromBCC.InstanceIds[0], fromUC.UHostIds[0]}
	slices.Sort(want)

	var viaECS, viaBCC, viaUC []string
	for _, in := range describeInstances(t, ecsC, im.ID) {
		viaECS = append(viaECS, in.InstanceId)
	}
	list, err := bcc.ListInstances(&api.ListInstanceArgs{})
	baiduOK(t, err)
	for _, in := range list.Instances {
		viaBCC = append(viaBCC, in.InstanceId)
		if in.InstanceId == fromBCC.InstanceIds[0] && in.ZoneName != zones.Zones[1].ZoneName {
			t.Errorf("the BCC launch is in %s, want %s", in.ZoneName, zones.Zones[1].ZoneName)
		}
	}
	d := uc.NewDescribeCompShareInstanceRequest()
	d.Region = ptr(matrixRegion)
	ucList, err := uc.DescribeCompShareInstance(d)
	must(t, "DescribeCompShareInstance", err)
	for _, in := range ucList.UHostSet {
		viaUC = append(viaUC, in.UHostId)
	}
	for name, got := range map[string][]string{"ECS": viaECS, "BCC": viaBCC, "CompShare": viaUC} {
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s lists %v, want %v", name, got, want)
		}
	}
}

func ptr(s string) *string { return &s }
