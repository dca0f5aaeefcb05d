package kit

import (
	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/vocabulary"
)

// Action is one row of a dialect's action table: everything about an
// action but its handler. The dialect's RAM vocabulary is derived from
// its rows (Table), so a served action always has its RAM entry.
type Action struct {
	// Name is the vendor's name: the Action parameter (UCloud, Alibaba),
	// or the bcc.Client method that sends the call (Baidu).
	Name string
	// Route is the HTTP method and path shape that select the action, for
	// REST dialects (Baidu: "POST /v2/image/{imageId}?share", a bare query
	// key after "?"); "" for RPC dialects, which route on Name.
	Route string
	// Level, Kind and Ops are its RAM entry: the access level, the kind of
	// resource it acts on (vocabulary.KindImage...) and the core
	// operations a call of it may run.
	Level vocabulary.Level
	Kind  string
	Ops   []imageshare.Operation
	// RegionOptional lets the action run without a region parameter (RPC
	// dialects); by default one is required and must be served here.
	RegionOptional bool
	// Writes says whether the action changes anything (so that a DryRun
	// can be answered without running it).
	Writes bool
	// Params are the request parameters the action reads, besides the
	// dialect's common ones (signature, region, action).
	Params []string
}

// Row is an Action with its handler, of the dialect's own type.
type Row[H any] struct {
	Action
	Handle H
	// RAM is the action as the core authorizes it, set by NewTable.
	RAM *imageshare.RAMAction
}

// Table is a dialect's action table and the vocabulary derived from it.
type Table[H any] struct {
	Rows       []*Row[H]
	Vocabulary *vocabulary.Vocabulary
	byName     map[string]*Row[H]
}

// NewTable builds a dialect's table and registers its vocabulary (named
// dialect, actions service:Name, resources prefix:...). It panics on a
// row named twice or without a RAM entry: a table is a literal, checked
// when the package loads.
func NewTable[H any](dialect, service, prefix string, rows []*Row[H]) *Table[H] {
	t := &Table[H]{Rows: rows, byName: map[string]*Row[H]{},
		Vocabulary: &vocabulary.Vocabulary{Dialect: dialect, Service: service, Prefix: prefix}}
	for _, r := range rows {
		if _, dup := t.byName[r.Name]; dup || r.Level == "" || r.Kind == "" || len(r.Ops) == 0 {
			panic("kit: action " + r.Name + " of " + dialect + " is named twice or lacks its RAM entry")
		}
		t.byName[r.Name] = r
		t.Vocabulary.Actions = append(t.Vocabulary.Actions, vocabulary.Action{
			RAMAction: imageshare.RAMAction{Name: service + ":" + r.Name, Prefix: prefix, Ops: r.Ops},
			Level:     r.Level, Kind: r.Kind,
		})
	}
	for i, r := range rows {
		r.RAM = &t.Vocabulary.Actions[i].RAMAction
	}
	vocabulary.Register(t.Vocabulary)
	return t
}

// Lookup returns the row named name, or nil.
func (t *Table[H]) Lookup(name string) *Row[H] { return t.byName[name] }

// Names lists the actions in table order.
func (t *Table[H]) Names() []string {
	names := make([]string, len(t.Rows))
	for i, r := range t.Rows {
		names[i] = r.Name
	}
	return names
}
