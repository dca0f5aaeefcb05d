package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	teaecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
)

// Requests of one cloud's shape must never get another dialect's answer,
// least of all UCloud's HTTP 200, which a client of another cloud reads as
// success (issue: the Tea ECS SDK's V3 ModifyImageSharePermission "succeeded"
// while sharing nothing). Each shape seen in the field is sent to a real
// server; each must reach its own dialect or get the router's plain 4xx.

// teaECSClient is the current Alibaba ECS SDK with its default
// configuration (V3 signatures), pointed at srv: Protocol "http" because
// its calls default to HTTPS, Endpoint host:port because a region alone
// resolves to *.aliyuncs.com.
func teaECSClient(t *testing.T, srv *apptest.Server, key *imageshare.AccessKey) *teaecs.Client {
	t.Helper()
	c, err := teaecs.NewClient(&openapiutil.Config{
		AccessKeyId:     dara.String(key.PublicKey),
		AccessKeySecret: dara.String(key.PrivateKey),
		RegionId:        dara.String(aliyunRegion),
		Endpoint:        dara.String(strings.TrimPrefix(srv.URL, "http://")),
		Protocol:        dara.String("http"),
	})
	if err != nil {
		t.Fatalf("Tea ECS client: %v", err)
	}
	return c
}

// Until the Alibaba dialect verifies V3 signatures, the Tea SDK's calls
// must fail loudly (an Alibaba error, non-2xx) and change nothing.
func TestRouter_ForeignTeaSDKV3NeverSucceedsSilently(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	other, _ := srv.Account(t, "")
	im := customImage(t, srv, owner, aliyunRegion)
	c := teaECSClient(t, srv, key)

	_, err := c.ModifyImageSharePermission(&teaecs.ModifyImageSharePermissionRequest{
		RegionId:   dara.String(aliyunRegion),
		ImageId:    dara.String(im.ID),
		AddAccount: []*string{dara.String(strconv.FormatInt(other.ID, 10))},
	})
	if err == nil {
		// Either the dialect serves V3 now (then the share must exist) or
		// the call must have failed.
		if got := sharedWith(t, srv, owner, im.ID); len(got) != 1 || got[0] != other.ID {
			t.Fatalf("ModifyImageSharePermission succeeded but shares are %v", got)
		}
		return
	}
	status, code := teaErrorStatus(err)
	if status < 400 || status >= 500 || code == "" {
		t.Fatalf("Tea SDK error %v: status %d code %q, want an Alibaba 4xx with a Code", err, status, code)
	}
	if got := sharedWith(t, srv, owner, im.ID); len(got) != 0 {
		t.Fatalf("a refused call shared the image with %v", got)
	}
}

// The same Tea SDK switched to the classic signature (Config
// SignatureAlgorithm "v2": AccessKeyId, Signature and Format=json in the
// query, the x-acs-* headers sent unsigned) reaches the Alibaba dialect and
// works today.
func TestRouter_TeaSDKClassicSignatureReachesAlibaba(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	other, _ := srv.Account(t, "")
	im := customImage(t, srv, owner, aliyunRegion)
	c := teaECSClient(t, srv, key)
	c.SignatureAlgorithm = dara.String("v2")
	if _, err := c.ModifyImageSharePermission(&teaecs.ModifyImageSharePermissionRequest{
		RegionId:   dara.String(aliyunRegion),
		ImageId:    dara.String(im.ID),
		AddAccount: []*string{dara.String(strconv.FormatInt(other.ID, 10))},
	}); err != nil {
		t.Fatalf("ModifyImageSharePermission: %v", err)
	}
	if got := sharedWith(t, srv, owner, im.ID); len(got) != 1 || got[0] != other.ID {
		t.Fatalf("shares %v, want [%d]", got, other.ID)
	}
	r, err := c.DescribeImages(&teaecs.DescribeImagesRequest{RegionId: dara.String(aliyunRegion), ImageId: dara.String(im.ID)})
	if err != nil {
		t.Fatalf("DescribeImages: %v", err)
	}
	if r.Body == nil || r.Body.Images == nil || len(r.Body.Images.Image) != 1 || dara.StringValue(r.Body.Images.Image[0].ImageId) != im.ID ||
		dara.StringValue(r.Body.RequestId) == "" {
		t.Fatalf("DescribeImages: %s", dara.Prettify(r.Body))
	}
}

// teaErrorStatus reads the HTTP status and Code the Tea SDK reports. With
// its default config (DisableSDKError unset) every error reaches the caller
// as a *tea.SDKError: the RequestId survives only inside Message and Data.
func teaErrorStatus(err error) (int, string) {
	var se *tea.SDKError
	if !errors.As(err, &se) {
		return 0, ""
	}
	return tea.IntValue(se.StatusCode), tea.StringValue(se.Code)
}

