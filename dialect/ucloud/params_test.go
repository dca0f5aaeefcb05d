package ucloud

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// code returns the RetCode of an *apiError, 0 for nil and -1 otherwise.
func code(err error) int {
	if err == nil {
		return 0
	}
	var e *apiError
	if errors.As(err, &e) {
		c, _ := strconv.Atoi(e.Code)
		return c
	}
	return -1
}

func TestDecodeForm(t *testing.T) {
	long := strings.Repeat("x", maxValueBytes+1)
	tests := []struct {
		name     string
		body     string
		want     map[string]string // nil when an error is expected
		wantCode int
		inMsg    string
	}{
		{name: "sdk request", body: "Action=ModifyCompShareImageShareAccount&AddAccounts.0=1&AddAccounts.1=2&Region=cn-wlcb&Signature=abc",
			want: map[string]string{"Action": "ModifyCompShareImageShareAccount", "AddAccounts.0": "1", "AddAccounts.1": "2", "Region": "cn-wlcb"}},
		{name: "escaped values", body: "Name=a+b%26c%3D%E4%B8%AD&Empty=",
			want: map[string]string{"Name": "a b&c=中", "Empty": ""}},
		{name: "empty body", body: "", want: map[string]string{}},
		{name: "bad escape", body: "Action=%zz", wantCode: CodeMalformedBody, inMsg: "Malformed form body"},
		{name: "duplicate", body: "Region=a&Region=b", wantCode: CodeInvalidParams, inMsg: "Params [Region] not available: given more than once"},
		{name: "empty name", body: "=x", wantCode: CodeInvalidParams, inMsg: "empty parameter name"},
		{name: "long name", body: strings.Repeat("N", maxNameBytes+1) + "=1", wantCode: CodeInvalidParams, inMsg: "longer than 256 bytes"},
		{name: "long value", body: "Name=" + long, wantCode: CodeInvalidParams, inMsg: "Params [Name] not available: value longer than 65536 bytes"},
		{name: "index 100", body: "AddAccounts.100=1", wantCode: CodeInvalidParams, inMsg: "at most 100 elements"},
		{name: "index 99", body: "AddAccounts.99=1", want: map[string]string{"AddAccounts.99": "1"}},
		{name: "nested index 100", body: "Disks.100.Size=1", wantCode: CodeInvalidParams, inMsg: "Params [Disks.100.Size]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := decodeForm([]byte(tt.body))
			if got := code(err); got != tt.wantCode {
				t.Fatalf("RetCode = %d (%v), want %d", got, err, tt.wantCode)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.inMsg) {
					t.Errorf("message %q does not contain %q", err, tt.inMsg)
				}
				return
			}
			if !reflect.DeepEqual(pl.params.values, tt.want) {
				t.Errorf("values = %v, want %v", pl.params.values, tt.want)
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	deep := `{"A":` + strings.Repeat(`[`, 200) + strings.Repeat(`]`, 200) + `}`
	big := `{"A":[` + strings.TrimSuffix(strings.Repeat(`1,`, 101), ",") + `]}`
	tests := []struct {
		name     string
		body     string
		want     map[string]string
		wantSig  string
		wantCode int
		inMsg    string
	}{
		{name: "sdk request",
			body: `{"Action":"ModifyCompShareImageShareAccount","AddAccounts":[1,2],"RemoveAccounts":null,"Region":"cn-wlcb","PublicKey":"PUB","Signature":"s1"}`,
			want: map[string]string{"Action": "ModifyCompShareImageShareAccount", "AddAccounts.0": "1", "AddAccounts.1": "2", "Region": "cn-wlcb", "PublicKey": "PUB"}, wantSig: "s1"},
		{name: "nested",
			body: `{"Softwares":{"CUDAVersion":"12.1","Applications":["jupyter","vscode"]},"Disks":[{"IsBoot":true,"Size":40}],"Price":1.50,"Big":12345678901234567890}`,
			want: map[string]string{"Softwares.CUDAVersion": "12.1", "Softwares.Applications.0": "jupyter", "Softwares.Applications.1": "vscode",
				"Disks.0.IsBoot": "true", "Disks.0.Size": "40", "Price": "1.50", "Big": "12345678901234567890"}},
		{name: "empty object", body: ` {} `, want: map[string]string{}},
		{name: "array", body: `[1]`, wantCode: CodeMalformedBody, inMsg: "expected an object"},
		{name: "null", body: `null`, wantCode: CodeMalformedBody, inMsg: "expected an object"},
		{name: "empty", body: ``, wantCode: CodeMalformedBody, inMsg: "unexpected end"},
		{name: "syntax", body: `{"Action":}`, wantCode: CodeMalformedBody, inMsg: "invalid character"},
		{name: "trailing", body: `{} {}`, wantCode: CodeMalformedBody, inMsg: "data after the object"},
		{name: "truncated", body: `{"Action":"X"`, wantCode: CodeMalformedBody},
		{name: "signature not a string", body: `{"Signature":5}`, wantCode: CodeInvalidParams, inMsg: "Params [Signature] not available"},
		{name: "list too long", body: big, wantCode: CodeInvalidParams, inMsg: "Params [A] not available: a list holds at most 100 elements"},
		{name: "collision", body: `{"A.0":1,"A":[2]}`, wantCode: CodeInvalidParams, inMsg: "Params [A.0] not available: given more than once"},
		{name: "empty key", body: `{"":1}`, wantCode: CodeInvalidParams, inMsg: "empty parameter name"},
		{name: "empty nested key", body: `{"A":{"":1}}`, wantCode: CodeInvalidParams, inMsg: "empty parameter name"},
		{name: "deep nesting", body: deep, wantCode: CodeInvalidParams, inMsg: "longer than 256 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := decodeJSON([]byte(tt.body))
			if got := code(err); got != tt.wantCode {
				t.Fatalf("RetCode = %d (%v), want %d", got, err, tt.wantCode)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.inMsg) {
					t.Errorf("message %q does not contain %q", err, tt.inMsg)
				}
				return
			}
			if !reflect.DeepEqual(pl.params.values, tt.want) {
				t.Errorf("values = %v, want %v", pl.params.values, tt.want)
			}
			if pl.signature != tt.wantSig {
				t.Errorf("signature = %q, want %q", pl.signature, tt.wantSig)
			}
		})
	}
}

