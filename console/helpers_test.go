package console_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

const adminToken = "console-test-admin-token"

// startDemo starts a server with the demo data and an admin token;
// builds finish at once.
func startDemo(t *testing.T, opts ...func(*app.Config)) *apptest.Server {
	t.Helper()
	return apptest.Start(t, append([]func(*app.Config){func(c *app.Config) {
		c.Demo, c.AdminToken, c.BuildDuration = true, adminToken, 0
	}}, opts...)...)
}

// browserless is a plain HTTP client with a cookie jar that follows no
// redirect, so a test sees each answer.
func browserless(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the first CSRF token of a page.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf token in page:\n%s", page)
	}
	return m[1]
}

// signIn signs c in with a key pair through the form and fails the test
// unless the console redirects to My images.
func signIn(t *testing.T, c *http.Client, base, pub, secret string) {
	t.Helper()
	_, page := get(t, c, base+"/console/login")
	resp, body := post(t, c, base+"/console/login", url.Values{"csrf": {csrfOf(t, page)}, "public_key": {pub}, "private_key": {secret}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/images" {
		t.Fatalf("sign-in as %s: %d %s\n%s", pub, resp.StatusCode, resp.Header.Get("Location"), body)
	}
}

func contains(t *testing.T, page, want string) {
	t.Helper()
	if !strings.Contains(page, want) {
		t.Fatalf("page lacks %q:\n%s", want, page)
	}
}
