package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/dialect/aliyun"
	"github.com/imageshare/imageshare/dialect/ucloud"
)

// Every action a dialect serves is named on its page in docs/, so the
// compatibility pages cannot fall behind the routing tables.
func TestDocs_EveryActionDocumented(t *testing.T) {
	for page, actions := range map[string][]string{
		"../docs/ucloud.md": ucloud.Actions(),
		"../docs/aliyun.md": aliyun.Actions(),
	} {
		doc, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		if len(actions) == 0 {
			t.Fatalf("%s: no actions to check", page)
		}
		for _, a := range actions {
			if !strings.Contains(string(doc), "`"+a+"`") && !strings.Contains(string(doc), "### "+a) {
				t.Errorf("%s does not name the action %s", page, a)
			}
		}
	}
}
