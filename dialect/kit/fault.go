package kit

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/imageshare/imageshare/internal/fault"
)

// injectFault applies the fault rule (internal/fault) that matches this
// call, if the request carries an Injector: it waits the rule's delay,
// then fails with the rule's vendor code, which this dialect's envelope
// carries like any of its errors. It runs once the caller is
// authenticated and the action named, before anything else is checked, so
// that a faulted call changes nothing.
func (ex *Exchange) injectFault(ctx context.Context) error {
	if ex.Action == "" {
		return nil
	}
	hit := fault.From(ex.R.Context()).Check(ex.d.Name, ex.Action)
	if hit == nil {
		return nil
	}
	if hit.Delay > 0 {
		t := time.NewTimer(hit.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	if hit.Code == "" {
		return nil
	}
	e := &Error{Status: hit.Status, Code: hit.Code, Message: hit.Message}
	if known := ex.d.Errors.byCode(hit.Code); known != nil {
		if e.Status == 0 {
			e.Status = known.Status
		}
		if e.Message == "" {
			e.Message = strings.Replace(known.Message, "%s", "injected fault", 1)
		}
	}
	if e.Status == 0 {
		e.Status = http.StatusInternalServerError
	}
	if e.Message == "" {
		e.Message = "injected fault"
	}
	return e
}

// byCode returns the table's entry with code, or nil.
func (t *ErrorTable) byCode(code string) *Entry {
	if t == nil {
		return nil
	}
	if t.Internal.Code == code {
		return &t.Internal
	}
	for _, e := range t.Reasons {
		if e.Code == code {
			return &e
		}
	}
	for _, e := range t.Kinds {
		if e.Code == code {
			return &e
		}
	}
	return nil
}
