// Package ram is the action and resource vocabulary of each dialect: the
// vendor action names policies are written with (ecs:DescribeImages,
// ucompshare:..., bcc:...), the access level and resource name of each,
// and the core operations each may run. The core authorizes every call
// of a sub-user with it; docs/ram.md prints the same tables.
package ram

import (
	"strconv"
	"strings"

	"imageshare"
)

// Level is an action's access level, as Alibaba's authorization tables
// give it.
type Level string

const (
	Read  Level = "Read"
	List  Level = "List"
	Write Level = "Write"
)

// Resource kinds.
const (
	KindImage    = "image"
	KindInstance = "instance"
)

// Action is one vendor action.
type Action struct {
	Name  string // "ecs:DescribeImageSharePermission"
	Level Level
	// Kind is the kind of resource it acts on; a List action acts on
	// every resource of that kind in the region ("image/*").
	Kind string
	// Ops are the core operations a call of this action may run.
	Ops []imageshare.Operation
}

// Vocabulary is one dialect's actions and resource names.
type Vocabulary struct {
	Dialect string // "aliyun", "ucloud", "baidu"
	Service string // the action prefix: "ecs"
	// Prefix starts every resource name: "acs:ecs" gives
	// acs:ecs:{region}:{accountId}:image/{imageId}.
	Prefix  string
	Actions []Action
}

// ARN names a resource: Prefix:region:account:kind/id. An empty region is
// "*" (a call that addresses every region).
func (v *Vocabulary) ARN(region string, accountID int64, kind, id string) string {
	if region == "" {
		region = "*"
	}
	return v.Prefix + ":" + region + ":" + strconv.FormatInt(accountID, 10) + ":" + kind + "/" + id
}

// Pattern is the resource name template of a, for documentation:
// "acs:ecs:{regionId}:{accountId}:image/{imageId}".
func (v *Vocabulary) Pattern(a *Action) string {
	id := "{" + a.Kind + "Id}"
	if a.Level == List {
		id = "*"
	}
	return v.Prefix + ":{regionId}:{accountId}:" + a.Kind + "/" + id
}

// Allows reports whether a call of a may run op.
func (a *Action) Allows(op imageshare.Operation) bool {
	for _, o := range a.Ops {
		if o == op {
			return true
		}
	}
	return false
}

func ops(o ...imageshare.Operation) []imageshare.Operation { return o }

// Aliyun is Alibaba ECS's vocabulary, as ECS's documentation gives it (docs/ram.md).
var Aliyun = &Vocabulary{
	Dialect: "aliyun", Service: "ecs", Prefix: "acs:ecs",
	Actions: []Action{
		{"ecs:DescribeImageSharePermission", Read, KindImage, ops(imageshare.OpDescribeShares)},
		{"ecs:ModifyImageSharePermission", Write, KindImage, ops(imageshare.OpModifyShares, imageshare.OpDescribeShares)},
		{"ecs:DescribeImages", List, KindImage, ops(imageshare.OpListImages)},
		{"ecs:DeleteImage", Write, KindImage, ops(imageshare.OpDeleteImage)},
	},
}

// UCloud is UCloud CompShare's vocabulary.
var UCloud = &Vocabulary{
	Dialect: "ucloud", Service: "ucompshare", Prefix: "ucs:ucompshare",
	Actions: []Action{
		{"ucompshare:DescribeCompShareImageShareAccounts", Read, KindImage, ops(imageshare.OpDescribeShares)},
		{"ucompshare:ModifyCompShareImageShareAccount", Write, KindImage, ops(imageshare.OpModifyShares)},
		{"ucompshare:DescribeCompShareCustomImages", List, KindImage, ops(imageshare.OpListImages)},
		{"ucompshare:DescribeCompShareSharingImages", List, KindImage, ops(imageshare.OpListImages)},
		{"ucompshare:DescribeCompShareImages", List, KindImage, ops(imageshare.OpListImages)},
		{"ucompshare:CreateCompShareCustomImage", Write, KindInstance, ops(imageshare.OpCreateCustomImage)},
		{"ucompshare:GetCompShareImageCreateProgress", Read, KindImage, ops(imageshare.OpImageBuildProgress)},
		{"ucompshare:UpdateCompShareImage", Write, KindImage, ops(imageshare.OpEditImage)},
		{"ucompshare:CopyCompShareCustomImage", Write, KindImage, ops(imageshare.OpCopyCustomImage)},
		{"ucompshare:TerminateCompShareCustomImage", Write, KindImage, ops(imageshare.OpTerminateImage)},
		{"ucompshare:PublishCompShareImage", Write, KindImage, ops(imageshare.OpPublishImage)},
		{"ucompshare:DescribeCompShareImageTags", List, KindImage, ops(imageshare.OpCatalogTags)},
		{"ucompshare:DescribeCommunityImages", List, KindImage, ops(imageshare.OpCommunityImages)},
		{"ucompshare:DescribeSelfCommunityImages", List, KindImage, ops(imageshare.OpSelfCommunityGroups)},
		{"ucompshare:DescribeUserCommunityImages", List, KindImage, ops(imageshare.OpCommunityGroups)},
	},
}

// Baidu is Baidu BCC's vocabulary; the action names are the bcc.Client
// methods that send the calls.
var Baidu = &Vocabulary{
	Dialect: "baidu", Service: "bcc", Prefix: "brn:bce:bcc",
	Actions: []Action{
		{"bcc:ListImage", List, KindImage, ops(imageshare.OpListImages)},
		{"bcc:GetImageDetail", Read, KindImage, ops(imageshare.OpGetImage)},
		{"bcc:DeleteImage", Write, KindImage, ops(imageshare.OpDeleteImage)},
		// A share call on a platform image looks it up to say it cannot
		// be shared (GetImage), on the same resource.
		{"bcc:ShareImage", Write, KindImage, ops(imageshare.OpModifyShares, imageshare.OpGetImage)},
		{"bcc:UnShareImage", Write, KindImage, ops(imageshare.OpModifyShares, imageshare.OpGetImage)},
		{"bcc:GetImageSharedUser", Read, KindImage, ops(imageshare.OpDescribeShares, imageshare.OpGetImage)},
	},
}

// Vocabularies lists the three dialects' vocabularies.
func Vocabularies() []*Vocabulary { return []*Vocabulary{Aliyun, UCloud, Baidu} }

// byName indexes every action by its lower-cased name: action names match
// case-insensitively, as in policies.
var byName = func() map[string]lookup {
	m := map[string]lookup{}
	for _, v := range Vocabularies() {
		for i := range v.Actions {
			m[strings.ToLower(v.Actions[i].Name)] = lookup{v, &v.Actions[i]}
		}
	}
	return m
}()

type lookup struct {
	v *Vocabulary
	a *Action
}

// Lookup returns the action named name (case-insensitively) and its
// dialect's vocabulary.
func Lookup(name string) (*Vocabulary, *Action, bool) {
	l, ok := byName[strings.ToLower(name)]
	return l.v, l.a, ok
}

// For returns the vocabulary of a dialect ("aliyun", "ucloud", "baidu").
func For(dialect string) *Vocabulary {
	for _, v := range Vocabularies() {
		if v.Dialect == dialect {
			return v
		}
	}
	return nil
}
