package aliyun

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare/internal/wiretext"
)

// Bounds on what one request may carry. The SDK sends about twenty
// parameters for the largest image call; these leave room for hand-made
// clients and refuse anything that only costs memory.
const (
	maxParams     = 256
	maxNameBytes  = 256
	maxValueBytes = 64 << 10
	maxListItems  = 10 // X.N lists: N runs from 1 to 10
)

// params are a request's parameters: the union of the URL query and a
// form body, one value per name. Names are case-sensitive, as Alibaba's.
type params map[string]string

// decodeParams parses the raw URL query and a form-encoded body into one
// set of parameters. A name given twice, whether in one part or across the
// two, is refused: the signature covers one value per name, and taking
// either copy would let the signed and the used value differ.
func decodeParams(rawQuery string, body []byte) (params, *apiError) {
	p := params{}
	if err := p.add(rawQuery); err != nil {
		return nil, err
	}
	if err := p.add(string(body)); err != nil {
		return nil, err
	}
	return p, nil
}

// add decodes one application/x-www-form-urlencoded string into p.
func (p params) add(encoded string) *apiError {
	for encoded != "" {
		var pair string
		pair, encoded, _ = strings.Cut(encoded, "&")
		if pair == "" {
			continue
		}
		if len(p) >= maxParams {
			return newError(http.StatusBadRequest, "InvalidParameter", "The request has more than %d parameters.", maxParams)
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil || name == "" {
			return newError(http.StatusBadRequest, "InvalidParameter", "The request parameters are malformed: a parameter name is empty or badly percent-encoded.")
		}
		if len(name) > maxNameBytes {
			return newError(http.StatusBadRequest, "InvalidParameter", "A parameter name is longer than %d bytes.", maxNameBytes)
		}
		// encoding/json and encoding/xml cannot send invalid UTF-8 back
		// byte for byte, and PostgreSQL text cannot hold NUL: refuse them
		// rather than store or answer something other than what was sent.
		// The name is checked first, as the messages below repeat it.
		if !validText(name) {
			return newError(http.StatusBadRequest, "InvalidParameter", "A parameter name is not valid UTF-8 text.")
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return newError(http.StatusBadRequest, "InvalidParameter", "The value of parameter \"%s\" is badly percent-encoded.", name)
		}
		if len(value) > maxValueBytes {
			return newError(http.StatusBadRequest, "InvalidParameter", "The value of parameter \"%s\" is longer than %d bytes.", name, maxValueBytes)
		}
		if !validText(value) {
			return newError(http.StatusBadRequest, "InvalidParameter", "The value of parameter \"%s\" is not valid UTF-8 text (or holds a control character).", name)
		}
		if _, dup := p[name]; dup {
			return newError(http.StatusBadRequest, "InvalidParameter", "The parameter \"%s\" is given more than once.", name)
		}
		p[name] = value
	}
	return nil
}

// validText reports whether s is text every dialect can store and send
// back byte for byte (see wiretext.Valid): invalid UTF-8, NUL and other
// control characters are refused.
func validText(s string) bool { return wiretext.Valid(s) }

// required returns a parameter that must be present and non-empty; the SDK
// omits empty strings, so empty and absent mean the same.
func (p params) required(name string) (string, *apiError) {
	v := p[name]
	if v == "" {
		return "", errMissing(name)
	}
	return v, nil
}

// integer returns an optional integer parameter, def when absent, and
// refuses values outside [lo, hi].
func (p params) integer(name string, def, lo, hi int) (int, *apiError) {
	v, ok := p[name]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errInvalid(name, "it must be an integer")
	}
	if n < lo || n > hi {
		return 0, errInvalid(name, fmt.Sprintf("it must be between %d and %d", lo, hi))
	}
	return n, nil
}

// boolean returns an optional boolean parameter: nil when absent, as the
// SDK's requests.Boolean sends only "true" or "false" when set.
func (p params) boolean(name string) (*bool, *apiError) {
	v, ok := p[name]
	if !ok || v == "" {
		return nil, nil
	}
	switch strings.ToLower(v) {
	case "true":
		b := true
		return &b, nil
	case "false":
		b := false
		return &b, nil
	}
	return nil, errInvalid(name, "it must be true or false")
}

// list returns the values of a repeated parameter, prefix.1 to prefix.N
// (1-based, as the SDK numbers them), in index order. Empty values are
// skipped, as empty scalars are. An index above maxListItems means more
// than the call allows, and tooMany reports it.
func (p params) list(prefix string, tooMany func() *apiError) ([]string, *apiError) {
	return p.listUpTo(prefix, maxListItems, tooMany)
}

// listUpTo is list with its own bound on N (the tag actions' lists are
// longer than maxListItems).
func (p params) listUpTo(prefix string, limit int, tooMany func() *apiError) ([]string, *apiError) {
	byIndex := make([]string, limit+1)
	// Sorted, so that of several faults the same one is always reported.
	for _, name := range slices.Sorted(maps.Keys(p)) {
		rest, ok := strings.CutPrefix(name, prefix+".")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 || strconv.Itoa(n) != rest {
			return nil, errInvalid(name, fmt.Sprintf("%s.N must be numbered from 1", prefix))
		}
		if n > limit {
			return nil, tooMany()
		}
		byIndex[n] = p[name]
	}
	var out []string
	for _, v := range byIndex[1:] {
		if v != "" {
			out = append(out, v)
		}
	}
	return out, nil
}

// encode returns the parameters in form encoding, sorted by name. Tests
// and fuzz targets use it to rebuild a request from decoded parameters.
func (p params) encode() string {
	v := url.Values{}
	for name, value := range p {
		v.Set(name, value)
	}
	return v.Encode()
}
