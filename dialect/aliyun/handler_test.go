package aliyun

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// panicService panics on every call, to prove the dialect never lets a
// panic reach net/http, which would drop the connection.
type panicService struct{ imageshare.Service }

func (panicService) Authenticate(context.Context, string) (*imageshare.AccessKey, error) {
	panic("store exploded")
}

func TestHandler_RecoversPanics(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := httptest.NewServer(New(panicService{}, Options{Clock: func() time.Time { return now }}))
	defer srv.Close()
	q := url.Values{
		"Action": {"DescribeImages"}, "Version": {apiVersion}, "RegionId": {"cn-hangzhou"}, "Format": {"JSON"},
		"AccessKeyId": {"AK"}, "Signature": {"c2ln"}, "SignatureMethod": {signatureMethod},
		"SignatureVersion": {signatureVersion}, "SignatureNonce": {"n-1"}, "Timestamp": {now.Format(timestampShape)},
	}
	resp, err := http.Get(srv.URL + "/?" + q.Encode())
	if err != nil {
		t.Fatalf("the connection was dropped: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var env errorBody
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if resp.StatusCode != http.StatusInternalServerError || env.Code != "InternalError" || env.RequestID == "" ||
		env.Message != errorTable.Internal.Message {
		t.Errorf("status %d, body %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "exploded") {
		t.Errorf("panic value leaked: %s", body)
	}
}
