// Package ucloudclient is a small UCloud API client that encodes, signs and
// decodes as the official ucloud-sdk-go does (modelled on v0.22.98; the
// SDK, v0.22.123, is on the module proxy and e2e/ucloud_sdk_test.go drives
// every served action through its typed services/ucompshare client, in form
// and JSON mode). It stays for what the SDK cannot do:
//
//   - send what the SDK never would: parameters as an arbitrary map (unknown
//     names, wrong types, a list index of 100), a chosen key for a forged or
//     corrupt signature, pre-signed requests replayed by the benchmark;
//   - show the raw answer (Do returns status, headers and body): the
//     X-UCLOUD-REQUEST-UUID header, and keys the SDK's structs do not declare
//     (PublishCompShareImage's CompShareImageId, GroupId and VersionName,
//     seed 002's CompshareImageGroup beside the SDK's ImageSetGroup);
//   - serve the CLI and the benchmark with context-aware calls and no
//     logging of its own (the SDK logs every RetCode error at warning level).
//
// What it imitates of the SDK:
//
//   - a POST to the base URL plus ?Action=<Action> (the SDK repeats Action in
//     the query for its logs; imageshare routes by it, the dialect reads
//     only the body);
//   - a form body by default, or JSON with WithJSON, both signed with SHA-1
//     (see SignForm and SignJSON);
//   - the SDK's User-Agent, "GO/<go version> GO-SDK/0.22.98 Product/UCompShare";
//   - the SDK's strict response handling: HTTP >= 400 is an error whose body
//     is never read, the body is decoded with plain encoding/json into the
//     caller's struct (types must match exactly), and RetCode != 0 is a
//     *RetCodeError.
//
// It does not retry (the SDK's default, MaxRetries 0).
package ucloudclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"time"
)

// SDKVersion is the ucloud-sdk-go version this client imitates.
const SDKVersion = "0.22.98"

// DefaultUserAgent is the User-Agent ucloud-sdk-go sends for UCompShare.
func DefaultUserAgent() string {
	return "GO/" + runtime.Version() + " GO-SDK/" + SDKVersion + " Product/UCompShare"
}

// Client calls one UCloud endpoint with one key pair. It is safe for
// concurrent use.
type Client struct {
	baseURL    string
	publicKey  string
	privateKey string
	region     string
	userAgent  string
	json       bool
	http       *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithRegion sets the Region sent when a call's params have none (the
// SDK's Config.Region).
func WithRegion(region string) Option { return func(c *Client) { c.region = region } }

// WithJSON sends JSON bodies signed with the JSON variant of the signature,
// as the SDK does after req.SetEncoder(request.NewJSONEncoder(...)).
func WithJSON() Option { return func(c *Client) { c.json = true } }

// WithUserAgent replaces the whole User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithHTTPClient sets the HTTP client (default: one with the SDK's 30 s
// timeout).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// New returns a client for baseURL ("http://127.0.0.1:PORT", optionally
// with a path) signing with the given key pair.
func New(baseURL, publicKey, privateKey string, opts ...Option) *Client {
	c := &Client{
		baseURL:    baseURL,
		publicKey:  publicKey,
		privateKey: privateKey,
		userAgent:  DefaultUserAgent(),
		http:       &http.Client{Timeout: 30 * time.Second},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Response is a raw HTTP response, for tests that look past what the SDK
// would show (the exact JSON types, the status code).
type Response struct {
	StatusCode  int
	Header      http.Header
	Body        []byte
	RequestUUID string // the X-UCLOUD-REQUEST-UUID header
}

// Body returns the request body and its Content-Type for action and
// params, encoded and signed as the SDK would. Action, the client's
// Region (unless params has one) and PublicKey are added.
func (c *Client) Body(action string, params map[string]any) ([]byte, string, error) {
	all := make(map[string]any, len(params)+3)
	all["Action"] = action
	if c.region != "" {
		all["Region"] = c.region
	}
	maps.Copy(all, params)
	if c.json {
		payload, err := EncodeJSON(all)
		if err != nil {
			return nil, "", err
		}
		if c.publicKey != "" {
			payload["PublicKey"] = c.publicKey
		}
		payload["Signature"] = SignJSON(payload, c.privateKey)
		body, err := json.Marshal(payload)
		return body, "application/json", err
	}
	form, err := EncodeForm(all)
	if err != nil {
		return nil, "", err
	}
	if c.publicKey != "" {
		form["PublicKey"] = c.publicKey
	}
	form["Signature"] = SignForm(form, c.privateKey)
	values := url.Values{}
	for k, v := range form {
		values.Set(k, v)
	}
	return []byte(values.Encode()), "application/x-www-form-urlencoded", nil
}

// NewRequest returns the HTTP request the SDK would send for action.
func (c *Client) NewRequest(ctx context.Context, action string, params map[string]any) (*http.Request, error) {
	body, contentType, err := c.Body(action, params)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(c.baseURL)
	if err != nil {
		return nil, fmt.Errorf("ucloudclient: base URL: %w", err)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	q := u.Query()
	q.Set("Action", action)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("U-Timestamp-Ms", strconv.FormatInt(time.Now().UnixMilli(), 10))
	return req, nil
}

// Do sends action and returns the raw response, whatever its status.
func (c *Client) Do(ctx context.Context, action string, params map[string]any) (*Response, error) {
	req, err := c.NewRequest(ctx, action, params)
	if err != nil {
		return nil, err
	}
	return c.Send(req)
}

// Send sends a prepared (possibly altered) request and reads the response.
func (c *Client) Send(req *http.Request) (*Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{
		StatusCode:  resp.StatusCode,
		Header:      resp.Header,
		Body:        body,
		RequestUUID: resp.Header.Get("X-UCLOUD-REQUEST-UUID"),
	}, nil
}

// Call sends action with params and decodes the response into out (a
// pointer to one of the response types, or nil) as the SDK does; see
// Decode.
func (c *Client) Call(ctx context.Context, action string, params map[string]any, out any) error {
	resp, err := c.Do(ctx, action, params)
	if err != nil {
		return err
	}
	return Decode(resp, out)
}

// retCodePatch is the SDK's one leniency: a RetCode sent as a string of
// digits is rewritten as a number before decoding.
var retCodePatch = regexp.MustCompile(`"RetCode":\s?"(\d+)"`)

// Decode classifies resp as the SDK does, in this order: HTTP status >= 400
// (*HTTPStatusError, body unread), empty body (ErrEmptyBody), a body that
// does not decode into out or into the common fields (*BodyError), then
// RetCode != 0 (*RetCodeError). out may be nil.
func Decode(resp *Response, out any) error {
	if resp.StatusCode >= 400 {
		return &HTTPStatusError{StatusCode: resp.StatusCode}
	}
	if len(resp.Body) == 0 {
		return ErrEmptyBody
	}
	body := retCodePatch.ReplaceAll(resp.Body, []byte(`"RetCode": $1`))
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return &BodyError{Err: err, Body: string(resp.Body)}
		}
	}
	var common CommonBase
	if err := json.Unmarshal(body, &common); err != nil {
		return &BodyError{Err: err, Body: string(resp.Body)}
	}
	if common.RetCode != 0 {
		return &RetCodeError{RetCode: common.RetCode, Message: common.Message, RequestUUID: resp.RequestUUID}
	}
	return nil
}
