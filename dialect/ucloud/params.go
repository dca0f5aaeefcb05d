package ucloud

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/imageshare/imageshare/internal/wiretext"
)

// Bounds on what one request may carry. They keep a hostile request from
// costing more than its body size in memory or time.
const (
	maxNameBytes  = 256      // a parameter name, "Disks.0.Size" counted whole
	maxValueBytes = 64 << 10 // a parameter value
	maxListLen    = 100      // elements of one list (indexes 0..99)
)

// params is a decoded request in UCloud's flat form: names such as
// "Region", "AddAccounts.0" or "Softwares.Applications.1" mapped to raw
// string values. Form bodies arrive this way; JSON bodies are flattened to
// it, so the typed getters behave the same for both encodings.
type params struct {
	values map[string]string
}

// payload is what the signature check needs from a decoded body.
type payload struct {
	params *params
	// signature is the Signature parameter ("" when absent).
	signature string
	// signed is the string the client signed, without the private key.
	signed string
	// names are the parameter names the body carries, JSON nulls
	// included (they are signed over though they hold nothing).
	names []string
}

// decodeForm decodes an application/x-www-form-urlencoded body. Only the
// body counts: the SDK repeats Action in the query string for its logs.
func decodeForm(body []byte) (*payload, error) {
	// The common body is parsed straight into the parameters; anything
	// unusual (a ';', a bad escape, very many pairs) is left to
	// url.ParseQuery, whose answer and error it keeps.
	pairs, ok := parseForm(string(body))
	if !ok {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errorf(CodeMalformedBody, "Malformed form body: %v", err)
		}
		pairs = pairs[:0]
		for name, vs := range form {
			for _, v := range vs {
				pairs = append(pairs, [2]string{name, v})
			}
		}
	}
	p := &params{values: make(map[string]string, len(pairs))}
	names := make([]string, 0, len(pairs))
	for _, kv := range pairs {
		// set refuses a name given twice ("given more than once").
		if err := p.set(kv[0], kv[1]); err != nil {
			return nil, err
		}
		names = append(names, kv[0])
	}
	sig := p.values["Signature"]
	delete(p.values, "Signature")
	return &payload{params: p, signature: sig, signed: formSigningString(p.values), names: names}, nil
}

// maxFastPairs bounds the pairs parseForm reads itself, well under
// url.ParseQuery's own limit (GODEBUG urlmaxqueryparams).
const maxFastPairs = 1000

// parseForm splits a form body into its unescaped name/value pairs in
// order, as url.ParseQuery reads them (pairs separated by '&', empty ones
// skipped, a name without '=' valued ""), without building url.Values of
// one-element slices on every request. It reports !ok for what it leaves
// to url.ParseQuery: a ';', an escape that does not decode, more than
// maxFastPairs pairs.
func parseForm(query string) ([][2]string, bool) {
	n := 1 + strings.Count(query, "&")
	if n > maxFastPairs {
		return nil, false
	}
	pairs := make([][2]string, 0, n)
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if strings.Contains(pair, ";") {
			return pairs, false
		}
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(name)
		if err != nil {
			return pairs, false
		}
		if value, err = url.QueryUnescape(value); err != nil {
			return pairs, false
		}
		pairs = append(pairs, [2]string{name, value})
	}
	return pairs, true
}

