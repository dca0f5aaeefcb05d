package ucloud

import (
	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/vocabulary"
)

// actions is the dialect's action table: one row per Action, with its
// handler and its RAM entry (policies name it ucompshare:<Action>, its
// resources ucs:ucompshare:{region}:{account}:image/{id}). Adding an
// action is a row here and its handler; docs/ucloud.md and docs/ram.md
// list every row (TestActionTable). Params name the top-level parameters
// each handler reads; a list (Tags, AddAccounts) or an object (Softwares,
// SortCondition) is named once, its .N and .Field forms included.
var actions = kit.NewTable("ucloud", "ucompshare", "ucs:ucompshare", []*kit.Row[handlerFunc]{
	{Action: image("DescribeCompShareImageShareAccounts", vocabulary.Read, op.DescribeShares, "CompShareImageId"),
		Handle: (*handler).describeShareAccounts},
	{Action: writes(image("ModifyCompShareImageShareAccount", vocabulary.Write, op.ModifyShares, "CompShareImageId", "AddAccounts", "RemoveAccounts")),
		Handle: (*handler).modifyShareAccount},
	{Action: image("DescribeCompShareCustomImages", vocabulary.List, op.ListImages, "CompShareImageId", "Offset", "Limit"),
		Handle: (*handler).describeCustomImages},
	{Action: image("DescribeCompShareSharingImages", vocabulary.List, op.ListImages, "CompShareImageId", "Offset", "Limit"),
		Handle: (*handler).describeSharingImages},
	{Action: image("DescribeCompShareImages", vocabulary.List, op.ListImages, "CompShareImageId", "ImageType", "Name", "Tag", "Author", "Offset", "Limit"),
		Handle: (*handler).describePlatformImages},
	// Lifecycle and catalog (lifecycle.go, community.go).
	{Action: kit.Action{Name: "CreateCompShareCustomImage", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(op.CreateCustomImage), Writes: true, Params: []string{"UHostId", "Name", "Description", "Softwares"}},
		Handle: (*handler).createCustomImage},
	{Action: image("GetCompShareImageCreateProgress", vocabulary.Read, op.ImageBuildProgress, "CompShareImageId"),
		Handle: (*handler).createProgress},
	{Action: writes(image("UpdateCompShareImage", vocabulary.Write, op.EditImage, "CompShareImageId", "Description", "Readme", "Cover", "Framework", "Tags", "Visibility", "Softwares")),
		Handle: (*handler).updateImage},
	{Action: writes(image("CopyCompShareCustomImage", vocabulary.Write, op.CopyCustomImage, "CompShareImageId", "TargetImageName")),
		Handle: (*handler).copyCustomImage},
	{Action: writes(image("TerminateCompShareCustomImage", vocabulary.Write, op.TerminateImage, "CompShareImageId")),
		Handle: (*handler).terminateCustomImage},
	{Action: writes(image("PublishCompShareImage", vocabulary.Write, op.PublishImage, "CompShareImageId", "Price", "AutoStart",
		"CommunityImageName", "GroupId", "VersionName", "VersionDesc", "Description", "Readme", "Cover", "Tags", "Softwares")),
		Handle: (*handler).publishImage},
	{Action: regionOptional(image("DescribeCompShareImageTags", vocabulary.List, op.CatalogTags)),
		Handle: (*handler).describeImageTags},
	{Action: image("DescribeCommunityImages", vocabulary.List, op.CommunityImages, "Name", "Tag", "Author", "CompShareImageId", "Offset", "Limit", "SortCondition"),
		Handle: (*handler).describeCommunityImages},
	{Action: image("DescribeSelfCommunityImages", vocabulary.List, op.SelfCommunityGroups, "CompShareImageId", "GroupId", "Offset", "Limit"),
		Handle: (*handler).describeSelfCommunityImages},
	{Action: image("DescribeUserCommunityImages", vocabulary.List, op.CommunityGroups, "TargetTopOrganizationId", "FuzzySearch",
		"IsFree", "IsOfficial", "Name", "Tag", "Author", "CompShareImageId", "Offset", "Limit", "SortCondition"),
		Handle: (*handler).describeUserCommunityImages},
	// Instances (instance.go). CreateCompShareInstance acts on the image it
	// launches from, so a policy can allow launching only from certain
	// images; a reinstall also runs RunInstances on its image.
	{Action: kit.Action{Name: "CreateCompShareInstance", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpRunInstances), Writes: true, Params: []string{"CompShareImageId", "MachineType", "CPU", "Memory", "GPU", "GpuType",
			"Name", "Quantity", "ChargeType", "Disks", "EnableUS3", "LoginMode", "MinimalCpuPlatform", "Password", "SecurityGroupId", "Zone"}},
		Handle: (*handler).createInstance},
	{Action: kit.Action{Name: "DescribeCompShareInstance", Level: vocabulary.List, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpListInstances), Params: []string{"UHostIds", "Offset", "Limit", "WithoutGpu"}},
		Handle: (*handler).describeInstance},
	{Action: instance("StartCompShareInstance"), Handle: powerInstance(imageshare.PowerStart)},
	{Action: instance("StopCompShareInstance"), Handle: powerInstance(imageshare.PowerStop)},
	{Action: instance("RebootCompShareInstance"), Handle: powerInstance(imageshare.PowerReboot)},
	{Action: instance("TerminateCompShareInstance"), Handle: (*handler).terminateInstance},
	{Action: kit.Action{Name: "ReinstallCompShareInstance", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance, imageshare.OpRunInstances), Writes: true, Params: []string{"UHostId", "CompShareImageId", "Password"}},
		Handle: (*handler).reinstallInstance},
})

// instance is a row that changes one instance, UHostId.
func instance(name string) kit.Action {
	return kit.Action{Name: name, Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true, Params: []string{"UHostId"}}
}

// op abbreviates the core operations in the table.
var op = struct {
	DescribeShares, ModifyShares, ListImages, CreateCustomImage, ImageBuildProgress, EditImage,
	CopyCustomImage, TerminateImage, PublishImage, CatalogTags, CommunityImages, SelfCommunityGroups,
	CommunityGroups imageshare.Operation
}{
	imageshare.OpDescribeShares, imageshare.OpModifyShares, imageshare.OpListImages, imageshare.OpCreateCustomImage,
	imageshare.OpImageBuildProgress, imageshare.OpEditImage, imageshare.OpCopyCustomImage, imageshare.OpTerminateImage,
	imageshare.OpPublishImage, imageshare.OpCatalogTags, imageshare.OpCommunityImages, imageshare.OpSelfCommunityGroups,
	imageshare.OpCommunityGroups,
}

func ops(o ...imageshare.Operation) []imageshare.Operation { return o }

// image is a row acting on images that runs one operation.
func image(name string, level vocabulary.Level, o imageshare.Operation, params ...string) kit.Action {
	return kit.Action{Name: name, Level: level, Kind: vocabulary.KindImage, Ops: ops(o), Params: params}
}

func writes(a kit.Action) kit.Action         { a.Writes = true; return a }
func regionOptional(a kit.Action) kit.Action { a.RegionOptional = true; return a }
