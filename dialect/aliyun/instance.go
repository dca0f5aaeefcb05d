package aliyun

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare"
)

// ECS instances (docs/aliyun.md "Instances"). Instance statuses are the
// domain's own names, which are ECS's: Pending, Running, Starting,
// Stopping, Stopped.

// instanceErrors maps the core's errors for the instance actions where ECS
// answers them differently from the image actions.
func instanceError(err error) error {
	switch imageshare.ErrorReason(err) {
	case imageshare.ReasonInstanceNotFound:
		return newError(http.StatusNotFound, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.")
	case imageshare.ReasonInstanceState:
		return newError(http.StatusForbidden, "IncorrectInstanceStatus", "The current status of the resource does not support this operation.")
	case imageshare.ReasonAccountQuota:
		return newError(http.StatusForbidden, "QuotaExceed.ElasticQuota", "The number of the specified ECS instances exceeds the quota: %s", imageshare.ErrorMessage(err))
	}
	return err
}

// maxAmount is RunInstances' bound on Amount (ECS documents 1-100).
const maxAmount = 100

// maxInstanceIDs bounds InstanceId.N of DescribeInstanceStatus and the
// batch power actions: ECS documents up to 100 ids per call, more than
// the generic maxListItems.
const maxInstanceIDs = 100

// launchRequest reads the launch parameters RunInstances and
// CreateInstance share.
func (c *call) launchRequest() (imageshare.LaunchRequest, *apiError) {
	r := imageshare.LaunchRequest{Region: c.region, DryRun: c.dryRun,
		InstanceType: c.params["InstanceType"], Name: c.params["InstanceName"], Zone: c.params["ZoneId"],
		ClientToken: c.params["ClientToken"], TokenScope: "ecs:" + c.action,
		VSwitchID: c.params["VSwitchId"], SecurityGroupID: c.params["SecurityGroupId"]}
	var ae *apiError
	if r.ImageID, ae = c.params.required("ImageId"); ae != nil {
		return r, ae
	}
	if r.InstanceType == "" {
		return r, errMissing("InstanceType")
	}
	if cpu, mem, ok := instanceTypeSpec(r.InstanceType); ok {
		r.CPU, r.MemoryMB = cpu, mem
	}
	// Tag.N.Key and Tag.N.Value are accepted (their names are checked by
	// checkNames); instances keep no tags yet (docs/aliyun.md).
	return r, nil
}

// instanceTypeSpec reads the CPU and memory of the common ecs.<family>.<size>
// shapes ECS names (xlarge is 4 vCPU; memory 4 GiB per vCPU, the g family's
// ratio): an emulator's record of the spec, not a catalogue.
func instanceTypeSpec(t string) (cpu, memMB int, ok bool) {
	parts := strings.Split(t, ".")
	if len(parts) != 3 || parts[0] != "ecs" {
		return 0, 0, false
	}
	size := parts[2]
	switch {
	case size == "large":
		cpu = 2
	case size == "xlarge":
		cpu = 4
	case strings.HasSuffix(size, "xlarge"):
		n, err := strconv.Atoi(strings.TrimSuffix(size, "xlarge"))
		if err != nil || n < 1 || n > 64 {
			return 0, 0, false
		}
		cpu = 4 * n
	default:
		return 0, 0, false
	}
	return cpu, cpu * 4096, true
}

type runInstancesResponse struct {
	RequestID      string         `json:"RequestId" xml:"RequestId"`
	InstanceIDSets instanceIDSets `json:"InstanceIdSets" xml:"InstanceIdSets"`
}

type instanceIDSets struct {
	InstanceIDSet []string `json:"InstanceIdSet" xml:"InstanceIdSet"`
}

func (h *handler) runInstances(ctx context.Context, c *call) (any, error) {
	r, ae := c.launchRequest()
	if ae != nil {
		return nil, ae
	}
	if r.Count, ae = c.params.integer("Amount", 1, 1, maxAmount); ae != nil {
		return nil, ae
	}
	// MinAmount: ECS launches at least MinAmount or nothing; a launch here
	// is all or nothing, so it only has to be consistent with Amount.
	if min, ae := c.params.integer("MinAmount", 1, 1, maxAmount); ae != nil {
		return nil, ae
	} else if min > r.Count {
		return nil, errInvalid("MinAmount", "it must not exceed Amount")
	}
	ins, err := h.svc.LaunchInstances(ctx, c.caller, r)
	if err != nil {
		return nil, instanceError(err)
	}
	resp := &runInstancesResponse{RequestID: c.requestID, InstanceIDSets: instanceIDSets{InstanceIDSet: []string{}}}
	for _, in := range ins {
		resp.InstanceIDSets.InstanceIDSet = append(resp.InstanceIDSets.InstanceIDSet, in.ID)
	}
	return resp, nil
}

type createInstanceResponse struct {
	RequestID  string `json:"RequestId" xml:"RequestId"`
	InstanceID string `json:"InstanceId" xml:"InstanceId"`
}

// createInstance makes one instance, Stopped as ECS's CreateInstance leaves
// it until StartInstance; here it is made like RunInstances' and reported
// as the core's lifecycle has it.
func (h *handler) createInstance(ctx context.Context, c *call) (any, error) {
	r, ae := c.launchRequest()
	if ae != nil {
		return nil, ae
	}
	ins, err := h.svc.LaunchInstances(ctx, c.caller, r)
	if err != nil {
		return nil, instanceError(err)
	}
	return &createInstanceResponse{RequestID: c.requestID, InstanceID: ins[0].ID}, nil
}

type describeInstancesResponse struct {
	RequestID  string    `json:"RequestId" xml:"RequestId"`
	TotalCount int       `json:"TotalCount" xml:"TotalCount"`
	PageNumber int       `json:"PageNumber" xml:"PageNumber"`
	PageSize   int       `json:"PageSize" xml:"PageSize"`
	NextToken  string    `json:"NextToken" xml:"NextToken"`
	Instances  instances `json:"Instances" xml:"Instances"`
}

type instances struct {
	Instance []instanceItem `json:"Instance" xml:"Instance"`
}

// instanceItem carries the fields of the SDK's ecs.Instance imageshare knows.
type instanceItem struct {
	InstanceID   string `json:"InstanceId" xml:"InstanceId"`
	InstanceName string `json:"InstanceName" xml:"InstanceName"`
	RegionID     string `json:"RegionId" xml:"RegionId"`
	ZoneID       string `json:"ZoneId" xml:"ZoneId"`
	ImageID      string `json:"ImageId" xml:"ImageId"`
	InstanceType string `json:"InstanceType" xml:"InstanceType"`
	CPU          int    `json:"Cpu" xml:"Cpu"`
	Memory       int    `json:"Memory" xml:"Memory"` // MiB
	GPUAmount    int    `json:"GPUAmount" xml:"GPUAmount"`
	GPUSpec      string `json:"GPUSpec" xml:"GPUSpec"`
	Status       string `json:"Status" xml:"Status"`
	CreationTime string `json:"CreationTime" xml:"CreationTime"`
	OSName       string `json:"OSName" xml:"OSName"`
	OSType       string `json:"OSType" xml:"OSType"`
}

func instanceOf(in *imageshare.Instance) instanceItem {
	return instanceItem{InstanceID: in.ID, InstanceName: in.Name, RegionID: in.Region, ZoneID: in.Zone, ImageID: in.ImageID,
		InstanceType: in.InstanceType, CPU: in.CPU, Memory: in.MemoryMB, GPUAmount: in.GPUCount, GPUSpec: in.GPUType,
		Status: string(in.Status), CreationTime: in.CreatedAt.UTC().Format(timeShape), OSName: in.OSName, OSType: in.OSType}
}

// instanceFilter reads DescribeInstances' and DescribeInstanceStatus'
// selection and page: PageNumber/PageSize, or NextToken/MaxResults (the
// token is the next row's offset).
func (c *call) instanceFilter() (imageshare.InstanceFilter, int, int, *apiError) {
	f := imageshare.InstanceFilter{Region: c.region, ImageID: c.params["ImageId"], Name: c.params["InstanceName"], Zone: c.params["ZoneId"]}
	if v := c.params["InstanceIds"]; v != "" {
		if err := json.Unmarshal([]byte(v), &f.IDs); err != nil || len(f.IDs) > 100 {
			return f, 0, 0, errInvalid("InstanceIds", "it must be a JSON array of at most 100 instance ids")
		}
		if len(f.IDs) == 0 {
			f.IDs = []string{""} // an empty list selects nothing
		}
	}
	if v := c.params["Status"]; v != "" {
		st := imageshare.InstanceStatus(v)
		if !st.Valid() {
			return f, 0, 0, errInvalid("Status", "it must be Pending, Running, Starting, Stopping or Stopped")
		}
		f.Statuses = []imageshare.InstanceStatus{st}
	}
	number, ae := c.params.integer("PageNumber", 1, 1, 1<<20)
	if ae != nil {
		return f, 0, 0, ae
	}
	size, ae := c.params.integer("PageSize", 10, 1, 100)
	if ae != nil {
		return f, 0, 0, ae
	}
	f.Page = imageshare.Page{Offset: (number - 1) * size, Limit: size}
	if _, given := c.params["MaxResults"]; given || c.params["NextToken"] != "" {
		max, ae := c.params.integer("MaxResults", 10, 1, 100)
		if ae != nil {
			return f, 0, 0, ae
		}
		off := 0
		if tok := c.params["NextToken"]; tok != "" {
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 {
				return f, 0, 0, errInvalid("NextToken", "it is not a token this service gave")
			}
			off = n
		}
		f.Page = imageshare.Page{Offset: off, Limit: max}
	}
	return f, number, size, nil
}

func (h *handler) describeInstances(ctx context.Context, c *call) (any, error) {
	f, number, size, ae := c.instanceFilter()
	if ae != nil {
		return nil, ae
	}
	ins, total, err := h.svc.ListInstances(ctx, c.caller, f)
	if err != nil {
		return nil, instanceError(err)
	}
	resp := &describeInstancesResponse{RequestID: c.requestID, TotalCount: total, PageNumber: number, PageSize: size,
		Instances: instances{Instance: []instanceItem{}}}
	for _, in := range ins {
		resp.Instances.Instance = append(resp.Instances.Instance, instanceOf(in))
	}
	if next := f.Page.Offset + len(ins); next < total {
		resp.NextToken = strconv.Itoa(next)
	}
	return resp, nil
}

type describeInstanceStatusResponse struct {
	RequestID        string           `json:"RequestId" xml:"RequestId"`
	TotalCount       int              `json:"TotalCount" xml:"TotalCount"`
	PageNumber       int              `json:"PageNumber" xml:"PageNumber"`
	PageSize         int              `json:"PageSize" xml:"PageSize"`
	InstanceStatuses instanceStatuses `json:"InstanceStatuses" xml:"InstanceStatuses"`
}

type instanceStatuses struct {
	InstanceStatus []instanceStatus `json:"InstanceStatus" xml:"InstanceStatus"`
}

type instanceStatus struct {
	InstanceID string `json:"InstanceId" xml:"InstanceId"`
	Status     string `json:"Status" xml:"Status"`
}

func (h *handler) describeInstanceStatus(ctx context.Context, c *call) (any, error) {
	ids, ae := c.params.listUpTo("InstanceId", maxInstanceIDs, func() *apiError { return errInvalid("InstanceId.N", "at most 100 instances") })
	if ae != nil {
		return nil, ae
	}
	f, number, size, ae := c.instanceFilter()
	if ae != nil {
		return nil, ae
	}
	if len(ids) > 0 {
		f.IDs = ids
	}
	ins, total, err := h.svc.ListInstances(ctx, c.caller, f)
	if err != nil {
		return nil, instanceError(err)
	}
	resp := &describeInstanceStatusResponse{RequestID: c.requestID, TotalCount: total, PageNumber: number, PageSize: size,
		InstanceStatuses: instanceStatuses{InstanceStatus: []instanceStatus{}}}
	for _, in := range ins {
		resp.InstanceStatuses.InstanceStatus = append(resp.InstanceStatuses.InstanceStatus, instanceStatus{InstanceID: in.ID, Status: string(in.Status)})
	}
	return resp, nil
}

// power returns the handler of a single-instance power action.
func power(a imageshare.PowerAction) actionFunc {
	return func(h *handler, ctx context.Context, c *call) (any, error) {
		id, ae := c.params.required("InstanceId")
		if ae != nil {
			return nil, ae
		}
		if _, err := h.svc.ChangePower(ctx, c.caller, id, c.region, a, c.dryRun); err != nil {
			return nil, instanceError(err)
		}
		return &requestIDResponse{RequestID: c.requestID}, nil
	}
}

type instancesResponse struct {
	RequestID         string            `json:"RequestId" xml:"RequestId"`
	InstanceResponses instanceResponses `json:"InstanceResponses" xml:"InstanceResponses"`
}

type instanceResponses struct {
	InstanceResponse []instanceResponse `json:"InstanceResponse" xml:"InstanceResponse"`
}

type instanceResponse struct {
	InstanceID     string `json:"InstanceId" xml:"InstanceId"`
	Code           string `json:"Code" xml:"Code"`
	Message        string `json:"Message" xml:"Message"`
	PreviousStatus string `json:"PreviousStatus" xml:"PreviousStatus"`
	CurrentStatus  string `json:"CurrentStatus" xml:"CurrentStatus"`
}

// instanceIDs reads InstanceId.N (required, at most 100).
func (c *call) instanceIDs() ([]string, *apiError) {
	ids, ae := c.params.listUpTo("InstanceId", maxInstanceIDs, func() *apiError { return errInvalid("InstanceId.N", "at most 100 instances") })
	if ae != nil {
		return nil, ae
	}
	if len(ids) == 0 {
		return nil, errMissing("InstanceId.1")
	}
	return ids, nil
}

// powerMany returns the handler of a batch power action: each instance is
// checked first (all must be the caller's and in a state that allows
// it), then changed, so that one bad id changes nothing.
func powerMany(a imageshare.PowerAction) actionFunc {
	return func(h *handler, ctx context.Context, c *call) (any, error) {
		ids, ae := c.instanceIDs()
		if ae != nil {
			return nil, ae
		}
		prev := make([]string, len(ids))
		for i, id := range ids {
			in, err := h.svc.ChangePower(ctx, c.caller, id, c.region, a, true)
			if err != nil {
				return nil, instanceError(err)
			}
			prev[i] = string(in.Status)
		}
		resp := &instancesResponse{RequestID: c.requestID, InstanceResponses: instanceResponses{InstanceResponse: []instanceResponse{}}}
		if c.dryRun {
			return resp, nil
		}
		for i, id := range ids {
			in, err := h.svc.ChangePower(ctx, c.caller, id, c.region, a, false)
			if err != nil {
				return nil, instanceError(err)
			}
			resp.InstanceResponses.InstanceResponse = append(resp.InstanceResponses.InstanceResponse,
				instanceResponse{InstanceID: id, Code: "200", Message: "success", PreviousStatus: prev[i], CurrentStatus: string(in.Status)})
		}
		return resp, nil
	}
}

func (h *handler) deleteInstance(ctx context.Context, c *call) (any, error) {
	id, ae := c.params.required("InstanceId")
	if ae != nil {
		return nil, ae
	}
	return h.deleteInstancesOf(ctx, c, []string{id})
}

func (h *handler) deleteInstances(ctx context.Context, c *call) (any, error) {
	ids, ae := c.instanceIDs()
	if ae != nil {
		return nil, ae
	}
	return h.deleteInstancesOf(ctx, c, ids)
}

// deleteInstancesOf checks every instance, then deletes them: without
// Force each must be Stopped (ECS's rule).
func (h *handler) deleteInstancesOf(ctx context.Context, c *call, ids []string) (any, error) {
	force, ae := c.params.boolean("Force")
	if ae != nil {
		return nil, ae
	}
	f := force != nil && *force
	for _, id := range ids {
		if err := h.svc.DeleteInstance(ctx, c.caller, id, c.region, f, true); err != nil {
			return nil, instanceError(err)
		}
	}
	if !c.dryRun {
		for _, id := range ids {
			if err := h.svc.DeleteInstance(ctx, c.caller, id, c.region, f, false); err != nil {
				return nil, instanceError(err)
			}
		}
	}
	return &requestIDResponse{RequestID: c.requestID}, nil
}

type diskResponse struct {
	RequestID string `json:"RequestId" xml:"RequestId"`
	DiskID    string `json:"DiskId" xml:"DiskId"`
}

// systemDiskID is an instance's one system disk: "d-" and the instance's
// id after "i-", so that ReInitDisk finds the instance from it.
func systemDiskID(instanceID string) string {
	return "d-" + strings.TrimPrefix(instanceID, "i-")
}

// replaceSystemDisk reinstalls a Stopped instance with ImageId; the image
// must pass the launch permission now.
func (h *handler) replaceSystemDisk(ctx context.Context, c *call) (any, error) {
	id, ae := c.params.required("InstanceId")
	if ae != nil {
		return nil, ae
	}
	imageID, ae := c.params.required("ImageId")
	if ae != nil {
		return nil, ae
	}
	if _, err := h.svc.ReinstallInstance(ctx, c.caller, id, c.region, imageID, c.dryRun); err != nil {
		return nil, instanceError(err)
	}
	return &diskResponse{RequestID: c.requestID, DiskID: systemDiskID(id)}, nil
}

// reInitDisk reinstalls a system disk with the image its instance runs:
// after the owner stops sharing that image, it is refused as a missing
// image, as ECS documents.
func (h *handler) reInitDisk(ctx context.Context, c *call) (any, error) {
	diskID, ae := c.params.required("DiskId")
	if ae != nil {
		return nil, ae
	}
	rest, ok := strings.CutPrefix(diskID, "d-")
	if !ok || rest == "" {
		return nil, newError(http.StatusNotFound, "InvalidDiskId.NotFound", "The specified disk does not exist.")
	}
	_, err := h.svc.ReinstallInstance(ctx, c.caller, "i-"+rest, c.region, "", c.dryRun)
	if imageshare.ErrorReason(err) == imageshare.ReasonInstanceNotFound {
		return nil, newError(http.StatusNotFound, "InvalidDiskId.NotFound", "The specified disk does not exist.")
	}
	if err != nil {
		return nil, instanceError(err)
	}
	return &requestIDResponse{RequestID: c.requestID}, nil
}
