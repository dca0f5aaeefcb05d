package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
)

// A wrong secret is refused and leaves no session: the next page still
// sends the browser to the sign-in form.
func TestWrongSecretRefused(t *testing.T) {
	s := startDemo(t)
	c := browserless(t)
	_, page := get(t, c, s.URL+"/console/login")
	resp, body := post(t, c, s.URL+"/console/login", url.Values{"csrf": {csrfOf(t, page)},
		"public_key": {"demo-alice-public"}, "private_key": {"demo-alice-privatE"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong secret: status %d, want 401", resp.StatusCode)
	}
	contains(t, body, "Sign-in refused")
	for _, ck := range resp.Cookies() {
		if ck.Name == "imageshare_console" && ck.Value != "" {
			t.Fatalf("a refused sign-in set a session cookie")
		}
	}
	resp, _ = get(t, c, s.URL+"/console/images")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
		t.Fatalf("after a refused sign-in /console/images answered %d %s, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	// An unknown key is refused the same way.
	resp, _ = post(t, c, s.URL+"/console/login", url.Values{"csrf": {csrfOf(t, page)},
		"public_key": {"no-such-key"}, "private_key": {"x"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown key: status %d, want 401", resp.StatusCode)
	}
}

// The session cookie is HttpOnly, SameSite=Strict, expires, and does not
// carry the secret.
func TestSessionCookie(t *testing.T) {
	s := startDemo(t)
	c := browserless(t)
	_, page := get(t, c, s.URL+"/console/login")
	resp, _ := post(t, c, s.URL+"/console/login", url.Values{"csrf": {csrfOf(t, page)},
		"public_key": {"demo-alice-public"}, "private_key": {"demo-alice-private"}})
	var found bool
	for _, h := range resp.Header.Values("Set-Cookie") {
		if !strings.HasPrefix(h, "imageshare_console=") {
			continue
		}
		found = true
		for _, want := range []string{"HttpOnly", "SameSite=Strict", "Max-Age=", "Path=/console/"} {
			if !strings.Contains(h, want) {
				t.Errorf("session cookie %q lacks %s", h, want)
			}
		}
		if strings.Contains(h, "demo-alice-private") {
			t.Errorf("session cookie carries the secret: %q", h)
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
	// A tampered cookie is not a session.
	u, _ := url.Parse(s.URL + "/console/")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "imageshare_console" {
			ck.Value, ck.Path = "x"+ck.Value[1:], "/console/"
			c.Jar.SetCookies(u, []*http.Cookie{ck})
		}
	}
	resp, _ = get(t, c, s.URL+"/console/images")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("tampered cookie: %d, want a redirect to sign in", resp.StatusCode)
	}
}

// A change without the form's CSRF token, or with another session's, is
// refused and changes nothing.
func TestPostWithoutCSRFRefused(t *testing.T) {
	s := startDemo(t)
	c := browserless(t)
	signIn(t, c, s.URL, "demo-alice-public", "demo-alice-private")
	share := s.URL + "/console/images/compshareImage-alice-comfy/shares"
	for name, form := range map[string]url.Values{
		"no token":     {"add": {"10002"}, "region": {"cn-wlcb"}},
		"forged token": {"add": {"10002"}, "region": {"cn-wlcb"}, "csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
	} {
		resp, body := post(t, c, share, form)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: status %d, want 403\n%s", name, resp.StatusCode, body)
		}
		contains(t, body, "CSRF")
	}
	// Another site's form (the browser says so) is refused even with a token.
	_, page := get(t, c, s.URL+"/console/images/compshareImage-alice-comfy")
	req, _ := http.NewRequest("POST", share, strings.NewReader(url.Values{"add": {"10002"}, "region": {"cn-wlcb"}, "csrf": {csrfOf(t, page)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin POST: %d, want 403", resp.StatusCode)
	}
	shared, err := s.Store.IsSharedWith(context.Background(), "compshareImage-alice-comfy", 10002)
	if err != nil || shared {
		t.Fatalf("a refused POST shared the image: %v %v", shared, err)
	}
	// The same form with its token works: the refusal was the token's.
	resp, _ = post(t, c, share, url.Values{"add": {"10002"}, "region": {"cn-wlcb"}, "csrf": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST with the token: %d", resp.StatusCode)
	}
	if shared, _ := s.Store.IsSharedWith(context.Background(), "compshareImage-alice-comfy", 10002); !shared {
		t.Fatal("the share with a token was not applied")
	}
	// The operator's forms too.
	oc := browserless(t)
	resp, _ = post(t, oc, s.URL+"/console/admin/reviews/x", url.Values{"action": {"approve"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("operator POST without a session: %d, want 403", resp.StatusCode)
	}
}

// Every console answer carries the security headers.
func TestSecurityHeaders(t *testing.T) {
	s := startDemo(t)
	c := browserless(t)
	for _, p := range []string{"/console/login", "/console/images", "/console/admin/login", "/console/nope", "/console/static/console.css"} {
		resp, _ := get(t, c, s.URL+p)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'none'", "default-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", p, csp, want)
			}
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
	_, home := get(t, c, s.URL+"/")
	contains(t, home, `href="/console/"`)
}

// A community image whose name, readme and cover carry markup is shown as
// text: no <script> element, no javascript: cover, no attribute breakout.
func TestScriptInReadmeIsInert(t *testing.T) {
	s := startDemo(t)
	const evil = `<script>document.title='pwned'</script><img src=x onerror=alert(1)>`
	im := s.Image(t, &imageshare.Image{ID: "compshareImage-xss", OwnerID: 10003, Type: imageshare.ImageCommunity,
		Name: "xsswordz " + evil, Readme: "# readme\n" + evil + "\n\"'><svg onload=alert(2)>", Author: `carol"><script>x()</script>`,
		Cover: `javascript:alert(3)`, Visibility: 1, GroupID: "grp-xss", VersionName: "v1", Tags: []string{"<b>t</b>"},
		PublishedAt: s.Svc.Now()})
	c := browserless(t)
	signIn(t, c, s.URL, "demo-bob-public", "demo-bob-private")
	for _, p := range []string{"/console/catalog?q=xsswordz", "/console/catalog/" + im.ID + "?region=cn-wlcb"} {
		_, page := get(t, c, s.URL+p)
		contains(t, page, "xsswordz")
		for _, bad := range []string{"<script>document", "<img src=x", "<svg", "javascript:", "<b>t</b>", `"><script>`} {
			if strings.Contains(page, bad) {
				t.Fatalf("%s renders %q as markup:\n%s", p, bad, page)
			}
		}
		contains(t, page, "&lt;script&gt;document.title=")
	}
}

// A sub-user sees only what its policies allow: with a policy that allows
// listing custom images only, the share list is refused in its place and
// a share change is refused by the core.
func TestSubUserSeesWhatPoliciesAllow(t *testing.T) {
	s := startDemo(t)
	ctx := context.Background()
	u, err := s.Svc.CreateUser(ctx, 10001, "viewer")
	if err != nil {
		t.Fatal(err)
	}
	key, err := s.Svc.CreateUserKey(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["ucompshare:DescribeCompShareCustomImages"],"Resource":"*"}]}`
	if _, err := s.Svc.CreatePolicy(ctx, 10001, "list-only", "", doc); err != nil {
		t.Fatal(err)
	}
	if err := s.Svc.AttachPolicy(ctx, 10001, "list-only", imageshare.PrincipalUser, "viewer"); err != nil {
		t.Fatal(err)
	}
	c := browserless(t)
	signIn(t, c, s.URL, key.PublicKey, key.PrivateKey)
	_, page := get(t, c, s.URL+"/console/images")
	contains(t, page, "alice-llama3-finetune")
	_, page = get(t, c, s.URL+"/console/images/compshareImage-alice-comfy")
	contains(t, page, "ucompshare:DescribeCompShareImageShareAccounts")
	resp, _ := post(t, c, s.URL+"/console/images/compshareImage-alice-comfy/shares", url.Values{"add": {"10002"}, "region": {"cn-wlcb"}, "csrf": {csrfOf(t, page)}})
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "err=") {
		t.Fatalf("sub-user share change: redirected to %q, want an error", loc)
	}
	if shared, _ := s.Store.IsSharedWith(ctx, "compshareImage-alice-comfy", 10002); shared {
		t.Fatal("a sub-user without the permission shared the image")
	}
	resp, _ = get(t, c, s.URL+"/console/shared")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("shared with me without the permission: %d, want 403", resp.StatusCode)
	}
	// A disabled key loses its session at once.
	if err := s.Svc.SetKeyEnabled(ctx, key.PublicKey, false); err != nil {
		t.Fatal(err)
	}
	resp, _ = get(t, c, s.URL+"/console/images")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/login") {
		t.Fatalf("disabled key: %d %s, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// With an admin listener the operator pages are there and not on the
// tenants' port.
func TestOperatorOnAdminListener(t *testing.T) {
	s := startDemo(t, func(c *app.Config) { c.AdminListen = "127.0.0.1:0" })
	c := browserless(t)
	resp, _ := get(t, c, s.URL+"/console/admin/login")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("operator pages on the tenants' port: %d, want 404", resp.StatusCode)
	}
	admin := s.Main.AdminURL()
	_, page := get(t, c, admin+"/console/admin/login")
	resp, body := post(t, c, admin+"/console/admin/login", url.Values{"csrf": {csrfOf(t, page)}, "token": {"wrong"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong admin token: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = post(t, c, admin+"/console/admin/login", url.Values{"csrf": {csrfOf(t, page)}, "token": {adminToken}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin token sign-in: %d", resp.StatusCode)
	}
	for _, p := range []string{"reviews", "accounts", "accounts/10001", "shares", "shares/compshareImage-alice-llama", "state"} {
		resp, page := get(t, c, admin+"/console/admin/"+p)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d\n%s", p, resp.StatusCode, page)
		}
	}
	_, page = get(t, c, admin+"/console/admin/state")
	contains(t, page, "Versions in review")
}

// An image being built shows its progress, and the page refreshes itself
// (a meta refresh: no script) until the build is done.
func TestBuildProgressShown(t *testing.T) {
	s := startDemo(t, func(c *app.Config) { c.BuildDuration = time.Hour })
	key, err := s.Svc.Authenticate(context.Background(), "demo-alice-public")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Svc.CreateCustomImage(context.Background(), imageshare.CallerOf(key), imageshare.CustomImageRequest{
		Region: "cn-wlcb", InstanceID: "uhost-demo-alice-1", Name: "building-now"}); err != nil {
		t.Fatal(err)
	}
	c := browserless(t)
	signIn(t, c, s.URL, "demo-alice-public", "demo-alice-private")
	_, page := get(t, c, s.URL+"/console/images")
	contains(t, page, "building-now")
	contains(t, page, `<progress max="100"`)
	contains(t, page, `http-equiv="refresh"`)
}

// The Instances page lists the tenant's own instances with the image each
// runs: a link to the image when it is the tenant's, its id otherwise;
// never another tenant's instances (issue 20).
func TestInstancesPageListsOwnInstances(t *testing.T) {
	s := startDemo(t)
	ctx := context.Background()
	key, err := s.Svc.Authenticate(ctx, "demo-alice-public")
	if err != nil {
		t.Fatal(err)
	}
	launched, err := s.Svc.LaunchInstances(ctx, imageshare.CallerOf(key), imageshare.LaunchRequest{
		Region: "cn-wlcb", ImageID: "compshareImage-alice-comfy", Name: "alice-from-comfy", InstanceType: "G", CPU: 8, MemoryMB: 32768})
	if err != nil || len(launched) != 1 {
		t.Fatalf("launch: %v %v", launched, err)
	}
	mine := launched[0].ID

	alice := browserless(t)
	signIn(t, alice, s.URL, "demo-alice-public", "demo-alice-private")
	_, page := get(t, alice, s.URL+"/console/instances")
	contains(t, page, "<code>"+mine+"</code>")
	contains(t, page, "alice-from-comfy")
	contains(t, page, `<a href="/console/images/compshareImage-alice-comfy">`)
	contains(t, page, "<code>uhost-demo-alice-1</code>")
	if strings.Contains(page, "i-demo-carol-comfy") {
		t.Fatalf("alice's page shows carol's instance:\n%s", page)
	}

	// carol runs alice's shared image: its id, not a link to a page of hers.
	carol := browserless(t)
	signIn(t, carol, s.URL, "demo-carol-public", "demo-carol-private")
	_, page = get(t, carol, s.URL+"/console/instances")
	contains(t, page, "<code>i-demo-carol-comfy</code>")
	contains(t, page, "<code>compshareImage-alice-comfy</code>")
	if strings.Contains(page, `href="/console/images/compshareImage-alice-comfy"`) || strings.Contains(page, mine) ||
		strings.Contains(page, "uhost-demo-alice-1") {
		t.Fatalf("carol's page shows alice's instances or links alice's image:\n%s", page)
	}
}

// A session ends at its expiry, by the server's clock, whatever the
// browser keeps.
func TestSessionExpires(t *testing.T) {
	var offset atomic.Int64
	s := startDemo(t, func(c *app.Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	c := browserless(t)
	signIn(t, c, s.URL, "demo-alice-public", "demo-alice-private")
	if resp, _ := get(t, c, s.URL+"/console/images"); resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh session: %d", resp.StatusCode)
	}
	offset.Store(int64(8*time.Hour + time.Minute))
	if resp, _ := get(t, c, s.URL+"/console/images"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("session past its 8 hours: %d, want a redirect to sign in", resp.StatusCode)
	}
}
