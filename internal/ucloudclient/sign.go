package ucloudclient

import (
	"crypto/sha1"
	"encoding/hex"
	"sort"
	"strings"
)

// UCloud's signature (docs/protocols.md section 1.3): SHA-1, in lowercase hex, of every
// parameter except Signature sorted by name in byte order, each written
// as its name followed by its raw value, followed by the private key.

// FormSigningString returns the string a form request signs, without the
// private key. A Signature entry in form is ignored.
func FormSigningString(form map[string]string) string {
	names := make([]string, 0, len(form))
	for k := range form {
		if k != "Signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k)
		b.WriteString(form[k])
	}
	return b.String()
}

// SignForm returns the Signature of form parameters under privateKey.
func SignForm(form map[string]string, privateKey string) string {
	return sha1Hex(FormSigningString(form) + privateKey)
}

// JSONSigningString returns the string a JSON request signs, without the
// private key: the SDK's recursive variant, where each value is written as
// text (arrays as the concatenation of their elements without indexes,
// objects as their sorted keys each followed by its value, nil as "").
// A top-level Signature entry is ignored.
func JSONSigningString(payload map[string]any) string {
	var b strings.Builder
	writeObject(&b, payload, true)
	return b.String()
}

// SignJSON returns the Signature of a JSON payload under privateKey.
func SignJSON(payload map[string]any, privateKey string) string {
	return sha1Hex(JSONSigningString(payload) + privateKey)
}

func writeObject(b *strings.Builder, m map[string]any, top bool) {
	names := make([]string, 0, len(m))
	for k := range m {
		if !top || k != "Signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString(k)
		writeValue(b, m[k])
	}
}

func writeValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			writeValue(b, e)
		}
	case map[string]any:
		writeObject(b, v, false)
	default:
		s, _ := scalarString(v)
		b.WriteString(s)
	}
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
