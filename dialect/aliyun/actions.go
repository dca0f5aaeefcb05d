package aliyun

import (
	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/vocabulary"
)

// actions is the dialect's action table: one row per Action, with its
// handler and its RAM entry (policies name it ecs:<Action>, its resources
// acs:ecs:{regionId}:{accountId}:image/{imageId}, as Alibaba's ECS
// authorization tables do). Every action requires RegionId, but those
// whose SDK requests have none (RegionOptional: the instance actions). Adding an
// action is a row here and its handler; docs/aliyun.md and docs/ram.md
// list every row (TestActionTable). Params are the only parameter names
// the action accepts besides the common ones (names.go); "Name.N" is a
// list. A row that Writes also accepts DryRun: its handler passes
// call.dryRun to the core's validate-only path.
var actions = kit.NewTable("aliyun", "ecs", "acs:ecs", []*kit.Row[actionFunc]{
	{Action: kit.Action{Name: "DescribeImageSharePermission", Level: vocabulary.Read, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpDescribeShares), Params: []string{"ImageId", "PageNumber", "PageSize"}},
		Handle: (*handler).describeImageSharePermission},
	// A modification answers with the share list, hence DescribeShares.
	{Action: kit.Action{Name: "ModifyImageSharePermission", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpModifyShares, imageshare.OpDescribeShares), Writes: true,
		Params: []string{"ImageId", "AddAccount.N", "RemoveAccount.N", "IsPublic", "LaunchPermission"}},
		Handle: (*handler).modifyImageSharePermission},
	{Action: kit.Action{Name: "DescribeImages", Level: vocabulary.List, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpListImages), Params: []string{"ImageId", "ImageName", "ImageOwnerAlias", "Status", "DryRun", "PageNumber", "PageSize",
			// The filters of imagefilter.go.
			"Tag.N.Key", "Tag.N.Value", "Filter.N.Key", "Filter.N.Value", "OSType", "Architecture", "ImageFamily", "IsPublic", "Usage", "SnapshotId", "InstanceType",
			"ResourceGroupId", "ImageOwnerId", "IsSupportIoOptimized", "IsSupportCloudinit", "ActionType", "ShowExpired"}},
		Handle: (*handler).describeImages},
	{Action: kit.Action{Name: "DeleteImage", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpDeleteImage), Writes: true, Params: []string{"ImageId", "Force"}},
		Handle: (*handler).deleteImage},
	// The image workflow (workflow.go, tags.go; docs/aliyun.md "The image workflow").
	{Action: kit.Action{Name: "CreateImage", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpCreateCustomImage), Writes: true,
		Params: []string{"InstanceId", "SnapshotId", "ImageName", "Description", "ImageFamily", "ImageVersion", "Architecture", "Platform", "BootMode",
			"Tag.N.Key", "Tag.N.Value", "ClientToken"}},
		Handle: (*handler).createImage},
	{Action: kit.Action{Name: "ModifyImageAttribute", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpEditImage), Writes: true,
		Params: []string{"ImageId", "ImageName", "Description", "ImageFamily", "BootMode", "Status"}},
		Handle: (*handler).modifyImageAttribute},
	{Action: kit.Action{Name: "CopyImage", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpCopyCustomImage), Writes: true,
		Params: []string{"ImageId", "DestinationRegionId", "DestinationImageName", "DestinationDescription", "Tag.N.Key", "Tag.N.Value", "ClientToken"}},
		Handle: (*handler).copyImage},
	{Action: kit.Action{Name: "CancelCopyImage", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpDeleteImage), Writes: true, Params: []string{"ImageId"}},
		Handle: (*handler).cancelCopyImage},
	{Action: kit.Action{Name: "DescribeImageFromFamily", Level: vocabulary.List, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpListImages), Params: []string{"ImageFamily"}},
		Handle: (*handler).describeImageFromFamily},
	{Action: kit.Action{Name: "DescribeRegions", Level: vocabulary.List, Kind: vocabulary.KindImage, RegionOptional: true,
		Ops: ops(imageshare.OpListImages)},
		Handle: (*handler).describeRegions},
	{Action: kit.Action{Name: "TagResources", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpEditImage), Writes: true, Params: []string{"ResourceType", "ResourceId.N", "Tag.N.Key", "Tag.N.Value"}},
		Handle: (*handler).tagResources},
	{Action: kit.Action{Name: "UntagResources", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpEditImage), Writes: true, Params: []string{"ResourceType", "ResourceId.N", "TagKey.N", "All"}},
		Handle: (*handler).untagResources},
	{Action: kit.Action{Name: "ListTagResources", Level: vocabulary.List, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpListImages), Params: []string{"ResourceType", "ResourceId.N", "Tag.N.Key", "Tag.N.Value", "NextToken"}},
		Handle: (*handler).listTagResources},
	{Action: kit.Action{Name: "AddTags", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpEditImage, imageshare.OpGetImage), Writes: true, Params: []string{"ResourceType", "ResourceId", "Tag.N.Key", "Tag.N.Value"}},
		Handle: (*handler).addTags},
	{Action: kit.Action{Name: "RemoveTags", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpEditImage, imageshare.OpGetImage), Writes: true, Params: []string{"ResourceType", "ResourceId", "Tag.N.Key", "Tag.N.Value"}},
		Handle: (*handler).removeTags},
	{Action: kit.Action{Name: "DescribeTags", Level: vocabulary.List, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpListImages), Params: []string{"ResourceType", "ResourceId", "Tag.N.Key", "Tag.N.Value", "PageNumber", "PageSize"}},
		Handle: (*handler).describeTags},
	// Instances (instance.go). RunInstances and CreateInstance act on the
	// image they launch from, so a policy can allow launching only from
	// certain images; the others act on instances. A reinstall also runs
	// RunInstances on its image.
	{Action: kit.Action{Name: "RunInstances", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpRunInstances), Writes: true,
		Params: []string{"ImageId", "InstanceType", "Amount", "MinAmount", "InstanceName", "ZoneId", "ClientToken", "Tag.N.Key", "Tag.N.Value",
			"VSwitchId", "SecurityGroupId"}},
		Handle: (*handler).runInstances},
	{Action: kit.Action{Name: "CreateInstance", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpRunInstances), Writes: true,
		Params: []string{"ImageId", "InstanceType", "InstanceName", "ZoneId", "ClientToken", "Tag.N.Key", "Tag.N.Value",
			"VSwitchId", "SecurityGroupId"}},
		Handle: (*handler).createInstance},
	{Action: kit.Action{Name: "DescribeInstances", Level: vocabulary.List, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpListInstances), Params: []string{"InstanceIds", "ImageId", "Status", "InstanceName", "ZoneId", "PageNumber", "PageSize", "NextToken", "MaxResults"}},
		Handle: (*handler).describeInstances},
	{Action: kit.Action{Name: "DescribeInstanceStatus", Level: vocabulary.List, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpListInstances), Params: []string{"InstanceId.N", "ZoneId", "PageNumber", "PageSize"}},
		Handle: (*handler).describeInstanceStatus},
	{Action: kit.Action{Name: "StartInstance", RegionOptional: true, Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true, Params: []string{"InstanceId"}}, Handle: power(imageshare.PowerStart)},
	{Action: kit.Action{Name: "StopInstance", RegionOptional: true, Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true, Params: []string{"InstanceId", "ForceStop"}}, Handle: power(imageshare.PowerStop)},
	{Action: kit.Action{Name: "RebootInstance", RegionOptional: true, Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true, Params: []string{"InstanceId", "ForceStop"}}, Handle: power(imageshare.PowerReboot)},
	{Action: kit.Action{Name: "StartInstances", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true, Params: []string{"InstanceId.N"}}, Handle: powerMany(imageshare.PowerStart)},
	{Action: kit.Action{Name: "StopInstances", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true, Params: []string{"InstanceId.N", "ForceStop"}}, Handle: powerMany(imageshare.PowerStop)},
	{Action: kit.Action{Name: "RebootInstances", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true, Params: []string{"InstanceId.N", "ForceReboot"}}, Handle: powerMany(imageshare.PowerReboot)},
	{Action: kit.Action{Name: "DeleteInstance", RegionOptional: true, Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true, Params: []string{"InstanceId", "Force"}}, Handle: (*handler).deleteInstance},
	{Action: kit.Action{Name: "DeleteInstances", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true, Params: []string{"InstanceId.N", "Force", "ClientToken"}}, Handle: (*handler).deleteInstances},
	{Action: kit.Action{Name: "ReplaceSystemDisk", RegionOptional: true, Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance, imageshare.OpRunInstances), Params: []string{"InstanceId", "ImageId", "ClientToken"}},
		Handle: (*handler).replaceSystemDisk},
	{Action: kit.Action{Name: "ReInitDisk", RegionOptional: true, Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance, imageshare.OpRunInstances), Params: []string{"DiskId"}},
		Handle: (*handler).reInitDisk},
	// The default network (network.go).
	{Action: kit.Action{Name: "DescribeVpcs", Level: vocabulary.List, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpListInstances), Params: []string{"VpcId", "PageNumber", "PageSize"}}, Handle: (*handler).describeVpcs},
	{Action: kit.Action{Name: "DescribeVSwitches", Level: vocabulary.List, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpListInstances), Params: []string{"VpcId", "ZoneId", "VSwitchId", "PageNumber", "PageSize"}}, Handle: (*handler).describeVSwitches},
	{Action: kit.Action{Name: "DescribeSecurityGroups", Level: vocabulary.List, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpListInstances), Params: []string{"VpcId", "SecurityGroupId", "PageNumber", "PageSize"}}, Handle: (*handler).describeSecurityGroups},
	{Action: kit.Action{Name: "DescribeZones", Level: vocabulary.List, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpListInstances)}, Handle: (*handler).describeZones},
})

// unsupportedActions are ECS image actions out of scope (docs/aliyun.md
// "Unsupported actions"): answered UnsupportedOperation, whatever their
// parameters, rather than as unknown actions.
var unsupportedActions = map[string]bool{"ImportImage": true, "ExportImage": true, "CreateImagePipeline": true, "StartImagePipelineExecution": true}

func ops(o ...imageshare.Operation) []imageshare.Operation { return o }
