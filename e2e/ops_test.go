package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// End-to-end tests of the operational surface: health and readiness,
// metrics after a known sequence of calls, and request logs that never
// carry a key or a signature.

// httpGet returns the status and body of GET url.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestOps_HealthAndReadiness(t *testing.T) {
	srv := apptest.Start(t)
	if code, body := httpGet(t, srv.URL+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz = %d %q, want 200 ok", code, body)
	}
	if code, body := httpGet(t, srv.URL+"/readyz"); code != 200 || body != "ready\n" {
		t.Fatalf("/readyz = %d %q, want 200 ready", code, body)
	}
	// The store goes away under the running server: the replica is still
	// alive (restarting it would not help) but must leave the rotation.
	if err := srv.Main.Store.Close(); err != nil {
		t.Fatal(err)
	}
	if code, body := httpGet(t, srv.URL+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "not ready") {
		t.Fatalf("/readyz with the store closed = %d %q, want 503 not ready", code, body)
	}
	if code, _ := httpGet(t, srv.URL+"/healthz"); code != 200 {
		t.Fatalf("/healthz with the store closed = %d, want 200", code)
	}
	code, body := httpGet(t, srv.URL+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics with the store closed = %d, want 200 (the store gauges are left out)", code)
	}
	m := parseMetrics(t, body)
	m.want(t, "imageshare_store_up", nil, 0)
	m.absent(t, "imageshare_shares", nil)
}

// syncBuffer is a log destination several goroutines write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startLogged starts a server logging JSON at debug level (every line any
// part of the server writes) into the returned buffer.
func startLogged(t *testing.T) (*apptest.Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	srv := apptest.Start(t, func(c *app.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	return srv, logs
}

// logLines decodes the JSON log lines.
func logLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l map[string]any
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

// exchange is one request as a client sent it, and the answer.
type exchange struct {
	method, rawQuery string
	header           http.Header
	body             []byte
	respHeader       http.Header
	respBody         []byte
}

// recorder is a reverse proxy in front of a server that keeps every
// exchange, so a test can see the exact keys and signatures the official
// clients sent. It keeps the client's Host header, which Baidu signs.
type recorder struct {
	URL string
	mu  sync.Mutex
	ex  []exchange
}

func startRecorder(t *testing.T, target string) *recorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.Out.Host = pr.In.Host
	}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		cw := httptest.NewRecorder()
		proxy.ServeHTTP(cw, r)
		rec.mu.Lock()
		rec.ex = append(rec.ex, exchange{method: r.Method, rawQuery: r.URL.RawQuery, header: r.Header.Clone(),
			body: body, respHeader: cw.Header().Clone(), respBody: cw.Body.Bytes()})
		rec.mu.Unlock()
		for k, v := range cw.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(cw.Code)
		_, _ = w.Write(cw.Body.Bytes())
	}))
	t.Cleanup(ts.Close)
	rec.URL = ts.URL
	return rec
}

func (r *recorder) exchanges() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.ex...)
}

// secrets returns what must never be logged from one exchange: the
// signatures in the query and the form body, the Authorization header,
// and the raw query and body (which pair each PublicKey with its
// Signature).
func (e exchange) secrets() []string {
	var out []string
	add := func(s string) {
		if len(s) >= 8 {
			out = append(out, s)
		}
	}
	q, _ := url.ParseQuery(e.rawQuery)
	add(q.Get("Signature"))
	add(e.rawQuery)
	if form, err := url.ParseQuery(string(e.body)); err == nil {
		add(form.Get("Signature"))
	}
	var js map[string]any
	if json.Unmarshal(e.body, &js) == nil {
		if s, ok := js["Signature"].(string); ok {
			add(s)
		}
	}
	add(string(e.body))
	if a := e.header.Get("Authorization"); a != "" {
		add(a)
		add(a[strings.LastIndex(a, "/")+1:])
	}
	return out
}

// requestID is the id the server gave the exchange, in each vendor's place.
func (e exchange) requestID() string {
	if id := e.respHeader.Get("X-UCLOUD-REQUEST-UUID"); id != "" {
		return id
	}
	if id := e.respHeader.Get("X-Bce-Request-Id"); id != "" {
		return id
	}
	var body struct{ RequestId string }
	_ = json.Unmarshal(e.respBody, &body)
	return body.RequestId
}

