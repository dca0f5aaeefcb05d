package ucloudclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// The worked example of docs/protocols.md section 1.3, computed by the SDK itself.
func TestSignForm_ProtocolsExample(t *testing.T) {
	form, err := EncodeForm(map[string]any{
		"Action":           "ModifyCompShareImageShareAccount",
		"Region":           "cn-wlcb",
		"CompShareImageId": "compshareImage-abc",
		"AddAccounts":      []int{123, 456},
		"RemoveAccounts":   []int{789},
	})
	if err != nil {
		t.Fatal(err)
	}
	form["PublicKey"] = "PUBKEY-EXAMPLE"
	const wantString = "ActionModifyCompShareImageShareAccountAddAccounts.0123AddAccounts.1456CompShareImageIdcompshareImage-abcPublicKeyPUBKEY-EXAMPLERegioncn-wlcbRemoveAccounts.0789"
	if got := FormSigningString(form); got != wantString {
		t.Errorf("signing string\n got %s\nwant %s", got, wantString)
	}
	if got, want := SignForm(form, "PRIVKEY-EXAMPLE"), "064f3b2c89e4369edabc69b7e72cbd7f58a4edc8"; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
	// A Signature already in the form does not take part.
	form["Signature"] = "whatever"
	if got := FormSigningString(form); got != wantString {
		t.Errorf("signing string with Signature present = %s", got)
	}
}

