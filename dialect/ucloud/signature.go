package ucloud

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// UCloud signs a request with SHA-1 over its parameters (docs/protocols.md section 1.3):
// every parameter but Signature, sorted by name in byte order, each written
// as name followed by its raw value, then the private key. There is no
// timestamp or nonce: a captured request can be replayed.

// formSigningString is the string a form request signs, without the
// private key. values must not contain Signature.
func formSigningString(values map[string]string) string {
	names := make([]string, 0, len(values))
	size := 0
	for k, v := range values {
		names = append(names, k)
		size += len(k) + len(v)
	}
	sort.Strings(names)
	var b strings.Builder
	b.Grow(size)
	for _, k := range names {
		b.WriteString(k)
		b.WriteString(values[k])
	}
	return b.String()
}

// jsonSigningString is the string a JSON request signs, without the
// private key. obj must not contain Signature. The SDK signs its Go values
// before marshalling them, so values are turned into text recursively:
// scalars as the form encoder writes them, arrays as the concatenation of
// their elements (no indexes), objects as their sorted keys each followed
// by its value, and null as "" (its key still counts).
func jsonSigningString(obj map[string]any) string {
	var b strings.Builder
	writeJSONObject(&b, obj)
	return b.String()
}

func writeJSONObject(b *strings.Builder, obj map[string]any) {
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString(k)
		writeJSONValue(b, obj[k])
	}
}

func writeJSONValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		b.WriteString(v)
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case json.Number:
		b.WriteString(signedNumber(v))
	case []any:
		for _, e := range v {
			writeJSONValue(b, e)
		}
	case map[string]any:
		writeJSONObject(b, v)
	}
	// nil (JSON null) adds nothing.
}

// signedNumber is how the SDK wrote a number when it signed it: integers
// in decimal, floats with strconv.FormatFloat(v, 'f', -1, 64). JSON may
// carry the same float as "1e+21"; the signature saw "1000000000000000000000".
func signedNumber(n json.Number) string {
	s := n.String()
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return s
	}
	if !strings.ContainsAny(s, ".eE") {
		return s // an integer beyond int64: the SDK cannot send one
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// sign returns the lowercase hex SHA-1 of signed followed by privateKey.
func sign(signed, privateKey string) string {
	h := sha1.New()
	h.Write([]byte(signed))
	h.Write([]byte(privateKey))
	return hex.EncodeToString(h.Sum(nil))
}

// verifySignature reports whether sig is the signature of signed under
// privateKey. Hex digits are compared case-insensitively, in constant time.
func verifySignature(signed, sig, privateKey string) bool {
	want := sign(signed, privateKey)
	got := strings.ToLower(sig)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
