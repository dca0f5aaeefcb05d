// Command baidu drives imageshare with the official Baidu Cloud Go SDK
// (github.com/baidubce/bce-sdk-go/services/bcc), configured as for Baidu
// Cloud except for its endpoint. It lists your custom images and, given
// an image and account ids, shares the image with them and prints its
// shared users.
//
//	go run ./cmd/imageshare serve --demo &
//	export IMAGESHARE_URL=http://127.0.0.1:8080 \
//	       IMAGESHARE_PUBLIC_KEY=demo-alice-public IMAGESHARE_PRIVATE_KEY=demo-alice-private
//	go run ./examples/baidu                          # alice's images in bj
//	go run ./examples/baidu m-demoalicebj01 10002    # share one with bob
//
// A loopback endpoint is the server's default Baidu region (bj); the
// region comes from the host of a bcc.<region>.baidubce.com endpoint.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/baidubce/bce-sdk-go/services/bcc"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"
)

func main() {
	if err := run(os.Getenv, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "baidu example:", err)
		os.Exit(1)
	}
}

func run(getenv func(string) string, args []string, out io.Writer) error {
	endpoint := getenv("IMAGESHARE_URL")
	if endpoint == "" {
		return errors.New("set IMAGESHARE_URL to the server, e.g. http://127.0.0.1:8080")
	}
	// The one change from talking to Baidu Cloud: the endpoint.
	client, err := bcc.NewClient(getenv("IMAGESHARE_PUBLIC_KEY"), getenv("IMAGESHARE_PRIVATE_KEY"), endpoint)
	if err != nil {
		return err
	}
	images, err := client.ListImage(&api.ListImageArgs{ImageType: "Custom"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d custom images:\n", len(images.Images))
	for _, im := range images.Images {
		fmt.Fprintf(out, "  %s  %s  %s\n", im.Id, im.Name, im.Status)
	}
	if len(args) < 2 {
		return nil
	}
	imageID := args[0]
	for _, account := range args[1:] {
		if err := client.ShareImage(imageID, &api.SharedUser{AccountId: account}); err != nil {
			return err
		}
	}
	users, err := client.GetImageSharedUser(imageID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s is shared with %d accounts:\n", imageID, len(users.Users))
	for _, u := range users.Users {
		fmt.Fprintf(out, "  %s %s\n", u.AccountId, u.Account)
	}
	return nil
}
