package sqlstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
)

// A driver error that says the store cannot write is KindUnavailable,
// with a message saying so; domain errors pass through, others stay
// internal.
func TestMapWriteError(t *testing.T) {
	full := errors.New("disk full")
	yes := func(err error) bool { return err == full }
	err := MapWriteError("op", full, yes, nil)
	if imageshare.ErrorKind(err) != imageshare.KindUnavailable || !strings.Contains(err.Error(), "cannot write") {
		t.Fatalf("disk full: %v (kind %v)", err, imageshare.ErrorKind(err))
	}
	quota := imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota, "over")
	if got := MapWriteError("op", quota, func(error) bool { return true }, nil); imageshare.ErrorReason(got) != imageshare.ReasonAccountQuota {
		t.Fatalf("domain error became %v", got)
	}
	if got := MapWriteError("op", errors.New("bug"), yes, nil); imageshare.ErrorKind(got) != imageshare.KindInternal {
		t.Fatalf("other error became %v", got)
	}
	if MapWriteError("op", nil, yes, nil) != nil {
		t.Fatal("nil error mapped to non-nil")
	}
}
