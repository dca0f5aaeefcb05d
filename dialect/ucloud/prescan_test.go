package ucloud

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestScan_Bounds: more parameters, or deeper nesting, than a request may
// carry is RetCode 183 in either encoding, before any key is looked up.
func TestScan_Bounds(t *testing.T) {
	many := `{"Action":"X"` + strings.Repeat(`,"k":1`, maxParams) + `}`
	deep := `{"Action":"X","A":` + strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1) + `}`
	ok := `{"Action":"X","Softwares":{"Applications":["a","b"]},"Tags":["x"]}`
	for name, c := range map[string]struct {
		body string
		form bool
		code int
	}{
		"JSON with too many":       {many, false, CodeTooManyParams},
		"JSON too deep":            {deep, false, CodeTooManyParams},
		"JSON the SDK sends":       {ok, false, 0},
		"form with too many":       {"Action=X" + strings.Repeat("&k=1", maxParams), true, CodeTooManyParams},
		"form name too deep":       {"Action=X&a.b.c.d.e.f=1", true, CodeTooManyParams},
		"form the SDK sends":       {"Action=X&Softwares.Applications.0=a", true, 0},
		"JSON trailing data":       {`{"Action":"X"} {}`, false, CodeMalformedBody},
		"JSON Action twice":        {`{"Action":"X","Action":"Y"}`, false, CodeInvalidParams},
		"JSON escaped key counted": {`{"\u0041ction":"X","PublicKey":"p\u0031"}`, false, 0},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			var s scan
			if c.form {
				s, err = scanForm([]byte(c.body))
			} else {
				s, err = scanJSON([]byte(c.body))
			}
			if got := code(err); got != c.code {
				t.Fatalf("RetCode %d (%v), want %d", got, err, c.code)
			}
			if c.code == 0 && s.action != "X" {
				t.Fatalf("Action %q, want X", s.action)
			}
		})
	}
	if s, _ := scanJSON([]byte(`{"\u0041ction":"X","PublicKey":"p\u0031"}`)); s.publicKey != "p1" {
		t.Fatalf("escaped PublicKey read as %q", s.publicKey)
	}
}

// TestServe_UnknownKeyBeforeDecoding: a JSON body from a key that does
// not exist is refused (172) by the cheap pass alone, so what it costs
// does not grow with its keys as decoding does (finding 1 of issue 17:
// 22 MiB and 124 ms for a 1 MiB body of tens of thousands of keys).
// Allocations are counted, not time: the same body from a real key (then
// decoded, and refused for its signature) is the yardstick.
func TestServe_UnknownKeyBeforeDecoding(t *testing.T) {
	env := newFuzzEnv(t)
	run := func(body []byte, want int) float64 {
		return testing.AllocsPerRun(20, func() {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			env.handler.ServeHTTP(rec, req)
			var out struct{ RetCode int }
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.RetCode != want {
				t.Fatalf("answer %s, want RetCode %d", rec.Body, want)
			}
		})
	}
	// What grows from 1 key to 500 is the decoding's work.
	unknown := run(bodyOfKeys(500, "nobody"), CodeUserNotExists) - run(bodyOfKeys(1, "nobody"), CodeUserNotExists)
	known := run(bodyOfKeys(500, env.pub), CodeSignatureMismatch) - run(bodyOfKeys(1, env.pub), CodeSignatureMismatch)
	t.Logf("allocations added by 499 more keys: unknown key %.0f, known key (decoded) %.0f", unknown, known)
	if unknown > 10 || known < 499 {
		t.Fatalf("499 more keys cost an unknown key's request %.0f allocations, a decoded one %.0f: the body was decoded before the key was looked up", unknown, known)
	}
}

func bodyOfKeys(n int, publicKey string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Action":"DescribeCompShareCustomImages","Signature":"x","PublicKey":` + strconv.Quote(publicKey))
	for i := range n {
		b.WriteString(`,"k` + strconv.Itoa(i) + `":"v"`)
	}
	b.WriteString("}")
	return b.Bytes()
}

// FuzzScanJSON: the cheap pass agrees with the decoder. A body the
// decoder accepts within the bounds passes the scan, and both read the
// same Action and PublicKey (the scan's are the ones looked up and routed
// by, the decoder's the ones signed).
func FuzzScanJSON(f *testing.F) {
	for _, s := range []string{
		`{"Action":"X","PublicKey":"k","Signature":"s","Tags":["a","b"],"Softwares":{"Applications":["x"]}}`,
		`{"\u0041ction":"X","PublicKey":"p\u0031","N":1.5e3,"B":true,"Z":null}`,
		`{"Action":"X","A":[[[]]],"S":"a\"b\\"}`,
		` {"Action" : "X" } `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pl, derr := decodeJSON(body)
		s, serr := scanJSON(body)
		if derr != nil {
			return
		}
		if serr != nil {
			// Beyond the bounds, or Action, PublicKey or Signature given
			// twice or not as a string: refused by the scan alone.
			if code(serr) == CodeTooManyParams || code(serr) == CodeInvalidParams {
				return
			}
			t.Fatalf("the decoder accepts %q, the scan refuses it: %v", body, serr)
		}
		action, key := pl.params.values["Action"], pl.params.values["PublicKey"]
		if s.action != action || s.publicKey != key {
			t.Fatalf("%q: scan read Action %q PublicKey %q, decoder %q %q", body, s.action, s.publicKey, action, key)
		}
	})
}

// FuzzScanForm: as FuzzScanJSON, for form bodies.
func FuzzScanForm(f *testing.F) {
	for _, s := range []string{
		"Action=X&PublicKey=k&Signature=s&AddAccounts.0=1",
		"Act%69on=X&Public%4Bey=a+b&Signature=",
		"Action=X&&Tags.0=a&Tags.1=b",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pl, derr := decodeForm(body)
		s, serr := scanForm(body)
		if derr != nil {
			return
		}
		if serr != nil {
			if code(serr) == CodeTooManyParams {
				return
			}
			t.Fatalf("the decoder accepts %q, the scan refuses it: %v", body, serr)
		}
		action, key := pl.params.values["Action"], pl.params.values["PublicKey"]
		if s.action != action || s.publicKey != key {
			t.Fatalf("%q: scan read Action %q PublicKey %q, decoder %q %q", body, s.action, s.publicKey, action, key)
		}
	})
}
