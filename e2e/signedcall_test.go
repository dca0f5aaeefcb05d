package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	bceauth "github.com/baidubce/bce-sdk-go/auth"
	bcehttp "github.com/baidubce/bce-sdk-go/http"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// Raw signed requests for the security matrices: one action of one
// dialect, signed (or mis-signed) on purpose, and its answer reduced to
// the status and the vendor's code. UCloud requests are signed by
// ucloudclient (which signs as ucloud-sdk-go does), Alibaba requests by
// signAliyun (aliyun_auth_test.go, an independent signer checked against
// the SDK there) and Baidu requests by bce-sdk-go's own BceV1Signer.

// Dialect names in the matrices.
const (
	dUCloud = "ucloud"
	dAliyun = "aliyun"
	dBaidu  = "baidu"
)

// cred says who signs a request and how it is spoiled.
type cred struct {
	keyID, secret string
	omitSignature bool          // send no signature (Baidu: no Authorization)
	corrupt       bool          // send the signature with one character changed
	skew          time.Duration // moves the signed time (Alibaba Timestamp, Baidu auth timestamp)
	expireSeconds int           // Baidu's signature window; 0 means the SDK's 1800
	nonce         string        // Alibaba SignatureNonce; "" means a fresh one
}

func keyCred(k *imageshare.AccessKey) cred { return cred{keyID: k.PublicKey, secret: k.PrivateKey} }

// apiOp is one action of one dialect with its parameters.
type apiOp struct {
	dialect string
	action  string            // UCloud/Alibaba Action; for Baidu the SDK method's name
	params  map[string]string // UCloud/Alibaba parameters besides the common ones
	method  string            // Baidu
	path    string            // Baidu, escaped
	query   string            // Baidu raw query
	body    []byte            // Baidu JSON body
	mutates bool              // a successful call changes the store
}

func (op apiOp) String() string { return op.dialect + "/" + op.action }

// reply is an answer reduced to what the matrices compare.
type reply struct {
	status  int
	code    string // UCloud RetCode in decimal ("0" on success); Alibaba/Baidu Code ("OK" on success)
	message string
	body    []byte
	header  http.Header
}

func (r reply) ok() bool { return r.code == "0" || r.code == "OK" }

func (r reply) String() string {
	b := r.body
	if len(b) > 300 {
		b = append(b[:300:300], "..."...)
	}
	return fmt.Sprintf("%d %s %s", r.status, r.code, b)
}

// send signs op with c and sends it to srv.
func send(t testing.TB, baseURL string, op apiOp, c cred) reply {
	t.Helper()
	var req *http.Request
	switch op.dialect {
	case dUCloud:
		req = ucloudRequest(t, baseURL, op, c)
	case dAliyun:
		req = aliyunRequest(t, baseURL, op, c)
	case dBaidu:
		req = baiduRequest(t, baseURL, op, c)
	default:
		t.Fatalf("unknown dialect %q", op.dialect)
	}
	return doReply(t, op.dialect, req)
}

func doReply(t testing.TB, dialect string, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	return parseReply(dialect, resp.StatusCode, resp.Header, body)
}

// parseReply extracts the vendor code of an answer.
func parseReply(dialect string, status int, header http.Header, body []byte) reply {
	r := reply{status: status, body: body, header: header}
	switch dialect {
	case dUCloud:
		var env struct {
			RetCode *int
			Message string
		}
		if json.Unmarshal(body, &env) == nil && env.RetCode != nil {
			r.code, r.message = strconv.Itoa(*env.RetCode), env.Message
		}
	case dAliyun, dBaidu: // Code/Message, code/message: JSON keys match either case
		var env struct{ Code, Message string }
		if status < 400 {
			r.code = "OK"
		} else if json.Unmarshal(body, &env) == nil {
			r.code, r.message = env.Code, env.Message
		}
	}
	return r
}

// spoil changes one character of a signature, keeping its alphabet.
func spoil(sig string) string {
	if sig == "" {
		return "0"
	}
	b := []byte(sig)
	i := len(b) / 2
	if b[i] == '0' {
		b[i] = '1'
	} else {
		b[i] = '0'
	}
	return string(b)
}

