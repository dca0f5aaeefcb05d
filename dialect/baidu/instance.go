package baidu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
)

// BCC instances (docs/baidu.md "Instances"): records with a lifecycle.
// The {instanceId} path segment arrives in call.imageID, the router's one
// id slot.

// Instance codes. BCC documents no code for these cases; imageshare's
// follow its Instance. prefix and the statuses of its other conflicts.
const (
	codeInstanceInvalidStatus = "Instance.InvalidStatus"
	codeInstanceExceedQuota   = "Instance.ExceedQuota"
	codeImageInUse            = "Image.ImageInUse"
)

func init() {
	errorTable.Reasons[imageshare.ReasonInstanceState] = kitEntry(http.StatusConflict, codeInstanceInvalidStatus)
	errorTable.Reasons[imageshare.ReasonImageInUse] = kitEntry(http.StatusConflict, codeImageInUse)
}

// instancePath is parsePath for /v2/instance, /v2/instance/{id} and
// /v2/instanceBySpec.
func instancePath(segs []string) (shape, id string) {
	switch {
	case len(segs) == 2 && segs[1] == "instance":
		return "/v2/instance", ""
	case len(segs) == 2 && segs[1] == "instanceBySpec":
		return "/v2/instanceBySpec", ""
	case len(segs) == 3 && segs[1] == "instance":
		id, err := url.PathUnescape(segs[2])
		if err != nil || id == "" {
			return "", ""
		}
		return "/v2/instance/{instanceId}", id
	}
	return "", ""
}

// instanceError maps the quota for instances to BCC's instance prefix.
func instanceError(err error) error {
	if imageshare.ErrorReason(err) == imageshare.ReasonAccountQuota {
		return errorf(http.StatusRequestEntityTooLarge, codeInstanceExceedQuota, "%s", imageshare.ErrorMessage(err))
	}
	return err
}

// createBody is what CreateInstance and CreateInstanceBySpec send that
// imageshare records; billing, disks, networks and credentials are not
// modelled and are read past.
type createBody struct {
	ImageID            string `json:"imageId"`
	InstanceType       string `json:"instanceType"`
	Spec               string `json:"spec"`
	CPUCount           int    `json:"cpuCount"`
	MemoryCapacityInGB int    `json:"memoryCapacityInGB"`
	GpuCard            string `json:"gpuCard"`
	CardCount          string `json:"cardCount"`
	PurchaseCount      int    `json:"purchaseCount"`
	Name               string `json:"name"`
	ZoneName           string `json:"zoneName"`
	SubnetID           string `json:"subnetId"`
	SecurityGroupID    string `json:"securityGroupId"`
}

// decodeJSON reads body into v: MalformedJSON for bad JSON,
// InappropriateJSON for the wrong shape.
func decodeJSON(body []byte, v any) error {
	if !utf8.Valid(body) {
		return errorf(http.StatusBadRequest, codeMalformedJSON, "the JSON you provided was not well-formed: it is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return errorf(http.StatusBadRequest, codeInappropriateJSON, "the JSON you provided was well-formed but not appropriate: %s has the wrong type", typeErr.Field)
		}
		return errorf(http.StatusBadRequest, codeMalformedJSON, "the JSON you provided was not well-formed")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(http.StatusBadRequest, codeMalformedJSON, "the JSON you provided was not well-formed: data after the object")
	}
	return nil
}

type createInstanceResult struct {
	InstanceIds []string `json:"instanceIds"`
	WarningList []string `json:"warningList"`
}

