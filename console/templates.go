package console

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
)

var pageNames = []string{"error", "login", "oplogin", "images", "image", "shared", "catalog", "version", "instances",
	"reviews", "accounts", "account", "shares", "imageshares", "state"}

var funcs = template.FuncMap{
	"cover": coverURL,
	"size": func(mb int64) string {
		if mb >= 1024 {
			return fmt.Sprintf("%.1f GiB", float64(mb)/1024)
		}
		return fmt.Sprintf("%d MiB", mb)
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join":  func(v []string) string { return strings.Join(v, ", ") },
	"lower": func(s imageshare.ImageStatus) string { return strings.ToLower(string(s)) },
	"price": func(p float64) string {
		if p == 0 {
			return "free"
		}
		return fmt.Sprintf("¥%.2f/h", p)
	},
}

// parsePages parses each page with the layout; a template that does not
// parse is a build mistake, caught by every test.
func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}
