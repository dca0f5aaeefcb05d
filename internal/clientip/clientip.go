// Package clientip says where a request came from, for the acs:SourceIp
// and acs:SecureTransport conditions of access policies. By default that
// is the TCP peer (r.RemoteAddr) and whether the connection is TLS; a
// deployment behind load balancers names them as trusted proxies, and
// then the address they report in X-Forwarded-For counts instead.
package clientip

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Of returns the address r came from: the host of r.RemoteAddr (after
// Trusted has rewritten it), or the zero Addr if it does not parse.
func Of(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// Secure reports whether r came over TLS: on this connection, or, behind
// a trusted proxy, to the proxy (X-Forwarded-Proto: https, which only
// Trusted reads, and only from trusted peers).
func Secure(r *http.Request) bool {
	forwarded, _ := r.Context().Value(secureKey{}).(bool)
	return r.TLS != nil || forwarded
}

type secureKey struct{}

const (
	headerFor   = "X-Forwarded-For"
	headerProto = "X-Forwarded-Proto"
)

// Trusted returns next behind the trusted proxies: when a request's peer
// is one of them, its RemoteAddr becomes the rightmost address in
// X-Forwarded-For that is not a trusted proxy (the client as the first
// trusted hop saw it), and X-Forwarded-Proto: https makes it Secure. From
// any other peer both headers are ignored.
func Trusted(proxies []netip.Prefix, next http.Handler) http.Handler {
	trusted := func(a netip.Addr) bool {
		for _, p := range proxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := Of(r)
		if !peer.IsValid() || !trusted(peer) {
			next.ServeHTTP(w, r)
			return
		}
		if strings.EqualFold(strings.TrimSpace(r.Header.Get(headerProto)), "https") {
			r = r.WithContext(context.WithValue(r.Context(), secureKey{}, true))
		}
		hops := strings.Split(strings.Join(r.Header.Values(headerFor), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a hop that does not parse: trust nothing beyond it
			}
			a = a.Unmap().WithZone("")
			if !trusted(a) || i == 0 {
				r2 := r.Clone(r.Context())
				r2.RemoteAddr = net.JoinHostPort(a.String(), "0")
				next.ServeHTTP(w, r2)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
