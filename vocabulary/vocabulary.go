// Package vocabulary is the RAM vocabulary of the dialects: the vendor
// action names policies are written with (ecs:DescribeImages,
// ucompshare:..., bcc:...), the access level and resource name of each,
// and the core operations each may run. It is not kept by hand: each
// dialect derives its Vocabulary from its action table (dialect/kit) and
// registers it here when its package is loaded, so the vocabulary lists
// exactly the actions the dialects serve. docs/ram.md prints the tables.
//
// The core authorizes a call by the imageshare.RAMAction its dialect put
// on the caller; Lookup serves the callers that only have a name (the
// policy simulator of `imageshare policy check`).
package vocabulary

import (
	"strings"
	"sync"

	"github.com/imageshare/imageshare"
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
	KindImage    = imageshare.ResourceImage
	KindInstance = imageshare.ResourceInstance
)

// Action is one vendor action.
type Action struct {
	imageshare.RAMAction // Name "ecs:DescribeImageSharePermission", Prefix, Ops
	Level                Level
	// Kind is the kind of resource it acts on; a List action acts on
	// every resource of that kind in the region ("image/*").
	Kind string
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
	a := imageshare.RAMAction{Prefix: v.Prefix}
	return a.Resource(region, accountID, kind, id)
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

// Action returns the action of the vendor's name (without the service
// prefix: "DescribeImages"), or nil.
func (v *Vocabulary) Action(name string) *Action {
	full := v.Service + ":" + name
	for i := range v.Actions {
		if v.Actions[i].Name == full {
			return &v.Actions[i]
		}
	}
	return nil
}

var registry struct {
	sync.RWMutex
	list   []*Vocabulary
	byName map[string]lookup // by lower-cased action name
}

type lookup struct {
	v *Vocabulary
	a *Action
}

// Register adds a dialect's vocabulary; each dialect package calls it once,
// when it is loaded. It panics on a dialect or action registered twice:
// two dialects must not claim one policy name.
func Register(v *Vocabulary) {
	registry.Lock()
	defer registry.Unlock()
	if registry.byName == nil {
		registry.byName = map[string]lookup{}
	}
	for _, o := range registry.list {
		if o.Dialect == v.Dialect {
			panic("vocabulary: dialect " + v.Dialect + " registered twice")
		}
	}
	for i := range v.Actions {
		key := strings.ToLower(v.Actions[i].Name)
		if _, dup := registry.byName[key]; dup {
			panic("vocabulary: action " + v.Actions[i].Name + " registered twice")
		}
		registry.byName[key] = lookup{v, &v.Actions[i]}
	}
	registry.list = append(registry.list, v)
}

// Vocabularies lists the registered vocabularies, in the order the
// dialects registered them.
func Vocabularies() []*Vocabulary {
	registry.RLock()
	defer registry.RUnlock()
	return append([]*Vocabulary(nil), registry.list...)
}

// Lookup returns the action named name (case-insensitively, as policies
// match action names) and its dialect's vocabulary.
func Lookup(name string) (*Vocabulary, *Action, bool) {
	registry.RLock()
	defer registry.RUnlock()
	l, ok := registry.byName[strings.ToLower(name)]
	return l.v, l.a, ok
}

// For returns the vocabulary of a dialect ("aliyun", "ucloud", "baidu"),
// or nil if that dialect is not linked in.
func For(dialect string) *Vocabulary {
	for _, v := range Vocabularies() {
		if v.Dialect == dialect {
			return v
		}
	}
	return nil
}
