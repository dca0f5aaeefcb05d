package ucloud

import (
	"testing"

	"github.com/imageshare/imageshare/dialect/kit/kittest"
)

// Every row's route (its Action), RAM action and docs agree.
func TestActionTable(t *testing.T) {
	kittest.CheckRPCTable(t, actions, "../../docs/ucloud.md", "../../docs/ram.md")
}