// handleCreateInstance serves POST /v2/instance and /v2/instanceBySpec:
// purchaseCount (default 1) instances from imageId, which must be an
// image the caller may launch from (any other is NoSuchObject, as a
// missing one).
func (h *handler) handleCreateInstance(ctx context.Context, c *call) (any, error) {
	var b createBody
	if err := decodeJSON(c.body, &b); err != nil {
		return nil, err
	}
	if b.ImageID == "" {
		return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "imageId is required")
	}
	gpus := 0
	if b.CardCount != "" {
		n, err := strconv.Atoi(b.CardCount)
		if err != nil || n < 0 {
			return nil, errorf(http.StatusBadRequest, codeInappropriateJSON, "cardCount must be a count")
		}
		gpus = n
	}
	typ := b.InstanceType
	if b.Spec != "" {
		typ = b.Spec
	}
	scope := "bcc:CreateInstance"
	if strings.HasSuffix(c.r.URL.Path, "BySpec") {
		scope = "bcc:CreateInstanceBySpec"
	}
	ins, err := h.svc.LaunchInstances(ctx, c.caller, imageshare.LaunchRequest{Region: c.region, Zone: b.ZoneName, ImageID: b.ImageID,
		Name: b.Name, InstanceType: typ, CPU: b.CPUCount, MemoryMB: b.MemoryCapacityInGB * 1024, GPUType: b.GpuCard, GPUCount: gpus,
		Count: max(b.PurchaseCount, 1), ClientToken: c.query.Get("clientToken"), TokenScope: scope,
		// The default network's subnet and security group (docs/instances.md "Networks").
		VSwitchID: b.SubnetID, SecurityGroupID: b.SecurityGroupID})
	if err != nil {
		return nil, instanceError(err)
	}
	out := &createInstanceResult{InstanceIds: []string{}, WarningList: []string{}}
	for _, in := range ins {
		out.InstanceIds = append(out.InstanceIds, in.ID)
	}
	return out, nil
}

// bccInstanceStatus names a status as BCC's InstanceStatus does: a launch
// in progress is Starting.
func bccInstanceStatus(s imageshare.InstanceStatus) string {
	if s == imageshare.InstancePending {
		return "Starting"
	}
	return string(s)
}

// instanceModel is the SDK's InstanceModel, the fields imageshare knows.
type instanceModel struct {
	InstanceID         string `json:"id"`
	Name               string `json:"name"`
	InstanceType       string `json:"instanceType"`
	Spec               string `json:"spec"`
	Status             string `json:"status"`
	CreationTime       string `json:"createTime"`
	CPUCount           int    `json:"cpuCount"`
	GpuCard            string `json:"gpuCard"`
	CardCount          string `json:"cardCount"`
	MemoryCapacityInGB int    `json:"memoryCapacityInGB"`
	ImageID            string `json:"imageId"`
	ZoneName           string `json:"zoneName"`
	OsName             string `json:"osName"`
	OsType             string `json:"osType"`
}

func toInstanceModel(in *imageshare.Instance) instanceModel {
	return instanceModel{InstanceID: in.ID, Name: in.Name, InstanceType: in.InstanceType, Spec: in.InstanceType,
		Status: bccInstanceStatus(in.Status), CreationTime: in.CreatedAt.UTC().Format(time.RFC3339),
		CPUCount: in.CPU, GpuCard: in.GPUType, CardCount: strconv.Itoa(in.GPUCount), MemoryCapacityInGB: in.MemoryMB / 1024,
		ImageID: in.ImageID, ZoneName: in.Zone, OsName: in.OSName, OsType: in.OSType}
}

type listInstancesResult struct {
	Marker      string          `json:"marker"`
	IsTruncated bool            `json:"isTruncated"`
	NextMarker  string          `json:"nextMarker"`
	MaxKeys     int             `json:"maxKeys"`
	Instances   []instanceModel `json:"instances"`
}

// maxListedInstances bounds one ListInstances scan: an account holds at
// most its instance quota.
const maxListedInstances = 10000

