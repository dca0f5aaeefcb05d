package exttest

import (
	"errors"
	"testing"

	"github.com/ucloud/ucloud-sdk-go/services/ucompshare"
	ucloudsdk "github.com/ucloud/ucloud-sdk-go/ucloud"
	"github.com/ucloud/ucloud-sdk-go/ucloud/auth"
	uerr "github.com/ucloud/ucloud-sdk-go/ucloud/error"
	ucloudlog "github.com/ucloud/ucloud-sdk-go/ucloud/log"

	"github.com/imageshare/imageshare/imagesharetest"
)

// A user's test: a server per test, the demo data's alice through the
// official UCloud SDK, a fault seen as the SDK's RetCodeError, and Reset.
func TestFromAnotherModule(t *testing.T) {
	srv := imagesharetest.Start(t, imagesharetest.Options{Demo: true})
	alice := srv.Credential("alice@example.com")
	cfg := ucloudsdk.NewConfig()
	cfg.BaseUrl, cfg.Region = srv.URL, "cn-wlcb"
	cfg.LogLevel = ucloudlog.FatalLevel
	cred := auth.NewCredential()
	cred.PublicKey, cred.PrivateKey = alice.PublicKey, alice.PrivateKey
	client := ucompshare.NewClient(&cfg, &cred)

	resp, err := client.DescribeCompShareCustomImages(client.NewDescribeCompShareCustomImagesRequest())
	if err != nil || resp.TotalCount != 2 {
		t.Fatalf("DescribeCompShareCustomImages: %v, %+v", err, resp)
	}
	if err := srv.Fault(imagesharetest.Fault{Dialect: "ucloud", Action: "*", Code: "8200"}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DescribeCompShareCustomImages(client.NewDescribeCompShareCustomImagesRequest())
	var ue uerr.Error
	if !errors.As(err, &ue) || ue.Code() != 8200 {
		t.Fatalf("with a fault: %v, want RetCode 8200", err)
	}
	if err := srv.Reset(false); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DescribeCompShareCustomImages(client.NewDescribeCompShareCustomImagesRequest()); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
	t.Log("exttest: served from another module")
}
