package aliyun

import (
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	teaecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

func TestAccepts(t *testing.T) {
	pats := []string{"ImageId", "AddAccount.N", "Tag.N.Key"}
	for name, want := range map[string]bool{
		"ImageId": true, "ImageId.1": false, "AddAccount.1": true, "AddAccount.10": true, "AddAccount": false,
		"AddAccount.": false, "AddAccount.x": false, "AddAccount.1.2": false, "Tag.3.Key": true, "Tag.3": false,
		"Tag.3.Value": false, "imageid": false, "Tag.N.Key": false,
	} {
		if got := accepts(pats, name); got != want {
			t.Errorf("accepts(%q) = %v, want %v", name, got, want)
		}
	}
}

// sdkParams lists the parameter names an SDK request struct can send:
// the classic SDK's `name` tags (lists as Name.N, lists of objects as
// Name.N.Field) and the Tea SDK's `json` tags, the same way.
func sdkParams(req any, tag string) []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous {
				continue // the classic SDK's *requests.RpcRequest
			}
			name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
			if name == "" || name == "-" {
				continue
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() != reflect.Slice {
				out = append(out, prefix+name)
				continue
			}
			et := ft.Elem()
			for et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				walk(et, prefix+name+".N.")
			} else {
				out = append(out, prefix+name+".N")
			}
		}
	}
	walk(reflect.TypeOf(req), "")
	return out
}

// docParams reads the parameter table under a heading of docs/aliyun.md
// ("### Action", "## Common parameters"): each row's backticked names and
// its status, "honoured" or "refused".
func docParams(t *testing.T, doc, heading string) map[string]string {
	t.Helper()
	_, section, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/aliyun.md has no section %s", heading)
	}
	section, _, _ = strings.Cut(section, "\n#")
	out := map[string]string{}
	for line := range strings.Lines(section) {
		cells := strings.Split(line, "|")
		if !strings.HasPrefix(line, "| `") || len(cells) < 4 {
			continue
		}
		status := strings.TrimSpace(cells[2])
		for _, part := range strings.Split(cells[1], "`") {
			if p := strings.TrimSpace(part); p != "" && p != "," {
				out[p] = status
			}
		}
	}
	return out
}

// Every parameter either SDK can send for a served action is documented
// in docs/aliyun.md as honoured or refused, and the dialect does what the
// page says: an honoured one is accepted (the table row reads it, or it
// is common, or DryRun of a write), a refused one is refused. None is
// accepted and ignored.
func TestEveryDocumentedParameterHonouredOrRefused(t *testing.T) {
	raw, err := os.ReadFile("../../docs/aliyun.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	requests := map[string][]any{
		"DescribeImages":               {ecs.DescribeImagesRequest{}, teaecs.DescribeImagesRequest{}},
		"DescribeImageSharePermission": {ecs.DescribeImageSharePermissionRequest{}, teaecs.DescribeImageSharePermissionRequest{}},
		"ModifyImageSharePermission":   {ecs.ModifyImageSharePermissionRequest{}, teaecs.ModifyImageSharePermissionRequest{}},
		"DeleteImage":                  {ecs.DeleteImageRequest{}, teaecs.DeleteImageRequest{}},
	}
	maps.Copy(requests, workflowRequests)
	for a, reqs := range instanceRequests {
		requests[a] = reqs
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for a := range requests {
			if !yield(a) {
				return
			}
		}
	}); !slices.Equal(got, Actions()) {
		t.Fatalf("the SDK request list covers %v, the dialect serves %v", got, Actions())
	}
	common := docParams(t, doc, "## Common parameters")
	for name := range commonParams {
		if common[name] != "honoured" {
			t.Errorf("the common parameter %s is not documented as honoured", name)
		}
	}
	for action, reqs := range requests {
		row := actions.Lookup(action)
		documented := docParams(t, doc, "### "+action)
		var names []string
		names = append(names, sdkParams(reqs[0], "name")...)
		names = append(names, sdkParams(reqs[1], "json")...)
		honoured, refused := 0, 0
		seen := map[string]bool{}
		for _, name := range names {
			if seen[name] {
				continue
			}
			seen[name] = true
			status, ok := documented[name]
			if commonParams[name] {
				status, ok = common[name]
			}
			if !ok {
				t.Errorf("%s: the SDKs send %s; docs/aliyun.md does not list it", action, name)
				continue
			}
			example := strings.ReplaceAll(name, ".N", ".1")
			accepted := checkNames(row, params{example: "x"}) == nil
			switch {
			case status == "honoured" && accepted:
				honoured++
			case status == "refused" && !accepted:
				refused++
			default:
				t.Errorf("%s: docs/aliyun.md says %s is %q; the dialect accepts it: %v", action, name, status, accepted)
			}
		}
		for name := range documented {
			if !seen[name] {
				t.Errorf("%s: docs/aliyun.md lists %s, which neither SDK sends", action, name)
			}
		}
		t.Logf("%s: %d parameters honoured, %d refused", action, honoured, refused)
	}
}

// workflowRequests are the SDK requests of the image workflow's actions.
var workflowRequests = map[string][]any{
	"CreateImage":             {ecs.CreateImageRequest{}, teaecs.CreateImageRequest{}},
	"ModifyImageAttribute":    {ecs.ModifyImageAttributeRequest{}, teaecs.ModifyImageAttributeRequest{}},
	"CopyImage":               {ecs.CopyImageRequest{}, teaecs.CopyImageRequest{}},
	"CancelCopyImage":         {ecs.CancelCopyImageRequest{}, teaecs.CancelCopyImageRequest{}},
	"DescribeImageFromFamily": {ecs.DescribeImageFromFamilyRequest{}, teaecs.DescribeImageFromFamilyRequest{}},
	"DescribeRegions":         {ecs.DescribeRegionsRequest{}, teaecs.DescribeRegionsRequest{}},
	"TagResources":            {ecs.TagResourcesRequest{}, teaecs.TagResourcesRequest{}},
	"UntagResources":          {ecs.UntagResourcesRequest{}, teaecs.UntagResourcesRequest{}},
	"ListTagResources":        {ecs.ListTagResourcesRequest{}, teaecs.ListTagResourcesRequest{}},
	"AddTags":                 {ecs.AddTagsRequest{}, teaecs.AddTagsRequest{}},
	"RemoveTags":              {ecs.RemoveTagsRequest{}, teaecs.RemoveTagsRequest{}},
	"DescribeTags":            {ecs.DescribeTagsRequest{}, teaecs.DescribeTagsRequest{}},
}