// formParams decodes a form body for getter tests.
func formParams(t *testing.T, body string) *params {
	t.Helper()
	pl, err := decodeForm([]byte(body))
	if err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return pl.params
}

func TestParams_IntList(t *testing.T) {
	tests := []struct {
		body     string
		want     []int64
		wantCode int
		inMsg    string
	}{
		{body: "", want: []int64{}},
		{body: "AddAccounts.0=5&AddAccounts.1=-3&AddAccounts.2=9223372036854775807", want: []int64{5, -3, 9223372036854775807}},
		{body: "AddAccounts.1=2&AddAccounts.0=1", want: []int64{1, 2}},
		{body: "AddAccounts.0=1&AddAccounts.5=6", want: []int64{1, 6}}, // gaps are tolerated
		{body: "AddAccounts.0=", want: []int64{}},
		{body: "AddAccounts.0=abc", wantCode: CodeInvalidParams, inMsg: `Params [AddAccounts.0] not available: expected an integer, got "abc"`},
		{body: "AddAccounts.0=1&AddAccounts.3=1.5", wantCode: CodeInvalidParams, inMsg: "Params [AddAccounts.3] not available"},
		{body: "AddAccounts.0=9223372036854775808", wantCode: CodeInvalidParams, inMsg: "expected an integer"},
		{body: "AddAccounts=1", wantCode: CodeInvalidParams, inMsg: "Params [AddAccounts] not available: expected a list"},
		{body: "AddAccounts.x=1", wantCode: CodeInvalidParams, inMsg: "Params [AddAccounts.x] not available"},
		{body: "AddAccounts.01=1", wantCode: CodeInvalidParams, inMsg: "Params [AddAccounts.01] not available"},
		{body: "AddAccounts.0.Id=1", wantCode: CodeInvalidParams, inMsg: "Params [AddAccounts.0.Id] not available"},
		{body: "AddAccountsX.0=1", want: []int64{}}, // another parameter
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			got, err := formParams(t, tt.body).IntList("AddAccounts")
			if c := code(err); c != tt.wantCode {
				t.Fatalf("RetCode = %d (%v), want %d", c, err, tt.wantCode)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.inMsg) {
					t.Errorf("message %q does not contain %q", err, tt.inMsg)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("IntList = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParams_Scalars(t *testing.T) {
	p := formParams(t, "Name=img&Empty=&Limit=20&Bad=1.5&Huge=99999999999999999999&List.0=a&List.2=c&Obj.Key=v")
	if v, ok, err := p.String("Name"); v != "img" || !ok || err != nil {
		t.Errorf("String(Name) = %q %v %v", v, ok, err)
	}
	if _, ok, err := p.String("Empty"); ok || err != nil {
		t.Errorf("String(Empty) present=%v err=%v; empty must count as absent", ok, err)
	}
	if _, err := p.RequiredString("Empty"); code(err) != CodeMissingParams || err.(*apiError).Message != "Missing params [Empty]" {
		t.Errorf("RequiredString(Empty) = %v", err)
	}
	if _, err := p.RequiredString("Absent"); code(err) != CodeMissingParams {
		t.Errorf("RequiredString(Absent) = %v", err)
	}
	for _, name := range []string{"List", "Obj"} {
		if _, _, err := p.String(name); code(err) != CodeInvalidParams || !strings.Contains(err.Error(), "expected a single value") {
			t.Errorf("String(%s) = %v, want a structured-value error", name, err)
		}
	}
	if n, ok, err := p.Int("Limit"); n != 20 || !ok || err != nil {
		t.Errorf("Int(Limit) = %d %v %v", n, ok, err)
	}
	if _, ok, err := p.Int("Absent"); ok || err != nil {
		t.Errorf("Int(Absent) = %v %v", ok, err)
	}
	for _, name := range []string{"Bad", "Huge", "Name"} {
		if _, _, err := p.Int(name); code(err) != CodeInvalidParams {
			t.Errorf("Int(%s) = %v, want 230", name, err)
		}
	}
	if l, err := p.StringList("List"); err != nil || !reflect.DeepEqual(l, []string{"a", "c"}) {
		t.Errorf("StringList(List) = %v %v", l, err)
	}
}

// The JSON encoding reaches the same getters with the same answers.
func TestParams_JSONMatchesForm(t *testing.T) {
	pl, err := decodeJSON([]byte(`{"AddAccounts":[1,"2"],"Limit":5,"Name":"x","RemoveAccounts":null,"Bad":[1.5],"Obj":{"A":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	p := pl.params
	if l, err := p.IntList("AddAccounts"); err != nil || !reflect.DeepEqual(l, []int64{1, 2}) {
		t.Errorf("IntList = %v %v", l, err)
	}
	if l, err := p.IntList("RemoveAccounts"); err != nil || len(l) != 0 {
		t.Errorf("IntList(null) = %v %v", l, err)
	}
	if _, err := p.IntList("Bad"); code(err) != CodeInvalidParams {
		t.Errorf("IntList([1.5]) = %v", err)
	}
	if _, err := p.IntList("Limit"); code(err) != CodeInvalidParams {
		t.Errorf("IntList(5) = %v, want an expected-a-list error", err)
	}
	if _, _, err := p.String("Obj"); code(err) != CodeInvalidParams {
		t.Errorf("String(object) = %v", err)
	}
}
