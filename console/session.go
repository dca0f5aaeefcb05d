package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sessions are HMAC-signed tokens, not server-side records, so that any
// replica holding the same secret can check them and nothing is written
// per sign-in (docs/console.md, SECURITY.md "Console"). A token is
//
//	base64url(kind "|" subject "|" expiry-unix "|" nonce) "." base64url(HMAC-SHA256)
//
// kind is "t" (a tenant: subject is the access key's public key, never its
// secret) or "o" (the operator: no subject). A tenant session is checked
// again against the store on every request (Service.Authenticate), so a
// disabled key or sub-user loses the console at once, not at expiry.

const (
	tenantCookie   = "imageshare_console"
	operatorCookie = "imageshare_console_op"
	loginCookie    = "imageshare_console_login" // the sign-in forms' CSRF seed
	sessionTTL     = 8 * time.Hour
	csrfField      = "csrf"
)

type session struct {
	kind    string // "t" or "o"
	subject string // the public key of a tenant session
	expires time.Time
	token   string // the cookie value, which the CSRF token is derived from
}

type signer struct {
	secret []byte
	now    func() time.Time
}

func (s *signer) mac(parts ...string) []byte {
	h := hmac.New(sha256.New, s.secret)
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// issue returns a fresh session token of kind for subject.
func (s *signer) issue(kind, subject string) session {
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	exp := s.now().Add(sessionTTL)
	payload := kind + "|" + subject + "|" + strconv.FormatInt(exp.Unix(), 10) + "|" + base64.RawURLEncoding.EncodeToString(nonce[:])
	tok := base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(s.mac("session", payload))
	return session{kind: kind, subject: subject, expires: exp, token: tok}
}

// verify returns the session a token carries if its MAC is right, its kind
// is kind and it has not expired.
func (s *signer) verify(tok, kind string) (session, bool) {
	p64, m64, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 1024 {
		return session{}, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac("session", string(payload))) {
		return session{}, false
	}
	f := strings.Split(string(payload), "|")
	if len(f) != 4 || f[0] != kind {
		return session{}, false
	}
	unix, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return session{}, false
	}
	exp := time.Unix(unix, 0)
	if !s.now().Before(exp) {
		return session{}, false
	}
	return session{kind: f[0], subject: f[1], expires: exp, token: tok}, true
}

// csrf is the synchronizer token of a session (or of a sign-in form's
// seed): derived from it with the server secret, so a page of another
// origin, which can neither read the cookie nor the page, cannot make it.
func (s *signer) csrf(token string) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("csrf", token))
}

// checkCSRF compares the form's token with the session's in constant time.
func (s *signer) checkCSRF(r *http.Request, token string) bool {
	got := r.PostFormValue(csrfField)
	want := s.csrf(token)
	return token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// setCookie sets an HttpOnly, SameSite=Strict cookie scoped to path, for
// ttl by the browser's clock (the token's own expiry is the server's);
// Secure when the request came over TLS.
func setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: path, Expires: time.Now().Add(ttl),
		MaxAge:   int(ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
}

func clearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// loginSeed returns the sign-in form's CSRF seed cookie, setting a fresh
// one when the request has none.
func (s *signer) loginSeed(w http.ResponseWriter, r *http.Request, path string) string {
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) >= 16 && len(c.Value) <= 64 {
		return c.Value
	}
	var b [18]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	setCookie(w, r, loginCookie, v, path, time.Hour)
	return v
}

// sameOrigin refuses a POST that a browser says comes from another site
// (Sec-Fetch-Site) or another origin (Origin), on top of the token.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		host := strings.TrimPrefix(strings.TrimPrefix(o, "https://"), "http://")
		return host == r.Host
	}
	return true
}
