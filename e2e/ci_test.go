package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	ecs "github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"
	"github.com/ucloud/ucloud-sdk-go/services/ucompshare"
	ucloudsdk "github.com/ucloud/ucloud-sdk-go/ucloud"
	uerr "github.com/ucloud/ucloud-sdk-go/ucloud/error"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// The CI conveniences of the admin API (docs/deploy.md "CI
// conveniences"): fault injection seen by each vendor's official SDK,
// reset, snapshots and restore, records made over HTTP, and the admin
// listener apart from the tenants' port. They run on SQLite and, with
// IMAGESHARE_TEST_DB=postgres, on PostgreSQL.

const ciToken = "ci-admin-token"

// ciServer is a server with the demo data and the admin API on.
func ciServer(t *testing.T, opts ...func(*app.Config)) *apptest.Server {
	t.Helper()
	return apptest.Start(t, append([]func(*app.Config){func(c *app.Config) {
		c.Demo, c.AdminToken = true, ciToken
	}}, opts...)...)
}

// adminCall sends an admin request with the token and returns the status
// and body; a non-nil body is sent as JSON, a string as it is.
func adminCall(t *testing.T, base, method, path string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ciToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func ciOK(t *testing.T, base, method, path string, body any, want int) string {
	t.Helper()
	code, out := adminCall(t, base, method, path, body)
	if code != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, code, want, out)
	}
	return out
}

// demoKey is alice's key of the demo data.
var demoKey = &imageshare.AccessKey{AccountID: 10001, PublicKey: "demo-alice-public", PrivateKey: "demo-alice-private"}

// A fault rule on one action of each dialect makes that dialect's
// official SDK see the chosen vendor error (UCloud SDK: a RetCodeError
// with the code; classic Alibaba SDK: a ServerError with the code and the
// status the dialect's table gives it; bce-sdk-go: a BceServiceError); it
// is counted in imageshare_faults_injected_total by dialect and action,
// touches no other action, and a reset removes it.
func TestCI_FaultPerDialectSDKClearedByReset(t *testing.T) {
	srv := ciServer(t)
	uc := newUCSDK(srv.URL, &imageshare.Account{ID: demoKey.AccountID}, demoKey, false)
	ali := aliyunClient(t, srv, demoKey)
	bd := baiduClient(t, srv, demoKey)

	ucList := func() error {
		_, err := uc.DescribeCompShareCustomImages(uc.NewDescribeCompShareCustomImagesRequest())
		return err
	}
	aliList := func() error {
		req := ecs.CreateDescribeImagesRequest()
		req.ImageOwnerAlias = "self"
		_, err := ali.DescribeImages(req)
		return err
	}
	bdList := func() error {
		_, err := bd.ListImage(&api.ListImageArgs{ImageType: "Custom"})
		return err
	}
	for name, call := range map[string]func() error{"ucloud": ucList, "aliyun": aliList, "baidu": bdList} {
		if err := call(); err != nil {
			t.Fatalf("%s before any fault: %v", name, err)
		}
	}

	ciOK(t, srv.URL, "POST", "/admin/faults", map[string]any{"dialect": "ucloud", "action": "DescribeCompShareCustomImages", "code": "150"}, 201)
	ciOK(t, srv.URL, "POST", "/admin/faults", map[string]any{"dialect": "aliyun", "action": "DescribeImages", "code": "Throttling"}, 201)
	ciOK(t, srv.URL, "POST", "/admin/faults", map[string]any{"dialect": "baidu", "action": "ListImage", "code": "AccessDenied", "message": "chaos"}, 201)

	err := ucList()
	var se uerr.Error
	if !errors.As(err, &se) || se.Name() != uerr.ErrRetCode || se.Code() != 150 {
		t.Fatalf("UCloud SDK with a fault: %v, want a RetCodeError 150", err)
	}
	wantAliyunError(t, aliList(), "Throttling", http.StatusBadRequest)
	err = bdList()
	wantBceError(t, err, "AccessDenied", http.StatusForbidden)
	if !strings.Contains(err.Error(), "chaos") {
		t.Fatalf("Baidu fault message: %v, want the rule's", err)
	}
	// Another action of the same dialect is untouched.
	if _, err := uc.DescribeCompShareImageShareAccounts(withImage(uc, "compshareImage-alice-comfy")); err != nil {
		t.Fatalf("another UCloud action: %v", err)
	}
	for _, m := range [][2]string{{"ucloud", "DescribeCompShareCustomImages"}, {"aliyun", "DescribeImages"}, {"baidu", "ListImage"}} {
		if n := metricSum(t, srv.URL, "imageshare_faults_injected_total", `dialect="`+m[0]+`"`, `action="`+m[1]+`"`, `kind="error"`); n < 1 {
			t.Fatalf("imageshare_faults_injected_total for %v = %d, want at least 1", m, n)
		}
	}
	if out := ciOK(t, srv.URL, "GET", "/admin/faults", nil, 200); strings.Count(out, `"id"`) != 3 {
		t.Fatalf("GET /admin/faults: %s, want three rules", out)
	}

	ciOK(t, srv.URL, "POST", "/admin/reset", nil, 200)
	if out := ciOK(t, srv.URL, "GET", "/admin/faults", nil, 200); out != `{"faults":[]}`+"\n" {
		t.Fatalf("faults after reset: %s", out)
	}
	for name, call := range map[string]func() error{"ucloud": ucList, "aliyun": aliList, "baidu": bdList} {
		if err := call(); err != nil {
			t.Fatalf("%s after reset: %v", name, err)
		}
	}
}

