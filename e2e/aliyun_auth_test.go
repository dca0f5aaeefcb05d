package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// rfc3986 percent-encodes s the way Alibaba's signature wants, written
// independently of the dialect's encoder so the two check each other.
func rfc3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// signAliyun adds the common parameters to p and signs it for method.
func signAliyun(method string, p map[string]string, keyID, secret string) {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	defaults := map[string]string{
		"AccessKeyId": keyID, "Format": "JSON", "Version": "2014-05-26", "RegionId": aliyunRegion,
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureType": "",
		"SignatureNonce": hex.EncodeToString(nonce), "Timestamp": time.Now().UTC().Format("2006-01-02T15:04:05Z"),
	}
	for k, v := range defaults {
		if _, ok := p[k]; !ok {
			p[k] = v
		}
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, rfc3986(k)+"="+rfc3986(p[k]))
	}
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(method + "&" + rfc3986("/") + "&" + rfc3986(strings.Join(pairs, "&"))))
	p["Signature"] = base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func encodeValues(p map[string]string) string {
	v := url.Values{}
	for k, s := range p {
		v.Set(k, s)
	}
	return v.Encode()
}

type rawResponse struct {
	status int
	body   string
	fields map[string]any
}

// sendRaw sends query (and form, as a body, when non-nil) to the server.
func sendRaw(t *testing.T, baseURL, method string, query, form map[string]string) rawResponse {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(encodeValues(form))
	}
	req, err := http.NewRequest(method, baseURL+"/?"+encodeValues(query), body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return doRaw(t, req)
}

func doRaw(t *testing.T, req *http.Request) rawResponse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	out := rawResponse{status: resp.StatusCode, body: string(data)}
	_ = json.Unmarshal(data, &out.fields)
	return out
}

// wantRawError checks a raw error response: the status, the code, and
// the envelope the SDK reads without checking types.
func wantRawError(t *testing.T, r rawResponse, code string, status int) {
	t.Helper()
	if r.status != status || r.fields["Code"] != code {
		t.Fatalf("got %d %s, want %s (%d)", r.status, r.body, code, status)
	}
	for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
		if _, ok := r.fields[k].(string); !ok {
			t.Errorf("error field %s is not a string: %s", k, r.body)
		}
	}
}

