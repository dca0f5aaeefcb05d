package baidu

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// signedHeaderList is "host;x-h1;x-h2;...": n distinct, valid names.
func signedHeaderList(n int) string {
	names := []string{"host"}
	for i := 1; i < n; i++ {
		names = append(names, fmt.Sprintf("x-h%d", i))
	}
	return strings.Join(names, ";")
}

func authHeader(ak, signed string) string {
	return "bce-auth-v1/" + ak + "/2024-05-01T12:00:00Z/1800/" + signed + "/" + strings.Repeat("0", 64)
}

// hugeAuthorization is the header of finding 2 (SECURITY.md): about 60 KB
// of distinct signed-header names, which the parser once checked for
// duplicates pair by pair before the key was looked up.
func hugeAuthorization() string {
	return authHeader("UNKNOWN-KEY", signedHeaderList(8000))
}

// TestParseAuthorization_Bounds: the signed-header count and the header's
// length are bounded, and a header over either bound is refused as
// InvalidHTTPAuthHeader whatever its key.
func TestParseAuthorization_Bounds(t *testing.T) {
	if _, err := parseAuthorization(authHeader("AK", signedHeaderList(maxSignedHeaders))); err != nil {
		t.Fatalf("%d signed headers, the bound: %v", maxSignedHeaders, err)
	}
	refused := map[string]string{
		"one header too many":  authHeader("AK", signedHeaderList(maxSignedHeaders+1)),
		"over the byte bound":  authHeader("AK", "host;x-"+strings.Repeat("a", maxAuthorizationBytes)),
		"60 KB of names":       hugeAuthorization(),
		"a duplicate far away": authHeader("AK", signedHeaderList(maxSignedHeaders-1)+";x-h1"),
	}
	for name, h := range refused {
		_, err := parseAuthorization(h)
		e, ok := err.(*apiError)
		if !ok || e.Code != codeInvalidAuthHeader || e.Status != http.StatusBadRequest {
			t.Errorf("%s (%d bytes): %v, want 400 InvalidHTTPAuthHeader", name, len(h), err)
		}
	}
}

// TestHandler_HugeAuthorizationFromUnknownKey: through the whole handler,
// the 60 KB header is refused for its shape (InvalidHTTPAuthHeader), not
// parsed through to the key lookup (InvalidAccessKeyId), and the store is
// not asked. The cost figure is BenchmarkHugeAuthorizationUnknownKey.
func TestHandler_HugeAuthorizationFromUnknownKey(t *testing.T) {
	env := newTestEnv(t)
	r := httptest.NewRequest(http.MethodGet, "/v2/image", nil)
	r.Header.Set("Authorization", hugeAuthorization())
	env.serve(r).expect(t, http.StatusBadRequest, codeInvalidAuthHeader)
}

// BenchmarkHugeAuthorizationUnknownKey is what one request with the 60 KB
// header of finding 2 costs the server (SECURITY.md records the figure).
func BenchmarkHugeAuthorizationUnknownKey(b *testing.B) {
	env := newTestEnv(b)
	header := hugeAuthorization()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "/v2/image", nil)
		r.Header.Set("Authorization", header)
		w := httptest.NewRecorder()
		env.handler.ServeHTTP(w, r)
		if w.Code != http.StatusBadRequest {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