func TestRouter_ForeignShapes(t *testing.T) {
	srv := apptest.Start(t)
	_, key := srv.Account(t, "")
	const form = "application/x-www-form-urlencoded"
	// An Alibaba V2 request whose credentials are only in a body over the
	// 1 MiB limit: Alibaba refuses it (413), not UCloud (issue 17, finding 8).
	bigAliyun := url.Values{
		"AccessKeyId": {key.PublicKey}, "Action": {"DescribeImages"}, "Format": {"JSON"}, "Version": {"2014-05-26"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureVersion": {"1.0"}, "RegionId": {aliyunRegion},
		"Padding": {strings.Repeat("x", 1<<20)},
	}.Encode()

	tests := []struct {
		name, method, path, contentType, auth, accept, body string
		// want: "aliyun" (Alibaba's JSON/XML error with a Code), "baidu"
		// (BCC's JSON error), "plain" (the router's 4xx), "html" (the page)
		want   string
		status int // exact status when not 0
	}{
		{name: "V3 header to / with a UCloud-looking body", method: "POST", path: "/?Action=ModifyImageSharePermission", contentType: form,
			auth: "ACS3-HMAC-SHA256 Credential=" + key.PublicKey + ",SignedHeaders=host;x-acs-action,Signature=" + strings.Repeat("0", 64),
			body: "Action=ModifyImageSharePermission&ImageId=m-1", want: "aliyun"},
		{name: "bce-auth-v1 on /v1/image", method: "GET", path: "/v1/image?marker=&maxKeys=1000",
			auth: "bce-auth-v1/" + key.PublicKey + "/2026-12-05T10:00:00Z/1800/host/" + strings.Repeat("0", 64), want: "baidu"},
		{name: "bce-auth-v1 on /v3/instance", method: "GET", path: "/v3/instance",
			auth: "bce-auth-v1/" + key.PublicKey + "/2026-12-05T10:00:00Z/1800/host/" + strings.Repeat("0", 64), want: "baidu"},
		{name: "form with no Action", method: "POST", path: "/", contentType: form, body: "PublicKey=" + key.PublicKey + "&Region=cn-wlcb", want: "plain"},
		{name: "JSON with no Action", method: "POST", path: "/", contentType: "application/json", body: `{"PublicKey":"x"}`, want: "plain"},
		{name: "GET with Action", method: "GET", path: "/?Action=DescribeImages&RegionId=cn-hangzhou", want: "plain"},
		{name: "DELETE /", method: "DELETE", path: "/", want: "plain"},
		{name: "browser", method: "GET", path: "/", accept: "text/html,application/xhtml+xml,*/*;q=0.8", want: "html", status: 200},
		{name: "curl /", method: "GET", path: "/", want: "html", status: 200},
		{name: "Alibaba form over 1 MiB", method: "POST", path: "/", contentType: form, body: bigAliyun, want: "aliyun", status: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(context.Background(), tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for h, v := range map[string]string{"Content-Type": tt.contentType, "Authorization": tt.auth, "Accept": tt.accept} {
				if v != "" {
					req.Header.Set(h, v)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			ct := resp.Header.Get("Content-Type")
			if resp.Header.Get("X-Ucloud-Request-Uuid") != "" || strings.Contains(string(body), `"RetCode"`) {
				t.Fatalf("UCloud answered: %d %s", resp.StatusCode, body)
			}
			if tt.status != 0 && resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tt.status, body)
			}
			if tt.want != "html" && (resp.StatusCode < 400 || resp.StatusCode >= 500) {
				t.Fatalf("status %d, want a 4xx: %.300s", resp.StatusCode, body)
			}
			switch tt.want {
			case "aliyun":
				var e struct{ Code, RequestId, HostId string }
				if json.Unmarshal(body, &e) != nil || e.Code == "" || e.RequestId == "" || e.HostId == "" {
					t.Fatalf("not Alibaba's error envelope: %s %.300s", ct, body)
				}
			case "baidu":
				var e struct{ Code, Message, RequestId string }
				if json.Unmarshal(body, &e) != nil || e.Code == "" || e.RequestId == "" {
					t.Fatalf("not BCC's error envelope: %s %.300s", ct, body)
				}
			case "plain":
				if !strings.HasPrefix(ct, "text/plain") || !strings.Contains(string(body), "not a call of any API served here") {
					t.Fatalf("not the router's plain explanation: %s %.300s", ct, body)
				}
			case "html":
				if !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(body), "imageshare") || !strings.Contains(string(body), "docs/") {
					t.Fatalf("not the home page: %s %.300s", ct, body)
				}
			}
		})
	}
}
