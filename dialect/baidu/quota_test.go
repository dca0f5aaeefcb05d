package baidu

import (
	"testing"

	"github.com/imageshare/imageshare"
)

// The account quota (issue 17 finding 9; core/quota.go) maps to this
// vendor's own quota error, not to the generic limit error.
func TestErrorTable_AccountQuota(t *testing.T) {
	err := imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota, "an account may have at most 100 custom images")
	e, internal := errorTable.Map(err)
	if internal || e.Code != "Image.ExceedQuota" || e.Status != 413 {
		t.Fatalf("quota error maps to %d %s (internal %v), want 413 Image.ExceedQuota", e.Status, e.Code, internal)
	}
	if want := ""; want != "" && e.Message != want {
		t.Fatalf("message %q, want %q", e.Message, want)
	}
	if e.Message == "" {
		t.Fatal("no message")
	}
}
