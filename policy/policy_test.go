package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func mustCompile(t testing.TB, name, doc string) *Policy {
	t.Helper()
	p, err := Compile(name, []byte(doc))
	if err != nil {
		t.Fatalf("Compile(%s): %v", name, err)
	}
	return p
}

const (
	imageARN = "acs:ecs:cn-hangzhou:10001:image/m-1"
	otherARN = "acs:ecs:cn-hangzhou:10001:image/m-2"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func req(action, resource string) *Request {
	return &Request{Action: action, Resource: resource, SourceIP: netip.MustParseAddr("127.0.0.1"), Time: t0}
}

func TestEvaluate(t *testing.T) {
	readOnly := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["ecs:Describe*"],"Resource":"*"}]}`
	oneImage := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":["acs:ecs:*:*:image/m-1"]}]}`
	full := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	denyDelete := `{"Version":"1","Statement":[{"Effect":"Deny","Action":"ecs:DeleteImage","Resource":"*"}]}`
	denyLoopback := `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["127.0.0.0/8"]}}}]}`
	onlyOffice := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","192.168.1.7"]}}}]}`
	notOffice := `{"Version":"1","Statement":[{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}]}`
	window := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"DateGreaterThan":{"acs:CurrentTime":"2026-01-01T00:00:00Z"},"DateLessThan":{"acs:CurrentTime":"2026-06-01T00:00:00+08:00"}}}]}`
	tlsOnly := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"true"}}}]}`
	questionMark := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:D?scribeImages","Resource":"acs:ecs:*:*:image/m-?"}]}`

	type ctx func(r *Request)
	fromIP := func(ip string) ctx { return func(r *Request) { r.SourceIP = netip.MustParseAddr(ip) } }
	noIP := func(r *Request) { r.SourceIP = netip.Addr{} }
	at := func(tm time.Time) ctx { return func(r *Request) { r.Time = tm } }
	secure := func(r *Request) { r.SecureTransport = true }

	tests := []struct {
		name     string
		policies []string
		action   string
		resource string
		ctx      []ctx
		allowed  bool
		denial   Denial
		policy   string // deciding policy's name ("p0", "p1", ...), "" for none
		stmt     int
	}{
		{"no policy", nil, "ecs:DescribeImages", imageARN, nil, false, ImplicitDeny, "", -1},
		{"read-only allows describe", []string{readOnly}, "ecs:DescribeImageSharePermission", imageARN, nil, true, "", "p0", 0},
		{"read-only refuses modify", []string{readOnly}, "ecs:ModifyImageSharePermission", imageARN, nil, false, ImplicitDeny, "", -1},
		{"actions are case-insensitive", []string{readOnly}, "ECS:describeimages", imageARN, nil, true, "", "p0", 0},
		{"one image: that image", []string{oneImage}, "ecs:ModifyImageSharePermission", imageARN, nil, true, "", "p0", 0},
		{"one image: another image", []string{oneImage}, "ecs:ModifyImageSharePermission", otherARN, nil, false, ImplicitDeny, "", -1},
		{"one image: another service", []string{oneImage}, "bcc:GetImageDetail", imageARN, nil, false, ImplicitDeny, "", -1},
		{"question mark: one character", []string{questionMark}, "ecs:DescribeImages", "acs:ecs:bj:1:image/m-7", nil, true, "", "p0", 0},
		{"question mark: two characters", []string{questionMark}, "ecs:DescribeImages", "acs:ecs:bj:1:image/m-77", nil, false, ImplicitDeny, "", -1},
		{"deny wins over allow", []string{full, denyDelete}, "ecs:DeleteImage", imageARN, nil, false, ExplicitDeny, "p1", 0},
		{"deny wins whatever the order", []string{denyDelete, full}, "ecs:DeleteImage", imageARN, nil, false, ExplicitDeny, "p0", 0},
		{"deny of another action leaves allow", []string{full, denyDelete}, "ecs:DescribeImages", imageARN, nil, true, "", "p0", 0},
		{"deny alone is no allow", []string{denyDelete}, "ecs:DescribeImages", imageARN, nil, false, ImplicitDeny, "", -1},
		{"source ip deny blocks loopback", []string{full, denyLoopback}, "ecs:DescribeImages", imageARN, nil, false, ExplicitDeny, "p1", 0},
		{"source ip deny spares others", []string{full, denyLoopback}, "ecs:DescribeImages", imageARN, []ctx{fromIP("10.1.2.3")}, true, "", "p0", 0},
		{"source ip deny sees mapped v4", []string{full, denyLoopback}, "ecs:DescribeImages", imageARN, []ctx{fromIP("::ffff:127.0.0.1")}, false, ExplicitDeny, "p1", 0},
		{"source ip deny without an address holds", []string{full, denyLoopback}, "ecs:DescribeImages", imageARN, []ctx{noIP}, false, ExplicitDeny, "p1", 0},
		{"ip allow: inside", []string{onlyOffice}, "ecs:DescribeImages", imageARN, []ctx{fromIP("10.9.9.9")}, true, "", "p0", 0},
		{"ip allow: single address", []string{onlyOffice}, "ecs:DescribeImages", imageARN, []ctx{fromIP("192.168.1.7")}, true, "", "p0", 0},
		{"ip allow: outside", []string{onlyOffice}, "ecs:DescribeImages", imageARN, nil, false, ImplicitDeny, "", -1},
		{"ip allow without an address fails", []string{onlyOffice}, "ecs:DescribeImages", imageARN, []ctx{noIP}, false, ImplicitDeny, "", -1},
		{"not ip deny: outside", []string{full, notOffice}, "ecs:DescribeImages", imageARN, nil, false, ExplicitDeny, "p1", 0},
		{"not ip deny: inside", []string{full, notOffice}, "ecs:DescribeImages", imageARN, []ctx{fromIP("10.0.0.1")}, true, "", "p0", 0},
		{"time window: inside", []string{window}, "ecs:DescribeImages", imageARN, nil, true, "", "p0", 0},
		{"time window: before", []string{window}, "ecs:DescribeImages", imageARN, []ctx{at(time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC))}, false, ImplicitDeny, "", -1},
		{"time window: after (zone honoured)", []string{window}, "ecs:DescribeImages", imageARN, []ctx{at(time.Date(2026, 5, 31, 16, 0, 0, 0, time.UTC))}, false, ImplicitDeny, "", -1},
		{"time window: just inside (zone honoured)", []string{window}, "ecs:DescribeImages", imageARN, []ctx{at(time.Date(2026, 5, 31, 15, 59, 0, 0, time.UTC))}, true, "", "p0", 0},
		{"tls only: plain http", []string{tlsOnly}, "ecs:DescribeImages", imageARN, nil, false, ImplicitDeny, "", -1},
		{"tls only: https", []string{tlsOnly}, "ecs:DescribeImages", imageARN, []ctx{secure}, true, "", "p0", 0},
		{"first allow is reported", []string{readOnly, full}, "ecs:DescribeImages", imageARN, nil, true, "", "p0", 0},
		{"oversized resource is denied", []string{full}, "ecs:DescribeImages", "acs:" + strings.Repeat("x", MaxRequestBytes), nil, false, ImplicitDeny, "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ps []*Policy
			for i, doc := range tt.policies {
				ps = append(ps, mustCompile(t, fmt.Sprintf("p%d", i), doc))
			}
			r := req(tt.action, tt.resource)
			for _, f := range tt.ctx {
				f(r)
			}
			d := Evaluate(r, ps)
			if d.Allowed != tt.allowed || d.Denial != tt.denial || d.Policy != tt.policy || d.Statement != tt.stmt {
				t.Fatalf("Evaluate = %+v, want allowed %v denial %q policy %q statement %d", d, tt.allowed, tt.denial, tt.policy, tt.stmt)
			}
			if tt.policy != "" && d.Text == "" {
				t.Fatal("the deciding statement's text is empty")
			}
		})
	}
}

