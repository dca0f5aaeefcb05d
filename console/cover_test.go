package console

import "testing"

// Covers become <img> only for https URLs of plain characters and raster
// data URLs; anything that could run script or break out is dropped.
func TestCoverURL(t *testing.T) {
	for cover, ok := range map[string]bool{
		"https://covers.example/a/b.png":        true,
		"https://cdn.example:8443/x.jpg?w=96":   true,
		"data:image/png;base64,iVBORw0KGgo=":    true,
		"data:image/webp;base64,UklGRg":         true,
		"http://covers.example/a.png":           false,
		"javascript:alert(1)":                   false,
		"JAVASCRIPT:alert(1)":                   false,
		"data:image/svg+xml;base64,PHN2Zz4=":    false,
		"data:text/html;base64,PHNjcmlwdD4=":    false,
		`https://x.example/"onerror="alert(1)`:  false,
		"https://x.example/a b.png":             false,
		"https://x.example/<script>":            false,
		"//x.example/a.png":                     false,
		"":                                      false,
		"https://x.example/a.png\njavascript:1": false,
	} {
		if got := coverURL(cover) != ""; got != ok {
			t.Errorf("coverURL(%q) rendered=%v, want %v", cover, got, ok)
		}
	}
}
