package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// Two replicas on one store with the same console_secret accept each
// other's sessions (docs/console.md); with different or no secrets a
// session from one is no session on the other.
func TestConsoleSecretSharedAcrossReplicas(t *testing.T) {
	const shared = "0123456789abcdef0123456789abcdef-shared"
	cases := []struct {
		name       string
		first, sec string
		accepted   bool
	}{
		{"same secret", shared, shared, true},
		{"different secrets", shared, "fedcba9876543210fedcba9876543210-other", false},
		{"unset", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := apptest.StoreDSN(t)
			a := apptest.Start(t, func(c *app.Config) { c.DB, c.ConsoleSecret = db, tc.first })
			b := apptest.Start(t, func(c *app.Config) { c.DB, c.ConsoleSecret = db, tc.sec })
			_, key := a.Account(t, "")

			// Sign in on the first replica and take its session cookie.
			c := browserless(t)
			signIn(t, c, a.URL, key.PublicKey, key.PrivateKey)
			u, _ := url.Parse(a.URL + "/console/")
			var session *http.Cookie
			for _, ck := range c.Jar.Cookies(u) {
				if ck.Name == "imageshare_console" {
					session = ck
				}
			}
			if session == nil {
				t.Fatal("no session cookie from the first replica")
			}
			// The first replica accepts its own session in every case.
			if resp, _ := get(t, c, a.URL+"/console/images"); resp.StatusCode != http.StatusOK {
				t.Fatalf("first replica, own session: %d", resp.StatusCode)
			}

			// Present it to the second replica by hand (a cookie jar does
			// not tell loopback ports apart).
			req, _ := http.NewRequest(http.MethodGet, b.URL+"/console/images", nil)
			req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
			resp, err := browserless(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			switch {
			case tc.accepted && resp.StatusCode != http.StatusOK:
				t.Fatalf("second replica: %d %s, want the page", resp.StatusCode, resp.Header.Get("Location"))
			case !tc.accepted && (resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/console/login")):
				t.Fatalf("second replica: %d %q, want the sign-in redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}
