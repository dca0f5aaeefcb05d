// Package kittest checks a dialect's action table against what is derived
// from it and what documents it, for each dialect's tests.
package kittest

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/vocabulary"
)

// CheckTable walks every row of tab and proves that the route, the RAM
// action and the docs agree: route (the dialect's own router) selects the
// row back; the RAM vocabulary has the row's action with its level, kind
// and operations, and the row's RAM is that very entry; the dialect's page
// (docs/<dialect>.md, at page) names the action, with its route for a REST
// dialect; docs/ram.md (at ramPage) lists it.
func CheckTable[H any](t *testing.T, tab *kit.Table[H], page, ramPage string, route func(*kit.Row[H]) (*kit.Row[H], error)) {
	t.Helper()
	doc, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	ram, err := os.ReadFile(ramPage)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) == 0 {
		t.Fatal("the table has no rows")
	}
	v := tab.Vocabulary
	if vocabulary.For(v.Dialect) != v {
		t.Errorf("the vocabulary of %s is not the one derived from its table", v.Dialect)
	}
	for _, row := range tab.Rows {
		if got, err := route(row); err != nil || got != row {
			t.Errorf("%s: the router selects %v (%v), not the row", row.Name, got, err)
		}
		_, a, ok := vocabulary.Lookup(v.Service + ":" + row.Name)
		switch {
		case !ok:
			t.Errorf("%s: no RAM action %s:%s", row.Name, v.Service, row.Name)
		case &a.RAMAction != row.RAM || a.Level != row.Level || a.Kind != row.Kind || !slices.Equal(a.Ops, row.Ops):
			t.Errorf("%s: RAM entry %+v does not match the row %+v", row.Name, a, row.Action)
		}
		if line := docLine(string(doc), row.Name); line == "" {
			t.Errorf("%s does not name the action %s", page, row.Name)
		} else if row.Route != "" && !strings.Contains(line, "`"+row.Route) {
			t.Errorf("%s: the line of %s does not give its route %s:\n%s", page, row.Name, row.Route, line)
		}
		if !strings.Contains(string(ram), "| `"+v.Service+":"+row.Name+"` |") {
			t.Errorf("%s does not list %s:%s", ramPage, v.Service, row.Name)
		}
		seen := map[string]bool{}
		for _, p := range row.Params {
			if seen[p] || p == "" {
				t.Errorf("%s: parameter %q is empty or listed twice", row.Name, p)
			}
			seen[p] = true
		}
	}
}

// CheckRPCTable is CheckTable for a dialect that routes on the action's
// name (an Action parameter): its router is the table's Lookup.
func CheckRPCTable[H any](t *testing.T, tab *kit.Table[H], page, ramPage string) {
	t.Helper()
	CheckTable(t, tab, page, ramPage, func(r *kit.Row[H]) (*kit.Row[H], error) { return tab.Lookup(r.Name), nil })
}

// docLine returns the line of doc that documents action: a table row that
// starts with it, or its heading ("### Action" or "### Action (...)"),
// else any line naming it in code; "" if there is none.
func docLine(doc, action string) string {
	for line := range strings.Lines(doc) {
		heading := strings.TrimSpace(line)
		if strings.HasPrefix(line, "| `"+action+"` |") || heading == "### "+action || strings.HasPrefix(heading, "### "+action+" ") {
			return line
		}
	}
	for line := range strings.Lines(doc) {
		if strings.Contains(line, "`"+action+"`") {
			return line
		}
	}
	return ""
}
