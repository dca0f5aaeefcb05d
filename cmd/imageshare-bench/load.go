package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// The load generator is closed-loop: each of N workers holds one
// keep-alive connection and sends its next request as soon as the answer
// to the previous one is read, so throughput is what the server sustains
// at N requests in flight, and latency is measured from the first byte
// written to the last byte of the body read. Requests are written as raw
// HTTP/1.1 and responses read with net/http's parser: a lighter client
// than http.Client, which leaves more of the shared CPU to the server.

// loadConfig is one run.
type loadConfig struct {
	Addr string // host:port to dial
	// Addrs, when set, are several servers (replicas on one database):
	// worker w dials Addrs[w % len(Addrs)], so connections spread evenly.
	Addrs    []string
	Conns    int           // workers, one connection each
	Warmup   time.Duration // requests in this first period are not counted
	Duration time.Duration // the measured period after the warm-up
	Timeout  time.Duration // per request
}

// requestFunc returns the bytes of worker's next request.
type requestFunc func(rng *rand.Rand) ([]byte, error)

// checkFunc reports whether a response is a success of the scenario.
type checkFunc func(status int, body []byte) bool

// loadResult is what one run measured.
type loadResult struct {
	Conns      int     `json:"conns"`
	Seconds    float64 `json:"seconds"` // the measured period
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	RPS        float64 `json:"rps"`
	P50        float64 `json:"p50_ms"`
	P90        float64 `json:"p90_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	MeanBytes  int     `json:"mean_response_bytes"`
	FirstError string  `json:"first_error,omitempty"`
}

// workerStats is one worker's share of a run.
type workerStats struct {
	latencies []time.Duration
	errors    int
	bytes     int64
	firstErr  error
}

// runLoad drives cfg.Conns workers, each making requests with newRequest
// (one per worker, so that it may keep state) and judging answers with
// check.
func runLoad(ctx context.Context, cfg loadConfig, newRequest func(worker int) requestFunc, check checkFunc) (*loadResult, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	measureTo := measureFrom.Add(cfg.Duration)
	stats := make([]*workerStats, cfg.Conns)
	var wg sync.WaitGroup
	for w := range cfg.Conns {
		stats[w] = &workerStats{latencies: make([]time.Duration, 0, 4096)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			runWorker(ctx, cfg, w, newRequest(w), check, measureFrom, measureTo, stats[w])
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &loadResult{Conns: cfg.Conns, Seconds: cfg.Duration.Seconds()}
	var all []time.Duration
	var bytesRead int64
	for _, s := range stats {
		all = append(all, s.latencies...)
		res.Errors += s.errors
		bytesRead += s.bytes
		if s.firstErr != nil && res.FirstError == "" {
			res.FirstError = s.firstErr.Error()
		}
	}
	res.Requests = len(all)
	res.RPS = float64(len(all)) / cfg.Duration.Seconds()
	if len(all) > 0 {
		slices.Sort(all)
		res.P50, res.P90, res.P99 = ms(percentile(all, 0.50)), ms(percentile(all, 0.90)), ms(percentile(all, 0.99))
		res.Max = ms(all[len(all)-1])
		res.MeanBytes = int(bytesRead / int64(len(all)))
	}
	return res, nil
}

// percentile returns the nearest-rank percentile of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runWorker is one closed-loop client. A request that fails (a transport
// error or an answer check refuses) counts as an error; the worker then
// reconnects, as a client would.
func runWorker(ctx context.Context, cfg loadConfig, w int, next requestFunc, check checkFunc,
	measureFrom, measureTo time.Time, st *workerStats) {
	rng := rand.New(rand.NewPCG(uint64(w)+1, uint64(time.Now().UnixNano())))
	addr := cfg.Addr
	if len(cfg.Addrs) > 0 {
		addr = cfg.Addrs[w%len(cfg.Addrs)]
	}
	var conn net.Conn
	var br *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	body := make([]byte, 0, 64<<10)
	for ctx.Err() == nil {
		req, err := next(rng)
		if err != nil {
			st.fail(err)
			return
		}
		if conn == nil {
			if conn, err = net.DialTimeout("tcp", addr, cfg.Timeout); err != nil {
				st.fail(err)
				if time.Now().After(measureTo) {
					return
				}
				time.Sleep(10 * time.Millisecond)
				continue
			}
			br = bufio.NewReaderSize(conn, 64<<10)
		}
		began := time.Now()
		if began.After(measureTo) {
			return
		}
		status, n, err := roundTrip(conn, br, req, &body, began.Add(cfg.Timeout))
		took := time.Since(began)
		if err == nil && !check(status, body[:n]) {
			err = fmt.Errorf("HTTP %d: %.200s", status, body[:n])
		}
		counted := !began.Before(measureFrom) && !began.Add(took).After(measureTo)
		if err != nil {
			if counted {
				st.fail(err)
			}
			conn.Close()
			conn = nil
			continue
		}
		if counted {
			st.latencies = append(st.latencies, took)
			st.bytes += int64(n)
		}
	}
}

func (s *workerStats) fail(err error) {
	s.errors++
	if s.firstErr == nil {
		s.firstErr = err
	}
}

// roundTrip writes req and reads one response into *body, returning the
// status and the body length.
func roundTrip(conn net.Conn, br *bufio.Reader, req []byte, body *[]byte, deadline time.Time) (int, int, error) {
	if err := conn.SetDeadline(deadline); err != nil {
		return 0, 0, err
	}
	if _, err := conn.Write(req); err != nil {
		return 0, 0, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, 0, err
	}
	buf := bytes.NewBuffer((*body)[:0])
	_, err = io.Copy(buf, resp.Body)
	resp.Body.Close()
	*body = buf.Bytes()
	if err != nil {
		return 0, 0, err
	}
	if resp.Close {
		return resp.StatusCode, buf.Len(), errors.New("server closed the connection")
	}
	return resp.StatusCode, buf.Len(), nil
}

// rawRequest serialises an http.Request as it goes on the wire.
func rawRequest(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// pool picks one of a fixed set of requests at random.
func pool(reqs [][]byte) func(int) requestFunc {
	return func(int) requestFunc {
		return func(rng *rand.Rand) ([]byte, error) { return reqs[rng.IntN(len(reqs))], nil }
	}
}