func TestStatementText(t *testing.T) {
	p := mustCompile(t, "p", `{"Version":"1","Statement":[ {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"} ]}`)
	if got, want := p.Statement(0), `{"Effect":"Allow","Action":"ecs:*","Resource":"*"}`; got != want {
		t.Fatalf("Statement(0) = %s, want %s", got, want)
	}
	if p.Statement(1) != "" || p.Statement(-1) != "" {
		t.Fatal("out-of-range statements are not empty")
	}
}

func TestCompileRefuses(t *testing.T) {
	stmt := func(s string) string { return `{"Version":"1","Statement":[` + s + `]}` }
	tests := []struct {
		name, doc, want string
	}{
		{"not json", `{`, "must be a JSON object"},
		{"array", `[]`, "must be a JSON object"},
		{"wrong version", `{"Version":"2","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, `Version must be "1"`},
		{"numeric version", `{"Version":1,"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, `Version must be "1"`},
		{"no statement", `{"Version":"1"}`, "Statement is required"},
		{"empty statement", `{"Version":"1","Statement":[]}`, "at least one statement"},
		{"statement object", `{"Version":"1","Statement":{}}`, "must be a list"},
		{"unknown top element", `{"Version":"1","Statement":[],"Id":"x"}`, `unknown element "Id"`},
		{"lower-case element", stmt(`{"effect":"Allow","Action":"*","Resource":"*"}`), `unknown element "effect"`},
		{"bad effect", stmt(`{"Effect":"allow","Action":"*","Resource":"*"}`), `Effect must be "Allow" or "Deny"`},
		{"no action", stmt(`{"Effect":"Allow","Resource":"*"}`), "Action is required"},
		{"empty action list", stmt(`{"Effect":"Allow","Action":[],"Resource":"*"}`), "Action must not be empty"},
		{"action without service", stmt(`{"Effect":"Allow","Action":"DescribeImages","Resource":"*"}`), `"DescribeImages" is not`},
		{"action with two colons", stmt(`{"Effect":"Allow","Action":"ecs:a:b","Resource":"*"}`), "is not"},
		{"action with a space", stmt(`{"Effect":"Allow","Action":"ecs:Describe Images","Resource":"*"}`), "cannot have"},
		{"action number", stmt(`{"Effect":"Allow","Action":7,"Resource":"*"}`), "string or a list of strings"},
		{"no resource", stmt(`{"Effect":"Allow","Action":"*"}`), "Resource is required"},
		{"empty resource", stmt(`{"Effect":"Allow","Action":"*","Resource":""}`), "non-empty name"},
		{"not action", stmt(`{"Effect":"Allow","NotAction":"*","Resource":"*"}`), "NotAction is not supported"},
		{"unknown operator", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"acs:SourceIp":"1"}}}`), "unknown condition operator"},
		{"unknown key", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:MFAPresent":"true"}}}`), "unknown condition key"},
		{"operator for another key", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SourceIp":"true"}}}`), "cannot compare"},
		{"bad cidr", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/33"}}}`), "not an IP address"},
		{"bad time", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"tomorrow"}}}`), "not an ISO 8601 time"},
		{"bad bool", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"yes"}}}`), "not true or false"},
		{"empty values", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":[]}}}`), "no value"},
		{"object value", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":{}}}}`), "a string, a boolean or a number"},
		{"no key", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{}}}`), "no condition key"},
		{"too large", `{"Version":"1","Statement":[` + strings.Repeat(" ", MaxDocumentBytes) + `]}`, "at most 6144"},
		{"invalid utf-8", "{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"\xff\"}]}", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile("p", []byte(tt.doc))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Compile = %v, want a *policy.Error", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Compile error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestCompileAccepts(t *testing.T) {
	for _, doc := range []string{
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		`{"Statement":[{"Resource":["*"],"Action":["ecs:*","bcc:Get*"],"Effect":"Deny"}],"Version":"1"}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"IpAddress":{"acs:sourceip":["::1","2001:db8::/32"]},"Bool":{"ACS:SecureTransport":true},"DateLessThanEquals":{"acs:CurrentTime":"2030-01-01"}}}]}`,
	} {
		if err := Validate([]byte(doc)); err != nil {
			t.Errorf("Validate(%s) = %v", doc, err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	ps := []*Policy{
		mustCompile(b, "read", `{"Version":"1","Statement":[{"Effect":"Allow","Action":["ecs:Describe*","ecs:List*"],"Resource":"acs:ecs:*:10001:image/*"}]}`),
		mustCompile(b, "write-one", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":["acs:ecs:*:*:image/m-1","acs:ecs:*:*:image/m-2"]}]}`),
		mustCompile(b, "deny-net", `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":["127.0.0.0/8","10.0.0.0/8"]}}}]}`),
	}
	r := req("ecs:ModifyImageSharePermission", "acs:ecs:cn-hangzhou:10001:image/m-2")
	b.ReportAllocs()
	for b.Loop() {
		if d := Evaluate(r, ps); !d.Allowed {
			b.Fatal(d)
		}
	}
}
