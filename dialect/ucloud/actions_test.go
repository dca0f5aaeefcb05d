package ucloud

import (
	"testing"

	"imageshare/dialect/kit"
	"imageshare/dialect/kit/kittest"
)

// Every row's route (its Action), RAM action and docs agree.
func TestActionTable(t *testing.T) {
	kittest.CheckTable(t, actions, "../../docs/ucloud.md", "../../docs/ram.md",
		func(r *kit.Row[handlerFunc]) (*kit.Row[handlerFunc], error) { return actions.Lookup(r.Name), nil })
}
