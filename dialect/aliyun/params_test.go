package aliyun

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeParams(t *testing.T) {
	p, ae := decodeParams("Action=DescribeImages&ImageName=a+b%2Ac&Empty=&Bare&&AddAccount.1=7", []byte("RegionId=cn-hangzhou&Tag.1.Key=k%20v"))
	if ae != nil {
		t.Fatal(ae)
	}
	want := params{
		"Action": "DescribeImages", "ImageName": "a b*c", "Empty": "", "Bare": "",
		"AddAccount.1": "7", "RegionId": "cn-hangzhou", "Tag.1.Key": "k v",
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %v\nwant %v", p, want)
	}

	for _, tc := range []struct {
		name, query, body string
	}{
		{"repeated in query", "A=1&A=2", ""},
		{"repeated across query and body", "A=1", "A=2"},
		{"bad escape", "A=%zz", ""},
		{"bad name escape", "%zz=1", ""},
		{"empty name", "=1", ""},
		{"long name", strings.Repeat("n", maxNameBytes+1) + "=1", ""},
		{"long value", "A=" + strings.Repeat("v", maxValueBytes+1), ""},
		{"too many", manyParams(maxParams + 1), ""},
	} {
		if _, ae := decodeParams(tc.query, []byte(tc.body)); ae == nil || ae.Code != "InvalidParameter" || ae.Status != 400 {
			t.Errorf("%s: got %v, want InvalidParameter 400", tc.name, ae)
		}
	}
	if _, ae := decodeParams(manyParams(maxParams), nil); ae != nil {
		t.Errorf("%d parameters refused: %v", maxParams, ae)
	}
}

func manyParams(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("P%d=%d", i, i)
	}
	return strings.Join(parts, "&")
}

func TestParamsList(t *testing.T) {
	tooMany := func() *apiError { return errTooManyAccounts() }
	p := params{"AddAccount.2": "b", "AddAccount.1": "a", "AddAccount.3": "", "AddAccount.10": "j", "Other.1": "x"}
	got, ae := p.list("AddAccount", tooMany)
	if ae != nil || !reflect.DeepEqual(got, []string{"a", "b", "j"}) {
		t.Fatalf("list = %v, %v", got, ae)
	}
	if got, ae := p.list("RemoveAccount", tooMany); ae != nil || got != nil {
		t.Fatalf("absent list = %v, %v", got, ae)
	}
	if _, ae := (params{"AddAccount.11": "k"}).list("AddAccount", tooMany); ae == nil || ae.Code != "InvalidParameter" {
		t.Errorf("index 11: %v", ae)
	}
	for _, bad := range []string{"AddAccount.0", "AddAccount.01", "AddAccount.x", "AddAccount.-1", "AddAccount.1.Key"} {
		if _, ae := (params{bad: "1"}).list("AddAccount", tooMany); ae == nil || ae.Code != "InvalidParameter" {
			t.Errorf("%s: %v", bad, ae)
		}
	}
}

func TestParamsScalars(t *testing.T) {
	p := params{"N": "7", "Bad": "x", "Big": "101", "T": "True", "F": "false", "B": "yes"}
	if n, ae := p.integer("N", 1, 1, 100); ae != nil || n != 7 {
		t.Errorf("N = %d, %v", n, ae)
	}
	if n, ae := p.integer("Absent", 10, 1, 100); ae != nil || n != 10 {
		t.Errorf("default = %d, %v", n, ae)
	}
	for _, name := range []string{"Bad", "Big"} {
		if _, ae := p.integer(name, 1, 1, 100); ae == nil || ae.Code != "InvalidParameter" {
			t.Errorf("%s: %v", name, ae)
		}
	}
	if b, ae := p.boolean("T"); ae != nil || b == nil || !*b {
		t.Errorf("T = %v, %v", b, ae)
	}
	if b, ae := p.boolean("F"); ae != nil || b == nil || *b {
		t.Errorf("F = %v, %v", b, ae)
	}
	if b, ae := p.boolean("Absent"); ae != nil || b != nil {
		t.Errorf("absent bool = %v, %v", b, ae)
	}
	if _, ae := p.boolean("B"); ae == nil {
		t.Error("yes accepted as a boolean")
	}
	if _, ae := p.required("Absent"); ae == nil || ae.Code != "MissingParameter" ||
		ae.Message != `The input parameter "Absent "that is mandatory for processing this request is not supplied.` {
		t.Errorf("required: %v", ae)
	}
}
