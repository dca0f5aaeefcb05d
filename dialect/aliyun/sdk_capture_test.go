package aliyun

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// The key the captured requests are signed with.
const (
	captureKeyID  = "AKID-CAPTURE"
	captureSecret = "SECRET-CAPTURE"
)

// capturedRequest is one request exactly as the official SDK sent it.
type capturedRequest struct {
	Method      string
	RawQuery    string
	Body        string
	ContentType string
}

// captureSDKRequests drives the official ECS client against a recording
// server, once per action this dialect serves, and returns what it sent.
// The recorder answers every call with an empty success.
func captureSDKRequests(t testing.TB) []capturedRequest {
	t.Helper()
	var (
		mu  sync.Mutex
		got []capturedRequest
	)
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, capturedRequest{r.Method, r.URL.RawQuery, string(body), r.Header.Get("Content-Type")})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"RequestId":"CAPTURED"}`)
	}))
	defer rec.Close()

	c, err := ecs.NewClientWithAccessKey("cn-hangzhou", captureKeyID, captureSecret)
	if err != nil {
		t.Fatalf("new ecs client: %v", err)
	}
	c.Domain = strings.TrimPrefix(rec.URL, "http://")

	share := ecs.CreateDescribeImageSharePermissionRequest()
	share.ImageId = "m-capture"
	share.PageNumber = requests.NewInteger(2)
	share.PageSize = requests.NewInteger(5)
	if _, err := c.DescribeImageSharePermission(share); err != nil {
		t.Fatalf("DescribeImageSharePermission: %v", err)
	}
	modify := ecs.CreateModifyImageSharePermissionRequest()
	modify.ImageId = "m-capture"
	modify.AddAccount = &[]string{"1234567890", "2222"}
	modify.RemoveAccount = &[]string{"3333"}
	modify.IsPublic = requests.NewBoolean(false)
	if _, err := c.ModifyImageSharePermission(modify); err != nil {
		t.Fatalf("ModifyImageSharePermission: %v", err)
	}
	list := ecs.CreateDescribeImagesRequest()
	list.ImageOwnerAlias = "others"
	list.ImageName = "name with space*star~tilde+plus/slash:colon"
	list.Status = "Available,Creating"
	if _, err := c.DescribeImages(list); err != nil {
		t.Fatalf("DescribeImages: %v", err)
	}
	del := ecs.CreateDeleteImageRequest()
	del.ImageId = "m-capture"
	del.Force = requests.NewBoolean(true)
	if _, err := c.DeleteImage(del); err != nil {
		t.Fatalf("DeleteImage: %v", err)
	}
	if len(got) != 4 {
		t.Fatalf("captured %d requests, want 4", len(got))
	}
	return got
}
