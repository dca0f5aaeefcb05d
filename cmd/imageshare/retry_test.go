package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// answers serves one scripted answer per request (the last one repeats)
// and counts the requests.
func answers(t *testing.T, script ...func(w http.ResponseWriter)) (*remote, *atomic.Int32, *[]time.Duration) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		script[min(i, len(script)-1)](w)
	}))
	t.Cleanup(srv.Close)
	var slept []time.Duration
	r := &remote{
		p: &profile{URL: srv.URL},
		c: ucloudclient.New(srv.URL, "pub", "priv", ucloudclient.WithRegion("cn-wlcb")),
		sleep: func(_ context.Context, d time.Duration) error {
			slept = append(slept, d)
			return nil
		},
	}
	return r, &n, &slept
}

func status(code int) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { w.WriteHeader(code) }
}

func body(s string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { _, _ = w.Write([]byte(s)) }
}

const okBody = `{"Action":"DescribeCompShareCustomImagesResponse","RetCode":0,"TotalCount":0,"ImageSet":[]}`

// "Try again" answers (HTTP 503 and 429, RetCode >= 2000) are retried
// with a doubling wait; the fourth try's success is the command's.
func TestRetryTryAgainAnswers(t *testing.T) {
	r, n, slept := answers(t, status(503), status(429), body(`{"RetCode":2503,"Message":"busy"}`), body(okBody))
	var out ucloudclient.DescribeCompShareCustomImagesResponse
	if err := r.call(context.Background(), "DescribeCompShareCustomImages", nil, &out); err != nil {
		t.Fatalf("call: %v", err)
	}
	if n.Load() != 4 {
		t.Errorf("%d requests, want 4", n.Load())
	}
	if want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}; !slices.Equal(*slept, want) {
		t.Errorf("waited %v, want %v", *slept, want)
	}
}

// The retries are bounded: a server that keeps answering 503 gets
// retryAttempts requests and the command says what it answered.
func TestRetryGivesUp(t *testing.T) {
	r, n, slept := answers(t, status(503))
	err := r.call(context.Background(), "DescribeCompShareCustomImages", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("call: %v, want the 503", err)
	}
	if n.Load() != retryAttempts || len(*slept) != retryAttempts-1 {
		t.Errorf("%d requests and %d waits, want %d and %d", n.Load(), len(*slept), retryAttempts, retryAttempts-1)
	}
	if backoff(10) != retryMax {
		t.Errorf("backoff(10) = %v, want the cap %v", backoff(10), retryMax)
	}
}

// A refusal that cannot change (RetCode below 2000, other HTTP errors)
// is not asked again.
func TestRetrySkipsPermanentErrors(t *testing.T) {
	for name, answer := range map[string]func(http.ResponseWriter){
		"retcode 230": body(`{"RetCode":230,"Message":"Params [X] not available"}`),
		"http 500":    status(500),
		"http 403":    status(403),
	} {
		r, n, _ := answers(t, answer, body(okBody))
		if err := r.call(context.Background(), "DescribeCompShareCustomImages", nil, nil); err == nil {
			t.Errorf("%s: call succeeded", name)
		}
		if n.Load() != 1 {
			t.Errorf("%s: %d requests, want 1", name, n.Load())
		}
	}
}

// A cancelled command stops waiting and reports the last answer.
func TestRetryStopsWhenCancelled(t *testing.T) {
	r, n, _ := answers(t, status(503))
	ctx, cancel := context.WithCancel(context.Background())
	r.sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return sleepCtx(ctx, d)
	}
	err := r.call(ctx, "DescribeCompShareCustomImages", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") || n.Load() != 1 {
		t.Fatalf("call: %v after %d requests, want the 503 after 1", err, n.Load())
	}
}