// The JSON variant of docs/protocols.md section 1.3: arrays concatenated without
// indexes, a nil slice as "" with its key kept.
func TestSignJSON_ProtocolsExample(t *testing.T) {
	payload, err := EncodeJSON(map[string]any{
		"Action":           "ModifyCompShareImageShareAccount",
		"AddAccounts":      []int{123, 456},
		"CompShareImageId": "x",
		"RemoveAccounts":   []int(nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	payload["PublicKey"] = "PUB"
	payload["SecurityToken"] = "TOK"
	got := JSONSigningString(payload) + "PRIV"
	want := "ActionModifyCompShareImageShareAccount" + "AddAccounts123456CompShareImageIdxPublicKeyPUBRemoveAccountsSecurityTokenTOKPRIV"
	if got != want {
		t.Errorf("signing string\n got %s\nwant %s", got, want)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `"RemoveAccounts":null`) {
		t.Errorf("nil slice not sent as null: %s", body)
	}
	if got, want := SignJSON(payload, "PRIV"), sha1Hex(want); got != want {
		t.Errorf("SignJSON = %s, want %s", got, want)
	}
}

func TestSignJSON_Nested(t *testing.T) {
	payload := map[string]any{
		"B":         map[string]any{"Z": true, "A": 1.5},
		"A":         []any{map[string]any{"Y": "y", "X": int64(2)}, "s"},
		"N":         nil,
		"Signature": "ignored",
	}
	if got, want := JSONSigningString(payload), "AX2YysBA1.5ZtrueN"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

type disk struct {
	IsBoot bool
	Size   int
	Type   *string
}

type software struct {
	CUDAVersion string
	Application []string
}

func TestEncodeForm(t *testing.T) {
	ssd := "CLOUD_SSD"
	var nilString *string
	got, err := EncodeForm(map[string]any{
		"Name":       "img",
		"Empty":      "",
		"NilPointer": nilString,
		"Nil":        nil,
		"NilSlice":   []int(nil),
		"Price":      42.0,
		"Ratio":      1.5,
		"Huge":       1e21,
		"Count":      ptr(7),
		"On":         true,
		"Off":        ptr(false),
		"Tags":       []*string{ptr("a"), nil, ptr("b"), ptr("")},
		"Disks":      []disk{{IsBoot: true, Size: 40, Type: &ssd}, {Size: 100}},
		"Softwares":  &software{CUDAVersion: "12.1", Application: []string{"jupyter"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Name":                    "img",
		"Price":                   "42",
		"Ratio":                   "1.5",
		"Huge":                    "1000000000000000000000",
		"Count":                   "7",
		"On":                      "true",
		"Off":                     "false",
		"Tags.0":                  "a",
		"Tags.1":                  "b",
		"Disks.0.IsBoot":          "true",
		"Disks.0.Size":            "40",
		"Disks.0.Type":            "CLOUD_SSD",
		"Disks.1.IsBoot":          "false",
		"Disks.1.Size":            "100",
		"Softwares.CUDAVersion":   "12.1",
		"Softwares.Application.0": "jupyter",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EncodeForm\n got %v\nwant %v", got, want)
	}
	if _, err := EncodeForm(map[string]any{"X": [][]int{{1}}}); err == nil {
		t.Error("a list of lists was form-encoded")
	}
	if _, err := EncodeForm(map[string]any{"X": make(chan int)}); err == nil {
		t.Error("a channel was encoded")
	}
}

func ptr[T any](v T) *T { return &v }

func TestClient_Request(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("X-UCLOUD-REQUEST-UUID", "uuid-1")
		_, _ = w.Write([]byte(`{"Action":"XResponse","RetCode":0,"InvalidAccounts":[5]}`))
	}))
	defer srv.Close()

	c := New(srv.URL+"/api", "PUB", "PRIV", WithRegion("cn-wlcb"))
	var out ModifyCompShareImageShareAccountResponse
	if err := c.Call(context.Background(), "ModifyCompShareImageShareAccount", map[string]any{
		"CompShareImageId": "img", "AddAccounts": []int{1, 2},
	}, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out.InvalidAccounts, []int{5}) {
		t.Errorf("InvalidAccounts = %v", out.InvalidAccounts)
	}
	if got.Method != http.MethodPost || got.URL.Path != "/api" || got.URL.Query().Get("Action") != "ModifyCompShareImageShareAccount" {
		t.Errorf("request line: %s %s", got.Method, got.URL)
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	if ua := got.Header.Get("User-Agent"); !strings.HasPrefix(ua, "GO/go") || !strings.HasSuffix(ua, " GO-SDK/0.22.98 Product/UCompShare") {
		t.Errorf("User-Agent = %q", ua)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	flat := map[string]string{}
	for k, v := range form {
		flat[k] = v[0]
	}
	for k, v := range map[string]string{"Action": "ModifyCompShareImageShareAccount", "Region": "cn-wlcb", "PublicKey": "PUB", "AddAccounts.0": "1", "AddAccounts.1": "2"} {
		if flat[k] != v {
			t.Errorf("form %s = %q, want %q", k, flat[k], v)
		}
	}
	if flat["Signature"] != SignForm(flat, "PRIV") {
		t.Errorf("form signature %s does not verify", flat["Signature"])
	}

	// JSON variant, another User-Agent, Region overridden by params.
	c = New(srv.URL, "PUB", "PRIV", WithRegion("cn-wlcb"), WithJSON(), WithUserAgent("curl/8"))
	if err := c.Call(context.Background(), "DescribeCompShareImages", map[string]any{"Region": "bj", "Limit": 5}, nil); err != nil {
		t.Fatal(err)
	}
	if got.URL.Path != "/" || got.Header.Get("Content-Type") != "application/json" || got.Header.Get("User-Agent") != "curl/8" {
		t.Errorf("JSON request: %s %q %q", got.URL, got.Header.Get("Content-Type"), got.Header.Get("User-Agent"))
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var payload map[string]any
	if err := dec.Decode(&payload); err != nil {
		t.Fatal(err)
	}
	if payload["Region"] != "bj" || payload["Limit"] != json.Number("5") || payload["PublicKey"] != "PUB" {
		t.Errorf("JSON payload = %v", payload)
	}
	if payload["Signature"] != SignJSON(payload, "PRIV") {
		t.Errorf("JSON signature does not verify: %v", payload)
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		check  func(error) bool
	}{
		{"ok", 200, `{"RetCode":0,"AccountSet":[{"AccountId":"1","AccountName":"a"}]}`, func(err error) bool { return err == nil }},
		{"status ignores body", 500, `{"RetCode":230,"Message":"x"}`, func(err error) bool {
			var e *HTTPStatusError
			return errors.As(err, &e) && e.StatusCode == 500
		}},
		{"empty", 200, ``, func(err error) bool { return errors.Is(err, ErrEmptyBody) }},
		{"number into string", 200, `{"RetCode":0,"AccountSet":[{"AccountId":12345}]}`, func(err error) bool {
			var e *BodyError
			return errors.As(err, &e) && strings.Contains(e.Error(), "cannot unmarshal number")
		}},
		{"retcode", 200, `{"RetCode":230,"Message":"Params [X] not available"}`, func(err error) bool {
			var e *RetCodeError
			return errors.As(err, &e) && e.RetCode == 230 && e.Message == "Params [X] not available" && !e.Retryable()
		}},
		{"retcode as string is patched", 200, `{"RetCode":"2001","Message":"busy"}`, func(err error) bool {
			return RetCode(err) == 2001 && err.(*RetCodeError).Retryable()
		}},
		{"retcode as float", 200, `{"RetCode":1.5}`, func(err error) bool {
			var e *BodyError
			return errors.As(err, &e)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out DescribeCompShareImageShareAccountsResponse
			err := Decode(&Response{StatusCode: tt.status, Body: []byte(tt.body)}, &out)
			if !tt.check(err) {
				t.Errorf("Decode error = %v (%T)", err, err)
			}
		})
	}
}
