package ucloud

import (
	"context"

	"github.com/imageshare/imageshare"
)

// CompShare instances (docs/ucloud.md "Instances"): records with a
// lifecycle, launched from an image the caller may launch from.

// CodeInstanceState: the instance's state does not allow the call (start
// a running instance, reinstall one that is not stopped, ...).
const CodeInstanceState = 336

func init() {
	errorTable.Reasons[imageshare.ReasonInstanceState] = ret(CodeInstanceState, "")
}

// stateToUCloud names the domain's instance statuses as CompShare's State
// does (Initializing while a launch is pending).
var stateToUCloud = map[imageshare.InstanceStatus]string{
	imageshare.InstancePending:  "Initializing",
	imageshare.InstanceStarting: "Starting",
	imageshare.InstanceRunning:  "Running",
	imageshare.InstanceStopping: "Stopping",
	imageshare.InstanceStopped:  "Stopped",
}

// createInstance is CreateCompShareInstance: one instance from
// CompShareImageId with the spec given. Quantity is CompShare's purchase
// duration, not a count; ChargeType, Disks, LoginMode, Password,
// MinimalCpuPlatform and EnableUS3 concern billing, disks and credentials,
// which are not modelled: they are checked for type only.
func (h *handler) createInstance(ctx context.Context, c *call) (any, error) {
	imageID, err := c.Params.RequiredString("CompShareImageId")
	if err != nil {
		return nil, err
	}
	r := imageshare.LaunchRequest{Region: c.Region, ImageID: imageID, Count: 1}
	if r.Zone, _, err = c.Params.String("Zone"); err != nil {
		return nil, err
	}
	if r.Name, _, err = c.Params.String("Name"); err != nil {
		return nil, err
	}
	if r.InstanceType, _, err = c.Params.String("MachineType"); err != nil {
		return nil, err
	}
	if r.GPUType, _, err = c.Params.String("GpuType"); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name   string
		v      *int
		def    int
		lo, hi int64
	}{{"CPU", &r.CPU, 4, 1, 256}, {"Memory", &r.MemoryMB, 8192, 1024, 1 << 22}, {"GPU", &r.GPUCount, 0, 0, 64}} {
		n, ok, err := c.Params.Int(f.name)
		if err != nil {
			return nil, err
		}
		if !ok {
			*f.v = f.def
			continue
		}
		if n < f.lo || n > f.hi {
			return nil, invalidParam(f.name, "out of range")
		}
		*f.v = int(n)
	}
	for _, name := range []string{"Quantity"} {
		if _, _, err := c.Params.Int(name); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"ChargeType", "LoginMode", "Password", "MinimalCpuPlatform"} {
		if _, _, err := c.Params.String(name); err != nil {
			return nil, err
		}
	}
	if _, _, err := c.Params.Bool("EnableUS3"); err != nil {
		return nil, err
	}
	// The default network's security group (docs/instances.md "Networks").
	if r.SecurityGroupID, _, err = c.Params.String("SecurityGroupId"); err != nil {
		return nil, err
	}
	ins, err := h.svc.LaunchInstances(ctx, c.Caller, r)
	if err != nil {
		return nil, err
	}
	return struct {
		UHostIds []string `json:"UHostIds"`
	}{[]string{ins[0].ID}}, nil
}

// instanceSet is the SDK's CompShareInstanceSet, the fields imageshare knows.
type instanceSet struct {
	UHostId          string `json:"UHostId"`
	Name             string `json:"Name"`
	Zone             string `json:"Zone"`
	State            string `json:"State"`
	MachineType      string `json:"MachineType"`
	CPU              int    `json:"CPU"`
	Memory           int    `json:"Memory"`
	GPU              int    `json:"GPU"`
	GpuType          string `json:"GpuType"`
	CompShareImageId string `json:"CompShareImageId"`
	OsName           string `json:"OsName"`
	OsType           string `json:"OsType"`
	CpuArch          string `json:"CpuArch"`
	CreateTime       int    `json:"CreateTime"`
}

// describeInstance is DescribeCompShareInstance: the caller's instances of
// the region, UHostIds selecting some.
func (h *handler) describeInstance(ctx context.Context, c *call) (any, error) {
	ids, err := c.Params.StringList("UHostIds")
	if err != nil {
		return nil, err
	}
	if len(ids) > 100 {
		return nil, invalidParam("UHostIds", "at most 100 ids")
	}
	page, err := pageParams(c.Params)
	if err != nil {
		return nil, err
	}
	if _, _, err := c.Params.Bool("WithoutGpu"); err != nil {
		return nil, err
	}
	ins, total, err := h.svc.ListInstances(ctx, c.Caller, imageshare.InstanceFilter{Region: c.Region, IDs: ids, Page: page})
	if err != nil {
		return nil, err
	}
	set := make([]instanceSet, 0, len(ins))
	for _, in := range ins {
		set = append(set, instanceSet{UHostId: in.ID, Name: in.Name, Zone: in.Zone, State: stateToUCloud[in.Status],
			MachineType: in.InstanceType, CPU: in.CPU, Memory: in.MemoryMB, GPU: in.GPUCount, GpuType: in.GPUType,
			CompShareImageId: in.ImageID, OsName: in.OSName, OsType: in.OSType, CpuArch: in.Architecture, CreateTime: int(in.CreatedAt.Unix())})
	}
	return struct {
		TotalCount int           `json:"TotalCount"`
		UHostSet   []instanceSet `json:"UHostSet"`
	}{total, set}, nil
}

type uhostIDResponse struct {
	UHostId string `json:"UHostId"`
}

// powerInstance returns the handler of StartCompShareInstance,
// StopCompShareInstance or RebootCompShareInstance.
func powerInstance(a imageshare.PowerAction) handlerFunc {
	return func(h *handler, ctx context.Context, c *call) (any, error) {
		id, err := c.Params.RequiredString("UHostId")
		if err != nil {
			return nil, err
		}
		if _, err := h.svc.ChangePower(ctx, c.Caller, id, c.Region, a, false); err != nil {
			return nil, err
		}
		return uhostIDResponse{id}, nil
	}
}

// terminateInstance is TerminateCompShareInstance: CompShare releases a
// running instance too, so it is forced.
func (h *handler) terminateInstance(ctx context.Context, c *call) (any, error) {
	id, err := c.Params.RequiredString("UHostId")
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteInstance(ctx, c.Caller, id, c.Region, true, false); err != nil {
		return nil, err
	}
	return uhostIDResponse{id}, nil
}

// reinstallInstance is ReinstallCompShareInstance: the stopped instance's
// system disk from CompShareImageId, which must pass the launch
// permission now.
func (h *handler) reinstallInstance(ctx context.Context, c *call) (any, error) {
	id, err := c.Params.RequiredString("UHostId")
	if err != nil {
		return nil, err
	}
	imageID, err := c.Params.RequiredString("CompShareImageId")
	if err != nil {
		return nil, err
	}
	if _, _, err := c.Params.String("Password"); err != nil {
		return nil, err
	}
	if _, err := h.svc.ReinstallInstance(ctx, c.Caller, id, c.Region, imageID, false); err != nil {
		return nil, err
	}
	return uhostIDResponse{id}, nil
}
