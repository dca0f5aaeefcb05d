package app

import (
	"errors"
	"io"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/imageshare/imageshare/internal/clientip"
)

// Body memory (SECURITY.md, "Overload", finding 1 of issue 17). Every API
// request's body is read into memory before it is served, up to the body
// bound (1 MiB): 256 such bodies at once would hold 256 MiB before any
// decoding. So the memory all bodies hold together is budgeted:
//
//   - each body's first bodyFreeBytes are never counted: the SDKs' calls
//     are far smaller, so a flood of large bodies never refuses them;
//   - beyond that, a body takes from the budget as its buffer grows, that
//     is as its bytes actually arrive (a client that promises 1 MiB and
//     sends 1 byte holds nothing), and gives it back once its request has
//     been answered (decoding is done by then);
//   - one client address may hold at most 1/bodyBudgetShare of the
//     budget, so no single address can make every large request busy;
//   - a body that cannot take what it needs stops being read and its
//     request is refused as busy by its dialect (ratelimit.Overloaded),
//     as when the concurrency bound is reached: nothing waits.
const (
	DefaultBodyBudget = 64 << 20
	bodyFreeBytes     = 64 << 10
	bodyBudgetShare   = 4
)

// bodyBudget counts the body bytes held beyond each body's free part, in
// all and per client address. A nil budget is unbounded.
type bodyBudget struct {
	mu      sync.Mutex
	total   int64
	used    int64
	perAddr map[netip.Addr]int64
}

func newBodyBudget(total int64) *bodyBudget {
	if total <= 0 {
		return nil
	}
	return &bodyBudget{total: total, perAddr: map[netip.Addr]int64{}}
}

// take reserves n bytes for addr, or reports that the budget (or addr's
// share of it) cannot give them.
func (b *bodyBudget) take(addr netip.Addr, n int64) bool {
	if b == nil || n <= 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.total || b.perAddr[addr]+n > b.total/bodyBudgetShare {
		return false
	}
	b.used += n
	b.perAddr[addr] += n
	return true
}

// give returns n bytes addr took.
func (b *bodyBudget) give(addr netip.Addr, n int64) {
	if b == nil || n <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if b.perAddr[addr] -= n; b.perAddr[addr] <= 0 {
		delete(b.perAddr, addr)
	}
}

// Used is the budget in use (for tests).
func (b *bodyBudget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// bufferedBody is a request body read ahead: its first bytes in memory,
// then the rest of the original body (which no dialect reads: each stops
// at limit+1) or the read's error, which the dialect reports in its own
// words.
type bufferedBody struct {
	data     []byte
	off      int
	complete bool // data is the whole body, or limit+1 bytes of it
	rest     io.Reader
	io.Closer
}

func (b *bufferedBody) Read(p []byte) (int, error) {
	if b.off < len(b.data) {
		n := copy(p, b.data[b.off:])
		b.off += n
		return n, nil
	}
	return b.rest.Read(p)
}

// Buffered hands a dialect the buffered body without copying it
// (kit.Exchange.ReadBody), when nothing has been read yet and the read
// ended well.
func (b *bufferedBody) Buffered() ([]byte, bool) {
	return b.data, b.complete && b.off == 0
}

// bufferBody reads up to limit+1 bytes of r's body within timeout and
// replaces the body with them (bufferedBody). Its buffer grows as bytes
// arrive, not as Content-Length promises, taking what it grows by beyond
// bodyFreeBytes from budget. It returns what to call once the request
// has been answered, and false when the budget could not give what the
// body needs (the body is then dropped and the request must be refused
// as busy).
func bufferBody(w http.ResponseWriter, r *http.Request, limit int64, timeout time.Duration, budget *bodyBudget) (release func(), ok bool) {
	release = func() {}
	if r.Body == nil || r.Body == http.NoBody {
		return release, true
	}
	if timeout > 0 {
		// The deadline stays after the read: the body is then consumed,
		// and the server sets the connection's next deadline itself.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
	}
	addr := clientip.Of(r)
	var held int64
	release = func() { budget.give(addr, held) }
	charge := func(capacity int) int64 { return max(0, int64(capacity)-bodyFreeBytes) }
	most := int(limit + 1)
	first := 16 << 10
	if r.ContentLength >= 0 && r.ContentLength < int64(first) {
		first = int(r.ContentLength) + 1
	}
	buf := make([]byte, 0, min(first, most))
	var err error
	for len(buf) < most {
		if len(buf) == cap(buf) {
			// A full buffer grows only for a byte that has arrived: a body
			// that ends exactly at its capacity takes nothing more.
			var probe [1]byte
			var n int
			n, err = r.Body.Read(probe[:])
			if n == 0 {
				if err != nil {
					break
				}
				continue
			}
			err = nil
			newCap := min(2*cap(buf), most)
			if r.ContentLength > int64(cap(buf)) && r.ContentLength < int64(most) {
				// Declared sizes shape the last step, never the first.
				newCap = min(newCap, int(r.ContentLength)+1)
			}
			need := charge(newCap) - charge(cap(buf))
			if !budget.take(addr, need) {
				// What arrived stays (and stays counted until the answer), so
				// that the router can still tell the request's dialect, which
				// refuses it as busy without reading it.
				r.Body = &bufferedBody{data: buf, rest: errReader{errBodyBudget}, Closer: r.Body}
				return release, false
			}
			held += need
			nb := make([]byte, len(buf), newCap)
			copy(nb, buf)
			buf = append(nb, probe[0])
			continue
		}
		var n int
		n, err = r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			break
		}
	}
	body := &bufferedBody{data: buf, rest: r.Body, Closer: r.Body, complete: err == nil || err == io.EOF}
	if err != nil && err != io.EOF {
		body.rest = errReader{err}
	}
	r.Body = body
	return release, true
}

// errBodyBudget ends a body the budget could not hold; its request is
// refused as busy before anything reads that far.
var errBodyBudget = errors.New("request body dropped: the server's body memory budget is in use")

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
