package ucloud

import (
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/imageshare/imageshare/internal/jsonscan"
)

// Bounds on the shape of one request, checked by a pass that allocates
// nothing before the body is decoded (SECURITY.md, finding 1 of issue 17:
// a 1 MiB JSON body of tens of thousands of keys cost 22 MiB of heap when
// it was decoded before its key was looked up). The largest request the
// SDK sends (PublishCompShareImage with every list full) has a few hundred
// parameters and nests three deep (Softwares.Applications.N).
const (
	maxParams = 512 // parameters (form pairs, JSON scalars) per request
	maxDepth  = 4   // nesting: JSON containers below the body's object, dots in a form name
)

// scan is what the cheap pass tells about a body before it is decoded:
// the top-level Action and PublicKey (whose lookup comes before the costly
// decoding), whether a Signature is there, and the parameter count.
type scan struct {
	action, publicKey string
	hasAction, hasKey bool
	hasSignature      bool
	params            int
}

func tooManyParams() *apiError {
	return errorf(CodeTooManyParams, "Too many parameters: a request carries at most %d, nested at most %d deep", maxParams, maxDepth)
}

// note records a top-level parameter the scan looks for; a second
// Action, PublicKey or Signature is refused as decoding would refuse it.
func (s *scan) note(name, value string) error {
	var dst *string
	var seen *bool
	switch name {
	case "Action":
		dst, seen = &s.action, &s.hasAction
	case "PublicKey":
		dst, seen = &s.publicKey, &s.hasKey
	case "Signature":
		var ignored string
		dst, seen = &ignored, &s.hasSignature
	default:
		return nil
	}
	if *seen {
		return invalidParam(name, "given more than once")
	}
	*dst, *seen = value, value != ""
	if name == "Signature" {
		s.hasSignature = true
	}
	return nil
}

// scanForm counts the pairs of a form body and finds its Action,
// PublicKey and Signature, unescaping nothing else.
func scanForm(body []byte) (scan, error) {
	var s scan
	rest := string(body)
	for rest != "" {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		if s.params++; s.params > maxParams {
			return s, tooManyParams()
		}
		name, value, _ := strings.Cut(pair, "=")
		if strings.Count(name, ".") > maxDepth {
			return s, tooManyParams()
		}
		// Only a short name can unescape to one the scan looks for.
		if len(name) > 3*len("PublicKey") {
			continue
		}
		n, err1 := url.QueryUnescape(name)
		if err1 != nil || (n != "Action" && n != "PublicKey" && n != "Signature") {
			continue // a malformed name is decodeForm's to refuse
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			return s, errorf(CodeMalformedBody, "Malformed form body: %v", err)
		}
		if err := s.note(n, v); err != nil {
			return s, err
		}
	}
	return s, nil
}

// scanJSON walks a JSON body once without decoding it: it checks that it
// is one object with terminated strings and balanced brackets, counts its
// scalars, bounds its nesting and reads the top-level Action, PublicKey
// and Signature. Anything subtler (a bad number, a missing colon) is left
// to decodeJSON, which runs only once the key is known.
func scanJSON(body []byte) (scan, error) {
	var s scan
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD, storing
	// something other than what was sent (and signed).
	if !utf8.Valid(body) {
		return s, errorf(CodeMalformedBody, "Malformed JSON body: not valid UTF-8")
	}
	malformed := errorf(CodeMalformedBody, "Malformed JSON body: expected one object")
	i := jsonscan.SkipSpace(body, 0)
	if i == len(body) || body[i] != '{' {
		return s, malformed
	}
	var stack [maxDepth + 1]byte
	depth := 0
	expectKey := false
	key := "" // the top-level key whose value comes next, when it is one the scan reads
	for i < len(body) {
		c := body[i]
		switch {
		case jsonscan.IsSpace(c):
			i++
			continue
		case c == '{' || c == '[':
			if depth == 1 && key != "" {
				return s, invalidParam(key, "must be a string")
			}
			if depth == len(stack) {
				return s, tooManyParams()
			}
			stack[depth] = c
			depth++
			expectKey = c == '{'
			key = ""
		case c == '}' || c == ']':
			if depth == 0 || stack[depth-1] != c-2 { // '{'+2 == '}', '['+2 == ']'
				return s, malformed
			}
			depth--
			if depth == 0 {
				if jsonscan.SkipSpace(body, i+1) != len(body) {
					return s, errorf(CodeMalformedBody, "Malformed JSON body: data after the object")
				}
				return s, nil
			}
		case c == ',':
			expectKey = stack[depth-1] == '{'
		case c == ':':
			expectKey = false
		case c == '"':
			end, escaped := jsonscan.String(body, i)
			if end < 0 {
				return s, malformed
			}
			quoted := body[i:end]
			i = end
			if expectKey {
				expectKey = false
				key = ""
				if depth == 1 {
					key = topLevelKey(quoted, escaped)
				}
				continue
			}
			if err := s.value(depth, key, quoted, escaped); err != nil {
				return s, err
			}
			key = ""
			continue
		default: // a number, true, false or null
			j := i
			for j < len(body) && !jsonscan.IsSpace(body[j]) && body[j] != ',' && body[j] != '}' && body[j] != ']' {
				j++
			}
			if depth == 1 && key != "" && string(body[i:j]) != "null" {
				return s, invalidParam(key, "must be a string")
			}
			if err := s.value(depth, "", nil, false); err != nil {
				return s, err
			}
			key, i = "", j
			continue
		}
		i++
	}
	return s, malformed
}

// value counts one scalar and records it when it is a top-level string
// the scan reads.
func (s *scan) value(depth int, key string, quoted []byte, escaped bool) error {
	if s.params++; s.params > maxParams {
		return tooManyParams()
	}
	if depth-1 > maxDepth {
		return tooManyParams()
	}
	if key == "" || depth != 1 {
		return nil
	}
	v := string(quoted[1 : len(quoted)-1])
	if escaped {
		if err := json.Unmarshal(quoted, &v); err != nil {
			return errorf(CodeMalformedBody, "Malformed JSON body: bad string escape in %s", key)
		}
	}
	return s.note(key, v)
}

// topLevelKey returns the key when it is one the scan reads, else "". A
// plain key is compared in place (no copy), an escaped one decoded only
// when it is short enough to be one of them.
func topLevelKey(quoted []byte, escaped bool) string {
	raw := quoted[1 : len(quoted)-1]
	if escaped {
		if len(quoted) > 2+6*len("PublicKey") {
			return ""
		}
		var k string
		if json.Unmarshal(quoted, &k) != nil {
			return ""
		}
		raw = []byte(k)
	}
	switch string(raw) {
	case "Action":
		return "Action"
	case "PublicKey":
		return "PublicKey"
	case "Signature":
		return "Signature"
	}
	return ""
}
