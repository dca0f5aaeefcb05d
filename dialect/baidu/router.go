package baidu

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/vocabulary"
)

// actions is the dialect's action table: one row per BCC call, named
// after the bcc.Client method that sends it (policies name it
// bcc:<Name>, its resources brn:bce:bcc:{region}:{account}:image/{id}),
// with the method and path shape that select it. BCC addresses resources
// by path and picks share/unshare by a bare query key, which
// http.ServeMux patterns cannot express, hence Route: "METHOD shape" or
// "METHOD shape?key". The router, the operation names of logs and metrics
// and the RAM vocabulary all read this one table; docs/baidu.md and
// docs/ram.md list every row (TestActionTable). Rows of one shape are in
// the order their methods appear in a 405's Allow header.
var actions = kit.NewTable("baidu", "bcc", "brn:bce:bcc", []*kit.Row[handlerFunc]{
	{Action: kit.Action{Name: "ListImage", Route: "GET /v2/image", Level: vocabulary.List, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpListImages), Params: []string{"marker", "maxKeys", "imageType", "imageName"}},
		Handle: (*handler).handleListImages},
	{Action: kit.Action{Name: "GetImageDetail", Route: "GET /v2/image/{imageId}", Level: vocabulary.Read, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpGetImage)},
		Handle: (*handler).handleGetImage},
	{Action: kit.Action{Name: "ShareImage", Route: "POST /v2/image/{imageId}?share", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpModifyShares), Writes: true, Params: []string{"accountId", "account", "ucAccount"}},
		Handle: (*handler).handleShare},
	{Action: kit.Action{Name: "UnShareImage", Route: "POST /v2/image/{imageId}?unshare", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpModifyShares), Writes: true, Params: []string{"accountId", "account", "ucAccount"}},
		Handle: (*handler).handleUnshare},
	{Action: kit.Action{Name: "DeleteImage", Route: "DELETE /v2/image/{imageId}", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpDeleteImage), Writes: true},
		Handle: (*handler).handleDeleteImage},
	{Action: kit.Action{Name: "GetImageSharedUser", Route: "GET /v2/image/{imageId}/sharedUsers", Level: vocabulary.Read, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpDescribeShares)},
		Handle: (*handler).handleSharedUsers},
	// The image workflow (workflow.go; docs/baidu.md "The image workflow").
	{Action: kit.Action{Name: "CreateImage", Route: "POST /v2/image", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpCreateCustomImage), Writes: true, Params: []string{"clientToken", "instanceId", "snapshotId", "imageName", "relateCds", "encryptKey"}},
		Handle: (*handler).handleCreateImage},
	{Action: kit.Action{Name: "RenameImage", Route: "PUT /v2/image/rename", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpEditImage), Writes: true, Params: []string{"name", "imageId"}},
		Handle: (*handler).handleRenameImage},
	{Action: kit.Action{Name: "RemoteCopyImage", Route: "POST /v2/image/{imageId}?remoteCopy", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpCopyCustomImage), Writes: true, Params: []string{"name", "destRegion"}},
		Handle: (*handler).handleRemoteCopy},
	{Action: kit.Action{Name: "CancelRemoteCopyImage", Route: "POST /v2/image/{imageId}?cancelRemoteCopy", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpDeleteImage), Writes: true},
		Handle: (*handler).handleCancelRemoteCopy},
	{Action: kit.Action{Name: "BindImageToTags", Route: "PUT /v2/image/{imageId}/tag?bind", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpEditImage), Writes: true, Params: []string{"changeTags", "attachRelatedResourceTag"}},
		Handle: (*handler).handleBindTags},
	{Action: kit.Action{Name: "UnBindImageToTags", Route: "PUT /v2/image/{imageId}/tag?unbind", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpEditImage, imageshare.OpGetImage), Writes: true, Params: []string{"changeTags", "attachRelatedResourceTag"}},
		Handle: (*handler).handleUnbindTags},
	{Action: kit.Action{Name: "GetImageOS", Route: "POST /v2/image/os", Level: vocabulary.Read, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpGetImage), Params: []string{"instanceIds"}},
		Handle: (*handler).handleGetImageOS},
	{Action: kit.Action{Name: "ImportCustomImage", Route: "POST /v2/image/import", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpCreateCustomImage), Writes: true},
		Handle: (*handler).handleImportCustomImage},
	// Instances (instance.go). The creates act on the image they launch
	// from, so a policy can allow launching only from certain images; a
	// rebuild also runs RunInstances on its image.
	{Action: kit.Action{Name: "CreateInstance", Route: "POST /v2/instance", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpRunInstances), Writes: true, Params: []string{"clientToken"}},
		Handle: (*handler).handleCreateInstance},
	{Action: kit.Action{Name: "CreateInstanceBySpec", Route: "POST /v2/instanceBySpec", Level: vocabulary.Write, Kind: vocabulary.KindImage,
		Ops: ops(imageshare.OpRunInstances), Writes: true, Params: []string{"clientToken"}},
		Handle: (*handler).handleCreateInstance},
	{Action: kit.Action{Name: "ListInstances", Route: "GET /v2/instance", Level: vocabulary.List, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpListInstances), Params: []string{"marker", "maxKeys", "instanceIds", "instanceNames", "zoneName", "status"}},
		Handle: (*handler).handleListInstances},
	{Action: kit.Action{Name: "GetInstanceDetail", Route: "GET /v2/instance/{instanceId}", Level: vocabulary.Read, Kind: vocabulary.KindInstance,
		// isDeploySet asks for the deployment sets the instance is in:
		// there are none here, so it does not change the answer.
		Ops: ops(imageshare.OpListInstances), Params: []string{"isDeploySet"}},
		Handle: (*handler).handleGetInstance},
	{Action: kit.Action{Name: "StartInstance", Route: "PUT /v2/instance/{instanceId}?start", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true},
		Handle: powerHandler(imageshare.PowerStart)},
	{Action: kit.Action{Name: "StopInstance", Route: "PUT /v2/instance/{instanceId}?stop", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true},
		Handle: powerHandler(imageshare.PowerStop)},
	{Action: kit.Action{Name: "RebootInstance", Route: "PUT /v2/instance/{instanceId}?reboot", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true},
		Handle: powerHandler(imageshare.PowerReboot)},
	{Action: kit.Action{Name: "RebuildInstance", Route: "PUT /v2/instance/{instanceId}?rebuild", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance, imageshare.OpRunInstances), Writes: true},
		Handle: (*handler).handleRebuildInstance},
	{Action: kit.Action{Name: "DeleteInstance", Route: "DELETE /v2/instance/{instanceId}", Level: vocabulary.Write, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpManageInstance), Writes: true},
		Handle: (*handler).handleDeleteInstance},
	// The default network (network.go).
	{Action: kit.Action{Name: "ListSecurityGroup", Route: "GET /v2/securityGroup", Level: vocabulary.List, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpListInstances), Params: []string{"marker", "maxKeys", "instanceId", "vpcId", "securityGroupId", "securityGroupIds"}},
		Handle: (*handler).handleListSecurityGroups},
	{Action: kit.Action{Name: "ListZone", Route: "GET /v2/zone", Level: vocabulary.List, Kind: vocabulary.KindInstance,
		Ops: ops(imageshare.OpListInstances)},
		Handle: (*handler).handleListZones},
})

