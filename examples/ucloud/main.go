// Command ucloud drives imageshare's UCloud CompShare dialect with
// internal/ucloudclient, which encodes, signs and decodes exactly as the
// official github.com/ucloud/ucloud-sdk-go does (docs/ucloud.md shows how to
// point that SDK at imageshare, after which client.DescribeCompShareCustomImages
// and the others below are the same calls; e2e/ucloud_sdk_test.go drives
// them all through it). It lists
// your custom images and, given an image and account ids, shares the image
// with them and prints its share list.
//
//	go run ./cmd/imageshare serve --demo &
//	export IMAGESHARE_URL=http://127.0.0.1:8080 \
//	       IMAGESHARE_PUBLIC_KEY=demo-alice-public IMAGESHARE_PRIVATE_KEY=demo-alice-private
//	go run ./examples/ucloud                                     # alice's images in cn-wlcb
//	go run ./examples/ucloud compshareImage-alice-comfy 10002     # share one with bob
//
// IMAGESHARE_REGION picks the region (default cn-wlcb).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/imageshare/imageshare/internal/ucloudclient"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ucloud example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, args []string, out io.Writer) error {
	endpoint := getenv("IMAGESHARE_URL")
	if endpoint == "" {
		return errors.New("set IMAGESHARE_URL to the server, e.g. http://127.0.0.1:8080")
	}
	region := getenv("IMAGESHARE_REGION")
	if region == "" {
		region = "cn-wlcb"
	}
	client := ucloudclient.New(endpoint, getenv("IMAGESHARE_PUBLIC_KEY"), getenv("IMAGESHARE_PRIVATE_KEY"), ucloudclient.WithRegion(region))

	var images ucloudclient.DescribeCompShareCustomImagesResponse
	if err := client.Call(ctx, "DescribeCompShareCustomImages", map[string]any{"Limit": 100}, &images); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d custom images in %s:\n", images.TotalCount, region)
	for _, im := range images.ImageSet {
		fmt.Fprintf(out, "  %s  %s  %s\n", im.CompShareImageId, im.Name, im.Status)
	}
	if len(args) < 2 {
		return nil
	}
	imageID := args[0]
	var add []int
	for _, a := range args[1:] {
		id, err := strconv.Atoi(a)
		if err != nil {
			return fmt.Errorf("account %q is not an account id", a)
		}
		add = append(add, id)
	}
	var modified ucloudclient.ModifyCompShareImageShareAccountResponse
	if err := client.Call(ctx, "ModifyCompShareImageShareAccount",
		map[string]any{"CompShareImageId": imageID, "AddAccounts": add}, &modified); err != nil {
		return err
	}
	if len(modified.InvalidAccounts) > 0 {
		fmt.Fprintf(out, "not shared (unknown accounts, or yourself): %v\n", modified.InvalidAccounts)
	}
	var shared ucloudclient.DescribeCompShareImageShareAccountsResponse
	if err := client.Call(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": imageID}, &shared); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s is shared with %d accounts:\n", imageID, len(shared.AccountSet))
	for _, a := range shared.AccountSet {
		fmt.Fprintf(out, "  %s %s\n", a.AccountId, a.AccountName)
	}
	return nil
}
