package ratelimit

import (
	"context"
	"time"

	"github.com/imageshare/imageshare"
)

// Shared keeps token buckets where every replica of a deployment sees
// them (the PostgreSQL store does: postgres.Store.TakeToken). A limiter
// that shares its buckets holds each key to its limit however a load
// balancer spreads the key's requests, instead of to N times the limit.
type Shared interface {
	// TakeToken takes one token from key's bucket (at most burst tokens,
	// rate more a second) and reports whether there was one; a refusal
	// takes nothing.
	TakeToken(ctx context.Context, key string, rate, burst float64) (bool, error)
}

// sharedTimeout bounds a bucket update besides the caller's context (Check
// has none).
const sharedTimeout = 2 * time.Second

// Share returns l keeping its buckets in s instead of in memory (nil s, or
// a nil l, changes nothing).
func (l *Limiter) Share(s Shared) *Limiter {
	if l == nil || s == nil {
		return l
	}
	return &Limiter{rate: l.rate, burst: l.burst, now: l.now, shared: s}
}

// Shared reports whether the limiter's buckets are shared between replicas.
func (l *Limiter) Shared() bool { return l != nil && l.shared != nil }

// CheckContext takes one token from key's bucket: nil, or the domain error
// a dialect turns into its vendor's throttling answer (KindLimitExceeded,
// ReasonThrottled). A shared bucket is updated within ctx (the request's:
// a cancelled request stops waiting for the store). With shared buckets a
// failure to reach them is returned as it is (the store's unavailable
// error): the request is neither counted nor refused as throttled.
func (l *Limiter) CheckContext(ctx context.Context, key string) error {
	if l == nil {
		return nil
	}
	var allowed bool
	if l.shared != nil {
		ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
		defer cancel()
		var err error
		if allowed, err = l.shared.TakeToken(ctx, key, l.rate, l.burst); err != nil {
			return err
		}
	} else {
		allowed = l.Allow(key)
	}
	if allowed {
		return nil
	}
	return imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonThrottled,
		"the request rate of this access key is over its limit; retry later")
}