// A rule with a count fails only that many calls: bce-sdk-go retries a
// 500 InternalError with its backoff and succeeds, which is what a user
// tests their retries with. A delay rule makes a call wait at least its
// delay (a lower bound: nothing here depends on the machine's speed).
func TestCI_FaultCountRetriedAndDelay(t *testing.T) {
	srv := ciServer(t)
	bd := baiduClient(t, srv, demoKey)
	ciOK(t, srv.URL, "POST", "/admin/faults", map[string]any{"dialect": "baidu", "action": "ListImage", "code": "InternalError", "count": 1}, 201)
	if _, err := bd.ListImage(&api.ListImageArgs{ImageType: "Custom"}); err != nil {
		t.Fatalf("bce-sdk-go did not get past one InternalError: %v", err)
	}
	if n := metricSum(t, srv.URL, "imageshare_requests_total", `dialect="baidu"`, `action="ListImage"`, `code="InternalError"`); n != 1 {
		t.Fatalf("InternalError answers = %d, want 1 (the retried one)", n)
	}
	if n := metricSum(t, srv.URL, "imageshare_faults_injected_total", `dialect="baidu"`, `kind="error"`); n != 1 {
		t.Fatalf("faults injected = %d, want 1", n)
	}
	if out := ciOK(t, srv.URL, "GET", "/admin/faults", nil, 200); out != `{"faults":[]}`+"\n" {
		t.Fatalf("a used-up rule is still listed: %s", out)
	}

	const delay = 300 * time.Millisecond
	ciOK(t, srv.URL, "POST", "/admin/faults", map[string]any{"dialect": "*", "action": "DescribeImages", "delay": delay.String(), "count": 1}, 201)
	ali := aliyunClient(t, srv, demoKey)
	start := time.Now()
	if _, err := ali.DescribeImages(ecs.CreateDescribeImagesRequest()); err != nil {
		t.Fatalf("delayed call: %v", err)
	}
	if took := time.Since(start); took < delay {
		t.Fatalf("delayed call took %v, want at least %v", took, delay)
	}
	if n := metricSum(t, srv.URL, "imageshare_faults_injected_total", `dialect="aliyun"`, `kind="delay"`); n != 1 {
		t.Fatalf("delays injected = %d, want 1", n)
	}

	// Rules that could never match, or mean nothing, are refused.
	for _, bad := range []map[string]any{
		{"dialect": "gcp", "action": "*", "code": "X"},
		{"dialect": "ucloud", "action": "DescribeImages", "code": "150"}, // Alibaba's name
		{"dialect": "aliyun", "action": "DescribeImages"},                // neither code nor delay
		{"dialect": "aliyun", "action": "DescribeImages", "code": "X", "probability": 2},
		{"dialect": "aliyun", "action": "DescribeImages", "delay": "soon"},
	} {
		if code, out := adminCall(t, srv.URL, "POST", "/admin/faults", bad); code != http.StatusBadRequest {
			t.Fatalf("POST /admin/faults %v = %d %s, want 400", bad, code, out)
		}
	}
}

