package kit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/internal/fault"
	"github.com/imageshare/imageshare/internal/reqlog"
	"github.com/imageshare/imageshare/sqlite"
)

// A fault rule on the request's context fails an authenticated call of
// the named action, before its handler runs, with the rule's code and the
// status and message the error table gives that code (a code the table
// lacks: 500 and a generic message; Status and Message override); a
// caller that fails authentication, another action and a request without
// an Injector are untouched.
func TestFaultHook(t *testing.T) {
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
	var written *kit.Error
	ran := 0
	h := kit.Handler(&kit.Dialect{
		Name: "test", Svc: svc, Errors: table, OK: "OK",
		Serve: func(ctx context.Context, ex *kit.Exchange) (any, error) {
			ex.Name(ex.R.Header.Get("Action"))
			err := ex.Authenticate(ctx, ex.R.Header.Get("Key"), func(secret string) error {
				if secret != key.PrivateKey {
					return kit.Errorf(403, "BadSignature", "no")
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			ran++
			return "result", nil
		},
		Write: func(w http.ResponseWriter, ex *kit.Exchange, result any, e *kit.Error) error {
			written = e
			if e != nil {
				w.WriteHeader(e.Status)
			}
			return nil
		},
	})
	in := fault.New()
	serve := func(action, publicKey string, withInjector bool) *kit.Error {
		written = nil
		r := httptest.NewRequest("POST", "/", nil)
		c := reqlog.NewContext(r.Context(), &reqlog.Info{})
		if withInjector {
			c = fault.NewContext(c, in)
		}
		r = r.WithContext(c)
		r.Header.Set("Action", action)
		r.Header.Set("Key", publicKey)
		h.ServeHTTP(httptest.NewRecorder(), r)
		return written
	}

	in.Add(fault.Rule{Dialect: "test", Action: "Act", Code: "Busy", Count: 1})
	in.Add(fault.Rule{Dialect: "test", Action: "Act", Code: "Mine", Count: 1})
	in.Add(fault.Rule{Dialect: "test", Action: "Act", Code: "Busy", Status: 429, Message: "slow down", Count: 1})
	for _, want := range []kit.Error{
		{Status: 503, Code: "Busy", Message: "injected fault"},
		{Status: 500, Code: "Mine", Message: "injected fault"},
		{Status: 429, Code: "Busy", Message: "slow down"},
	} {
		if e := serve("Act", key.PublicKey, true); e == nil || *e != want {
			t.Fatalf("faulted call answered %+v, want %+v", e, want)
		}
	}
	if ran != 0 {
		t.Fatalf("the handler ran %d times under a fault", ran)
	}
	in.Add(fault.Rule{Dialect: "test", Action: "Act", Code: "Busy"})
	if e := serve("Act", "unknown-key", true); e == nil || e.Code == "Busy" {
		t.Fatalf("an unauthenticated call got %+v, want its own refusal", e)
	}
	if e := serve("Other", key.PublicKey, true); e != nil || ran != 1 {
		t.Fatalf("another action: %+v", e)
	}
	if e := serve("Act", key.PublicKey, false); e != nil || ran != 2 {
		t.Fatalf("a request without an Injector: %+v", e)
	}
}
