package policy

import (
	"net/netip"
	"strings"
	"time"
)

// Request is what a policy is asked about: an action on a resource, and
// the context its conditions read.
type Request struct {
	Action   string // "ecs:DescribeImages"
	Resource string // "acs:ecs:cn-hangzhou:10001:image/m-1"
	// SourceIP is the caller's address (acs:SourceIp); the zero Addr
	// means unknown.
	SourceIP netip.Addr
	// Time is the request's time (acs:CurrentTime); zero means unknown.
	Time time.Time
	// SecureTransport says whether the request came over TLS
	// (acs:SecureTransport).
	SecureTransport bool
}

// Denial says why a request was denied, with RAM's names for it.
type Denial string

const (
	// ImplicitDeny: no statement allows the request.
	ImplicitDeny Denial = "ImplicitDeny"
	// ExplicitDeny: a Deny statement matches the request.
	ExplicitDeny Denial = "ExplicitDeny"
)

// Decision is the outcome of an evaluation.
type Decision struct {
	Allowed bool
	// Denial is set when Allowed is false.
	Denial Denial
	// Policy and Statement name the statement that decided: the Deny that
	// matched, or the first Allow that matched. Statement is the index in
	// the policy's Statement list; both are empty/-1 for an implicit deny.
	Policy    string
	Statement int
	// Text is that statement as compact JSON.
	Text string
}

// Evaluate decides r against policies, in RAM's order: any matching Deny
// denies; otherwise any matching Allow allows; otherwise the request is
// denied implicitly. Every policy is read, so the answer never depends
// on their order, only which Allow is reported does (the first one).
func Evaluate(r *Request, policies []*Policy) Decision {
	denied := Decision{Denial: ImplicitDeny, Statement: -1}
	if len(r.Action) > MaxRequestBytes || len(r.Resource) > MaxRequestBytes {
		return denied
	}
	action := strings.ToLower(r.Action)
	var allow *Decision
	for _, p := range policies {
		for i, st := range p.statements {
			if !st.applies(action, r) {
				continue
			}
			if st.effect == Deny {
				return Decision{Denial: ExplicitDeny, Policy: p.name, Statement: i, Text: st.text}
			}
			if allow == nil {
				allow = &Decision{Allowed: true, Policy: p.name, Statement: i, Text: st.text}
			}
		}
	}
	if allow != nil {
		return *allow
	}
	return denied
}

// applies reports whether the statement matches the request: one of its
// actions, one of its resources, and every condition. A condition whose
// key the request has no value for fails in an Allow and holds in a Deny,
// so that leaving a value out can neither grant nor escape anything.
func (st *statement) applies(action string, r *Request) bool {
	if !matchAny(st.actions, action) || !matchAny(st.resources, r.Resource) {
		return false
	}
	for i := range st.conditions {
		holds, known := st.conditions[i].holds(r)
		if !known {
			holds = st.effect == Deny
		}
		if !holds {
			return false
		}
	}
	return true
}

func matchAny(patterns []pattern, s string) bool {
	for _, p := range patterns {
		if p.any() || p.match(s) {
			return true
		}
	}
	return false
}
