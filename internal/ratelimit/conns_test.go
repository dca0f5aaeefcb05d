package ratelimit

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestLimitConns: a client address gets max connections; the next is
// closed unread; closing one gives its place back; exempt addresses are
// not counted. Real TCP on loopback.
func TestLimitConns(t *testing.T) {
	for _, exempt := range []bool{false, true} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var ex func(netip.Addr) bool
		if exempt {
			ex = func(a netip.Addr) bool { return a.IsLoopback() }
		}
		l := LimitConns(ln, 2, ex)
		accepted := make(chan net.Conn, 16)
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					close(accepted)
					return
				}
				accepted <- c
			}
		}()
		dial := func() net.Conn {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		}
		// closedByServer reports whether the server closed c unread: a
		// read then ends with EOF or a reset, not a timeout.
		closedByServer := func(c net.Conn) bool {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err := c.Read(make([]byte, 1))
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return false
			}
			return err != nil
		}
		a, b := dial(), dial()
		srvA, srvB := <-accepted, <-accepted
		c := dial()
		if exempt {
			if srvC := <-accepted; srvC == nil {
				t.Fatal("an exempt address was limited")
			}
			ln.Close()
			continue
		}
		if !closedByServer(c) {
			t.Fatal("a third connection from one address was not closed")
		}
		if got := l.(*ConnLimiter).Refused(); got != 1 {
			t.Fatalf("refused %d, want 1", got)
		}
		srvA.Close() // the server ends one: its place is free again
		a.Close()
		d := dial()
		srvD := <-accepted
		d.Write([]byte("x"))
		buf := make([]byte, 1)
		srvD.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := srvD.Read(buf); err != nil || buf[0] != 'x' {
			t.Fatalf("the connection after one closed: %v", err)
		}
		if n := l.(*ConnLimiter).Open(netip.MustParseAddr("127.0.0.1")); n != 2 {
			t.Fatalf("open count %d, want 2", n)
		}
		srvA.Close() // closing twice gives back one place only
		if n := l.(*ConnLimiter).Open(netip.MustParseAddr("127.0.0.1")); n != 2 {
			t.Fatalf("open count after a double close %d, want 2", n)
		}
		_, _ = b, srvB
		ln.Close()
	}
}
