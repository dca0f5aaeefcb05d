package ratelimit

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// ConnLimiter is a net.Listener that lets each client address hold at
// most a fixed number of connections open. A connection over the bound is
// closed as soon as it is accepted, before a byte of it is read: a client
// that opens hundreds of slow connections (SECURITY.md, finding 3) then
// holds only its share of the server's file descriptors and goroutines,
// and other clients keep getting through.
//
// The count is per address (an IPv6 client with a whole prefix can use
// many; that is the load balancer's job). Exempt addresses, the trusted
// proxies that carry every client's traffic, are not counted.
type ConnLimiter struct {
	net.Listener
	max    int
	exempt func(netip.Addr) bool

	mu      sync.Mutex
	open    map[netip.Addr]int
	refused atomic.Int64
}

// LimitConns wraps ln so that each address holds at most max connections
// (ln unchanged when max <= 0). exempt, if not nil, names addresses that
// are not limited.
func LimitConns(ln net.Listener, max int, exempt func(netip.Addr) bool) net.Listener {
	if max <= 0 {
		return ln
	}
	return &ConnLimiter{Listener: ln, max: max, exempt: exempt, open: map[netip.Addr]int{}}
}

// Accept returns the next connection within its address's bound,
// closing those over it.
func (l *ConnLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		a := addrOf(c.RemoteAddr())
		if !a.IsValid() || (l.exempt != nil && l.exempt(a)) {
			return c, nil
		}
		l.mu.Lock()
		if l.open[a] >= l.max {
			l.mu.Unlock()
			l.refused.Add(1)
			c.Close()
			continue
		}
		l.open[a]++
		l.mu.Unlock()
		return &countedConn{Conn: c, l: l, addr: a}, nil
	}
}

// Refused is how many connections were closed for being over the bound.
func (l *ConnLimiter) Refused() int64 { return l.refused.Load() }

// Open is how many counted connections addr holds.
func (l *ConnLimiter) Open(addr netip.Addr) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[addr]
}

func (l *ConnLimiter) release(a netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[a]--; l.open[a] <= 0 {
		delete(l.open, a)
	}
}

func addrOf(a net.Addr) netip.Addr {
	if tcp, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(tcp.IP)
		return ip.Unmap()
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// countedConn gives its address's count back when closed, once.
type countedConn struct {
	net.Conn
	l    *ConnLimiter
	addr netip.Addr
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}
