// Package kit is the request pipeline the three dialects share. A dialect
// contributes only what is its own (its decoder, its signature scheme, its
// envelope, its error table and its action table); the kit owns every step
// a call goes through:
//
//   - a request id (one generator: RequestID), sent back and logged;
//   - the overload bound, checked before anything is read;
//   - the bounded body read (DefaultMaxBody unless configured);
//   - authenticate → verify signature → throttle (with the request's
//     context) → build the imageshare.Caller (Exchange.Authenticate);
//   - resolving the action from the dialect's table and putting its RAM
//     action and region on the caller (Exchange.Resolve), so the core never
//     parses vendor action names;
//   - panic recovery, the request log fields (internal/reqlog) and one
//     log line per request;
//   - one shape of error table: a domain Kind/Reason to a vendor code,
//     HTTP status and message (ErrorTable).
package kit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/clientip"
	"github.com/imageshare/imageshare/internal/ratelimit"
	"github.com/imageshare/imageshare/internal/reqlog"
)

// DefaultMaxBody bounds a request body when a dialect's options leave it 0.
const DefaultMaxBody = 1 << 20

// Dialect is one vendor's part of the pipeline. Handler serves it.
type Dialect struct {
	// Name is the dialect's name in logs and metrics: "ucloud", "aliyun",
	// "baidu".
	Name string
	Svc  imageshare.Service
	// Log receives one debug line per request and every internal error;
	// nil discards.
	Log *slog.Logger
	// MaxBody bounds a request body; 0 means DefaultMaxBody.
	MaxBody int64
	// Limit throttles each access key once its signature is verified
	// (nil: no limit).
	Limit *ratelimit.Limiter
	// RequestIDHeader is the response header carrying the request id
	// ("" to send it only in the envelope).
	RequestIDHeader string
	// FormatID shapes the request id from RequestID's UUID (nil: as is).
	FormatID func(uuid string) string
	// OK is the result code the request log records for a success: "0"
	// for UCloud's RetCode, "OK" otherwise.
	OK string
	// Errors maps every error a call ends with to the vendor's terms.
	Errors *ErrorTable
	// Peek, when set, reads from the URL alone what the envelope of a
	// request refused as overloaded needs (its action, its format): such a
	// request is refused before its body is read.
	Peek func(ex *Exchange)
	// Serve decodes, authenticates and runs one request, with the
	// Exchange's steps, in the dialect's order.
	Serve func(ctx context.Context, ex *Exchange) (any, error)
	// Write writes the envelope: result on success, e on failure (result
	// nil). An error (a result that does not encode) is answered as an
	// internal error; Write must not have written anything then.
	Write func(w http.ResponseWriter, ex *Exchange, result any, e *Error) error
}

// Exchange is one request in flight: what the kit and the dialect learn
// about it as it goes through the pipeline.
type Exchange struct {
	ID string // the request id
	R  *http.Request
	W  http.ResponseWriter
	// Action is the name of the action the request asks for, once the
	// dialect knows it is one it serves (Name); logs and metrics label
	// requests with it, so caller-chosen names never appear.
	Action string
	// Key and Caller are set by Authenticate.
	Key    *imageshare.AccessKey
	Caller imageshare.Caller
	// State is the dialect's own (its decoded parameters, its format).
	State any

	d    *Dialect
	info *reqlog.Info
	// looked is the key LookupKey found, which Authenticate reuses.
	looked *imageshare.AccessKey
}

// Handler returns d as an http.Handler.
func Handler(d *Dialect) http.Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.MaxBody <= 0 {
		d.MaxBody = DefaultMaxBody
	}
	return d
}

