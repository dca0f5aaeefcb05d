package sqlstore

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// testDialect binds a list as one parameter, like both stores do.
func testDialect(ph Placeholder) Dialect {
	return Dialect{Placeholder: ph, In: func(args *Args, col string, values []string) string {
		return col + " IN (" + args.Add(values) + ")"
	}}
}

// TestBuildersNumberEveryArgument: with numbered placeholders, the
// builders mark their arguments $1..$n in the order they return them.
func TestBuildersNumberEveryArgument(t *testing.T) {
	f := imageshare.ImageFilter{Scope: imageshare.ScopePlatform, IDs: []string{"a"}, Region: "r",
		Types: []imageshare.ImageType{imageshare.ImageCustom}, Statuses: []imageshare.ImageStatus{imageshare.StatusAvailable},
		NameContains: "50%_x", NameExact: "n", Tag: "t", Author: "au"}
	where, args, err := ImageWhere(testDialect(Dollar), f)
	if err != nil {
		t.Fatal(err)
	}
	wantNumbered(t, where, len(args))
	if got := args[len(args)-4]; got != `%50\%\_x%` {
		t.Errorf("NameContains argument = %v, want the folded, escaped substring pattern", got)
	}
	qWhere, qArgs, err := ImageWhere(testDialect(Question), f)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(qWhere, "?") != len(qArgs) || Rebind(Dollar, qWhere) != where {
		t.Errorf("the ? form %q does not rebind to %q", qWhere, where)
	}

	name, status := "x", imageshare.StatusAvailable
	now := time.Unix(5, 0)
	sets := NewSets(NewArgs(Dollar))
	if err := ImageSets(sets, imageshare.ImageUpdate{Name: &name, Status: &status, BuildDoneAt: &now}); err != nil {
		t.Fatal(err)
	}
	wantNumbered(t, sets.String(), 4)

	reason := "r"
	c := imageshare.StatusChange{ImageID: "i", From: []imageshare.ImageStatus{imageshare.StatusMaking}, To: imageshare.StatusAvailable, FailedReason: &reason}
	q, qa, err := StatusUpdate(Dollar, c, string(imageshare.StatusMaking))
	if err != nil {
		t.Fatal(err)
	}
	wantNumbered(t, q, len(qa))
	if _, _, err := StatusUpdate(Dollar, c, string(imageshare.StatusAvailable)); imageshare.ErrorReason(err) != imageshare.ReasonImageNotAvailable {
		t.Errorf("change from a status not in From: %v, want ReasonImageNotAvailable", err)
	}
}

func TestImageWhereRefusesUnknownScope(t *testing.T) {
	if _, _, err := ImageWhere(testDialect(Question), imageshare.ImageFilter{Scope: 99}); imageshare.ErrorKind(err) != imageshare.KindInvalid {
		t.Fatalf("unknown scope: %v, want KindInvalid", err)
	}
}

// wantNumbered fails unless q marks exactly $1..$n, each once, in order.
func wantNumbered(t *testing.T, q string, n int) {
	t.Helper()
	rest := q
	for i := 1; i <= n; i++ {
		mark := fmt.Sprintf("$%d", i)
		at := strings.Index(rest, mark)
		if at < 0 {
			t.Fatalf("%q: %s missing or out of order", q, mark)
		}
		rest = rest[at+len(mark):]
	}
	if strings.Contains(rest, "$") {
		t.Fatalf("%q: more placeholders than the %d arguments", q, n)
	}
}
