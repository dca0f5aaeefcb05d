package core

import (
	"context"
	"fmt"
	"sync"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/policy"
)

// Authorization of sub-users (docs/ram.md). Every Service method that acts
// for a Caller calls authorize before it reads or changes anything, so
// the answer depends only on the request (the caller, its action, the
// resource it names, its source address and transport), never on whether
// the resource exists: a denied call looks the same either way. The
// caller's action comes resolved by its dialect's action table
// (imageshare.RAMAction: its policy name, resource prefix and operations),
// so nothing here reads a vendor's action name.

// maxCachedPrincipals bounds the principal cache; past it, the cache is
// emptied and refilled by the calls that follow.
const maxCachedPrincipals = 10000

// principals caches each sub-user's compiled policies. An entry is valid
// while the store's RAM version is the one it was loaded at: every change
// to users, groups or attachments increments that version in the same
// transaction, so each call reads the version (one row) and reloads a
// stale entry, on whichever replica made the change.
type principals struct {
	mu       sync.Mutex
	entries  map[int64]*principal
	compiled map[int64]*compiledPolicy // by policy id; documents never change
}

type principal struct {
	version  int64
	user     *imageshare.User
	policies []*policy.Policy
}

type compiledPolicy struct {
	document string
	policy   *policy.Policy
}

func newPrincipals() *principals {
	return &principals{entries: map[int64]*principal{}, compiled: map[int64]*compiledPolicy{}}
}

// principal returns the user's principal at the store's current RAM
// version, or at version when it is not 0: a request reads the version
// once, when its key is authenticated (AccessKey.RAMVersion), and its call
// is authorized by the principal of that version.
func (s *Service) principal(ctx context.Context, userID, version int64) (*principal, error) {
	if version == 0 {
		v, err := s.store.RAMVersion(ctx)
		if err != nil {
			return nil, err
		}
		version = v
	}
	c := s.ram
	c.mu.Lock()
	p := c.entries[userID]
	c.mu.Unlock()
	if p != nil && p.version == version {
		return p, nil
	}
	loaded, err := s.store.LoadPrincipal(ctx, userID)
	if err != nil {
		return nil, err
	}
	p = &principal{version: loaded.Version, user: loaded.User}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, doc := range loaded.Policies {
		cp := c.compiled[doc.ID]
		if cp == nil || cp.document != doc.Document {
			compiled, err := policy.Compile(doc.Name, []byte(doc.Document))
			if err != nil {
				// Documents are validated before they are stored; one that
				// no longer compiles may hold a Deny, so nothing is allowed.
				return nil, imageshare.Internal("core.principal", fmt.Errorf("policy %d (%s) does not compile: %w", doc.ID, doc.Name, err))
			}
			cp = &compiledPolicy{document: doc.Document, policy: compiled}
			if len(c.compiled) >= maxCachedPrincipals {
				clear(c.compiled)
			}
			c.compiled[doc.ID] = cp
		}
		p.policies = append(p.policies, cp.policy)
	}
	if len(c.entries) >= maxCachedPrincipals {
		clear(c.entries)
	}
	if old := c.entries[userID]; old == nil || old.version <= p.version {
		c.entries[userID] = p
	}
	return p, nil
}

// checkUser refuses the key of a disabled or deleted sub-user, and
// records on k the RAM version it checked at (AccessKey.RAMVersion).
func (s *Service) checkUser(ctx context.Context, k *imageshare.AccessKey) error {
	if k.UserID == 0 {
		return nil
	}
	p, err := s.principal(ctx, k.UserID, 0)
	if imageshare.IsKind(err, imageshare.KindNotFound) || (err == nil && (!p.user.Enabled || p.user.AccountID != k.AccountID)) {
		return imageshare.Errorf(imageshare.KindUnauthenticated, imageshare.ReasonKeyDisabled, "access key %q belongs to a disabled user", k.PublicKey)
	}
	if err == nil {
		k.RAMVersion = p.version
	}
	return err
}

// authorize decides whether c may run op on the resource of the given
// kind and id in region ("" means the caller's request region; id "*"
// names every resource of the kind, for listings). Root callers may do
// everything; a sub-user needs its action to run op and a policy that
// allows the action on the resource.
func (s *Service) authorize(ctx context.Context, c imageshare.Caller, op imageshare.Operation, kind, region, id string) error {
	if c.UserID == 0 {
		return nil
	}
	if region == "" {
		region = c.Region
	}
	a := c.Action
	if a == nil || !a.Allows(op) {
		// A dialect that names no action, or one that does not run op,
		// grants nothing: the call is denied whatever the policies say.
		name := ""
		if a != nil {
			name = a.Name
		}
		return imageshare.Denied(&imageshare.AccessDenied{Action: name, Resource: "*", Denial: string(policy.ImplicitDeny),
			AccountID: c.AccountID, UserID: c.UserID, Statement: -1})
	}
	p, err := s.principal(ctx, c.UserID, c.RAMVersion)
	if imageshare.IsKind(err, imageshare.KindNotFound) {
		return imageshare.Errorf(imageshare.KindUnauthenticated, imageshare.ReasonKeyDisabled, "access key %q belongs to a disabled user", c.PublicKey)
	}
	if err != nil {
		return err
	}
	if !p.user.Enabled || p.user.AccountID != c.AccountID {
		return imageshare.Errorf(imageshare.KindUnauthenticated, imageshare.ReasonKeyDisabled, "access key %q belongs to a disabled user", c.PublicKey)
	}
	resource := a.Resource(region, c.AccountID, kind, id)
	d := policy.Evaluate(&policy.Request{
		Action: a.Name, Resource: resource, SourceIP: c.SourceIP,
		Time: s.now(), SecureTransport: c.SecureTransport,
	}, p.policies)
	if d.Allowed {
		return nil
	}
	return imageshare.Denied(&imageshare.AccessDenied{Action: a.Name, Resource: resource, Denial: string(d.Denial),
		AccountID: c.AccountID, UserID: c.UserID, UserName: p.user.Name, Policy: d.Policy, Statement: d.Statement})
}

// authorizeImage authorizes op on one image.
func (s *Service) authorizeImage(ctx context.Context, c imageshare.Caller, op imageshare.Operation, region, imageID string) error {
	return s.authorize(ctx, c, op, imageshare.ResourceImage, region, imageID)
}

// authorizeList authorizes op on every image of region.
func (s *Service) authorizeList(ctx context.Context, c imageshare.Caller, op imageshare.Operation, region string) error {
	return s.authorize(ctx, c, op, imageshare.ResourceImage, region, "*")
}
