package ucloud

import (
	"encoding/json"
	"maps"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/dialect/kit"
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

// decodeForm reads a body as url.ParseQuery does: the same parameters,
// and for a body it refuses, its error.
func TestDecodeFormAsParseQuery(t *testing.T) {
	for _, body := range []string{
		"Action=DescribeCompShareImageShareAccounts&CompShareImageId=compshareImage-1&PublicKey=pk&Signature=abc&Region=cn-wlcb",
		"A=1&&B=2&C&D=", "Na%6De=v%20a+lue", "A=%zz", "A=1;B=2", "A=1&A=2", "%zz=1&A=1;", "",
		"A=1&" + strings.Repeat("X=1&", maxFastPairs), "Empty%20Name=&=nothing",
	} {
		pl, err := decodeForm([]byte(body))
		form, perr := url.ParseQuery(body)
		switch {
		case perr != nil:
			if err == nil || !strings.Contains(err.Error(), perr.Error()) {
				t.Errorf("%q: err %v, want one saying %v", body, err, perr)
			}
		case err != nil:
			dup := false
			for _, vs := range form {
				dup = dup || len(vs) > 1
			}
			if !dup && !strings.Contains(err.Error(), "empty parameter name") {
				t.Errorf("%q: %v, ParseQuery accepted it", body, err)
			}
		default:
			want := map[string]string{}
			for k, vs := range form {
				if k != "Signature" {
					want[k] = vs[0]
				}
			}
			if !maps.Equal(pl.params.values, want) || pl.signature != form.Get("Signature") || len(pl.names) != len(form) {
				t.Errorf("%q: %v sig %q names %v; want %v", body, pl.params.values, pl.signature, pl.names, want)
			}
		}
	}
}

// write answers an appender's result with the bytes envelope makes of its
// marshalled object, empty objects included.
func TestWriteAppenderAsEnvelope(t *testing.T) {
	for _, r := range []describeShareAccountsResponse{
		{AccountSet: []sharedAccount{}},
		{AccountSet: []sharedAccount{{AccountId: accountID{id: 7}, AccountName: "a<b"}, {AccountId: accountID{id: 8, asString: true}, AccountName: "c"}}},
	} {
		rec := httptest.NewRecorder()
		if err := write(rec, &kit.Exchange{State: "DescribeCompShareImageShareAccounts"}, r, nil); err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(r)
		if want := string(envelope("DescribeCompShareImageShareAccounts", CodeOK, "", body)); rec.Body.String() != want {
			t.Errorf("write: %s\nwant %s", rec.Body.String(), want)
		}
	}
}