// fixedSegments are the paths under /v2/image/ that name a call, not an
// image (BCC's rename, os and import calls): no image id takes these.
var fixedSegments = []string{"rename", "os", "import"}

func ops(o ...imageshare.Operation) []imageshare.Operation { return o }

// route is a row's Route, parsed.
type route struct {
	method, shape, flag string
	row                 *kit.Row[handlerFunc]
}

var routes = func() []route {
	var rs []route
	for _, row := range actions.Rows {
		method, rest, _ := strings.Cut(row.Route, " ")
		shape, flag, _ := strings.Cut(rest, "?")
		rs = append(rs, route{method, shape, flag, row})
	}
	return rs
}()

// parsePath splits an escaped path into its shape (a row's, with
// {imageId} or {instanceId} for the id segment) and that id; "" for a
// path no row has.
func parsePath(escaped string) (shape, id string) {
	segs := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	if len(segs) >= 2 && segs[0] == "v2" && (segs[1] == "instance" || segs[1] == "instanceBySpec") {
		return instancePath(segs)
	}
	if len(segs) == 2 && segs[0] == "v2" && (segs[1] == "securityGroup" || segs[1] == "zone") {
		return "/v2/" + segs[1], ""
	}
	if len(segs) < 2 || segs[0] != "v2" || segs[1] != "image" {
		return "", ""
	}
	if len(segs) == 2 {
		return "/v2/image", ""
	}
	id, err := url.PathUnescape(segs[2])
	if err != nil || id == "" {
		return "", ""
	}
	switch {
	case len(segs) == 3 && slices.Contains(fixedSegments, segs[2]):
		return "/v2/image/" + segs[2], ""
	case len(segs) == 3:
		return "/v2/image/{imageId}", id
	case len(segs) == 4 && segs[3] == "tag":
		return "/v2/image/{imageId}/tag", id
	case len(segs) == 4 && segs[3] == "sharedUsers":
		return "/v2/image/{imageId}/sharedUsers", id
	}
	return "", ""
}

// match returns the row a request selects and its image id, or the one
// error this dialect answers every call it does not serve with (issue 14:
// one documented "unsupported" answer per dialect): 404 InvalidURI,
// whether the path is unknown (/v2/instance, /v2/image/{id}/other), the
// method is not served on it (PUT /v2/image?rename, POST /v2/image) or a
// POST names no served action (?remoteCopy). It is never NoSuchObject,
// which says an image is missing.
func match(method, escapedPath string, query url.Values) (*kit.Row[handlerFunc], string, error) {
	shape, id := parsePath(escapedPath)
	if shape == "" {
		return nil, "", unsupported(method, escapedPath)
	}
	var plain, flagged *kit.Row[handlerFunc]
	var flags []string
	for _, rt := range routes {
		switch {
		case rt.shape != shape || rt.method != method:
		case rt.flag == "":
			plain = rt.row
		default:
			flags = append(flags, rt.flag)
			if query.Has(rt.flag) {
				if flagged != nil {
					return nil, "", errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "a request may either %s, not both", strings.Join(flags, " or "))
				}
				flagged = rt.row
			}
		}
	}
	switch {
	case flagged != nil:
		return flagged, id, nil
	case plain != nil:
		return plain, id, nil
	}
	return nil, "", unsupported(method, escapedPath)
}

// unsupported is the answer to a call the dialect does not serve.
func unsupported(method, escapedPath string) error {
	p := escapedPath
	if len(p) > 128 {
		p = p[:128] + "..."
	}
	return errorf(http.StatusNotFound, codeInvalidURI, "%s %s is not a BCC call this server serves (it serves %s)",
		method, p, strings.Join(servedRoutes, ", "))
}

// servedRoutes lists the rows' routes, for the unsupported answer.
var servedRoutes = func() []string {
	var rs []string
	for _, row := range actions.Rows {
		rs = append(rs, row.Route)
	}
	return rs
}()

// Actions lists the operations the dialect serves (the bcc.Client method
// names), sorted.
func Actions() []string {
	return slices.Sorted(slices.Values(actions.Names()))
}
