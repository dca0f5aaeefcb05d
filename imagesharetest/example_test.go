package imagesharetest_test

import (
	"errors"
	"fmt"
	"log"

	ecs "github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/baidubce/bce-sdk-go/services/bcc"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"
	"github.com/ucloud/ucloud-sdk-go/services/ucompshare"
	ucloudsdk "github.com/ucloud/ucloud-sdk-go/ucloud"
	"github.com/ucloud/ucloud-sdk-go/ucloud/auth"
	uerr "github.com/ucloud/ucloud-sdk-go/ucloud/error"
	ucloudlog "github.com/ucloud/ucloud-sdk-go/ucloud/log"

	"github.com/imageshare/imageshare/imagesharetest"
)

// The official UCloud SDK (services/ucompshare) with only its BaseUrl
// changed lists alice's custom images of the demo data.
func Example_ucloud() {
	srv, err := imagesharetest.New(imagesharetest.Options{Demo: true})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()
	alice := srv.Credential("alice@example.com")

	cfg := ucloudsdk.NewConfig()
	cfg.BaseUrl, cfg.Region = srv.URL, "cn-wlcb"
	cfg.LogLevel = ucloudlog.FatalLevel
	cred := auth.NewCredential()
	cred.PublicKey, cred.PrivateKey = alice.PublicKey, alice.PrivateKey
	client := ucompshare.NewClient(&cfg, &cred)

	resp, err := client.DescribeCompShareCustomImages(client.NewDescribeCompShareCustomImagesRequest())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.TotalCount)
	// Output: 2
}

// A fault rule makes the next call of DescribeCompShareCustomImages fail
// with RetCode 172, which the UCloud SDK returns as a RetCodeError; the
// call after it succeeds.
func Example_ucloudFault() {
	srv, err := imagesharetest.New(imagesharetest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()
	err = srv.Fault(imagesharetest.Fault{Dialect: "ucloud", Action: "DescribeCompShareCustomImages", Code: "172", Count: 1})
	if err != nil {
		log.Fatal(err)
	}
	alice := srv.Credential("alice@example.com")
	cfg := ucloudsdk.NewConfig()
	cfg.BaseUrl, cfg.Region = srv.URL, "cn-wlcb"
	cfg.LogLevel = ucloudlog.FatalLevel
	cred := auth.NewCredential()
	cred.PublicKey, cred.PrivateKey = alice.PublicKey, alice.PrivateKey
	client := ucompshare.NewClient(&cfg, &cred)

	_, err = client.DescribeCompShareCustomImages(client.NewDescribeCompShareCustomImagesRequest())
	var uerror uerr.Error
	if errors.As(err, &uerror) {
		fmt.Println("first call: RetCode", uerror.Code())
	}
	_, err = client.DescribeCompShareCustomImages(client.NewDescribeCompShareCustomImagesRequest())
	fmt.Println("second call:", err)
	// Output:
	// first call: RetCode 172
	// second call: <nil>
}

// The classic Alibaba Cloud SDK's ECS client with only its Domain changed
// lists alice's own images in cn-hangzhou.
func Example_aliyun() {
	srv, err := imagesharetest.New(imagesharetest.Options{Demo: true})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()
	alice := srv.Credential("alice@example.com")

	client, err := ecs.NewClientWithAccessKey("cn-hangzhou", alice.PublicKey, alice.PrivateKey)
	if err != nil {
		log.Fatal(err)
	}
	client.Domain = srv.Host()
	req := ecs.CreateDescribeImagesRequest()
	req.ImageOwnerAlias = "self"
	resp, err := client.DescribeImages(req)
	if err != nil {
		log.Fatal(err)
	}
	for _, im := range resp.Images.Image {
		fmt.Println(im.ImageId, im.ImageName)
	}
	// Output: m-demoalicehz01 alice-web-base
}

// bce-sdk-go's BCC client with the server's URL as its endpoint lists
// alice's custom images in bj.
func Example_baidu() {
	srv, err := imagesharetest.New(imagesharetest.Options{Demo: true})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()
	alice := srv.Credential("alice@example.com")

	client, err := bcc.NewClient(alice.PublicKey, alice.PrivateKey, srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.ListImage(&api.ListImageArgs{ImageType: "Custom"})
	if err != nil {
		log.Fatal(err)
	}
	for _, im := range resp.Images {
		fmt.Println(im.Id, im.Name)
	}
	// Output: m-demoalicebj01 alice-bj-base
}
