package kit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/internal/ratelimit"
	"github.com/imageshare/imageshare/internal/reqlog"
	"github.com/imageshare/imageshare/sqlite"
)

var table = &kit.ErrorTable{
	Reasons:  map[imageshare.Reason]kit.Entry{imageshare.ReasonImageNotFound: {Status: 404, Code: "NoImage", Message: "missing: %s"}},
	Kinds:    map[imageshare.Kind]kit.Entry{imageshare.KindInvalid: {Status: 400, Code: "Invalid"}, imageshare.KindUnavailable: {Status: 503, Code: "Busy"}},
	Internal: kit.Entry{Status: 500, Code: "Internal", Message: "internal error"},
}

func TestErrorTable(t *testing.T) {
	for _, tt := range []struct {
		err       error
		status    int
		code, msg string
		internal  bool
	}{
		{kit.Errorf(418, "Own", "the dialect's %s", "own"), 418, "Own", "the dialect's own", false},
		{imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "m-1"), 404, "NoImage", "missing: m-1", false},
		{imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonNoAccounts, "no accounts"), 400, "Invalid", "no accounts", false},
		{&imageshare.Error{Kind: imageshare.KindUnavailable, Message: "db"}, 503, "Busy", "db", true},
		{imageshare.Internal("op", errors.New("secret")), 500, "Internal", "internal error", true},
		{errors.New("foreign secret"), 500, "Internal", "internal error", true},
		{imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonNone, "unmapped"), 500, "Internal", "internal error", true},
	} {
		e, internal := table.Map(tt.err)
		if e.Status != tt.status || e.Code != tt.code || e.Message != tt.msg || internal != tt.internal {
			t.Errorf("Map(%v) = %+v %v, want %d %s %q %v", tt.err, e, internal, tt.status, tt.code, tt.msg, tt.internal)
		}
	}
}

// recordingBucket is a shared bucket that records the context it is
// updated within.
type recordingBucket struct{ got context.Context }

func (b *recordingBucket) TakeToken(ctx context.Context, _ string, _, _ float64) (bool, error) {
	b.got = ctx
	return true, nil
}

type ctxKey struct{}

// The pipeline authenticates, verifies, throttles with the request's
// context (a shared bucket's write stops with the request), builds the
// caller and fills the request log; a panic in a handler is answered with
// the dialect's internal error.
func TestPipeline(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := core.New(store, core.Config{})
	key, err := svc.CreateAccount(ctx, &imageshare.Account{Name: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	bucket := &recordingBucket{}
	var written *kit.Error
	var caller imageshare.Caller
	d := &kit.Dialect{
		Name: "test", Svc: svc, Errors: table, OK: "OK", RequestIDHeader: "X-Id",
		Limit: ratelimit.NewLimiter(10, 10, nil).Share(bucket),
		Serve: func(ctx context.Context, ex *kit.Exchange) (any, error) {
			ex.Name("Act")
			err := ex.Authenticate(ctx, ex.R.Header.Get("Key"), func(secret string) error {
				if secret != key.PrivateKey {
					return kit.Errorf(403, "BadSignature", "no")
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			caller = ex.Caller
			if ex.R.Header.Get("Panic") != "" {
				panic("handler exploded")
			}
			return "result", nil
		},
		Write: func(w http.ResponseWriter, ex *kit.Exchange, result any, e *kit.Error) error {
			written = e
			if e != nil {
				w.WriteHeader(e.Status)
			}
			return nil
		},
	}
	h := kit.Handler(d)
	serve := func(panics bool) (*httptest.ResponseRecorder, *reqlog.Info) {
		info := &reqlog.Info{}
		r := httptest.NewRequest("POST", "/", nil)
		r = r.WithContext(context.WithValue(reqlog.NewContext(r.Context(), info), ctxKey{}, "request"))
		r.Header.Set("Key", key.PublicKey)
		if panics {
			r.Header.Set("Panic", "1")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w, info
	}

	w, info := serve(false)
	if written != nil || w.Code != 200 || w.Header().Get("X-Id") != info.RequestID || len(info.RequestID) != 36 {
		t.Fatalf("answer %d %v, id %q / %q", w.Code, written, w.Header().Get("X-Id"), info.RequestID)
	}
	if *info != (reqlog.Info{Dialect: "test", Action: "Act", RequestID: info.RequestID, AccountID: key.AccountID, Code: "OK"}) {
		t.Errorf("request log %+v", info)
	}
	if bucket.got == nil || bucket.got.Value(ctxKey{}) != "request" {
		t.Error("the rate limit was not checked with the request's context")
	}
	if caller.AccountID != key.AccountID || !caller.SourceIP.IsValid() {
		t.Errorf("caller %+v", caller)
	}

	w, info = serve(true)
	if written == nil || written.Code != "Internal" || w.Code != 500 || info.Code != "Internal" {
		t.Errorf("a panic answered %d %+v, logged %+v", w.Code, written, info)
	}
}
