package ucloudclient

import (
	"errors"
	"fmt"
)

// HTTPStatusError is an HTTP status >= 400. Like the SDK, the client never
// reads such a body, so any RetCode in it is lost.
type HTTPStatusError struct {
	StatusCode int
}

func (e *HTTPStatusError) Error() string {
	return fmt.Sprintf("ucloud: http status %d", e.StatusCode)
}

// ErrEmptyBody is a 2xx/3xx response without a body.
var ErrEmptyBody = errors.New("ucloud: empty response body")

// BodyError is a response body that does not decode into the typed
// response, the SDK's server.ResponseBodyError.
type BodyError struct {
	Err  error
	Body string
}

func (e *BodyError) Error() string { return "ucloud: bad response body: " + e.Err.Error() }
func (e *BodyError) Unwrap() error { return e.Err }

// RetCodeError is a decoded response with a non-zero RetCode, the SDK's
// server.RetCodeError.
type RetCodeError struct {
	RetCode     int
	Message     string
	RequestUUID string
}

func (e *RetCodeError) Error() string {
	return fmt.Sprintf("ucloud: RetCode %d: %s", e.RetCode, e.Message)
}

// Retryable reports whether the SDK would retry this error (when retries
// are turned on): RetCode >= 2000.
func (e *RetCodeError) Retryable() bool { return e.RetCode >= 2000 }

// RetCode returns the RetCode of err if it is a *RetCodeError, else 0.
func RetCode(err error) int {
	var e *RetCodeError
	if errors.As(err, &e) {
		return e.RetCode
	}
	return 0
}