// handleListInstances serves GET /v2/instance: the caller's instances of
// the region, from marker (an instance id) on, maxKeys (default 1000) at
// a time; instanceIds and instanceNames are comma-separated.
func (h *handler) handleListInstances(ctx context.Context, c *call) (any, error) {
	maxKeys := 1000
	if v := c.query.Get("maxKeys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "maxKeys must be between 1 and 1000")
		}
		maxKeys = n
	}
	f := imageshare.InstanceFilter{Region: c.region, Zone: c.query.Get("zoneName"), Page: imageshare.Page{Limit: maxListedInstances}}
	if v := c.query.Get("status"); v != "" {
		for _, st := range []imageshare.InstanceStatus{imageshare.InstancePending, imageshare.InstanceRunning,
			imageshare.InstanceStarting, imageshare.InstanceStopping, imageshare.InstanceStopped} {
			if bccInstanceStatus(st) == v {
				f.Statuses = append(f.Statuses, st)
			}
		}
		if len(f.Statuses) == 0 {
			f.Statuses = []imageshare.InstanceStatus{"none"}
		}
	}
	if v := c.query.Get("instanceIds"); v != "" {
		f.IDs = strings.Split(v, ",")
		if len(f.IDs) > 100 {
			return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "at most 100 instanceIds")
		}
	}
	ins, _, err := h.svc.ListInstances(ctx, c.caller, f)
	if err != nil {
		return nil, err
	}
	if v := c.query.Get("instanceNames"); v != "" {
		names := strings.Split(v, ",")
		ins = slices.DeleteFunc(ins, func(in *imageshare.Instance) bool { return !slices.Contains(names, in.Name) })
	}
	marker := c.query.Get("marker")
	start := 0
	if marker != "" {
		start = slices.IndexFunc(ins, func(in *imageshare.Instance) bool { return in.ID == marker })
		if start < 0 {
			return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "marker is not an instance of this listing")
		}
	}
	out := &listInstancesResult{Marker: marker, MaxKeys: maxKeys, Instances: []instanceModel{}}
	end := min(start+maxKeys, len(ins))
	for _, in := range ins[start:end] {
		out.Instances = append(out.Instances, toInstanceModel(in))
	}
	if end < len(ins) {
		out.IsTruncated, out.NextMarker = true, ins[end].ID
	}
	return out, nil
}

// handleGetInstance serves GET /v2/instance/{instanceId}.
func (h *handler) handleGetInstance(ctx context.Context, c *call) (any, error) {
	in, err := h.svc.GetInstance(ctx, c.caller, c.imageID, c.region)
	if err != nil {
		return nil, err
	}
	return struct {
		Instance instanceModel `json:"instance"`
	}{toInstanceModel(in)}, nil
}

// batchResult is the SDK's BatchOperationResp, which RebootInstance parses.
type batchResult struct {
	RequestID            string   `json:"requestId"`
	FailedInstanceIDList []string `json:"failedInstanceIdList"`
}

// powerHandler serves PUT /v2/instance/{instanceId}?start|stop|reboot.
func powerHandler(a imageshare.PowerAction) handlerFunc {
	return func(h *handler, ctx context.Context, c *call) (any, error) {
		if _, err := h.svc.ChangePower(ctx, c.caller, c.imageID, c.region, a, false); err != nil {
			return nil, err
		}
		return &batchResult{FailedInstanceIDList: []string{}}, nil
	}
}

// handleDeleteInstance serves DELETE /v2/instance/{instanceId}: BCC
// releases a running instance too, so the delete is forced. A retry of a
// delete that was applied finds the instance gone and answers success.
func (h *handler) handleDeleteInstance(ctx context.Context, c *call) (any, error) {
	seen, err := h.seenBefore(ctx, c)
	if err != nil {
		return nil, err
	}
	err = h.svc.DeleteInstance(ctx, c.caller, c.imageID, c.region, true, false)
	if err != nil && seen && imageshare.ErrorReason(err) == imageshare.ReasonInstanceNotFound {
		return nil, nil
	}
	return nil, err
}

// handleRebuildInstance serves PUT /v2/instance/{instanceId}?rebuild: the
// stopped instance's system disk from imageId, which must pass the
// launch permission now.
func (h *handler) handleRebuildInstance(ctx context.Context, c *call) (any, error) {
	var b struct {
		ImageID string `json:"imageId"`
	}
	if err := decodeJSON(c.body, &b); err != nil {
		return nil, err
	}
	if b.ImageID == "" {
		return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "imageId is required")
	}
	if _, err := h.svc.ReinstallInstance(ctx, c.caller, c.imageID, c.region, b.ImageID, false); err != nil {
		return nil, err
	}
	return nil, nil
}

func kitEntry(status int, code string) kit.Entry { return kit.Entry{Status: status, Code: code} }
