package main

import (
	"fmt"
	"io"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/internal/ucloudclient"
	"github.com/imageshare/imageshare/seed"
)

// printDemo prints the demo credentials and ready-to-paste signed calls.
// UCloud signatures carry no timestamp, so the calls stay valid for as
// long as the demo keys exist.
func printDemo(w io.Writer, baseURL string) {
	demo := seed.Demo()
	fmt.Fprintln(w, "\nDemo accounts (fixed keys: for a local sandbox only):")
	for _, a := range demo.Accounts {
		fmt.Fprintf(w, "  %-18s id %-6d PublicKey %-18s PrivateKey %s\n", a.Name, a.ID, a.Keys[0].PublicKey, a.Keys[0].PrivateKey)
	}
	alice := ucloudclient.New(baseURL, "demo-alice-public", "demo-alice-private", ucloudclient.WithRegion("cn-wlcb"))
	bob := ucloudclient.New(baseURL, "demo-bob-public", "demo-bob-private", ucloudclient.WithRegion("cn-wlcb"))
	calls := []struct {
		what   string
		client *ucloudclient.Client
		action string
		params map[string]any
	}{
		{"alice shares her image compshareImage-alice-llama with bob (10002):", alice,
			"ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": "compshareImage-alice-llama", "AddAccounts": []int{10002}}},
		{"alice lists who the image is shared with:", alice,
			"DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": "compshareImage-alice-llama"}},
		{"bob sees the images shared with him:", bob,
			"DescribeCompShareSharingImages", map[string]any{}},
	}
	fmt.Fprintln(w, "\nExample calls (UCloud CompShare API, signed with the demo keys):")
	for _, c := range calls {
		body, _, err := c.client.Body(c.action, c.params)
		if err != nil {
			fmt.Fprintf(w, "  (cannot encode %s: %v)\n", c.action, err)
			continue
		}
		fmt.Fprintf(w, "\n# %s\ncurl -s %s/ -d '%s'\n", c.what, baseURL, body)
	}
	fmt.Fprintln(w)
}

// printConsole prints where the web console is (docs/console.md): the
// tenant pages, and the operator pages when an admin token is set (on the
// admin listener when there is one).
func printConsole(w io.Writer, m *app.Main, operator bool) {
	fmt.Fprintf(w, "Web console: %s/console/ (sign in with a demo key pair above, e.g. demo-alice-public / demo-alice-private)\n", m.URL())
	if operator {
		base := m.URL()
		if u := m.AdminURL(); u != "" {
			base = u
		}
		fmt.Fprintf(w, "Operator console: %s/console/admin/ (sign in with the admin token)\n", base)
	}
	fmt.Fprintln(w)
}
