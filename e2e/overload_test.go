package e2e

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/baidubce/bce-sdk-go/bce"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/dialect/ucloud"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// Throttling answers per dialect: UCloud a RetCode at HTTP 200 (its SDK
// never reads a body of status >= 400), Alibaba its per-user flow
// control, Baidu 429 with a BCE error body.
var throttled = map[string]refusal{
	dUCloud: {200, strconv.Itoa(ucloud.CodeThrottled)},
	dAliyun: {400, "Throttling.User"},
	dBaidu:  {429, "TooManyRequests"},
}

// Busy answers, for a request over the server's concurrency bound.
var busy = map[string]refusal{
	dUCloud: {200, strconv.Itoa(ucloud.CodeServerBusy)},
	dAliyun: {400, "Throttling"},
	dBaidu:  {503, "ServiceUnavailable"},
}

// readOps is one cheap read per dialect.
func readOps() map[string]apiOp {
	return map[string]apiOp{
		dUCloud: ucOp("DescribeCompShareCustomImages", nil, false),
		dAliyun: alOp("DescribeImages", nil, false),
		dBaidu:  bceOp("ListImage", http.MethodGet, "/v2/image", "", "", false),
	}
}

// TestOverload_PerKeyRateLimit: with a limit of 1 request/s and bursts of
// 3, a key's fourth request at once is refused with its dialect's
// throttling error and changes nothing; another key is not affected;
// forged requests in a key's name do not spend its bucket; time refills it.
func TestOverload_PerKeyRateLimit(t *testing.T) {
	clk := &testClock{t: time.Now()} // stands still unless the test moves it
	// PostgreSQL's shared buckets run on the database's own clock, which
	// the test cannot stop: a token there takes 5 s, so that the steps
	// between "a burst of 3" and "the 4th at once" (a few milliseconds,
	// more on a loaded machine) never see one refill. At 1 token/s that
	// happened now and then under load.
	rate, tokenTime := 1.0, 1100*time.Millisecond
	if apptest.StoreKind() == "postgres" {
		rate, tokenTime = 0.2, 5200*time.Millisecond
	}
	f := newMatrixFixtureWith(t, func(c *app.Config) {
		c.RateLimitPerKey, c.RateLimitBurst, c.Now = rate, 3, clk.Now
	})
	// refill lets d pass for the limiter: the test clock for in-memory
	// buckets; the database's own clock for PostgreSQL's shared buckets.
	refill := func(d time.Duration) {
		clk.Add(d)
		if apptest.StoreKind() == "postgres" {
			time.Sleep(d)
		}
	}
	bob := strconv.FormatInt(f.bob.ID, 10)
	changes := map[string]apiOp{
		dUCloud: ucOp("ModifyCompShareImageShareAccount", map[string]string{"CompShareImageId": f.private, "AddAccounts.0": bob}, true),
		dAliyun: alOp("ModifyImageSharePermission", map[string]string{"ImageId": f.shareAliyun, "AddAccount.1": bob}, true),
		dBaidu:  bceOp("ShareImage", http.MethodPost, "/v2/image/"+f.shareBCE, "share", `{"accountId":"`+bob+`"}`, true),
	}
	for _, d := range []string{dUCloud, dAliyun, dBaidu} {
		t.Run(d, func(t *testing.T) {
			key := keyCred(f.newAliceKey(t)) // a full bucket of 3
			forged := key
			forged.corrupt = true
			for i := 0; i < 10; i++ {
				if r := send(t, f.srv.URL, readOps()[d], forged); r.ok() || r.code == throttled[d].code {
					t.Fatalf("forged request %d: %s, want a signature error", i, r)
				}
			}
			for i := 0; i < 3; i++ {
				if r := send(t, f.srv.URL, readOps()[d], key); !r.ok() {
					t.Fatalf("request %d of a burst of 3 (after 10 forged ones): %s", i+1, r)
				}
			}
			before := storeState(t, f.srv)
			r := send(t, f.srv.URL, changes[d], key)
			if w := throttled[d]; r.status != w.status || r.code != w.code {
				t.Fatalf("4th request at once: %s, want %d %s", r, w.status, w.code)
			}
			checkErrorEnvelope(t, d, "throttled", r)
			if after := storeState(t, f.srv); after != before {
				t.Fatalf("the throttled change was applied:\n%s", firstDiff(before, after))
			}
			if r := send(t, f.srv.URL, readOps()[d], keyCred(f.bobKey)); !r.ok() {
				t.Fatalf("another key after this one was throttled: %s", r)
			}
			refill(tokenTime) // one token
			if r := send(t, f.srv.URL, changes[d], key); !r.ok() {
				t.Fatalf("a token's time later: %s, want one more request through", r)
			}
			if r := send(t, f.srv.URL, readOps()[d], key); r.code != throttled[d].code {
				t.Fatalf("and then: %s, want throttled again", r)
			}
		})
	}

	// A throttled Alibaba request does not spend its nonce: the client may
	// send the very same request again later.
	t.Run("AliyunNonceKept", func(t *testing.T) {
		key := keyCred(f.newAliceKey(t))
		for i := 0; i < 3; i++ {
			send(t, f.srv.URL, readOps()[dAliyun], key)
		}
		key.nonce = "kept-" + strconv.FormatInt(time.Now().UnixNano(), 10)
		if r := send(t, f.srv.URL, readOps()[dAliyun], key); r.code != "Throttling.User" {
			t.Fatalf("want throttled, got %s", r)
		}
		refill(tokenTime)
		if r := send(t, f.srv.URL, readOps()[dAliyun], key); !r.ok() {
			t.Fatalf("the same nonce after the throttled attempt: %s", r)
		}
	})

	// What each official SDK (or the UCloud client that mirrors it) makes of it.
	t.Run("SDKs", func(t *testing.T) {
		k := f.newAliceKey(t)
		uc := ucloudclient.New(f.srv.URL, k.PublicKey, k.PrivateKey, ucloudclient.WithRegion(matrixRegion))
		al := aliyunClientIn(t, f.srv, matrixRegion, k.PublicKey, k.PrivateKey)
		bc := baiduClientWith(t, f.srv.URL, k.PublicKey, k.PrivateKey)
		bc.Config.Retry = bce.NewBackOffRetryPolicy(3, 20000, 300) // the SDK's default: 429 is not retried
		for i := 0; i < 3; i++ {
			if err := uc.Call(context.Background(), "DescribeCompShareCustomImages", nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		err := uc.Call(context.Background(), "DescribeCompShareCustomImages", nil, nil)
		if code := ucloudclient.RetCode(err); code != ucloud.CodeThrottled {
			t.Errorf("UCloud client: %v, want RetCode %d", err, ucloud.CodeThrottled)
		}
		_, err = al.DescribeImages(ecs.CreateDescribeImagesRequest())
		var se *sdkerrors.ServerError
		if !errors.As(err, &se) || se.ErrorCode() != "Throttling.User" || se.HttpStatus() != 400 {
			t.Errorf("Alibaba SDK: %v, want Throttling.User (400)", err)
		}
		// Counted by the server, not timed: the SDK must send the call once.
		sent := func() int {
			return metricSum(t, f.srv.URL, "imageshare_requests_total", `dialect="baidu"`, `code="TooManyRequests"`)
		}
		before := sent()
		_, err = bc.ListImage(nil)
		var be *bce.BceServiceError
		if !errors.As(err, &be) || be.Code != "TooManyRequests" || be.StatusCode != 429 {
			t.Errorf("Baidu SDK: %v, want TooManyRequests (429)", err)
		}
		if n := sent() - before; n != 1 {
			t.Errorf("the Baidu SDK sent the throttled call %d times: it retried a 429", n)
		}
	})
}

// newAliceKey gives alice one more enabled key (a fresh rate-limit bucket).
func (f *matrixFixture) newAliceKey(t *testing.T) *imageshare.AccessKey {
	t.Helper()
	k, err := f.srv.Svc.CreateKey(context.Background(), f.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestOverload_ConcurrencyBound: with room for one request at a time and
// that slot held (as a request being served holds it: see
// TestLimitConcurrency_SlotOnlyWhileServed in app), every other API
// request is refused in its dialect's words, without side effects, while
// /healthz, /readyz and /metrics still answer; once the slot is free,
// requests are served again. Each refusal arrives while the slot is still
// held, so it cannot have waited for it: nothing here races the clock.
func TestOverload_ConcurrencyBound(t *testing.T) {
	f := newMatrixFixtureWith(t, func(c *app.Config) { c.MaxConcurrentRequests = 1 })
	alice := keyCred(f.aliceKey)
	gate := f.srv.Main.Gate()
	if !gate.TryAcquire() {
		t.Fatal("the only slot is not free before the test takes it")
	}
	held := true
	defer func() {
		if held {
			gate.Release()
		}
	}()

	bob := strconv.FormatInt(f.bob.ID, 10)
	ops := f.ownerOps()
	ops = append(ops, ucOp("ModifyCompShareImageShareAccount", map[string]string{"CompShareImageId": f.private, "AddAccounts.0": bob}, true))
	before := storeState(t, f.srv)
	for _, op := range ops {
		r := send(t, f.srv.URL, op, alice)
		if w := busy[op.dialect]; r.status != w.status || r.code != w.code {
			t.Errorf("%s while the server is full: %s, want %d %s", op, r, w.status, w.code)
		}
		checkErrorEnvelope(t, op.dialect, op.String(), r)
		if op.dialect == dUCloud && !strings.Contains(string(r.body), `"Action":"`+op.action+`Response"`) {
			t.Errorf("%s: busy answer without the action's envelope: %s", op, r)
		}
	}
	if after := storeState(t, f.srv); after != before {
		t.Errorf("refused requests changed the store:\n%s", firstDiff(before, after))
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get(f.srv.URL + path)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("%s under overload: %v %v", path, err, resp)
		} else {
			resp.Body.Close()
		}
	}
	if n := gate.InFlight(); n != 1 {
		t.Fatalf("%d slots taken after the refusals, want only the held one", n)
	}

	gate.Release()
	held = false
	for d, op := range readOps() {
		if r := send(t, f.srv.URL, op, alice); !r.ok() {
			t.Errorf("%s after the slot was freed: %s", d, r)
		}
	}
}
