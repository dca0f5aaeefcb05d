package aliyun

import (
	"testing"

	"imageshare/dialect/kit"
	"imageshare/dialect/kit/kittest"
)

// Every row's route (its Action), RAM action and docs agree.
func TestActionTable(t *testing.T) {
	kittest.CheckTable(t, actions, "../../docs/aliyun.md", "../../docs/ram.md",
		func(r *kit.Row[actionFunc]) (*kit.Row[actionFunc], error) { return actions.Lookup(r.Name), nil })
}
