package kit

import (
	"io"
)

// BodyErrors are the answers ReadBody fails with, in the dialect's terms: a
// dialect's error table answers them (ErrorTable.Reasons cannot: they are
// not the core's), so ReadBody takes the two answers.
type BodyErrors struct {
	TooLarge   func(limit int64) *Error
	Unreadable *Error
}

// ReadBody reads the request body, refusing one over the dialect's bound
// (MaxBody) before reading it when its Content-Length says so, and after
// reading at most one byte more otherwise. A request without a body
// reads as empty.
func (ex *Exchange) ReadBody(errs BodyErrors) ([]byte, error) {
	r, limit := ex.R, ex.d.MaxBody
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, errs.TooLarge(limit)
	}
	// A body the server read ahead (app's body budget) is taken as it is,
	// not copied: one request holds its body once.
	if b, ok := r.Body.(interface{ Buffered() ([]byte, bool) }); ok {
		if body, whole := b.Buffered(); whole {
			if int64(len(body)) > limit {
				return nil, errs.TooLarge(limit)
			}
			return body, nil
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, errs.Unreadable
	}
	if int64(len(body)) > limit {
		return nil, errs.TooLarge(limit)
	}
	return body, nil
}