func TestAliyun_Authentication(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	im := customImage(t, srv, owner, aliyunRegion)

	t.Run("wrong secret", func(t *testing.T) {
		c := aliyunClientIn(t, srv, aliyunRegion, key.PublicKey, key.PrivateKey+"x")
		_, err := describeShares(c, im.ID, 0, 0)
		se := wantAliyunError(t, err, "SignatureDoesNotMatch", 400)
		// The SDK compares our string to sign with its own: equal strings
		// mean only the secret differs.
		if se.Recommend() != "InvalidAccessKeySecret: Please check you AccessKeySecret" {
			t.Errorf("Recommend %q: the server's string to sign differs from the SDK's", se.Recommend())
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		_, err := describeShares(aliyunClientIn(t, srv, aliyunRegion, "AKNOSUCHKEY", "secret"), im.ID, 0, 0)
		wantAliyunError(t, err, "InvalidAccessKeyId.NotFound", 404)
	})
	t.Run("disabled key", func(t *testing.T) {
		_, k2, err := func() (*imageshare.Account, *imageshare.AccessKey, error) {
			k, err := srv.Svc.CreateKey(context.Background(), owner.ID)
			return owner, k, err
		}()
		if err != nil {
			t.Fatal(err)
		}
		c := aliyunClient(t, srv, k2)
		_, err = describeShares(c, im.ID, 0, 0)
		mustOK(t, err)
		if err := srv.Svc.SetKeyEnabled(context.Background(), k2.PublicKey, false); err != nil {
			t.Fatal(err)
		}
		_, err = describeShares(c, im.ID, 0, 0)
		wantAliyunError(t, err, "InvalidAccessKeyId.Inactive", 400)
	})
	t.Run("action and version", func(t *testing.T) {
		c := aliyunClient(t, srv, key)
		common := func(version, action string) error {
			req := requests.NewCommonRequest()
			req.Domain = c.Domain
			req.Version, req.ApiName = version, action
			req.QueryParams["ImageId"] = im.ID
			_, err := c.ProcessCommonRequest(req)
			return err
		}
		mustOK(t, common("2014-05-26", "DescribeImageSharePermission"))
		wantAliyunError(t, common("2014-05-26", "DescribeDisks"), "InvalidAction.NotFound", 404)
		wantAliyunError(t, common("2016-01-01", "DescribeImageSharePermission"), "InvalidVersion", 400)
		wantAliyunError(t, common("", "DescribeImageSharePermission"), "MissingParameter", 400)
	})
	t.Run("GET", func(t *testing.T) {
		req := ecs.CreateDescribeImageSharePermissionRequest()
		req.Method = requests.GET
		req.ImageId = im.ID
		resp, err := aliyunClient(t, srv, key).DescribeImageSharePermission(req)
		mustOK(t, err)
		if resp.ImageId != im.ID {
			t.Fatalf("GET: %+v", resp)
		}
	})
	t.Run("form body", func(t *testing.T) {
		// Parameters in the body and the query are merged and signed together.
		c := aliyunClient(t, srv, key)
		req := ecs.CreateDescribeImageSharePermissionRequest()
		req.FormParams["ImageId"] = im.ID
		req.FormParams["PageSize"] = "7"
		resp, err := c.DescribeImageSharePermission(req)
		mustOK(t, err)
		if resp.ImageId != im.ID || resp.PageSize != 7 {
			t.Fatalf("form parameters: %+v", resp)
		}
		// Raw, with every parameter in the body.
		form := map[string]string{"Action": "DescribeImageSharePermission", "ImageId": im.ID}
		signAliyun("POST", form, key.PublicKey, key.PrivateKey)
		r := sendRaw(t, srv.URL, "POST", nil, form)
		if r.status != 200 || r.fields["ImageId"] != im.ID {
			t.Fatalf("all-form request: %d %s", r.status, r.body)
		}
		// A name in both places is refused, whichever value was signed.
		q := map[string]string{"Action": "DescribeImageSharePermission", "ImageId": im.ID}
		signAliyun("POST", q, key.PublicKey, key.PrivateKey)
		wantRawError(t, sendRaw(t, srv.URL, "POST", q, map[string]string{"ImageId": "m-other"}), "InvalidParameter", 400)
	})
	t.Run("raw errors", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			set    map[string]string
			code   string
			status int
		}{
			{"stale", map[string]string{"Timestamp": time.Now().UTC().Add(-16 * time.Minute).Format(time.RFC3339)}, "InvalidTimeStamp.Expired", 400},
			{"future", map[string]string{"Timestamp": time.Now().UTC().Add(16 * time.Minute).Format(time.RFC3339)}, "InvalidTimeStamp.Expired", 400},
			{"malformed time", map[string]string{"Timestamp": "May 1st"}, "InvalidTimeStamp.Format", 400},
			{"sha256", map[string]string{"SignatureMethod": "HMAC-SHA256"}, "InvalidParameter", 400},
			{"format", map[string]string{"Format": "YAML"}, "InvalidParameter", 400},
			{"no ImageId", map[string]string{"ImageId": ""}, "MissingParameter", 400},
		} {
			p := map[string]string{"Action": "DescribeImageSharePermission", "ImageId": im.ID}
			for k, v := range tc.set {
				p[k] = v
			}
			signAliyun("POST", p, key.PublicKey, key.PrivateKey)
			r := sendRaw(t, srv.URL, "POST", p, nil)
			t.Run(tc.name, func(t *testing.T) { wantRawError(t, r, tc.code, tc.status) })
		}
		p := map[string]string{"Action": "DescribeImageSharePermission", "ImageId": im.ID}
		signAliyun("POST", p, key.PublicKey, key.PrivateKey)
		delete(p, "Signature")
		wantRawError(t, sendRaw(t, srv.URL, "POST", p, nil), "MissingParameter", 400)

		// Errors come in the format asked for.
		p = map[string]string{"Action": "DescribeImageSharePermission", "ImageId": "m-missing", "Format": "XML"}
		signAliyun("POST", p, key.PublicKey, key.PrivateKey)
		r := sendRaw(t, srv.URL, "POST", p, nil)
		if r.status != 404 || !strings.Contains(r.body, "<Error>") || !strings.Contains(r.body, "<Code>InvalidImageId.NotFound</Code>") {
			t.Errorf("XML error: %d %s", r.status, r.body)
		}

		req, _ := http.NewRequest("PUT", srv.URL+"/?AccessKeyId="+key.PublicKey, nil)
		wantRawError(t, doRaw(t, req), "UnsupportedHTTPMethod", 405)

		big := "AccessKeyId=" + key.PublicKey + "&Pad=" + strings.Repeat("x", 1<<20)
		req, _ = http.NewRequest("POST", srv.URL+"/?AccessKeyId="+key.PublicKey, strings.NewReader(big))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantRawError(t, doRaw(t, req), "RequestTooLarge", 413)
	})
}

// A stale timestamp, seen from the server's side: its clock is moved, the
// SDK signs with the real time.
func TestAliyun_TimestampWindow(t *testing.T) {
	for _, tc := range []struct {
		skew time.Duration
		ok   bool
	}{
		{20 * time.Minute, false}, {-20 * time.Minute, false}, {10 * time.Minute, true}, {-10 * time.Minute, true},
	} {
		srv := apptest.Start(t, func(c *app.Config) { c.Now = func() time.Time { return time.Now().Add(tc.skew) } })
		owner, key := srv.Account(t, "")
		im := customImage(t, srv, owner, aliyunRegion)
		_, err := describeShares(aliyunClient(t, srv, key), im.ID, 0, 0)
		if tc.ok {
			mustOK(t, err)
		} else {
			wantAliyunError(t, err, "InvalidTimeStamp.Expired", 400)
		}
	}
}