func ucloudRequest(t testing.TB, baseURL string, op apiOp, c cred) *http.Request {
	t.Helper()
	form := map[string]string{"Action": op.action, "Region": ucRegion, "PublicKey": c.keyID}
	for k, v := range op.params {
		form[k] = v
	}
	sig := ucloudclient.SignForm(form, c.secret)
	values := url.Values{}
	for k, v := range form {
		values.Set(k, v)
	}
	switch {
	case c.omitSignature:
	case c.corrupt:
		values.Set("Signature", spoil(sig))
	default:
		values.Set("Signature", sig)
	}
	req, err := http.NewRequest(http.MethodPost, baseURL+"/?Action="+url.QueryEscape(op.action), strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", ucloudclient.DefaultUserAgent())
	return req
}

func aliyunRequest(t testing.TB, baseURL string, op apiOp, c cred) *http.Request {
	t.Helper()
	p := map[string]string{"Action": op.action, "RegionId": aliyunRegion,
		"Timestamp": time.Now().Add(c.skew).UTC().Format("2006-01-02T15:04:05Z")}
	if c.nonce != "" {
		p["SignatureNonce"] = c.nonce
	}
	for k, v := range op.params {
		p[k] = v
	}
	signAliyun(http.MethodPost, p, c.keyID, c.secret)
	switch {
	case c.omitSignature:
		delete(p, "Signature")
	case c.corrupt:
		p["Signature"] = spoil(p["Signature"])
	}
	req, err := http.NewRequest(http.MethodPost, baseURL+"/?"+encodeValues(p), nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// baiduRequest builds a BCC request and signs it with the SDK's signer,
// over the headers the SDK signs by default.
func baiduRequest(t testing.TB, baseURL string, op apiOp, c cred) *http.Request {
	t.Helper()
	host := strings.TrimPrefix(baseURL, "http://")
	breq := &bcehttp.Request{}
	breq.SetMethod(op.method)
	// The signer encodes the path itself: give it the decoded one.
	path, err := url.PathUnescape(op.path)
	if err != nil {
		t.Fatalf("path %q: %v", op.path, err)
	}
	breq.SetUri(path)
	q, err := url.ParseQuery(op.query)
	if err != nil {
		t.Fatalf("query %q: %v", op.query, err)
	}
	for k, vs := range q {
		breq.SetParam(k, vs[0])
	}
	ts := time.Now().Add(c.skew).UTC()
	breq.SetHeader("Host", host)
	breq.SetHeader("x-bce-date", ts.Format("2006-01-02T15:04:05Z"))
	// A fresh request id, as the SDK sends: the dialect takes a request
	// with the same signature and id for the SDK's retry of it.
	var id [16]byte
	_, _ = rand.Read(id[:])
	breq.SetHeader("x-bce-request-id", hex.EncodeToString(id[:]))
	if op.body != nil {
		breq.SetHeader("Content-Type", "application/json;charset=utf-8")
		breq.SetHeader("Content-Length", strconv.Itoa(len(op.body)))
	}
	expire := c.expireSeconds
	if expire == 0 {
		expire = 1800
	}
	signer := &bceauth.BceV1Signer{}
	signer.Sign(breq, &bceauth.BceCredentials{AccessKeyId: c.keyID, SecretAccessKey: c.secret},
		&bceauth.SignOptions{HeadersToSign: bceauth.DEFAULT_HEADERS_TO_SIGN, Timestamp: ts.Unix(), ExpireSeconds: expire})

	target := baseURL + op.path
	if qs := breq.QueryString(); qs != "" {
		target += "?" + qs
	}
	var body io.Reader
	if op.body != nil {
		body = bytes.NewReader(op.body)
	}
	req, err := http.NewRequest(op.method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range breq.Headers() {
		if k != "Host" && k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	switch {
	case c.omitSignature:
		req.Header.Del("Authorization")
	case c.corrupt:
		a := req.Header.Get("Authorization")
		i := strings.LastIndexByte(a, '/') + 1
		req.Header.Set("Authorization", a[:i]+spoil(a[i:]))
	}
	return req
}

// storeState renders everything a tenant call could change: every image
// with all its fields, every share, every account and key. Two equal
// renderings mean no call in between had a side effect.
func storeState(t testing.TB, srv *apptest.Server) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	images, _, err := srv.Store.FindImages(ctx, imageshare.ImageFilter{Scope: imageshare.ScopeAll, Page: imageshare.Page{Limit: 100000}})
	if err != nil {
		t.Fatalf("snapshot images: %v", err)
	}
	sort.Slice(images, func(i, j int) bool { return images[i].ID < images[j].ID })
	for _, im := range images {
		fmt.Fprintf(&b, "image %+v\n", *im)
		shares, _, err := srv.Store.ListShares(ctx, im.ID, imageshare.Page{Limit: 100000})
		if err != nil {
			t.Fatalf("snapshot shares of %s: %v", im.ID, err)
		}
		for _, s := range shares {
			fmt.Fprintf(&b, "  share %d by %d at %s\n", s.AccountID, s.SharedBy, s.SharedAt.UTC().Format(time.RFC3339Nano))
		}
	}
	accounts, _, err := srv.Store.ListAccounts(ctx, imageshare.Page{Limit: 100000})
	if err != nil {
		t.Fatalf("snapshot accounts: %v", err)
	}
	for _, a := range accounts {
		fmt.Fprintf(&b, "account %+v\n", *a)
		keys, err := srv.Store.ListAccessKeys(ctx, a.ID)
		if err != nil {
			t.Fatalf("snapshot keys: %v", err)
		}
		for _, k := range keys {
			fmt.Fprintf(&b, "  key %s enabled=%v\n", k.PublicKey, k.Enabled)
		}
		ins, _, err := srv.Store.FindInstances(ctx, imageshare.InstanceFilter{OwnerID: a.ID})
		if err != nil {
			t.Fatalf("snapshot instances: %v", err)
		}
		for _, in := range ins {
			fmt.Fprintf(&b, "  instance %+v\n", *in)
		}
	}
	return b.String()
}

// firstDiff shows where two store renderings part, for failure messages.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("before: %q\n after: %q", x, y)
		}
	}
	return "(same)"
}
