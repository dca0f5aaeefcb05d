package baidu

import (
	"net/url"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/dialect/kit/kittest"
)

// Every row's route, RAM action and docs agree: the router selects each
// row by its Route, with an image id in its path.
func TestActionTable(t *testing.T) {
	kittest.CheckTable(t, actions, "../../docs/baidu.md", "../../docs/ram.md",
		func(r *kit.Row[handlerFunc]) (*kit.Row[handlerFunc], error) {
			method, rest, _ := strings.Cut(r.Route, " ")
			path, flag, _ := strings.Cut(rest, "?")
			query := url.Values{}
			if flag != "" {
				query.Set(flag, "")
			}
			row, id, err := match(method, strings.ReplaceAll(path, "{imageId}", "m-1"), query)
			if err == nil && strings.Contains(path, "{imageId}") != (id == "m-1") {
				t.Errorf("%s: image id %q", r.Name, id)
			}
			return row, err
		})
}
