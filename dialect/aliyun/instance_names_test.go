package aliyun

import (
	teaecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// instanceRequests are the SDK requests of the instance actions, for
// TestEveryDocumentedParameterHonouredOrRefused.
var instanceRequests = map[string][]any{
	"RunInstances":           {ecs.RunInstancesRequest{}, teaecs.RunInstancesRequest{}},
	"CreateInstance":         {ecs.CreateInstanceRequest{}, teaecs.CreateInstanceRequest{}},
	"DescribeInstances":      {ecs.DescribeInstancesRequest{}, teaecs.DescribeInstancesRequest{}},
	"DescribeInstanceStatus": {ecs.DescribeInstanceStatusRequest{}, teaecs.DescribeInstanceStatusRequest{}},
	"StartInstance":          {ecs.StartInstanceRequest{}, teaecs.StartInstanceRequest{}},
	"StopInstance":           {ecs.StopInstanceRequest{}, teaecs.StopInstanceRequest{}},
	"RebootInstance":         {ecs.RebootInstanceRequest{}, teaecs.RebootInstanceRequest{}},
	"StartInstances":         {ecs.StartInstancesRequest{}, teaecs.StartInstancesRequest{}},
	"StopInstances":          {ecs.StopInstancesRequest{}, teaecs.StopInstancesRequest{}},
	"RebootInstances":        {ecs.RebootInstancesRequest{}, teaecs.RebootInstancesRequest{}},
	"DeleteInstance":         {ecs.DeleteInstanceRequest{}, teaecs.DeleteInstanceRequest{}},
	"DeleteInstances":        {ecs.DeleteInstancesRequest{}, teaecs.DeleteInstancesRequest{}},
	"ReplaceSystemDisk":      {ecs.ReplaceSystemDiskRequest{}, teaecs.ReplaceSystemDiskRequest{}},
	"ReInitDisk":             {ecs.ReInitDiskRequest{}, teaecs.ReInitDiskRequest{}},
	"DescribeVpcs":           {ecs.DescribeVpcsRequest{}, teaecs.DescribeVpcsRequest{}},
	"DescribeVSwitches":      {ecs.DescribeVSwitchesRequest{}, teaecs.DescribeVSwitchesRequest{}},
	"DescribeSecurityGroups": {ecs.DescribeSecurityGroupsRequest{}, teaecs.DescribeSecurityGroupsRequest{}},
	"DescribeZones":          {ecs.DescribeZonesRequest{}, teaecs.DescribeZonesRequest{}},
}
