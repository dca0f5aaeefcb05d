package aliyun

import (
	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/vocabulary"
)

// actions is the dialect's action table: one row per Action, with its
// handler and its RAM entry (policies name it ecs:<Action>, its resources
// acs:ecs:{regionId}:{accountId}:image/{imageId}, as Alibaba's ECS
// authorization tables do). Every action requires RegionId. Adding an
// action is a row here and its handler; docs/aliyun.md and docs/ram.md
// list every row (TestActionTable).
var actions = kit.NewTable("aliyun", "ecs", "acs:ecs", []*kit.Row[actionFunc]{
	{Action: kit.Action{Name: "DescribeImageSharePermission", Level: vocabulary.Read, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpDescribeShares), Params: []string{"ImageId", "PageNumber", "PageSize"}},
		Handle: (*handler).describeImageSharePermission},
	// A modification answers with the share list, hence DescribeShares.
	{Action: kit.Action{Name: "ModifyImageSharePermission", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpModifyShares, imageshare.OpDescribeShares), Writes: true,
		Params: []string{"ImageId", "AddAccount", "RemoveAccount", "IsPublic", "LaunchPermission"}},
		Handle: (*handler).modifyImageSharePermission},
	{Action: kit.Action{Name: "DescribeImages", Level: vocabulary.List, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpListImages), Params: []string{"ImageId", "ImageName", "ImageOwnerAlias", "Status", "DryRun", "PageNumber", "PageSize"}},
		Handle: (*handler).describeImages},
	{Action: kit.Action{Name: "DeleteImage", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpDeleteImage), Writes: true, Params: []string{"ImageId", "Force"}},
		Handle: (*handler).deleteImage},
})

func ops(o ...imageshare.Operation) []imageshare.Operation { return o }
