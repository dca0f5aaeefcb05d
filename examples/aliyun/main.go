// Command aliyun drives imageshare with the official Alibaba Cloud Go SDK
// (github.com/aliyun/alibaba-cloud-sdk-go/services/ecs), configured as for
// Alibaba Cloud except for its endpoint. It lists your custom images and,
// given an image and account ids, shares the image with them and prints
// its share list.
//
//	go run ./cmd/imageshare serve --demo &
//	export IMAGESHARE_URL=http://127.0.0.1:8080 \
//	       IMAGESHARE_PUBLIC_KEY=demo-alice-public IMAGESHARE_PRIVATE_KEY=demo-alice-private
//	go run ./examples/aliyun                          # alice's images in cn-hangzhou
//	go run ./examples/aliyun m-demoalicehz01 10002    # share one with bob
//
// IMAGESHARE_REGION picks the region (default cn-hangzhou).
package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

func main() {
	if err := run(os.Getenv, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "aliyun example:", err)
		os.Exit(1)
	}
}

func run(getenv func(string) string, args []string, out io.Writer) error {
	endpoint, err := url.Parse(getenv("IMAGESHARE_URL"))
	if err != nil || endpoint.Host == "" {
		return errors.New("set IMAGESHARE_URL to the server, e.g. http://127.0.0.1:8080")
	}
	region := getenv("IMAGESHARE_REGION")
	if region == "" {
		region = "cn-hangzhou"
	}
	client, err := ecs.NewClientWithAccessKey(region, getenv("IMAGESHARE_PUBLIC_KEY"), getenv("IMAGESHARE_PRIVATE_KEY"))
	if err != nil {
		return err
	}
	// The one change from talking to Alibaba Cloud: the endpoint.
	client.Domain = endpoint.Host
	scheme := strings.ToUpper(endpoint.Scheme)

	list := ecs.CreateDescribeImagesRequest()
	list.Scheme = scheme
	list.ImageOwnerAlias = "self"
	images, err := client.DescribeImages(list)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d custom images in %s:\n", images.TotalCount, region)
	for _, im := range images.Images.Image {
		fmt.Fprintf(out, "  %s  %s  %s\n", im.ImageId, im.ImageName, im.Status)
	}
	if len(args) < 2 {
		return nil
	}
	imageID, accounts := args[0], args[1:]

	share := ecs.CreateModifyImageSharePermissionRequest()
	share.Scheme = scheme
	share.ImageId = imageID
	share.AddAccount = &accounts
	if _, err := client.ModifyImageSharePermission(share); err != nil {
		return err
	}
	perms := ecs.CreateDescribeImageSharePermissionRequest()
	perms.Scheme = scheme
	perms.ImageId = imageID
	shared, err := client.DescribeImageSharePermission(perms)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s is shared with %d accounts:\n", imageID, shared.TotalCount)
	for _, a := range shared.Accounts.Account {
		fmt.Fprintf(out, "  %s since %s\n", a.AliyunId, a.SharedTime)
	}
	return nil
}
