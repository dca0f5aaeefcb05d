package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare/internal/ratelimit"
)

// stallingBody is a request body that says when it is first read and
// then gives nothing until released, as a client trickling its body does.
type stallingBody struct {
	reading chan struct{}
	release chan struct{}
	data    io.Reader
	started bool
}

func (b *stallingBody) Read(p []byte) (int, error) {
	if !b.started {
		b.started = true
		close(b.reading)
		<-b.release
	}
	return b.data.Read(p)
}

func (b *stallingBody) Close() error { return nil }

// TestLimitConcurrency_SlotOnlyWhileServed: with one slot, a request whose
// body is still arriving holds none (another request is served meanwhile),
// and a request being served holds it (another is marked over the bound,
// which its dialect answers as busy). Channels, not timing, order the steps.
func TestLimitConcurrency_SlotOnlyWhileServed(t *testing.T) {
	gate := ratelimit.NewGate(1)
	entered, unblock := make(chan struct{}), make(chan struct{})
	h := limitConcurrency(gate, nil, nil, 1<<20, time.Minute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ratelimit.Overloaded(r.Context()) != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/block" {
			close(entered)
			<-unblock
		}
		_, _ = w.Write(body)
	}))
	serve := func(path, body string) *httptest.ResponseRecorder {
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
		return rr
	}

	slow := &stallingBody{reading: make(chan struct{}), release: make(chan struct{}), data: strings.NewReader("slow body")}
	slowDone := make(chan *httptest.ResponseRecorder)
	go func() {
		rr := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Body = slow
		h.ServeHTTP(rr, r)
		slowDone <- rr
	}()
	<-slow.reading // the slow request is waiting for its body
	if n := gate.InFlight(); n != 0 {
		t.Fatalf("a request whose body is arriving holds %d slots", n)
	}
	if rr := serve("/", "quick"); rr.Code != 200 || rr.Body.String() != "quick" {
		t.Fatalf("a request while another's body arrives: %d %q, want it served", rr.Code, rr.Body)
	}

	blockedDone := make(chan *httptest.ResponseRecorder)
	go func() { blockedDone <- serve("/block", "held") }()
	<-entered // the held request is being served
	if n := gate.InFlight(); n != 1 {
		t.Fatalf("a request being served holds %d slots, want 1", n)
	}
	if rr := serve("/", "over"); rr.Code != http.StatusServiceUnavailable {
		t.Fatalf("a request while the only slot is served: %d, want it marked over the bound", rr.Code)
	}
	close(slow.release) // the slow body arrives while the slot is taken
	if rr := <-slowDone; rr.Code != http.StatusServiceUnavailable {
		t.Fatalf("the slow request, its body in while the slot is taken: %d, want busy", rr.Code)
	}
	close(unblock)
	if rr := <-blockedDone; rr.Code != 200 || rr.Body.String() != "held" {
		t.Fatalf("the held request: %d %q", rr.Code, rr.Body)
	}
	if rr := serve("/", "after"); rr.Code != 200 || gate.InFlight() != 0 {
		t.Fatalf("after: %d, %d slots held", rr.Code, gate.InFlight())
	}
}

// TestBufferBody_OverTheBound: a body over the bound reaches the handler
// with its first limit+1 bytes, so that the dialect refuses it in its own
// words, and a read error reaches it as an error.
func TestBufferBody_OverTheBound(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", 100)))
	bufferBody(httptest.NewRecorder(), r, 10, time.Minute, nil)
	got, err := io.ReadAll(io.LimitReader(r.Body, 11))
	if err != nil || len(got) != 11 {
		t.Fatalf("over the bound: %d bytes, %v; want 11", len(got), err)
	}
	r = httptest.NewRequest(http.MethodPost, "/", io.MultiReader(strings.NewReader("ab"), errReader{io.ErrUnexpectedEOF}))
	bufferBody(httptest.NewRecorder(), r, 10, time.Minute, nil)
	got, err = io.ReadAll(r.Body)
	if string(got) != "ab" || err != io.ErrUnexpectedEOF {
		t.Fatalf("a failed read: %q %v, want the bytes read then the error", got, err)
	}
}
