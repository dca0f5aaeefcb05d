// Package reqlog carries what a request turned out to be (its dialect,
// action, caller and result code) from the dialect that learns it to the
// middleware that logs the request and counts it. The middleware puts an
// Info in the request context; a dialect fills the fields as it learns
// them, in the goroutine serving the request.
package reqlog

import "context"

// Info describes one request. The zero value is a request nothing is known
// about yet.
type Info struct {
	// Dialect is "ucloud", "aliyun" or "baidu".
	Dialect string
	// Action is the API action, set only once the dialect knows it is one
	// it serves (metrics label it, so caller-chosen names never appear).
	Action string
	// RequestID is the id the dialect sent back to the caller.
	RequestID string
	// AccountID is the authenticated caller, 0 before authentication.
	AccountID int64
	// Code is the vendor's result code: UCloud's RetCode ("0" on success),
	// Alibaba's and Baidu's error Code ("OK" on success).
	Code string
}

type contextKey struct{}

// NewContext returns ctx carrying info.
func NewContext(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, contextKey{}, info)
}

// From returns the request's Info. Outside a request that has one (a
// dialect under test without the middleware) it returns a fresh Info that
// nobody reads, so callers can always set fields.
func From(ctx context.Context) *Info {
	if info, ok := ctx.Value(contextKey{}).(*Info); ok && info != nil {
		return info
	}
	return &Info{}
}
