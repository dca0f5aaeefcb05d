// Package fault is imageshare's fault injection for CI: rules, set through
// the admin API (docs/deploy.md "Fault injection"), that make calls of one
// action fail with a chosen vendor error or wait before they run, so that
// a client's retries can be tested against the real server. It is what
// LocalStack's chaos API offers.
//
// A rule names a dialect and an action by its action-table name (UCloud
// "DescribeCompShareImages", Alibaba "DescribeImages", Baidu "ListImages";
// "*" for any), and applies to the next Count matching calls (0: every
// call) and, of those, to a fraction Probability (0 or 1: all). The
// dialect kit asks the Injector once per authenticated call of a served
// action (dialect/kit, Exchange.Authenticate); the server puts the
// Injector on each request's context (NewContext).
package fault

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// Rule is one fault. Exactly one of Code (fail) and Delay (wait) is set,
// or both: the call waits, then fails.
type Rule struct {
	ID      int64  `json:"id"`
	Dialect string `json:"dialect"` // "ucloud", "aliyun", "baidu" or "*"
	Action  string `json:"action"`  // an action-table name or "*"
	// Code is the vendor error the call fails with: UCloud's RetCode in
	// decimal, Alibaba's or Baidu's Code. The dialect's error table gives
	// its HTTP status when it knows the code; Status overrides it.
	Code    string `json:"code,omitempty"`
	Status  int    `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	// Delay is how long a matching call waits before it runs (or fails).
	Delay time.Duration `json:"delay,omitempty"`
	// Count is how many more matching calls the rule applies to; 0 is
	// every call. The rule is removed when it reaches 0 from above.
	Count int `json:"count,omitempty"`
	// Probability is the fraction of matching calls it applies to, in
	// (0, 1]; 0 means 1.
	Probability float64 `json:"probability,omitempty"`
	// Injected counts the calls the rule applied to.
	Injected int64 `json:"injected"`
}

// Validate checks a rule before it is added.
func (r *Rule) Validate() error {
	switch {
	case r.Dialect == "" || r.Action == "":
		return fmt.Errorf("a fault names a dialect and an action (\"*\" for any)")
	case r.Code == "" && r.Delay <= 0:
		return fmt.Errorf("a fault has a code to fail with, a delay, or both")
	case r.Count < 0:
		return fmt.Errorf("count must be 0 (every call) or more")
	case r.Probability < 0 || r.Probability > 1:
		return fmt.Errorf("probability must be in [0, 1]")
	case r.Status != 0 && (r.Status < 100 || r.Status > 599):
		return fmt.Errorf("status must be an HTTP status")
	case r.Delay > 10*time.Minute:
		return fmt.Errorf("delay must be at most 10m")
	case len(r.Code) > 64 || len(r.Message) > 512 || strings.ContainsAny(r.Code, "\r\n"):
		return fmt.Errorf("code (64 bytes) or message (512 bytes) too long")
	}
	return nil
}

// Hit is what applies to one call.
type Hit struct {
	Code, Message string
	Status        int
	Delay         time.Duration
}

// Injector holds the rules of one server.
type Injector struct {
	mu     sync.Mutex
	rules  []*Rule
	nextID int64
	// OnInject, when set, is told of every call a rule applied to (kind
	// "error" or "delay"); the server counts them in its metrics.
	OnInject func(dialect, action, kind string)
	// rand decides Probability; tests may replace it.
	rand func() float64
}

// New returns an Injector with no rules.
func New() *Injector { return &Injector{rand: rand.Float64} }

// Add adds a rule and returns it with its id.
func (in *Injector) Add(r Rule) (Rule, error) {
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.nextID++
	r.ID, r.Injected = in.nextID, 0
	in.rules = append(in.rules, &r)
	return r, nil
}

// List returns the rules in the order they were added.
func (in *Injector) List() []Rule {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]Rule, len(in.rules))
	for i, r := range in.rules {
		out[i] = *r
	}
	return out
}

// Remove removes the rule with id; false if there is none.
func (in *Injector) Remove(id int64) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := len(in.rules)
	in.rules = slices.DeleteFunc(in.rules, func(r *Rule) bool { return r.ID == id })
	return len(in.rules) < n
}

// Clear removes every rule.
func (in *Injector) Clear() {
	in.mu.Lock()
	in.rules = nil
	in.mu.Unlock()
}

// Check returns what applies to a call of action in dialect: the first
// matching rule that applies to it (a count it uses up, a probability it
// passes), or nil.
func (in *Injector) Check(dialect, action string) *Hit {
	if in == nil {
		return nil
	}
	in.mu.Lock()
	var hit *Hit
	for i, r := range in.rules {
		if (r.Dialect != "*" && r.Dialect != dialect) || (r.Action != "*" && r.Action != action) {
			continue
		}
		if r.Probability > 0 && r.Probability < 1 && in.rand() >= r.Probability {
			continue
		}
		r.Injected++
		hit = &Hit{Code: r.Code, Message: r.Message, Status: r.Status, Delay: r.Delay}
		if r.Count > 0 {
			if r.Count--; r.Count == 0 {
				in.rules = slices.Delete(in.rules, i, i+1)
			}
		}
		break
	}
	in.mu.Unlock()
	if hit != nil && in.OnInject != nil {
		if hit.Delay > 0 {
			in.OnInject(dialect, action, "delay")
		}
		if hit.Code != "" {
			in.OnInject(dialect, action, "error")
		}
	}
	return hit
}

type contextKey struct{}

// NewContext returns ctx carrying in.
func NewContext(ctx context.Context, in *Injector) context.Context {
	return context.WithValue(ctx, contextKey{}, in)
}

// From returns the Injector ctx carries, or nil.
func From(ctx context.Context) *Injector {
	in, _ := ctx.Value(contextKey{}).(*Injector)
	return in
}
