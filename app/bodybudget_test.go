package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestBodyBudget: bodies take from the budget only beyond their free
// part and as their buffer grows; one address holds at most its share, so
// its next large body is refused (and its small ones are not) while
// another address is still served; everything is given back once the
// requests are answered.
func TestBodyBudget(t *testing.T) {
	const total = 4 << 20 // a share of 1 MiB per address
	b := newBodyBudget(total)
	read := func(addr string, size int) (func(), bool, *http.Request) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", size)))
		r.RemoteAddr = addr + ":1234"
		release, ok := bufferBody(httptest.NewRecorder(), r, 2<<20, time.Minute, b)
		return release, ok, r
	}
	small, ok, r := read("192.0.2.1", bodyFreeBytes)
	if !ok || b.Used() != 0 {
		t.Fatalf("a body within the free part: ok %v, budget used %d", ok, b.Used())
	}
	if got, _ := io.ReadAll(r.Body); len(got) != bodyFreeBytes {
		t.Fatalf("body read back as %d bytes", len(got))
	}
	big, ok, _ := read("192.0.2.1", 900<<10)
	if !ok || b.Used() == 0 || b.Used() > 1<<20 {
		t.Fatalf("a 900 KiB body: ok %v, budget used %d", ok, b.Used())
	}
	held := b.Used()
	refused, ok, r := read("192.0.2.1", 900<<10)
	if ok {
		t.Fatal("the same address's second large body fit in its share")
	}
	if got, err := io.ReadAll(r.Body); err == nil || len(got) == 0 || len(got) > 1<<20 {
		t.Fatalf("a refused body reads as %d bytes, %v: want what arrived, then an error", len(got), err)
	}
	refused()
	if b.Used() != held {
		t.Fatalf("a refused body kept %d bytes of the budget", b.Used()-held)
	}
	small2, ok, _ := read("192.0.2.1", 1000)
	if !ok {
		t.Fatal("a small body of the same address was refused")
	}
	other, ok, _ := read("192.0.2.2", 900<<10)
	if !ok {
		t.Fatal("another address's large body was refused")
	}
	for _, f := range []func(){small, big, small2, other} {
		f()
	}
	if b.Used() != 0 || len(b.perAddr) != 0 {
		t.Fatalf("after every answer: %d bytes, %d addresses still counted", b.Used(), len(b.perAddr))
	}
}
