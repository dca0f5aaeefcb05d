package baidu

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/sqlite"
)

// testEnv is the dialect over the real core and an in-memory SQLite store,
// served in-process, with a clock the test moves.
type testEnv struct {
	t       testing.TB
	store   *sqlite.Store
	svc     *core.Service
	handler http.Handler

	mu  sync.Mutex
	now time.Time
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	for _, r := range []string{"bj", "cn-hangzhou"} {
		if err := store.AddRegion(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	env := &testEnv{t: t, store: store, now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	env.svc = core.New(store, core.Config{Now: env.clock, MaxSharesPerImage: 3})
	env.handler = New(env.svc, Options{MaxBodyBytes: 4096})
	return env
}

func (e *testEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *testEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// account creates an account and returns it with its key.
func (e *testEnv) account(name string) (*imageshare.Account, *imageshare.AccessKey) {
	e.t.Helper()
	a := &imageshare.Account{Name: name}
	k, err := e.svc.CreateAccount(context.Background(), a)
	if err != nil {
		e.t.Fatalf("create account %s: %v", name, err)
	}
	return a, k
}

// image creates an image in bj unless im says otherwise.
func (e *testEnv) image(im *imageshare.Image) *imageshare.Image {
	e.t.Helper()
	if im.Region == "" {
		im.Region = "bj"
	}
	if im.Type == "" {
		im.Type = imageshare.ImageCustom
	}
	if im.Status == "" {
		im.Status = imageshare.StatusAvailable
	}
	if im.Name == "" {
		im.Name = "image " + im.ID
	}
	if im.CreatedAt.IsZero() {
		im.CreatedAt = e.clock()
	}
	if err := e.store.CreateImage(context.Background(), im); err != nil {
		e.t.Fatalf("create image %s: %v", im.ID, err)
	}
	return im
}

// signer signs requests the way the SDK does, with a settable key, time
// and expiry.
type signer struct {
	ak, sk string
	ts     time.Time
	exp    int
	host   string // default 127.0.0.1:8080
}

// newRequest builds a request signed by s.
func (s signer) newRequest(t testing.TB, method, target string, body []byte) *http.Request {
	t.Helper()
	host := s.host
	if host == "" {
		host = "127.0.0.1:8080"
	}
	r := httptest.NewRequest(method, "http://"+host+target, bytes.NewReader(body))
	s.signRequest(r, body)
	return r
}

// signRequest adds the SDK's headers to r (whose body is body) and signs it.
func (s signer) signRequest(r *http.Request, body []byte) {
	r.Header.Set("Content-Type", "application/json;charset=utf-8")
	r.Header.Set("X-Bce-Date", s.ts.UTC().Format(timestampLayout))
	r.Header.Set("X-Bce-Request-Id", kit.RequestID())
	names := []string{"content-type", "host", "x-bce-date"}
	if len(body) > 0 {
		sum := md5.Sum(body)
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		r.Header.Set("Content-Md5", base64.StdEncoding.EncodeToString(sum[:]))
		names = append(names, "content-length", "content-md5")
	}
	s.sign(r, names)
}

// sign sets the Authorization header of r over the named headers.
func (s signer) sign(r *http.Request, names []string) {
	exp := s.exp
	if exp == 0 {
		exp = 1800
	}
	a := &authorization{AccessKey: s.ak, TimestampRaw: s.ts.UTC().Format(timestampLayout), ExpireRaw: strconv.Itoa(exp), SignedHeaders: names}
	sig := signature(s.sk, a, canonicalRequest(r, r.URL.Query(), names))
	r.Header.Set("Authorization", a.prefix()+"/"+strings.Join(names, ";")+"/"+sig)
}

func (e *testEnv) signer(k *imageshare.AccessKey) signer {
	return signer{ak: k.PublicKey, sk: k.PrivateKey, ts: e.clock()}
}

// response is a served request, decoded.
type response struct {
	status    int
	requestID string
	body      []byte
	err       errorBody // for status >= 400
}

// serve runs r through the handler and checks the parts every response
// must have: the x-bce-request-id header, and for errors a BCE body whose
// requestId matches it.
func (e *testEnv) serve(r *http.Request) *response {
	e.t.Helper()
	return e.serveFor(e.t, r)
}

// serveFor is serve reporting to t (a fuzz target's own T).
func (e *testEnv) serveFor(t testing.TB, r *http.Request) *response {
	t.Helper()
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, r)
	res := &response{status: w.Code, requestID: w.Header().Get("x-bce-request-id"), body: w.Body.Bytes()}
	if res.requestID == "" {
		t.Errorf("%s %s: no x-bce-request-id header", r.Method, r.URL)
	}
	if res.status >= 400 {
		if err := json.Unmarshal(res.body, &res.err); err != nil || res.err.Code == "" {
			t.Errorf("%s %s: error body %q is not a BCE error (%v)", r.Method, r.URL, res.body, err)
		}
		if res.err.RequestID != res.requestID {
			t.Errorf("%s %s: body requestId %q, header %q", r.Method, r.URL, res.err.RequestID, res.requestID)
		}
	}
	return res
}

// expect checks the status and, for errors, the code.
func (res *response) expect(t testing.TB, status int, code string) {
	t.Helper()
	if res.status != status || res.err.Code != code {
		t.Errorf("got %d %q (%s), want %d %q", res.status, res.err.Code, res.body, status, code)
	}
}

// decode unmarshals a success body into v.
func (res *response) decode(t testing.TB, v any) {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	if err := json.Unmarshal(res.body, v); err != nil {
		t.Fatalf("decode %q: %v", res.body, err)
	}
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func shareTarget(id string, action string) string {
	return "/v2/image/" + url.PathEscape(id) + "?" + action
}

func accountIDString(a *imageshare.Account) string { return fmt.Sprint(a.ID) }

// readAll drains r's body so that a request can be served twice.
func cloneRequest(t testing.TB, r *http.Request, body []byte) *http.Request {
	t.Helper()
	c := r.Clone(context.Background())
	c.Body = io.NopCloser(bytes.NewReader(body))
	return c
}
