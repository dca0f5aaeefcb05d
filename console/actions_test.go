package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
)

// formPost posts form with the CSRF token of pageURL, as the page's form
// would, and returns the redirect and its message (or error).
func formPost(t *testing.T, c *http.Client, pageURL, action string, form url.Values) (*http.Response, string) {
	t.Helper()
	_, page := get(t, c, pageURL)
	form.Set("csrf", csrfOf(t, page))
	resp, _ := post(t, c, action, form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s: %d", action, resp.StatusCode)
	}
	u, _ := url.Parse(loc)
	return resp, u.Query().Get("msg") + u.Query().Get("err")
}

// Delete follows the core's rules: refused while the image is shared or
// public, done once it is neither; make public and private go through
// the share call.
func TestDeletePublicPrivate(t *testing.T) {
	s := startDemo(t)
	ctx := context.Background()
	c := browserless(t)
	signIn(t, c, s.URL, "demo-alice-public", "demo-alice-private")
	img := s.URL + "/console/images/compshareImage-alice-llama"
	region := url.Values{"region": {"cn-wlcb"}}

	_, msg := formPost(t, c, img, img+"/public", url.Values{"region": {"cn-wlcb"}, "public": {"1"}})
	if !strings.Contains(msg, "now public") {
		t.Fatalf("make public: %q", msg)
	}
	if im, _ := s.Svc.FindImage(ctx, "compshareImage-alice-llama"); !im.IsPublic {
		t.Fatal("the image is not public")
	}
	_, msg = formPost(t, c, img, img+"/delete", region)
	if !strings.Contains(msg, "public") && !strings.Contains(msg, "shared") {
		t.Fatalf("delete of a public image: %q, want a refusal", msg)
	}
	_, msg = formPost(t, c, img, img+"/public", url.Values{"region": {"cn-wlcb"}, "public": {"0"}})
	if !strings.Contains(msg, "now private") {
		t.Fatalf("make private: %q", msg)
	}
	// Shared with bob: delete is refused, and the image stays.
	formPost(t, c, img, img+"/shares", url.Values{"region": {"cn-wlcb"}, "add": {"10002"}})
	_, msg = formPost(t, c, img, img+"/delete", region)
	if _, err := s.Svc.FindImage(ctx, "compshareImage-alice-llama"); err != nil {
		t.Fatalf("a shared image was deleted (%q)", msg)
	}
	_, msg = formPost(t, c, img, img+"/shares", url.Values{"region": {"cn-wlcb"}, "remove": {"10002"}})
	if !strings.Contains(msg, "No longer shared with 10002") {
		t.Fatalf("remove: %q", msg)
	}
	resp, _ := formPost(t, c, img, img+"/delete", region)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/console/images?msg=") {
		t.Fatalf("delete of an unshared image: redirected to %q", loc)
	}
	if _, err := s.Svc.FindImage(ctx, "compshareImage-alice-llama"); !imageshare.IsKind(err, imageshare.KindNotFound) {
		t.Fatalf("the image is still there: %v", err)
	}
	// More than ten accounts in one change is the APIs' limit too.
	var many []string
	for i := 0; i < 11; i++ {
		many = append(many, "10002")
	}
	comfy := s.URL + "/console/images/compshareImage-alice-comfy"
	_, msg = formPost(t, c, comfy, comfy+"/shares", url.Values{"region": {"cn-wlcb"}, "add": {strings.Join(many, ",")}})
	if !strings.Contains(msg, "at most 10") {
		t.Fatalf("11 accounts: %q, want the per-call limit", msg)
	}
	_, msg = formPost(t, c, comfy, comfy+"/shares", url.Values{"region": {"cn-wlcb"}, "add": {"bob@example.com"}})
	if !strings.Contains(msg, "account ids are numbers") {
		t.Fatalf("a name for an id: %q", msg)
	}
}

// The operator rejects with a reason its owner sees, and disables a key,
// which ends the key's console session.
func TestOperatorRejectAndDisableKey(t *testing.T) {
	s := startDemo(t)
	ctx := context.Background()
	queue, _, err := s.Svc.ReviewQueue(ctx, imageshare.CommunityFilter{})
	if err != nil || len(queue) == 0 {
		t.Fatalf("the demo has a version in review: %v %d", err, len(queue))
	}
	v := queue[0]
	bob := browserless(t)
	signIn(t, bob, s.URL, "demo-bob-public", "demo-bob-private")

	op := browserless(t)
	_, page := get(t, op, s.URL+"/console/admin/login")
	if resp, _ := post(t, op, s.URL+"/console/admin/login", url.Values{"csrf": {csrfOf(t, page)}, "token": {adminToken}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("operator sign-in: %d", resp.StatusCode)
	}
	reviews := s.URL + "/console/admin/reviews"
	_, msg := formPost(t, op, reviews, reviews+"/"+v.ID, url.Values{"action": {"reject"}, "reason": {"cover is missing"}})
	if !strings.Contains(msg, "Rejected") {
		t.Fatalf("reject: %q", msg)
	}
	got, _ := s.Svc.FindImage(ctx, v.ID)
	if got.Status != imageshare.StatusUnAvailable || got.FailedReason != "cover is missing" {
		t.Fatalf("after reject: %s %q", got.Status, got.FailedReason)
	}
	acct := s.URL + "/console/admin/accounts/10002"
	_, msg = formPost(t, op, acct, s.URL+"/console/admin/keys", url.Values{"key": {"demo-bob-public"}, "enabled": {"0"}})
	if !strings.Contains(msg, "disabled") {
		t.Fatalf("disable: %q", msg)
	}
	if resp, _ := get(t, bob, s.URL+"/console/shared"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob's session after his key was disabled: %d", resp.StatusCode)
	}
	formPost(t, op, acct, s.URL+"/console/admin/keys", url.Values{"key": {"demo-bob-public"}, "enabled": {"1"}})
	if k, _ := s.Svc.FindKey(ctx, "demo-bob-public"); !k.Enabled {
		t.Fatal("enable did not enable the key")
	}
}
