package baidu

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare"
)

// once runs a write at most once per request. bce-sdk-go resends the
// identical request (same key, signature and x-bce-request-id) when it
// lost the answer (docs/baidu.md, Retries). The first attempt claims the
// request in the store (seenBefore) and records its answer there
// (imageshare.Outcomes), so that a resend, on any replica, gets exactly
// that answer (the status, code and message; the request id is its own)
// without running again: a resent delete that got 404 on another
// tenant's image stays 404, a resent share that got 409 stays 409, and one
// that was applied answers success.
//
// A resend finds no answer when the first attempt is still running, ended
// with a server-side failure (not recorded, so that the resend tries
// again), or the store cannot list its records: it then runs, and
// applied (the reason the write fails with once it was applied) counts as
// success, as before answers were recorded.
func (h *handler) once(ctx context.Context, c *call, applied imageshare.Reason, run func() error) (any, error) {
	seen, err := h.seenBefore(ctx, c)
	if err != nil {
		return nil, err
	}
	out, recorder := h.svc.(imageshare.Outcomes)
	key, ttl := requestKey(c), h.requestTTL(c)
	if !seen {
		err := run()
		if recorder {
			if o, ok := encodeOutcome(err); ok {
				// A record that fails leaves resends to the fallback below.
				_ = out.RecordOutcome(ctx, key, o, ttl)
			}
		}
		return nil, err
	}
	if recorder {
		o, ok, err := out.Outcome(ctx, key)
		if err != nil {
			return nil, err
		}
		if ok {
			return nil, decodeOutcome(o)
		}
	}
	err = run()
	if err != nil && imageshare.ErrorReason(err) == applied {
		return nil, nil
	}
	return nil, err
}

// encodeOutcome is the text recorded for a write's answer: "ok", or
// "STATUS CODE MESSAGE" of the error the error table answers. Server-side
// failures (internal, unavailable) are not recorded.
func encodeOutcome(err error) (string, bool) {
	if err == nil {
		return "ok", true
	}
	e, serverSide := errorTable.Map(err)
	if serverSide || e.Status >= 500 {
		return "", false
	}
	return strconv.Itoa(e.Status) + " " + e.Code + " " + e.Message, true
}

// decodeOutcome is the answer recorded as o: nil for "ok".
func decodeOutcome(o string) error {
	if o == "ok" {
		return nil
	}
	status, rest, _ := strings.Cut(o, " ")
	code, msg, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(status)
	if err != nil || n < 400 || code == "" {
		return errorf(http.StatusInternalServerError, codeInternalError, "We encountered an internal error. Please try again.")
	}
	return errorf(n, code, "%s", msg)
}
