// Package policy parses, validates, compiles and evaluates access
// policies written in Alibaba Cloud's RAM policy language:
//
//	{"Version":"1","Statement":[{"Effect":"Allow","Action":["ecs:Describe*"],
//	  "Resource":["acs:ecs:*:*:image/*"],"Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8"]}}}]}
//
// It does no I/O and knows no vendor: the caller names the action and
// resource of a request, and the package says whether the policies allow
// it and which statement decided. The rules are RAM's: an explicit Deny
// wins over any Allow, and without an Allow the request is denied.
// Actions match case-insensitively, resources case-sensitively; both take
// '*' and '?' wildcards. docs/ram.md describes the language as served.
package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Bounds on a policy document. A document is at most MaxDocumentBytes
// (RAM's own bound on a custom policy), which also bounds its statements
// and patterns, and so the cost of evaluating it.
const (
	MaxDocumentBytes = 6144
	MaxStatements    = 100
	// MaxRequestBytes bounds the action and resource of a request: a
	// longer one names nothing a policy can mean and is denied outright,
	// so that no caller-chosen string makes matching slow.
	MaxRequestBytes = 2048
)

// Effect is what a statement does to the requests it matches.
type Effect string

const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Policy is a compiled policy document, safe for concurrent use.
type Policy struct {
	name       string
	statements []*statement
}

// Name is the name the policy was compiled under.
func (p *Policy) Name() string { return p.name }

// Statements returns the number of statements.
func (p *Policy) Statements() int { return len(p.statements) }

// Statement returns statement i as compact JSON, as it was written.
func (p *Policy) Statement(i int) string {
	if i < 0 || i >= len(p.statements) {
		return ""
	}
	return p.statements[i].text
}

// statement is one compiled statement.
type statement struct {
	effect     Effect
	actions    []pattern // lower-cased
	resources  []pattern
	conditions []condition
	text       string // compact JSON of the statement
}

// Error is a document that does not parse or validate. Message says what
// is wrong and where ("Statement[2].Action[0]: ...").
type Error struct {
	Message string
}

func (e *Error) Error() string { return "invalid policy: " + e.Message }

func errorf(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// Compile parses and validates a policy document and compiles it under
// name. It returns an *Error for a document that is not valid.
func Compile(name string, doc []byte) (*Policy, error) {
	if len(doc) > MaxDocumentBytes {
		return nil, errorf("the document is %d bytes; at most %d are allowed", len(doc), MaxDocumentBytes)
	}
	if !utf8.Valid(doc) {
		return nil, errorf("the document is not valid UTF-8")
	}
	top, err := object(doc, "the document")
	if err != nil {
		return nil, err
	}
	for k := range top {
		if k != "Version" && k != "Statement" {
			return nil, errorf("unknown element %q: a policy has Version and Statement", k)
		}
	}
	var version string
	if err := json.Unmarshal(top["Version"], &version); err != nil || version != "1" {
		return nil, errorf(`Version must be "1"`)
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, errorf("Statement is required")
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errorf("Statement must be a list of statements")
	}
	if len(list) == 0 {
		return nil, errorf("Statement must hold at least one statement")
	}
	if len(list) > MaxStatements {
		return nil, errorf("Statement holds %d statements; at most %d are allowed", len(list), MaxStatements)
	}
	p := &Policy{name: name}
	for i, r := range list {
		st, err := compileStatement(r, fmt.Sprintf("Statement[%d]", i))
		if err != nil {
			return nil, err
		}
		p.statements = append(p.statements, st)
	}
	return p, nil
}

// Validate reports whether doc is a valid policy document.
func Validate(doc []byte) error {
	_, err := Compile("", doc)
	return err
}

// object decodes a JSON object keeping its keys exactly as written: RAM's
// element names are case-sensitive, where encoding/json would fold them.
func object(raw []byte, where string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, errorf("%s must be a JSON object", where)
	}
	return m, nil
}

func compileStatement(raw json.RawMessage, where string) (*statement, error) {
	m, err := object(raw, where)
	if err != nil {
		return nil, err
	}
	for k := range m {
		switch k {
		case "Effect", "Action", "Resource", "Condition":
		case "NotAction", "NotResource", "Principal":
			return nil, errorf("%s: %s is not supported; use Action and Resource", where, k)
		default:
			return nil, errorf("%s: unknown element %q", where, k)
		}
	}
	st := &statement{}
	var effect string
	if err := json.Unmarshal(m["Effect"], &effect); err != nil || (effect != string(Allow) && effect != string(Deny)) {
		return nil, errorf(`%s: Effect must be "Allow" or "Deny"`, where)
	}
	st.effect = Effect(effect)
	actions, err := stringList(m, "Action", where)
	if err != nil {
		return nil, err
	}
	for i, a := range actions {
		if err := checkAction(a); err != nil {
			return nil, errorf("%s.Action[%d]: %s", where, i, err)
		}
		st.actions = append(st.actions, compilePattern(strings.ToLower(a)))
	}
	resources, err := stringList(m, "Resource", where)
	if err != nil {
		return nil, err
	}
	for i, r := range resources {
		if r == "" || strings.ContainsAny(r, " \t\r\n\x00") {
			return nil, errorf("%s.Resource[%d]: a resource is a non-empty name without spaces", where, i)
		}
		st.resources = append(st.resources, compilePattern(r))
	}
	if c, ok := m["Condition"]; ok {
		if st.conditions, err = compileConditions(c, where+".Condition"); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, errorf("%s: %v", where, err)
	}
	st.text = buf.String()
	return st, nil
}

// stringList reads an element that is a string or a non-empty list of
// strings, as RAM accepts both.
func stringList(m map[string]json.RawMessage, key, where string) ([]string, error) {
	raw, ok := m[key]
	if !ok {
		return nil, errorf("%s: %s is required", where, key)
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errorf("%s: %s must be a string or a list of strings", where, key)
	}
	if len(list) == 0 {
		return nil, errorf("%s: %s must not be empty", where, key)
	}
	return list, nil
}

// checkAction accepts "*" or "service:Action" where both parts may hold
// wildcards.
func checkAction(a string) error {
	if a == "*" {
		return nil
	}
	service, name, ok := strings.Cut(a, ":")
	if !ok || service == "" || name == "" || strings.Contains(name, ":") {
		return fmt.Errorf(`%q is not "*" or "service:Action"`, a)
	}
	valid := func(s string) bool {
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '*' || r == '?' || r == '-' || r == '_' || r == '.') {
				return false
			}
		}
		return true
	}
	if !valid(service) || !valid(name) {
		return fmt.Errorf("%q holds a character an action name cannot have", a)
	}
	return nil
}

// Actions returns the action patterns of every statement, as written but
// lower-cased, for tools that list what a policy mentions.
func (p *Policy) Actions() []string {
	var out []string
	for _, st := range p.statements {
		for _, a := range st.actions {
			if !slices.Contains(out, a.text) {
				out = append(out, a.text)
			}
		}
	}
	return out
}
