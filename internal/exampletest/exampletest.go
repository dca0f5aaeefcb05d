// Package exampletest runs one of the examples/ programs against a real
// server on loopback as a user would run it: listing, then sharing an
// image with another account, then the two mistakes a user makes first
// (a wrong secret, no URL). The three examples differ only in the image
// their cloud names and in how run is called.
package exampletest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
)

// Run is an example's entry point: getenv reads its settings, args are
// its command-line arguments, and it prints to out.
type Run func(getenv func(string) string, args []string, out io.Writer) error

// Check runs the example through run against a fresh server that holds a
// custom image with the given ID in region, and checks what it prints and
// what the server then holds.
func Check(t *testing.T, imageID, region string, run Run) {
	t.Helper()
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	friend, _ := srv.Account(t, "friend@example.com")
	im := srv.Image(t, &imageshare.Image{ID: imageID, OwnerID: owner.ID, Region: region, Name: "example-image"})
	env := func(k string) string {
		return map[string]string{"IMAGESHARE_URL": srv.URL, "IMAGESHARE_PUBLIC_KEY": key.PublicKey, "IMAGESHARE_PRIVATE_KEY": key.PrivateKey}[k]
	}
	exec := func(env func(string) string, args ...string) (string, error) {
		var out strings.Builder
		err := run(env, args, &out)
		return out.String(), err
	}

	out, err := exec(env)
	if err != nil {
		t.Fatalf("listing: %v\n%s", err, out)
	}
	if !strings.Contains(out, "1 custom images") || !strings.Contains(out, im.ID+"  example-image") {
		t.Fatalf("listing printed:\n%s", out)
	}

	out, err = exec(env, im.ID, fmt.Sprint(friend.ID))
	if err != nil {
		t.Fatalf("sharing: %v\n%s", err, out)
	}
	if !strings.Contains(out, im.ID+" is shared with 1 accounts:\n  "+fmt.Sprint(friend.ID)) {
		t.Fatalf("sharing printed:\n%s", out)
	}
	list, err := srv.Svc.DescribeShares(context.Background(), imageshare.Caller{AccountID: owner.ID}, im.ID, "", imageshare.Page{})
	if err != nil || list.Total != 1 || list.Shares[0].AccountID != friend.ID {
		t.Fatalf("the server's share list: %+v, %v", list, err)
	}

	// A wrong secret is the server's refusal, returned as the SDK's error.
	wrong := func(k string) string {
		if k == "IMAGESHARE_PRIVATE_KEY" {
			return "wrong"
		}
		return env(k)
	}
	if out, err := exec(wrong); err == nil {
		t.Fatalf("a wrong secret was accepted:\n%s", out)
	}
	if _, err := exec(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "IMAGESHARE_URL") {
		t.Fatalf("no URL: %v", err)
	}
}