// Records made over HTTP (an account with a fresh key, a seed document
// with a sub-user, an image and a share) are served at once; a snapshot
// taken then and restored later brings them back exactly, and a reset
// returns to the demo data (or to nothing).
func TestCI_RecordsSnapshotRestoreReset(t *testing.T) {
	srv := ciServer(t)
	var created struct {
		Account struct{ ID int64 }
		Key     struct {
			PublicKey  string `json:"public_key"`
			PrivateKey string `json:"private_key"`
		}
	}
	out := ciOK(t, srv.URL, "POST", "/admin/accounts", map[string]any{"name": "ci-user@example.com"}, 201)
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.Account.ID == 0 || created.Key.PublicKey == "" {
		t.Fatalf("POST /admin/accounts: %s (%v)", out, err)
	}
	newKey := &imageshare.AccessKey{AccountID: created.Account.ID, PublicKey: created.Key.PublicKey, PrivateKey: created.Key.PrivateKey}
	seedDoc := `
images:
  - {id: m-ciimage0001, region: cn-hangzhou, owner: ` + itoa(created.Account.ID) + `, type: Custom, name: ci-image}
shares:
  - {image: m-ciimage0001, account: 10001}
users:
  - {account: ` + itoa(created.Account.ID) + `, name: robot, keys: [{public_key: ci-robot-public, private_key: ci-robot-private}]}
`
	ciOK(t, srv.URL, "POST", "/admin/seed", seedDoc, 200)
	// A second key for the account, over HTTP too.
	ciOK(t, srv.URL, "POST", "/admin/accounts/"+itoa(created.Account.ID)+"/keys", nil, 201)

	sharedWithAlice := func() bool {
		req := ecs.CreateDescribeImagesRequest()
		req.ImageOwnerAlias = "others"
		resp, err := aliyunClient(t, srv, demoKey).DescribeImages(req)
		if err != nil {
			t.Fatalf("alice lists images shared with her: %v", err)
		}
		for _, im := range resp.Images.Image {
			if im.ImageId == "m-ciimage0001" {
				return true
			}
		}
		return false
	}
	newUserWorks := func() error {
		_, err := aliyunClient(t, srv, newKey).DescribeImages(ecs.CreateDescribeImagesRequest())
		return err
	}
	if !sharedWithAlice() || newUserWorks() != nil {
		t.Fatalf("records made over HTTP are not served: shared %v, new key %v", sharedWithAlice(), newUserWorks())
	}

	ciOK(t, srv.URL, "PUT", "/admin/snapshots/with-ci-records", nil, 200)
	ciOK(t, srv.URL, "POST", "/admin/reset", nil, 200)
	if sharedWithAlice() {
		t.Fatal("after reset, the share made over HTTP is still there")
	}
	wantAliyunError(t, newUserWorks(), "InvalidAccessKeyId.NotFound", http.StatusNotFound)
	if err := (func() error {
		req := ecs.CreateDescribeImagesRequest()
		req.ImageOwnerAlias = "self"
		_, err := aliyunClient(t, srv, demoKey).DescribeImages(req)
		return err
	})(); err != nil {
		t.Fatalf("the demo data after reset: %v", err)
	}

	ciOK(t, srv.URL, "POST", "/admin/snapshots/with-ci-records/restore", nil, 200)
	if !sharedWithAlice() || newUserWorks() != nil {
		t.Fatalf("after restore: shared %v, new key %v", sharedWithAlice(), newUserWorks())
	}
	if out := ciOK(t, srv.URL, "GET", "/admin/snapshots", nil, 200); !strings.Contains(out, `"name":"with-ci-records"`) {
		t.Fatalf("GET /admin/snapshots: %s", out)
	}

	ciOK(t, srv.URL, "POST", "/admin/reset", map[string]any{"empty": true}, 200)
	wantAliyunError(t, (func() error {
		_, err := aliyunClient(t, srv, demoKey).DescribeImages(ecs.CreateDescribeImagesRequest())
		return err
	})(), "InvalidAccessKeyId.NotFound", http.StatusNotFound)
	// The empty store still serves the default regions.
	if code, body := httpGet(t, srv.URL+"/info"); code != 200 || !strings.Contains(body, `"cn-hangzhou"`) {
		t.Fatalf("/info after an empty reset: %d %s", code, body)
	}

	ciOK(t, srv.URL, "DELETE", "/admin/snapshots/with-ci-records", nil, 204)
	ciOK(t, srv.URL, "POST", "/admin/snapshots/with-ci-records/restore", nil, 404)
	ciOK(t, srv.URL, "PUT", "/admin/snapshots/bad%20name", nil, 400)
}

