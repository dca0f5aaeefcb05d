package ucloud

import (
	"encoding/json"
	"testing"
)

// The hot read's hand-written encoder writes exactly what json.Marshal
// writes, for names that need escaping too.
func TestDescribeShareAccountsAppendJSONMatchesMarshal(t *testing.T) {
	names := []string{"", "bench000001@example.com", `quote"back\slash`, "<script>&amp;", "tab\tnew\nline\x01",
		"héllo 账户", "bad utf-8 \xff\xfe", "line sep \u2028 para \u2029", "del\x7f", "~!@#$%^*()_+{}|:?[];',./`"}
	for _, asString := range []bool{false, true} {
		for _, n := range []int{0, 1, len(names)} {
			r := describeShareAccountsResponse{AccountSet: []sharedAccount{}}
			for i, name := range names[:n] {
				r.AccountSet = append(r.AccountSet, sharedAccount{AccountId: accountID{id: int64(i*997 - 3), asString: asString}, AccountName: name})
			}
			want, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.appendJSON(nil); string(got) != string(want) {
				t.Errorf("asString %v, %d accounts:\n got %s\nwant %s", asString, n, got, want)
			}
		}
	}
}

func TestAppendJSONStringMatchesMarshal(t *testing.T) {
	for _, s := range []string{"", "DescribeCompShareImageShareAccountsResponse", "a\"b", "a\\b", "<>&", "\x00\x1f", "é", "\xff", "\u2028"} {
		if got, want := string(appendJSONString([]byte("x"), s)), "x"+string(mustJSON(s)); got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}