// decodeJSON decodes an application/json body: one object whose values may
// be scalars, arrays and objects. Numbers keep their literal text.
func decodeJSON(body []byte) (*payload, error) {
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD, storing
	// something other than what was sent (and signed).
	if !utf8.Valid(body) {
		return nil, errorf(CodeMalformedBody, "Malformed JSON body: not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, errorf(CodeMalformedBody, "Malformed JSON body: %v", jsonProblem(err))
	}
	if obj == nil {
		return nil, errorf(CodeMalformedBody, "Malformed JSON body: expected an object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errorf(CodeMalformedBody, "Malformed JSON body: data after the object")
	}
	p := &params{values: make(map[string]string, len(obj))}
	names := make([]string, 0, len(obj))
	for name, v := range obj {
		names = append(names, name)
		if name == "" {
			return nil, invalidParam(name, "empty parameter name")
		}
		if err := p.flatten(name, v); err != nil {
			return nil, err
		}
	}
	var sig string
	if v, ok := obj["Signature"]; ok {
		s, isString := v.(string)
		if !isString {
			return nil, invalidParam("Signature", "must be a string")
		}
		sig = s
		delete(obj, "Signature")
		delete(p.values, "Signature")
	}
	return &payload{params: p, signature: sig, signed: jsonSigningString(obj), names: names}, nil
}

// jsonProblem shortens encoding/json's errors, which name Go types.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error() + " at offset " + strconv.FormatInt(se.Offset, 10)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "expected an object, got " + te.Value
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

// flatten stores a JSON value under name the way the form encoder would
// have sent it: arrays as name.N, objects as name.Key, null as absent.
func (p *params) flatten(name string, v any) error {
	if len(name) > maxNameBytes {
		return invalidParam(name, "parameter name longer than 256 bytes")
	}
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return p.set(name, v)
	case json.Number:
		return p.set(name, v.String())
	case bool:
		return p.set(name, strconv.FormatBool(v))
	case []any:
		if len(v) > maxListLen {
			return invalidParam(name, "a list holds at most 100 elements")
		}
		for i, e := range v {
			if err := p.flatten(name+"."+strconv.Itoa(i), e); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for k, e := range v {
			if k == "" {
				return invalidParam(name+".", "empty parameter name")
			}
			if err := p.flatten(name+"."+k, e); err != nil {
				return err
			}
		}
		return nil
	}
	return invalidParam(name, "unsupported JSON value")
}

// set stores one parameter after checking the bounds.
func (p *params) set(name, value string) error {
	if name == "" {
		return invalidParam(name, "empty parameter name")
	}
	if len(name) > maxNameBytes {
		return invalidParam(name, "parameter name longer than 256 bytes")
	}
	if len(value) > maxValueBytes {
		return invalidParam(name, "value longer than 65536 bytes")
	}
	if !validText(name) {
		return invalidParam(name, "parameter name is not valid UTF-8 text")
	}
	if !validText(value) {
		return invalidParam(name, "value is not valid UTF-8 text (or holds a control character)")
	}
	for seg := range strings.SplitSeq(name, ".") {
		if n, ok := listIndex(seg); ok && n >= maxListLen {
			return invalidParam(name, "a list holds at most 100 elements (indexes 0 to 99)")
		}
	}
	if _, dup := p.values[name]; dup {
		return invalidParam(name, "given more than once")
	}
	p.values[name] = value
	return nil
}

// validText reports whether s is text every dialect can store and send
// back byte for byte (see wiretext.Valid): invalid UTF-8, NUL and other
// control characters are refused.
func validText(s string) bool { return wiretext.Valid(s) }

// listIndex parses a canonical list index segment: decimal digits without a
// leading zero ("0", "7", "42").
func listIndex(seg string) (int, bool) {
	if seg == "" || len(seg) > 9 || (len(seg) > 1 && seg[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// hasChildren reports whether some parameter is nested under name
// ("name.0", "name.Key"): a structured value where a scalar is expected.
func (p *params) hasChildren(name string) bool {
	prefix := name + "."
	for k := range p.values {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// String returns the named scalar. An empty value counts as absent, as the
// SDK never sends empty strings.
func (p *params) String(name string) (string, bool, error) {
	v, ok := p.values[name]
	if !ok || v == "" {
		if p.hasChildren(name) {
			return "", false, invalidParam(name, "expected a single value, got a list or object")
		}
		return "", false, nil
	}
	return v, true, nil
}

// RequiredString returns the named scalar or UCloud's "Missing params".
func (p *params) RequiredString(name string) (string, error) {
	v, ok, err := p.String(name)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", missingParam(name)
	}
	return v, nil
}

// Int returns the named decimal integer.
func (p *params) Int(name string) (int64, bool, error) {
	s, ok, err := p.String(name)
	if err != nil || !ok {
		return 0, false, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, invalidParam(name, "expected an integer, got "+strconv.Quote(clip(s)))
	}
	return n, true, nil
}

// listElem is one element of a list parameter and its index on the wire.
type listElem struct {
	index int
	value string
}

// list returns the raw elements of the 0-based list name.0, name.1, ...
// in index order. Gaps are allowed (the SDK's form encoder drops empty
// strings but keeps the other indexes); anything else under name, or a
// bare name, is an error.
func (p *params) list(name string) ([]listElem, error) {
	if v, ok := p.values[name]; ok && v != "" {
		return nil, invalidParam(name, "expected a list ("+clip(name)+".0, "+clip(name)+".1, ...)")
	}
	prefix := name + "."
	var elems []listElem
	for k, v := range p.values {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		i, ok := listIndex(rest)
		if !ok {
			return nil, invalidParam(k, "expected "+clip(name)+".N with N a list index from 0")
		}
		if v != "" {
			elems = append(elems, listElem{i, v})
		}
	}
	sort.Slice(elems, func(a, b int) bool { return elems[a].index < elems[b].index })
	return elems, nil
}

// StringList returns the 0-based list name.N of strings.
func (p *params) StringList(name string) ([]string, error) {
	elems, err := p.list(name)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		out[i] = e.value
	}
	return out, nil
}

// IntList returns the 0-based list name.N of decimal integers.
func (p *params) IntList(name string) ([]int64, error) {
	elems, err := p.list(name)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(elems))
	for i, e := range elems {
		n, err := strconv.ParseInt(e.value, 10, 64)
		if err != nil {
			return nil, invalidParam(name+"."+strconv.Itoa(e.index), "expected an integer, got "+strconv.Quote(clip(e.value)))
		}
		out[i] = n
	}
	return out, nil
}