// With an admin listener, /metrics and /admin/ are served there only:
// the tenants' port answers 404 for them (not a dialect's error) and
// still serves every dialect and /healthz; the admin listener keeps its
// bearer token and serves nothing else, also after a reset.
func TestCI_AdminListenerSplit(t *testing.T) {
	srv := ciServer(t, func(c *app.Config) { c.AdminListen = "127.0.0.1:0" })
	adminURL := srv.Main.AdminURL()
	if adminURL == "" || adminURL == srv.URL {
		t.Fatalf("admin URL %q beside %q", adminURL, srv.URL)
	}
	for _, p := range []string{"/metrics", "/admin/faults", "/admin/reviews"} {
		if code, body := adminCall(t, srv.URL, "GET", p, nil); code != http.StatusNotFound {
			t.Fatalf("tenants' port GET %s = %d %s, want 404", p, code, body)
		}
	}
	if code, _ := adminCall(t, srv.URL, "POST", "/admin/reset", nil); code != http.StatusNotFound {
		t.Fatalf("tenants' port POST /admin/reset = %d, want 404", code)
	}
	if code, _ := httpGet(t, srv.URL+"/healthz"); code != 200 {
		t.Fatalf("tenants' /healthz = %d", code)
	}
	req := ecs.CreateDescribeImagesRequest()
	if _, err := aliyunClient(t, srv, demoKey).DescribeImages(req); err != nil {
		t.Fatalf("a tenant's call: %v", err)
	}

	if n := metricSum(t, adminURL, "imageshare_requests_total", `dialect="aliyun"`, `action="DescribeImages"`); n != 1 {
		t.Fatalf("admin listener's /metrics counts %d DescribeImages, want 1", n)
	}
	ciOK(t, adminURL, "GET", "/admin/faults", nil, 200)
	if code, _ := httpGet(t, adminURL+"/admin/faults"); code != http.StatusUnauthorized {
		t.Fatalf("admin listener without the token = %d, want 401", code)
	}
	if code, _ := adminCall(t, adminURL, "POST", "/", "Action=DescribeImages"); code != http.StatusNotFound {
		t.Fatalf("admin listener serves a dialect: %d", code)
	}
	ciOK(t, adminURL, "POST", "/admin/reset", nil, 200)
	ciOK(t, adminURL, "GET", "/admin/faults", nil, 200)
	if code, _ := httpGet(t, adminURL+"/metrics"); code != 200 {
		t.Fatalf("admin /metrics after reset = %d", code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// withImage is a DescribeCompShareImageShareAccounts request for image id.
func withImage(s *ucSDK, id string) *ucompshare.DescribeCompShareImageShareAccountsRequest {
	req := s.NewDescribeCompShareImageShareAccountsRequest()
	req.CompShareImageId = ucloudsdk.String(id)
	return req
}
