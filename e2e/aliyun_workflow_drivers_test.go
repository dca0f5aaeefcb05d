package e2e

import (
	"errors"
	"fmt"

	teaecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// wfArgs are the arguments of one workflow call (ecsDriver.wf); empty
// ones are not sent. Region defaults to aliyunRegion.
type wfArgs struct {
	Region, ImageID, InstanceID, Name, Family, Dest, Token, Status, ResourceType string
	TagKey, TagValue                                                             string
	All                                                                          bool
}

// errNoDryRun: the SDK's request type for the action has no DryRun field
// (the Tea SDK's tag and cancel requests), so it cannot send one.
var errNoDryRun = errors.New("this SDK cannot send DryRun for the action")

func (a wfArgs) region() string {
	if a.Region == "" {
		return aliyunRegion
	}
	return a.Region
}

func (a wfArgs) resourceType() string {
	if a.ResourceType == "" {
		return "image"
	}
	return a.ResourceType
}

func optStr(v string) *string {
	if v == "" {
		return nil
	}
	return dara.String(v)
}

// wf calls a workflow action through the Tea SDK; a successful read's
// answer is rendered into the returned string.
func (d teaDriver) wf(action string, a wfArgs, dryRun bool) (string, error) {
	r := dara.String(a.region())
	var dry *bool
	if dryRun {
		dry = dara.Bool(true)
	}
	switch action {
	case "CreateImage":
		req := &teaecs.CreateImageRequest{RegionId: r, InstanceId: optStr(a.InstanceID), ImageName: optStr(a.Name), ImageFamily: optStr(a.Family), ClientToken: optStr(a.Token), DryRun: dry}
		if a.TagKey != "" {
			req.Tag = []*teaecs.CreateImageRequestTag{{Key: dara.String(a.TagKey), Value: optStr(a.TagValue)}}
		}
		resp, err := d.c.CreateImage(req)
		if err != nil {
			return "", err
		}
		return dara.StringValue(resp.Body.ImageId), nil
	case "ModifyImageAttribute":
		_, err := d.c.ModifyImageAttribute(&teaecs.ModifyImageAttributeRequest{RegionId: r, ImageId: optStr(a.ImageID), ImageName: optStr(a.Name), ImageFamily: optStr(a.Family), Status: optStr(a.Status), DryRun: dry})
		return "", err
	case "CopyImage":
		resp, err := d.c.CopyImage(&teaecs.CopyImageRequest{RegionId: r, ImageId: optStr(a.ImageID), DestinationRegionId: optStr(a.Dest), DestinationImageName: optStr(a.Name), ClientToken: optStr(a.Token), DryRun: dry})
		if err != nil {
			return "", err
		}
		return dara.StringValue(resp.Body.ImageId), nil
	case "DescribeImageFromFamily":
		resp, err := d.c.DescribeImageFromFamily(&teaecs.DescribeImageFromFamilyRequest{RegionId: r, ImageFamily: optStr(a.Family)})
		if err != nil {
			return "", err
		}
		return dara.StringValue(resp.Body.Image.ImageId), nil
	case "DescribeRegions":
		resp, err := d.c.DescribeRegions(&teaecs.DescribeRegionsRequest{})
		if err != nil {
			return "", err
		}
		var out []string
		for _, rg := range resp.Body.Regions.Region {
			out = append(out, dara.StringValue(rg.RegionId))
		}
		return fmt.Sprint(out), nil
	case "ListTagResources":
		resp, err := d.c.ListTagResources(&teaecs.ListTagResourcesRequest{RegionId: r, ResourceType: dara.String(a.resourceType()), ResourceId: []*string{dara.String(a.ImageID)}})
		if err != nil {
			return "", err
		}
		var out []string
		for _, t := range resp.Body.TagResources.TagResource {
			out = append(out, dara.StringValue(t.TagKey)+"="+dara.StringValue(t.TagValue))
		}
		return fmt.Sprint(out), nil
	case "DescribeTags":
		resp, err := d.c.DescribeTags(&teaecs.DescribeTagsRequest{RegionId: r, ResourceType: dara.String(a.resourceType()), ResourceId: optStr(a.ImageID)})
		if err != nil {
			return "", err
		}
		var out []string
		for _, t := range resp.Body.Tags.Tag {
			out = append(out, fmt.Sprintf("%s=%s(%d)", dara.StringValue(t.TagKey), dara.StringValue(t.TagValue), dara.Int32Value(t.ResourceTypeCount.Image)))
		}
		return fmt.Sprint(out), nil
	}
	if dryRun {
		return "", errNoDryRun
	}
	var err error
	switch action {
	case "CancelCopyImage":
		_, err = d.c.CancelCopyImage(&teaecs.CancelCopyImageRequest{RegionId: r, ImageId: optStr(a.ImageID)})
	case "TagResources":
		_, err = d.c.TagResources(&teaecs.TagResourcesRequest{RegionId: r, ResourceType: dara.String(a.resourceType()), ResourceId: []*string{dara.String(a.ImageID)},
			Tag: []*teaecs.TagResourcesRequestTag{{Key: dara.String(a.TagKey), Value: optStr(a.TagValue)}}})
	case "UntagResources":
		req := &teaecs.UntagResourcesRequest{RegionId: r, ResourceType: dara.String(a.resourceType()), ResourceId: []*string{dara.String(a.ImageID)}}
		if a.All {
			req.All = dara.Bool(true)
		} else {
			req.TagKey = []*string{dara.String(a.TagKey)}
		}
		_, err = d.c.UntagResources(req)
	case "AddTags":
		_, err = d.c.AddTags(&teaecs.AddTagsRequest{RegionId: r, ResourceType: dara.String(a.resourceType()), ResourceId: optStr(a.ImageID),
			Tag: []*teaecs.AddTagsRequestTag{{Key: dara.String(a.TagKey), Value: optStr(a.TagValue)}}})
	case "RemoveTags":
		req := &teaecs.RemoveTagsRequest{RegionId: r, ResourceType: dara.String(a.resourceType()), ResourceId: optStr(a.ImageID)}
		if a.TagKey != "" {
			req.Tag = []*teaecs.RemoveTagsRequestTag{{Key: dara.String(a.TagKey)}}
		}
		_, err = d.c.RemoveTags(req)
	default:
		return "", fmt.Errorf("no Tea call for %s", action)
	}
	return "", err
}

// wf calls a workflow action through the classic SDK; DryRun is sent as
// a query parameter where the request type has no field for it.
func (d classicDriver) wf(action string, a wfArgs, dryRun bool) (string, error) {
	dry := func(q map[string]string) {
		if dryRun {
			q["DryRun"] = "true"
		}
	}
	switch action {
	case "CreateImage":
		req := ecs.CreateCreateImageRequest()
		req.RegionId, req.InstanceId, req.ImageName, req.ImageFamily, req.ClientToken = a.region(), a.InstanceID, a.Name, a.Family, a.Token
		if a.TagKey != "" {
			req.Tag = &[]ecs.CreateImageTag{{Key: a.TagKey, Value: a.TagValue}}
		}
		dry(req.QueryParams)
		resp, err := d.c.CreateImage(req)
		if err != nil {
			return "", err
		}
		return resp.ImageId, nil
	case "ModifyImageAttribute":
		req := ecs.CreateModifyImageAttributeRequest()
		req.RegionId, req.ImageId, req.ImageName, req.ImageFamily, req.Status = a.region(), a.ImageID, a.Name, a.Family, a.Status
		dry(req.QueryParams)
		_, err := d.c.ModifyImageAttribute(req)
		return "", err
	case "CopyImage":
		req := ecs.CreateCopyImageRequest()
		req.RegionId, req.ImageId, req.DestinationRegionId, req.DestinationImageName = a.region(), a.ImageID, a.Dest, a.Name
		if a.Token != "" {
			req.QueryParams["ClientToken"] = a.Token // the classic request type has no field for it
		}
		dry(req.QueryParams)
		resp, err := d.c.CopyImage(req)
		if err != nil {
			return "", err
		}
		return resp.ImageId, nil
	case "CancelCopyImage":
		req := ecs.CreateCancelCopyImageRequest()
		req.RegionId, req.ImageId = a.region(), a.ImageID
		dry(req.QueryParams)
		_, err := d.c.CancelCopyImage(req)
		return "", err
	case "DescribeImageFromFamily":
		req := ecs.CreateDescribeImageFromFamilyRequest()
		req.RegionId, req.ImageFamily = a.region(), a.Family
		resp, err := d.c.DescribeImageFromFamily(req)
		if err != nil {
			return "", err
		}
		return resp.Image.ImageId, nil
	case "DescribeRegions":
		resp, err := d.c.DescribeRegions(ecs.CreateDescribeRegionsRequest())
		if err != nil {
			return "", err
		}
		var out []string
		for _, rg := range resp.Regions.Region {
			out = append(out, rg.RegionId)
		}
		return fmt.Sprint(out), nil
	case "TagResources":
		req := ecs.CreateTagResourcesRequest()
		req.RegionId, req.ResourceType, req.ResourceId = a.region(), a.resourceType(), &[]string{a.ImageID}
		req.Tag = &[]ecs.TagResourcesTag{{Key: a.TagKey, Value: a.TagValue}}
		dry(req.QueryParams)
		_, err := d.c.TagResources(req)
		return "", err
	case "UntagResources":
		req := ecs.CreateUntagResourcesRequest()
		req.RegionId, req.ResourceType, req.ResourceId = a.region(), a.resourceType(), &[]string{a.ImageID}
		if a.All {
			req.All = requests.NewBoolean(true)
		} else {
			req.TagKey = &[]string{a.TagKey}
		}
		dry(req.QueryParams)
		_, err := d.c.UntagResources(req)
		return "", err
	case "ListTagResources":
		req := ecs.CreateListTagResourcesRequest()
		req.RegionId, req.ResourceType, req.ResourceId = a.region(), a.resourceType(), &[]string{a.ImageID}
		resp, err := d.c.ListTagResources(req)
		if err != nil {
			return "", err
		}
		var out []string
		for _, t := range resp.TagResources.TagResource {
			out = append(out, t.TagKey+"="+t.TagValue)
		}
		return fmt.Sprint(out), nil
	case "AddTags":
		req := ecs.CreateAddTagsRequest()
		req.RegionId, req.ResourceType, req.ResourceId = a.region(), a.resourceType(), a.ImageID
		req.Tag = &[]ecs.AddTagsTag{{Key: a.TagKey, Value: a.TagValue}}
		dry(req.QueryParams)
		_, err := d.c.AddTags(req)
		return "", err
	case "RemoveTags":
		req := ecs.CreateRemoveTagsRequest()
		req.RegionId, req.ResourceType, req.ResourceId = a.region(), a.resourceType(), a.ImageID
		if a.TagKey != "" {
			req.Tag = &[]ecs.RemoveTagsTag{{Key: a.TagKey}}
		}
		dry(req.QueryParams)
		_, err := d.c.RemoveTags(req)
		return "", err
	case "DescribeTags":
		req := ecs.CreateDescribeTagsRequest()
		req.RegionId, req.ResourceType, req.ResourceId = a.region(), a.resourceType(), a.ImageID
		resp, err := d.c.DescribeTags(req)
		if err != nil {
			return "", err
		}
		var out []string
		for _, t := range resp.Tags.Tag {
			out = append(out, fmt.Sprintf("%s=%s(%d)", t.TagKey, t.TagValue, t.ResourceTypeCount.Image))
		}
		return fmt.Sprint(out), nil
	}
	return "", fmt.Errorf("no classic call for %s", action)
}
