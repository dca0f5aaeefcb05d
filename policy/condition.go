package policy

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Condition keys the evaluator knows. Keys are case-insensitive, as in
// RAM; they are kept here lower-cased.
const (
	KeySourceIP        = "acs:sourceip"
	KeyCurrentTime     = "acs:currenttime"
	KeySecureTransport = "acs:securetransport"
)

// Condition operators, grouped by the kind of key they compare.
var (
	ipOperators   = []string{"IpAddress", "NotIpAddress"}
	dateOperators = []string{"DateEquals", "DateNotEquals", "DateGreaterThan", "DateGreaterThanEquals", "DateLessThan", "DateLessThanEquals"}
	boolOperators = []string{"Bool"}
)

// keyOperators says which operators each key takes.
var keyOperators = map[string][]string{
	KeySourceIP:        ipOperators,
	KeyCurrentTime:     dateOperators,
	KeySecureTransport: boolOperators,
}

// condition is one (operator, key, values) triple. A statement applies
// only if all its conditions hold; a condition holds if the request's
// value satisfies the operator with any one of the values (for a Not
// operator: with none of them).
type condition struct {
	operator string
	key      string
	prefixes []netip.Prefix
	times    []time.Time
	bools    []bool
}

func compileConditions(raw json.RawMessage, where string) ([]condition, error) {
	ops, err := object(raw, where)
	if err != nil {
		return nil, err
	}
	var out []condition
	for _, op := range sortedKeys(ops) {
		keys, err := object(ops[op], where+"."+op)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ipOperators, op) && !slices.Contains(dateOperators, op) && !slices.Contains(boolOperators, op) {
			return nil, errorf("%s: unknown condition operator %q (known: IpAddress, NotIpAddress, Date*, Bool)", where, op)
		}
		if len(keys) == 0 {
			return nil, errorf("%s.%s: no condition key", where, op)
		}
		for _, key := range sortedKeys(keys) {
			at := where + "." + op + "." + key
			lk := strings.ToLower(key)
			allowed, known := keyOperators[lk]
			if !known {
				return nil, errorf("%s: unknown condition key %q (known: acs:SourceIp, acs:CurrentTime, acs:SecureTransport)", at, key)
			}
			if !slices.Contains(allowed, op) {
				return nil, errorf("%s: %s cannot compare %s (use one of %s)", at, op, key, strings.Join(allowed, ", "))
			}
			values, err := conditionValues(keys[key], at)
			if err != nil {
				return nil, err
			}
			c := condition{operator: op, key: lk}
			for i, v := range values {
				if err := c.add(v); err != nil {
					return nil, errorf("%s[%d]: %s", at, i, err)
				}
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// conditionValues reads a value or a non-empty list of values, each a
// string, a boolean or a number, as text.
func conditionValues(raw json.RawMessage, where string) ([]string, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		list = []json.RawMessage{raw}
	}
	if len(list) == 0 {
		return nil, errorf("%s: no value", where)
	}
	out := make([]string, 0, len(list))
	for i, r := range list {
		var s string
		var b bool
		var n json.Number
		switch {
		case json.Unmarshal(r, &s) == nil:
		case json.Unmarshal(r, &b) == nil:
			s = fmt.Sprint(b)
		case json.Unmarshal(r, &n) == nil:
			s = n.String()
		default:
			return nil, errorf("%s[%d]: a condition value is a string, a boolean or a number", where, i)
		}
		out = append(out, s)
	}
	return out, nil
}

// add parses one value for the condition's key.
func (c *condition) add(v string) error {
	switch c.key {
	case KeySourceIP:
		p, err := parsePrefix(v)
		if err != nil {
			return err
		}
		c.prefixes = append(c.prefixes, p)
	case KeyCurrentTime:
		t, err := parseTime(v)
		if err != nil {
			return err
		}
		c.times = append(c.times, t)
	case KeySecureTransport:
		switch strings.ToLower(v) {
		case "true":
			c.bools = append(c.bools, true)
		case "false":
			c.bools = append(c.bools, false)
		default:
			return fmt.Errorf("%q is not true or false", v)
		}
	}
	return nil
}

// parsePrefix reads a CIDR block or a single address (a /32 or /128).
func parsePrefix(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block", v)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(0, p.Bits()-96))
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block", v)
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// timeLayouts are the forms a date value may take: RAM writes ISO 8601
// with a zone ("2019-08-12T17:00:00+08:00" or "...Z").
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02"}

func parseTime(v string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time such as 2026-01-02T15:04:05Z", v)
}

// holds reports whether the condition holds for r, and whether r has a
// value for the condition's key at all (a source address, a time). The
// statement decides what a missing value means (see statement.applies).
func (c *condition) holds(r *Request) (holds, known bool) {
	switch c.key {
	case KeySourceIP:
		if !r.SourceIP.IsValid() {
			return false, false
		}
		ip := r.SourceIP.Unmap().WithZone("")
		in := slices.ContainsFunc(c.prefixes, func(p netip.Prefix) bool { return p.Contains(ip) })
		return in == (c.operator == "IpAddress"), true
	case KeyCurrentTime:
		if r.Time.IsZero() {
			return false, false
		}
		if c.operator == "DateNotEquals" {
			return !slices.ContainsFunc(c.times, r.Time.Equal), true
		}
		return slices.ContainsFunc(c.times, func(t time.Time) bool {
			switch c.operator {
			case "DateEquals":
				return r.Time.Equal(t)
			case "DateGreaterThan":
				return r.Time.After(t)
			case "DateGreaterThanEquals":
				return !r.Time.Before(t)
			case "DateLessThan":
				return r.Time.Before(t)
			case "DateLessThanEquals":
				return !r.Time.After(t)
			}
			return false
		}), true
	case KeySecureTransport:
		return slices.Contains(c.bools, r.SecureTransport), true
	}
	return false, false
}
