package clientip

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestOf(t *testing.T) {
	for _, tt := range []struct{ remote, want string }{
		{"127.0.0.1:5555", "127.0.0.1"},
		{"[::1]:80", "::1"},
		{"[::ffff:10.0.0.1]:80", "10.0.0.1"},
		{"[fe80::1%eth0]:80", "fe80::1"},
		{"10.1.1.1", "10.1.1.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if got := Of(r); got != netip.MustParseAddr(tt.want) {
			t.Errorf("Of(%q) = %v, want %s", tt.remote, got, tt.want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "not an address"
	if Of(r).IsValid() {
		t.Fatal("an unparsable RemoteAddr gave an address")
	}
}

func TestTrusted(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	var got netip.Addr
	var secure bool
	h := Trusted(proxies, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got, secure = Of(r), Secure(r) }))
	for _, tt := range []struct {
		name, remote, xff, proto string
		want                     string
		secure                   bool
	}{
		{"direct client, header ignored", "192.0.2.1:1", "127.0.0.1", "https", "192.0.2.1", false},
		{"through a trusted proxy", "10.0.0.5:1", "198.51.100.7", "https", "198.51.100.7", true},
		{"two trusted hops", "10.0.0.5:1", "198.51.100.7, 10.0.0.9", "", "198.51.100.7", false},
		{"a client's forged hop is not trusted", "10.0.0.5:1", "127.0.0.1, 198.51.100.7", "", "198.51.100.7", false},
		{"trusted proxy without header", "10.0.0.5:1", "", "", "10.0.0.5", false},
		// An unparseable hop makes the address unknown (""), never the
		// proxy's own: a Deny on the client's network must still apply.
		{"garbage hop stops the walk", "10.0.0.5:1", "x, 10.0.0.6", "", "", false},
		{"ip:port hop", "10.0.0.5:1", "198.51.100.7:5678", "", "", false},
		{"unknown hop", "10.0.0.5:1", "unknown", "", "", false},
		{"empty hop", "10.0.0.5:1", "198.51.100.7, ", "", "", false},
		{"bracketed IPv6 hop", "10.0.0.5:1", "[2001:db8::1]", "", "", false},
		{"a client's garbage beyond a parsed client is not read", "10.0.0.5:1", "unknown, 198.51.100.7", "", "198.51.100.7", false},
		{"a garbage hop from an untrusted peer is ignored", "192.0.2.1:1", "unknown", "", "192.0.2.1", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if tt.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tt.proto)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		var want netip.Addr
		if tt.want != "" {
			want = netip.MustParseAddr(tt.want)
		}
		if got != want || secure != tt.secure {
			t.Errorf("%s: address %v secure %v, want %s %v", tt.name, got, secure, tt.want, tt.secure)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	if Secure(r) {
		t.Fatal("X-Forwarded-Proto counts without a trusted proxy")
	}
	r.TLS = &tls.ConnectionState{}
	if !Secure(r) {
		t.Fatal("a TLS request is not secure")
	}
}