func TestOps_RequestLogsCarryNoSecrets(t *testing.T) {
	srv, logs := startLogged(t)
	rec := startRecorder(t, srv.URL)
	owner, key := srv.Account(t, "")
	friend, _ := srv.Account(t, "")
	ctx := context.Background()
	wrong := "wrong-" + key.PrivateKey

	// UCloud: a success, a signature mismatch, a JSON body.
	ucImage := srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Region: ucRegion})
	uc := ucloudclient.New(rec.URL, key.PublicKey, key.PrivateKey, ucloudclient.WithRegion(ucRegion))
	if err := uc.Call(ctx, "ModifyCompShareImageShareAccount", map[string]any{
		"CompShareImageId": ucImage.ID, "AddAccounts": []int64{friend.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	ucJSON := ucloudclient.New(rec.URL, key.PublicKey, key.PrivateKey, ucloudclient.WithRegion(ucRegion), ucloudclient.WithJSON())
	if err := ucJSON.Call(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": ucImage.ID}, nil); err != nil {
		t.Fatal(err)
	}
	ucBad := ucloudclient.New(rec.URL, key.PublicKey, wrong, ucloudclient.WithRegion(ucRegion))
	var rce *ucloudclient.RetCodeError
	if err := ucBad.Call(ctx, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": ucImage.ID}, nil); !errors.As(err, &rce) || rce.RetCode != 171 {
		t.Fatalf("wrong key: %v, want RetCode 171", err)
	}

	// Alibaba: a success and a signature mismatch (whose message carries
	// the string to sign).
	alImage := customImage(t, srv, owner, aliyunRegion)
	al := aliyunClientIn(t, &apptest.Server{URL: rec.URL}, aliyunRegion, key.PublicKey, key.PrivateKey)
	mustOK(t, modifyShares(al, alImage.ID, []string{idString(friend.ID)}, nil))
	alBad := aliyunClientIn(t, &apptest.Server{URL: rec.URL}, aliyunRegion, key.PublicKey, wrong)
	_, err := describeShares(alBad, alImage.ID, 0, 0)
	wantAliyunError(t, err, "SignatureDoesNotMatch", http.StatusBadRequest)

	// Baidu: a success and a signature mismatch.
	bdImage := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
	bd := baiduClientWith(t, rec.URL, key.PublicKey, key.PrivateKey)
	baiduOK(t, bd.ShareImage(bdImage.ID, &api.SharedUser{AccountId: accountID(friend)}))
	bdBad := baiduClientWith(t, rec.URL, key.PublicKey, wrong)
	_, err = bdBad.GetImageSharedUser(bdImage.ID)
	wantBceError(t, err, "SignatureDoesNotMatch", http.StatusBadRequest)

	exchanges := rec.exchanges()
	if len(exchanges) != 7 {
		t.Fatalf("%d requests went through the proxy, want 7 (no client retried)", len(exchanges))
	}
	text := logs.String()
	for _, secret := range append([]string{key.PrivateKey, wrong}, func() []string {
		var all []string
		for _, e := range exchanges {
			all = append(all, e.secrets()...)
		}
		return all
	}()...) {
		if strings.Contains(text, secret) {
			t.Errorf("the logs contain a secret %q:\n%s", secret, text)
		}
	}
	if strings.Contains(text, "bce-auth-v1") || strings.Contains(strings.ToLower(text), "authorization") {
		t.Errorf("the logs mention the Authorization header:\n%s", text)
	}

	// One request line per request, with what the dialect knew.
	byID := map[string]map[string]any{}
	for _, l := range logLines(t, text) {
		if l["msg"] == "http request" && l["dialect"] != "" {
			id, _ := l["request_id"].(string)
			if byID[id] != nil {
				t.Errorf("two request lines for %s", id)
			}
			byID[id] = l
		}
	}
	if len(byID) != len(exchanges) {
		t.Errorf("%d request lines for %d requests:\n%s", len(byID), len(exchanges), text)
	}
	want := []struct {
		dialect, action string
		account         int64
		code            string
	}{
		{"ucloud", "ModifyCompShareImageShareAccount", owner.ID, "0"},
		{"ucloud", "DescribeCompShareImageShareAccounts", owner.ID, "0"},
		{"ucloud", "DescribeCompShareImageShareAccounts", 0, "171"},
		{"aliyun", "ModifyImageSharePermission", owner.ID, "OK"},
		{"aliyun", "DescribeImageSharePermission", 0, "SignatureDoesNotMatch"},
		{"baidu", "ShareImage", owner.ID, "OK"},
		{"baidu", "GetImageSharedUser", 0, "SignatureDoesNotMatch"},
	}
	for i, e := range exchanges {
		id := e.requestID()
		l := byID[id]
		if id == "" || l == nil {
			t.Errorf("request %d (%s): no log line for request id %q", i, want[i].action, id)
			continue
		}
		w := want[i]
		if l["dialect"] != w.dialect || l["action"] != w.action || l["account"] != float64(w.account) || l["code"] != w.code {
			t.Errorf("request %d: logged dialect=%v action=%v account=%v code=%v; want %s %s %d %s",
				i, l["dialect"], l["action"], l["account"], l["code"], w.dialect, w.action, w.account, w.code)
		}
		if l["level"] != "INFO" {
			t.Errorf("request %d: level %v, want INFO", i, l["level"])
		}
		if ms, ok := l["latency_ms"].(float64); !ok || ms < 0 || ms > float64(time.Minute.Milliseconds()) {
			t.Errorf("request %d: latency_ms %v", i, l["latency_ms"])
		}
	}
}
