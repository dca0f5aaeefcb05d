package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"imageshare"
	"imageshare/internal/testserver"
)

// The example, run against a real server on loopback as a user would run
// it: listing, then sharing an image with another account.
func TestExample(t *testing.T) {
	srv := testserver.Start(t)
	owner, key := srv.Account(t, "")
	friend, _ := srv.Account(t, "friend@example.com")
	im := srv.Image(t, &imageshare.Image{ID: "m-exampleshare02", OwnerID: owner.ID, Region: "bj", Name: "example-image"})
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
