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
// Trusted has rewritten it), or the zero Addr if it does not parse or a
// trusted proxy forwarded an address that does not (see Trusted). The
// zero Addr is an unknown address: access policies' acs:SourceIp
// conditions then fail in an Allow and hold in a Deny (docs/ram.md).
func Of(r *http.Request) netip.Addr {
	if unknown, _ := r.Context().Value(unknownKey{}).(bool); unknown {
		return netip.Addr{}
	}
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

// unknownKey marks a request whose client address a trusted proxy
// forwarded in a form that does not parse.
type unknownKey struct{}

const (
	headerFor   = "X-Forwarded-For"
	headerProto = "X-Forwarded-Proto"
)

// Trusted returns next behind the trusted proxies: when a request's peer
// is one of them, its RemoteAddr becomes the rightmost address in
// X-Forwarded-For that is not a trusted proxy (the client as the first
// trusted hop saw it), and X-Forwarded-Proto: https makes it Secure. From
// any other peer both headers are ignored.
//
// A hop that does not parse as an address ("ip:port", "unknown", an empty
// element) before a client address is found makes the client address
// unknown (Of returns the zero Addr), not the proxy's: falling back to the
// proxy's address would let a Deny on the client's network be escaped by
// any client whose proxy writes such a hop (SECURITY.md, finding 6). A
// trusted proxy that sends no X-Forwarded-For at all is the caller itself.
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
		values := r.Header.Values(headerFor)
		if len(values) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		hops := strings.Split(strings.Join(values, ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				// Trust nothing beyond it, and do not take the proxy's
				// address for the client's either.
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), unknownKey{}, true)))
				return
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
