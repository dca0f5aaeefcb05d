package core

import (
	"context"
	"net/netip"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/policy"
	"github.com/imageshare/imageshare/vocabulary"
)

// The methods in this file administer sub-users, groups and policies for
// operators (the CLI, seed loading); like admin.go's, no dialect reaches
// them.

// checkRAMName accepts 1 to MaxRAMNameBytes letters, digits, '.', '_' and
// '-', as RAM names its users, groups and policies.
func checkRAMName(what, name string) error {
	if name == "" {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "%s name is required", what)
	}
	if len(name) > imageshare.MaxRAMNameBytes {
		return invalid("%s name is longer than %d bytes", what, imageshare.MaxRAMNameBytes)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return invalid("%s name %q may hold only letters, digits, '.', '_' and '-'", what, name)
		}
	}
	return nil
}

// CreateUser creates an enabled sub-user of an account.
func (s *Service) CreateUser(ctx context.Context, accountID int64, name string) (*imageshare.User, error) {
	if err := checkRAMName("user", name); err != nil {
		return nil, err
	}
	u := &imageshare.User{AccountID: accountID, Name: name, Enabled: true, CreatedAt: s.now().UTC()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// FindUser returns the account's sub-user of that name.
func (s *Service) FindUser(ctx context.Context, accountID int64, name string) (*imageshare.User, error) {
	return s.store.FindUser(ctx, accountID, name)
}

// ListUsers lists an account's sub-users by name.
func (s *Service) ListUsers(ctx context.Context, accountID int64) ([]*imageshare.User, error) {
	return s.store.ListUsers(ctx, accountID)
}

// SetUserEnabled enables or disables a sub-user: a disabled user's keys
// are refused by every dialect, on every replica, from the next call on.
func (s *Service) SetUserEnabled(ctx context.Context, accountID int64, name string, enabled bool) error {
	u, err := s.store.FindUser(ctx, accountID, name)
	if err != nil {
		return err
	}
	return s.store.SetUserEnabled(ctx, u.ID, enabled)
}

// CreateUserKey issues a new key pair for a sub-user.
func (s *Service) CreateUserKey(ctx context.Context, u *imageshare.User) (*imageshare.AccessKey, error) {
	k := &imageshare.AccessKey{
		PublicKey: NewPublicKey(), PrivateKey: NewPrivateKey(), AccountID: u.AccountID, UserID: u.ID,
		Enabled: true, CreatedAt: s.now().UTC(),
	}
	if err := s.store.CreateUserKey(ctx, k); err != nil {
		return nil, err
	}
	return k, nil
}

// CreateGroup creates a group of sub-users.
func (s *Service) CreateGroup(ctx context.Context, accountID int64, name string) (*imageshare.Group, error) {
	if err := checkRAMName("group", name); err != nil {
		return nil, err
	}
	g := &imageshare.Group{AccountID: accountID, Name: name, CreatedAt: s.now().UTC()}
	if err := s.store.CreateGroup(ctx, g); err != nil {
		return nil, err
	}
	return g, nil
}

// ListGroups lists an account's groups by name, with their members' ids.
func (s *Service) ListGroups(ctx context.Context, accountID int64) ([]*imageshare.Group, error) {
	return s.store.ListGroups(ctx, accountID)
}

// AddGroupMember puts the account's user in its group.
func (s *Service) AddGroupMember(ctx context.Context, accountID int64, group, user string) error {
	g, err := s.store.FindGroup(ctx, accountID, group)
	if err != nil {
		return err
	}
	u, err := s.store.FindUser(ctx, accountID, user)
	if err != nil {
		return err
	}
	return s.store.AddGroupMember(ctx, g.ID, u.ID, imageshare.MaxGroupsPerUser)
}

// RemoveGroupMember takes the account's user out of its group.
func (s *Service) RemoveGroupMember(ctx context.Context, accountID int64, group, user string) error {
	g, err := s.store.FindGroup(ctx, accountID, group)
	if err != nil {
		return err
	}
	u, err := s.store.FindUser(ctx, accountID, user)
	if err != nil {
		return err
	}
	return s.store.RemoveGroupMember(ctx, g.ID, u.ID)
}

// CreatePolicy validates a policy document and stores it under name. An
// invalid document is KindInvalid (ReasonPolicyInvalid) with a message that
// says what is wrong where.
func (s *Service) CreatePolicy(ctx context.Context, accountID int64, name, description, document string) (*imageshare.Policy, error) {
	if err := checkRAMName("policy", name); err != nil {
		return nil, err
	}
	if err := checkText("policy description", description, imageshare.MaxPolicyDescription); err != nil {
		return nil, err
	}
	if err := policy.Validate([]byte(document)); err != nil {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonPolicyInvalid, "%v", err)
	}
	p := &imageshare.Policy{AccountID: accountID, Name: name, Description: description, Document: document, CreatedAt: s.now().UTC()}
	if err := s.store.CreatePolicy(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// FindPolicy returns the account's policy of that name.
func (s *Service) FindPolicy(ctx context.Context, accountID int64, name string) (*imageshare.Policy, error) {
	return s.store.FindPolicy(ctx, accountID, name)
}

// ListPolicies lists an account's policies by name.
func (s *Service) ListPolicies(ctx context.Context, accountID int64) ([]*imageshare.Policy, error) {
	return s.store.ListPolicies(ctx, accountID)
}

// ListAttachments lists an account's attachments.
func (s *Service) ListAttachments(ctx context.Context, accountID int64) ([]*imageshare.Attachment, error) {
	return s.store.ListAttachments(ctx, accountID)
}

// attachment resolves names to an attachment of the account.
func (s *Service) attachment(ctx context.Context, accountID int64, policyName string, t imageshare.PrincipalType, principal string) (imageshare.Attachment, error) {
	a := imageshare.Attachment{PrincipalType: t, AttachedAt: s.now().UTC()}
	p, err := s.store.FindPolicy(ctx, accountID, policyName)
	if err != nil {
		return a, err
	}
	a.PolicyID = p.ID
	switch t {
	case imageshare.PrincipalUser:
		u, err := s.store.FindUser(ctx, accountID, principal)
		if err != nil {
			return a, err
		}
		a.PrincipalID = u.ID
	case imageshare.PrincipalGroup:
		g, err := s.store.FindGroup(ctx, accountID, principal)
		if err != nil {
			return a, err
		}
		a.PrincipalID = g.ID
	default:
		return a, invalid("a policy attaches to a User or a Group, not %q", t)
	}
	return a, nil
}

// AttachPolicy attaches the account's policy to one of its users or
// groups; attaching it again changes nothing.
func (s *Service) AttachPolicy(ctx context.Context, accountID int64, policyName string, t imageshare.PrincipalType, principal string) error {
	a, err := s.attachment(ctx, accountID, policyName, t, principal)
	if err != nil {
		return err
	}
	return s.store.AttachPolicy(ctx, a, imageshare.MaxPoliciesPerPrincipal)
}

// DetachPolicy detaches the account's policy from one of its users or
// groups.
func (s *Service) DetachPolicy(ctx context.Context, accountID int64, policyName string, t imageshare.PrincipalType, principal string) error {
	a, err := s.attachment(ctx, accountID, policyName, t, principal)
	if err != nil {
		return err
	}
	return s.store.DetachPolicy(ctx, a)
}

// Simulation is a call to decide without making it: what `imageshare
// policy check` asks.
type Simulation struct {
	Action   string // a vendor action, "ecs:ModifyImageSharePermission"
	Resource string // a resource name, "acs:ecs:cn-hangzhou:10001:image/m-1"
	// SourceIP is the caller's address; the zero Addr means unknown (a
	// condition on it then fails in an Allow and holds in a Deny).
	SourceIP        netip.Addr
	SecureTransport bool
	Time            time.Time // zero: the service clock
}

// SimulationResult is the server's answer to a Simulation.
type SimulationResult struct {
	User     *imageshare.User
	Decision policy.Decision
	// Refusal, when set, is why the call would be refused before any
	// policy is read: the user is disabled, or no dialect has the action.
	Refusal string
}

// Allowed reports whether the call would be allowed.
func (r *SimulationResult) Allowed() bool { return r.Refusal == "" && r.Decision.Allowed }

// SimulatePolicy decides sim for the account's user exactly as a call of
// that user is decided: the same principal cache, the same vocabulary and
// the same evaluation.
func (s *Service) SimulatePolicy(ctx context.Context, accountID int64, user string, sim Simulation) (*SimulationResult, error) {
	u, err := s.store.FindUser(ctx, accountID, user)
	if err != nil {
		return nil, err
	}
	p, err := s.principal(ctx, u.ID, 0)
	if err != nil {
		return nil, err
	}
	res := &SimulationResult{User: p.user, Decision: policy.Decision{Denial: policy.ImplicitDeny, Statement: -1}}
	_, a, known := vocabulary.Lookup(sim.Action)
	switch {
	case !p.user.Enabled:
		res.Refusal = "the user is disabled: its keys are refused before any policy is read"
		return res, nil
	case !known:
		res.Refusal = "no dialect has the action " + sim.Action + ": a call naming it is denied whatever the policies say"
		return res, nil
	}
	if sim.Time.IsZero() {
		sim.Time = s.now()
	}
	res.Decision = policy.Evaluate(&policy.Request{
		Action: a.Name, Resource: sim.Resource, SourceIP: sim.SourceIP,
		Time: sim.Time, SecureTransport: sim.SecureTransport,
	}, p.policies)
	return res, nil
}
