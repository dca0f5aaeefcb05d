package ucloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// retCode returns, through errorTable, the RetCode and Message for err, and whether it is an
// internal failure that must be logged (its cause is never sent).
func retCode(err error) (code int, msg string, internal bool) {
	e, internal := errorTable.Map(err)
	code, _ = strconv.Atoi(e.Code)
	return code, e.Message, internal
}

func TestRetCode(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     int
		msg      string
		internal bool
	}{
		{"dialect error", missingParam("Region"), CodeMissingParams, "Missing params [Region]", false},
		{"image not found", imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, `image "x" does not exist`), CodeImageNotFound, `image "x" does not exist`, false},
		{"not shareable", imageshare.Errorf(imageshare.KindForbidden, imageshare.ReasonNotShareable, "m"), CodeImageNotShareable, "m", false},
		{"too many", imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonTooManyAccounts, "m"), CodeTooManyAccounts, "m", false},
		{"none", imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonNoAccounts, "m"), CodeNoAccounts, "m", false},
		{"quota", imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonShareQuota, "m"), CodeShareQuota, "m", false},
		{"unknown key", imageshare.Errorf(imageshare.KindUnauthenticated, imageshare.ReasonKeyNotFound, `access key "k" does not exist`), CodeUserNotExists, "User Not Exists", false},
		{"disabled key", imageshare.Errorf(imageshare.KindUnauthenticated, imageshare.ReasonKeyDisabled, "m"), CodeKeyDisabled, "m", false},
		{"region", imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonRegionNotFound, "m"), CodeRegionNotFound, "Params [Region] not available: m", false},
		{"kind fallback", imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonNone, "m"), CodeConflict, "m", false},
		{"wrapped", fmt.Errorf("ctx: %w", imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "m")), CodeImageNotFound, "m", false},
		{"unavailable", &imageshare.Error{Kind: imageshare.KindUnavailable, Message: "db locked: secret detail"}, CodeServiceUnavailable, "Service unavailable", true},
		{"internal", imageshare.Internal("op", errors.New("disk on fire")), CodeInternal, "internal error", true},
		{"foreign", errors.New("boom"), CodeInternal, "internal error", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg, internal := retCode(tt.err)
			if code != tt.code || msg != tt.msg || internal != tt.internal {
				t.Errorf("retCode = %d %q %v, want %d %q %v", code, msg, internal, tt.code, tt.msg, tt.internal)
			}
		})
	}
}

// Each failure has its own RetCode, and none is one the SDK retries.
func TestRetCodes_DistinctAndNotRetried(t *testing.T) {
	codes := []int{CodeServiceUnavailable, CodeInternal, CodeMissingAction, CodeActionNotFound, CodeMissingSignature,
		CodeSignatureMismatch, CodeUserNotExists, CodeMissingPublicKey, CodeKeyDisabled, CodeBodyTooLarge,
		CodeUnsupportedRequest, CodeMalformedBody, CodeTooManyParams, CodeMissingParams, CodeInvalidParams, CodeRegionNotFound,
		CodeImageNotFound, CodeImageNotShareable, CodeTooManyAccounts, CodeNoAccounts, CodeAddRemoveSame,
		CodeShareQuota, CodeAccountNotFound, CodeShareToOwner, CodeConflict, CodeForbidden, CodeLimitExceeded,
		CodeNotFound, CodeUnauthenticatedMisc}
	seen := map[int]bool{}
	for _, c := range codes {
		if c <= 0 || c >= 2000 || seen[c] {
			t.Errorf("RetCode %d is zero, retried by the SDK or used twice", c)
		}
		seen[c] = true
	}
}

// panicService panics on every call, to prove the dialect never lets a
// panic reach net/http (which would drop the connection).
type panicService struct{ imageshare.Service }

func (panicService) Authenticate(context.Context, string) (*imageshare.AccessKey, error) {
	panic("store exploded")
}

func TestHandler_RecoversPanics(t *testing.T) {
	srv := httptest.NewServer(New(panicService{}, Options{}))
	defer srv.Close()
	c := ucloudclient.New(srv.URL, "PUB", "PRIV", ucloudclient.WithRegion("cn-wlcb"))
	resp, err := c.Do(context.Background(), "DescribeCompShareCustomImages", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.RequestUUID == "" {
		t.Errorf("status %d, request id %q", resp.StatusCode, resp.RequestUUID)
	}
	var env map[string]any
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	if env["RetCode"] != float64(CodeInternal) || env["Message"] != "internal error" {
		t.Errorf("body = %s", resp.Body)
	}
	if strings.Contains(string(resp.Body), "exploded") {
		t.Errorf("panic value leaked: %s", resp.Body)
	}
}

func TestEnvelope(t *testing.T) {
	tests := []struct {
		action string
		code   int
		msg    string
		result string
		want   string
	}{
		{"X", 0, "", `{"A":[]}`, `{"Action":"XResponse","RetCode":0,"A":[]}`},
		{"X", 0, "", `{}`, `{"Action":"XResponse","RetCode":0}`},
		{"", 160, "Missing Action", "", `{"RetCode":160,"Message":"Missing Action"}`},
		{`a"b`, 161, `Action [a"b] not found`, "", `{"Action":"a\"bResponse","RetCode":161,"Message":"Action [a\"b] not found"}`},
	}
	for _, tt := range tests {
		var result []byte
		if tt.result != "" {
			result = []byte(tt.result)
		}
		if got := string(envelope(tt.action, tt.code, tt.msg, result)); got != tt.want {
			t.Errorf("envelope = %s, want %s", got, tt.want)
		}
	}
}
