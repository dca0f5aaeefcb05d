package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// The bare server is this machine's limit for the request shapes the
// scenarios send: a net/http server that reads each request's body and
// answers a fixed JSON body of the size imageshare answered, doing no
// other work. It runs as a separate process (this binary with
// -bare-server), as imageshare does, so both pay the same process and
// loopback costs.

// bareSizePath sets the size of the fixed answer: POST it with ?bytes=N.
const bareSizePath = "/__bench/size"

// bareListening is the line the bare server prints when it listens.
const bareListening = "bare listening on"

// serveBare listens on addr and serves until the process is killed.
func serveBare(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	var body atomic.Pointer[[]byte]
	setSize := func(n int) {
		b := bytes.Repeat([]byte(" "), max(n, 2))
		b[0], b[len(b)-1] = '{', '}'
		body.Store(&b)
	}
	setSize(64)
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+bareSizePath, func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("bytes"))
		if err != nil || n < 0 || n > 16<<20 {
			http.Error(w, "bytes: want 0..16777216", http.StatusBadRequest)
			return
		}
		setSize(n)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// Read the request as a server must before answering.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		b := *body.Load()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		_, _ = w.Write(b)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	fmt.Printf("%s http://%s\n", bareListening, ln.Addr())
	return srv.Serve(ln)
}

// setBareSize makes the bare server at url answer n bytes.
func setBareSize(url string, n int) error {
	resp, err := http.Post(url+bareSizePath+"?bytes="+strconv.Itoa(n), "text/plain", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bare server: set size: HTTP %d", resp.StatusCode)
	}
	return nil
}
