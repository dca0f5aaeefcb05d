package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// The tenant commands retry the answers that mean "try again": a RetCode
// of 2000 or more (the UCloud SDK's retryable class, docs/ucloud.md), or
// HTTP 429 (rate limited) and 503 (overloaded, or a replica not ready).
// They wait retryBase, then twice as long each time up to retryMax, and
// give up after retryAttempts tries with the last answer.
const (
	retryAttempts = 4
	retryBase     = 250 * time.Millisecond
	retryMax      = 2 * time.Second
)

// retryable reports whether err is an answer worth asking again.
func retryable(err error) bool {
	var rc *ucloudclient.RetCodeError
	if errors.As(err, &rc) {
		return rc.Retryable()
	}
	var hs *ucloudclient.HTTPStatusError
	if errors.As(err, &hs) {
		return hs.StatusCode == http.StatusTooManyRequests || hs.StatusCode == http.StatusServiceUnavailable
	}
	return false
}

// backoff is the wait before try number attempt+1 (attempt counts from 1).
func backoff(attempt int) time.Duration {
	d := retryBase << (attempt - 1)
	if d > retryMax || d <= 0 {
		d = retryMax
	}
	return d
}

// callRetrying runs one action, again after a backoff while the answer
// says "try again".
func (r *remote) callRetrying(ctx context.Context, action string, params map[string]any, out any) error {
	for attempt := 1; ; attempt++ {
		err := r.c.Call(ctx, action, params, out)
		if err == nil || attempt == retryAttempts || !retryable(err) {
			return err
		}
		if serr := r.sleep(ctx, backoff(attempt)); serr != nil {
			return err // cancelled while waiting: the last answer says why
		}
	}
}

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