// replayTransport sends each request it is given twice and hands the SDK
// the second answer; it records the first.
type replayTransport struct {
	mu     sync.Mutex
	first  []int
	urls   []string
	replay bool
}

func (rt *replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	rt.mu.Lock()
	rt.urls = append(rt.urls, req.URL.String())
	replay := rt.replay
	rt.mu.Unlock()
	if replay {
		first := req.Clone(req.Context())
		first.Body = io.NopCloser(bytes.NewReader(body))
		resp, err := http.DefaultTransport.RoundTrip(first)
		if err != nil {
			return nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		rt.mu.Lock()
		rt.first = append(rt.first, resp.StatusCode)
		rt.mu.Unlock()
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(req)
}

func TestAliyun_Replay(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	b, _ := srv.Account(t, "")
	im := customImage(t, srv, owner, aliyunRegion)

	t.Run("SDK request sent twice", func(t *testing.T) {
		c := aliyunClient(t, srv, key)
		rt := &replayTransport{replay: true}
		c.SetTransport(rt)
		err := modifyShares(c, im.ID, []string{idString(b.ID)}, nil)
		wantAliyunError(t, err, "SignatureNonceUsed", 400)
		if len(rt.first) != 1 || rt.first[0] != 200 {
			t.Fatalf("the first copy got %v, want 200", rt.first)
		}
		if got := sharedWith(t, srv, owner, im.ID); !slices.Equal(got, []int64{b.ID}) {
			t.Fatalf("shares after a replay: %v", got)
		}
	})

	t.Run("same signed URL with a raw client", func(t *testing.T) {
		c := aliyunClient(t, srv, key)
		rt := &replayTransport{}
		c.SetTransport(rt)
		_, err := describeShares(c, im.ID, 0, 0)
		mustOK(t, err)
		req, _ := http.NewRequest("POST", rt.urls[0], nil)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantRawError(t, doRaw(t, req), "SignatureNonceUsed", 400)
	})

	t.Run("replicas on one database", func(t *testing.T) {
		replica := apptest.Start(t, func(c *app.Config) { c.DB = srv.Main.Config.DB })
		c := aliyunClient(t, srv, key)
		rt := &replayTransport{}
		c.SetTransport(rt)
		_, err := describeShares(c, im.ID, 0, 0)
		mustOK(t, err)
		// The replica serves fresh requests with the same keys...
		_, err = describeShares(aliyunClient(t, replica, key), im.ID, 0, 0)
		mustOK(t, err)
		// ...and refuses the request the first server already served.
		replayed := strings.Replace(rt.urls[0], srv.URL, replica.URL, 1)
		req, _ := http.NewRequest("POST", replayed, nil)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantRawError(t, doRaw(t, req), "SignatureNonceUsed", 400)
	})
}

// A share made through one dialect is seen through the other: one store,
// the same image ids.
func TestAliyun_CrossDialect(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	b, bKey := srv.Account(t, "")
	c2, _ := srv.Account(t, "")
	im := customImage(t, srv, owner, aliyunRegion)
	ali := aliyunClient(t, srv, key)
	uc := ucloudclient.New(srv.URL, key.PublicKey, key.PrivateKey, ucloudclient.WithRegion(aliyunRegion))
	ctx := context.Background()

	mustOK(t, modifyShares(ali, im.ID, []string{idString(b.ID)}, nil))
	var accounts ucloudclient.DescribeCompShareImageShareAccountsResponse
	if err := uc.Call(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": im.ID}, &accounts); err != nil {
		t.Fatalf("UCloud describe: %v", err)
	}
	if len(accounts.AccountSet) != 1 || accounts.AccountSet[0].AccountId != idString(b.ID) {
		t.Fatalf("UCloud sees %+v, want account %d shared through Alibaba", accounts.AccountSet, b.ID)
	}

	var modified ucloudclient.ModifyCompShareImageShareAccountResponse
	if err := uc.Call(ctx, "ModifyCompShareImageShareAccount", map[string]any{
		"CompShareImageId": im.ID, "AddAccounts": []int{int(c2.ID)}, "RemoveAccounts": []int{int(b.ID)},
	}, &modified); err != nil {
		t.Fatalf("UCloud modify: %v", err)
	}
	resp, err := describeShares(ali, im.ID, 0, 0)
	mustOK(t, err)
	if resp.TotalCount != 1 || resp.Accounts.Account[0].AliyunId != idString(c2.ID) {
		t.Fatalf("Alibaba sees %+v after the UCloud change, want only %d", resp.Accounts, c2.ID)
	}

	// The account the image was shared with through UCloud lists it as
	// "others" through Alibaba; the one it was unshared from does not.
	mustOK(t, modifyShares(ali, im.ID, []string{idString(b.ID)}, nil))
	others := describeImages(t, aliyunClient(t, srv, bKey), func(r *ecs.DescribeImagesRequest) { r.ImageOwnerAlias = "others" })
	if got := imageIDs(others); !slices.Equal(got, []string{im.ID}) {
		t.Fatalf("shared-with-me through Alibaba: %v", got)
	}
}