// ServeHTTP runs the pipeline.
func (d *Dialect) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := RequestID()
	if d.FormatID != nil {
		id = d.FormatID(id)
	}
	ex := &Exchange{ID: id, R: r, W: w, d: d, info: reqlog.From(r.Context())}
	if d.RequestIDHeader != "" {
		w.Header().Set(d.RequestIDHeader, id)
	}
	ex.info.Dialect, ex.info.RequestID = d.Name, id
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			d.Log.Error("panic serving request", "dialect", d.Name, "request_id", id, "action", ex.Action,
				"panic", v, "stack", string(debug.Stack()))
			d.fail(w, ex, d.Errors.internal(nil))
		}
	}()

	var result any
	err := ratelimit.Overloaded(r.Context())
	if err != nil {
		if d.Peek != nil {
			d.Peek(ex)
		}
	} else {
		result, err = d.Serve(r.Context(), ex)
	}
	if err != nil {
		e, internal := d.Errors.Map(err)
		if internal {
			d.Log.Error("request failed", "dialect", d.Name, "request_id", id, "action", ex.Action, "code", e.Code, "err", err)
		}
		if d.debug(r.Context()) {
			d.Log.Debug("request", "dialect", d.Name, "request_id", id, "action", ex.Action, "code", e.Code,
				"message", e.Message, "account", ex.Caller.AccountID, "took", time.Since(start))
		}
		d.fail(w, ex, e)
		return
	}
	if err := d.Write(w, ex, result, nil); err != nil {
		d.Log.Error("response does not encode", "dialect", d.Name, "request_id", id, "action", ex.Action, "err", err)
		d.fail(w, ex, d.Errors.internal(err))
		return
	}
	ex.info.Code = d.OK
	if d.debug(r.Context()) {
		d.Log.Debug("request", "dialect", d.Name, "request_id", id, "action", ex.Action, "code", d.OK,
			"account", ex.Caller.AccountID, "took", time.Since(start))
	}
}

// debug says whether the per-request debug line is logged. Asked first
// because the line's arguments (boxed into interfaces, the clock read)
// cost every request even when the level is off, as it is by default:
// the request log line (internal/obs) is the one operators read.
func (d *Dialect) debug(ctx context.Context) bool {
	return d.Log.Enabled(ctx, slog.LevelDebug)
}

// fail writes e, whose envelope always encodes (it is strings and numbers).
func (d *Dialect) fail(w http.ResponseWriter, ex *Exchange, e *Error) {
	ex.info.Code = e.Code
	_ = d.Write(w, ex, nil, e)
}

// Name records that the request asks for action, one the dialect serves.
func (ex *Exchange) Name(action string) {
	ex.Action = action
	ex.info.Action = action
}

// Authenticate runs the steps every signed request goes through, in this
// order: the key is looked up (Service.Authenticate: unknown or disabled
// keys are refused), verify checks the request's signature with the key's
// secret, the key's request rate is checked with the request's context
// (after the signature, so that nobody can spend another tenant's bucket:
// SECURITY.md), and the caller is built with the request's source address
// and transport. Last, a fault injected for the action (fault.go) applies.
func (ex *Exchange) Authenticate(ctx context.Context, keyID string, verify func(secret string) error) error {
	key := ex.looked
	if key == nil || key.PublicKey != keyID {
		var err error
		if key, err = ex.d.Svc.Authenticate(ctx, keyID); err != nil {
			return err
		}
	}
	if err := verify(key.PrivateKey); err != nil {
		return err
	}
	if err := ex.d.Limit.CheckContext(ctx, key.PublicKey); err != nil {
		return err
	}
	ex.Key = key
	ex.Caller = imageshare.CallerOf(key)
	ex.Caller.SourceIP, ex.Caller.SecureTransport = clientip.Of(ex.R), clientip.Secure(ex.R)
	ex.info.AccountID = key.AccountID
	return ex.injectFault(ctx)
}

// LookupKey looks the access key up ahead of Authenticate, for a dialect
// that can name the key cheaply before the costly part of its decoding: an
// unknown or disabled key is refused before a large body is parsed
// (SECURITY.md, finding 1 of issue 17). Authenticate then reuses the key.
func (ex *Exchange) LookupKey(ctx context.Context, keyID string) error {
	key, err := ex.d.Svc.Authenticate(ctx, keyID)
	if err != nil {
		return err
	}
	ex.looked = key
	return nil
}

// Resolve puts the action the request runs and the region it addresses
// ("" for none) on the caller: what the core authorizes a sub-user's call
// by.
func (ex *Exchange) Resolve(a *imageshare.RAMAction, region string) {
	ex.Caller.Action = a
	ex.Caller.Region = region
}

// RequestID returns a random (version 4) UUID, lower-case: the request id
// every dialect sends (Alibaba's upper-cased, see Dialect.FormatID).
func RequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
