package imageshare

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Sub-users and access policies (docs/ram.md). An account's own keys (its
// root keys) may do everything on the account's resources. A sub-user
// signs with keys of its own, acts inside its account, and may do only
// what the policies attached to it, directly or through its groups, allow.

// User is a sub-user of an account. Names are unique within the account.
type User struct {
	ID        int64
	AccountID int64
	Name      string
	Enabled   bool
	CreatedAt time.Time
}

// Group is a named set of sub-users of one account; a policy attached to
// it applies to each member.
type Group struct {
	ID        int64
	AccountID int64
	Name      string
	CreatedAt time.Time
	// MemberIDs are the ids of its users, ascending (filled by listings).
	MemberIDs []int64
}

// Policy is an account's access policy: a named RAM policy document.
type Policy struct {
	ID          int64
	AccountID   int64
	Name        string
	Description string
	Document    string // JSON, validated by the core before it is stored
	CreatedAt   time.Time
}

// PrincipalType says what a policy is attached to.
type PrincipalType string

const (
	PrincipalUser  PrincipalType = "User"
	PrincipalGroup PrincipalType = "Group"
)

// Attachment links a policy to a user or a group of the same account.
type Attachment struct {
	PolicyID      int64
	PrincipalType PrincipalType
	PrincipalID   int64
	// Names, filled by listings.
	PolicyName    string
	PrincipalName string
	AttachedAt    time.Time
}

// Principal is what authorization needs of a sub-user: the user and every
// policy that applies to it (attached to it or to one of its groups, each
// once), read in one snapshot together with the RAM version that snapshot
// is at.
type Principal struct {
	User     *User
	Policies []*Policy
	Version  int64
}

// Bounds on RAM records, checked by the core.
const (
	MaxRAMNameBytes         = 64 // a user, group or policy name
	MaxPolicyDescription    = 1024
	MaxPoliciesPerPrincipal = 10 // policies attached to one user or group
	MaxGroupsPerUser        = 10
)

// Reasons of RAM (see error.go for the others).
const (
	// ReasonAccessDenied: the caller is a sub-user whose policies do not
	// allow the action on the resource (KindForbidden). The error carries
	// an *AccessDenied (see AccessDeniedOf).
	ReasonAccessDenied     Reason = "AccessDenied"
	ReasonUserNotFound     Reason = "UserNotFound"
	ReasonUserConflict     Reason = "UserConflict"
	ReasonUserGroupMissing Reason = "UserGroupNotFound"
	ReasonUserGroupTaken   Reason = "UserGroupConflict"
	ReasonPolicyNotFound   Reason = "PolicyNotFound"
	ReasonPolicyConflict   Reason = "PolicyConflict"
	ReasonPolicyInvalid    Reason = "PolicyInvalid"   // a document that does not parse or validate
	ReasonNotAttached      Reason = "NotAttached"     // detach of a policy that is not attached
	ReasonAttachmentQuota  Reason = "AttachmentQuota" // MaxPoliciesPerPrincipal or MaxGroupsPerUser
)

// AccessDenied describes a refusal by policy, for the dialects' error
// details (Alibaba's AccessDeniedDetail) and for logs.
type AccessDenied struct {
	Action    string // the vendor action, "ecs:ModifyImageSharePermission"
	Resource  string // the resource name, "acs:ecs:cn-hangzhou:10001:image/m-1"
	Denial    string // "ImplicitDeny" (no Allow) or "ExplicitDeny" (a Deny matched)
	AccountID int64
	UserID    int64
	UserName  string
	// Policy and Statement name the Deny that matched (logged, never sent).
	Policy    string
	Statement int
}

// deniedError carries an AccessDenied in an *Error's chain.
type deniedError struct{ d *AccessDenied }

func (e *deniedError) Error() string {
	return "denied by policy: " + e.d.Denial + " " + e.d.Action + " on " + e.d.Resource
}

// Denied returns the KindForbidden error with ReasonAccessDenied that
// carries d. Its message names the action and the resource.
func Denied(d *AccessDenied) *Error {
	msg := "You are not authorized to do " + d.Action + " on " + d.Resource + ": no policy allows it."
	if d.Denial == "ExplicitDeny" {
		msg = "You are not authorized to do " + d.Action + " on " + d.Resource + ": a policy denies it."
	}
	return &Error{Kind: KindForbidden, Reason: ReasonAccessDenied, Message: msg, Err: &deniedError{d: d}}
}

// AccessDeniedOf returns the refusal an error carries, or nil.
func AccessDeniedOf(err error) *AccessDenied {
	var de *deniedError
	if errors.As(err, &de) {
		return de.d
	}
	return nil
}

// RAMAction is a vendor action as the core authorizes it: each dialect's
// action table resolves a request to one (package vocabulary lists them
// all), so the core never reads vendor action strings.
type RAMAction struct {
	Name string // as policies name it: "ecs:DescribeImages"
	// Prefix starts the names of the resources it acts on: "acs:ecs" gives
	// acs:ecs:{region}:{accountId}:image/{imageId}.
	Prefix string
	// Ops are the core operations a call of the action may run.
	Ops []Operation
}

// Allows reports whether a call of a may run op.
func (a *RAMAction) Allows(op Operation) bool {
	for _, o := range a.Ops {
		if o == op {
			return true
		}
	}
	return false
}

// Resource names a resource of kind (ResourceImage, ResourceInstance) the
// action acts on: Prefix:region:account:kind/id. An empty region is "*"
// (a call that addresses every region).
func (a *RAMAction) Resource(region string, accountID int64, kind, id string) string {
	if region == "" {
		region = "*"
	}
	return a.Prefix + ":" + region + ":" + strconv.FormatInt(accountID, 10) + ":" + kind + "/" + id
}

// Resource kinds in resource names.
const (
	ResourceImage    = "image"
	ResourceInstance = "instance"
)

// Operation names what the core does for a call, whatever the dialect.
// Each vendor action maps to the operations it may run (its dialect's
// action table; package vocabulary).
type Operation string

const (
	OpDescribeShares      Operation = "DescribeShares"
	OpModifyShares        Operation = "ModifyShares"
	OpListImages          Operation = "ListImages"
	OpGetImage            Operation = "GetImage"
	OpDeleteImage         Operation = "DeleteImage"
	OpCreateCustomImage   Operation = "CreateCustomImage"
	OpImageBuildProgress  Operation = "ImageBuildProgress"
	OpEditImage           Operation = "EditImage"
	OpCopyCustomImage     Operation = "CopyCustomImage"
	OpTerminateImage      Operation = "TerminateCustomImage"
	OpPublishImage        Operation = "PublishImage"
	OpCommunityImages     Operation = "CommunityImages"
	OpCommunityGroups     Operation = "CommunityGroups"
	OpSelfCommunityGroups Operation = "SelfCommunityGroups"
	OpCatalogTags         Operation = "CatalogTags"
)

// RAMStore keeps sub-users, groups, policies and attachments. Every change
// that can alter what a sub-user may do (enabling or disabling it, group
// membership, attaching or detaching) increments the RAM version in the
// same transaction, so that every replica's cache of compiled policies
// notices it on its next request (see RAMVersion).
type RAMStore interface {
	// CreateUser inserts u and assigns u.ID. Returns KindConflict
	// (ReasonUserConflict) if the account has a user of that name and
	// KindNotFound (ReasonAccountNotFound) if the account does not exist.
	CreateUser(ctx context.Context, u *User) error
	// FindUser returns KindNotFound (ReasonUserNotFound) if the account has
	// no user of that name.
	FindUser(ctx context.Context, accountID int64, name string) (*User, error)
	// ListUsers returns the account's users by name.
	ListUsers(ctx context.Context, accountID int64) ([]*User, error)
	// SetUserEnabled returns KindNotFound (ReasonUserNotFound) if absent.
	SetUserEnabled(ctx context.Context, userID int64, enabled bool) error
	// CreateUserKey inserts k, a key of the sub-user k.UserID (non-zero)
	// of account k.AccountID. Returns KindNotFound (ReasonUserNotFound) if
	// the account has no such user and KindConflict (ReasonKeyConflict) if
	// the public key is taken.
	CreateUserKey(ctx context.Context, k *AccessKey) error

	// CreateGroup inserts g and assigns g.ID. Returns KindConflict
	// (ReasonUserGroupTaken) for a taken name and KindNotFound
	// (ReasonAccountNotFound) for an unknown account.
	CreateGroup(ctx context.Context, g *Group) error
	// FindGroup returns KindNotFound (ReasonUserGroupMissing) if absent.
	FindGroup(ctx context.Context, accountID int64, name string) (*Group, error)
	// ListGroups returns the account's groups by name, MemberIDs filled.
	ListGroups(ctx context.Context, accountID int64) ([]*Group, error)
	// AddGroupMember puts a user in a group of the same account (a member
	// already is: no change). Returns KindNotFound (ReasonUserGroupMissing
	// or ReasonUserNotFound) if either is absent or they are of different
	// accounts, and KindLimitExceeded (ReasonAttachmentQuota) if the user
	// would be in more than maxGroups groups.
	AddGroupMember(ctx context.Context, groupID, userID int64, maxGroups int) error
	// RemoveGroupMember takes a user out of a group; one that is not a
	// member is KindNotFound (ReasonUserNotFound).
	RemoveGroupMember(ctx context.Context, groupID, userID int64) error

	// CreatePolicy inserts p and assigns p.ID. Returns KindConflict
	// (ReasonPolicyConflict) for a name the account has and KindNotFound
	// (ReasonAccountNotFound) for an unknown account.
	CreatePolicy(ctx context.Context, p *Policy) error
	// FindPolicy returns KindNotFound (ReasonPolicyNotFound) if absent.
	FindPolicy(ctx context.Context, accountID int64, name string) (*Policy, error)
	// ListPolicies returns the account's policies by name.
	ListPolicies(ctx context.Context, accountID int64) ([]*Policy, error)
	// AttachPolicy attaches a policy to a user or group of the policy's
	// account (attached already: no change). Returns KindNotFound
	// (ReasonPolicyNotFound, ReasonUserNotFound or ReasonUserGroupMissing)
	// if either is absent or of another account, and KindLimitExceeded
	// (ReasonAttachmentQuota) if the principal would have more than
	// maxPolicies policies.
	AttachPolicy(ctx context.Context, a Attachment, maxPolicies int) error
	// DetachPolicy returns KindNotFound (ReasonNotAttached) if the policy
	// is not attached to the principal.
	DetachPolicy(ctx context.Context, a Attachment) error
	// ListAttachments returns the account's attachments with names
	// filled, by policy name, then principal type and name.
	ListAttachments(ctx context.Context, accountID int64) ([]*Attachment, error)

	// LoadPrincipal reads the user and the policies that apply to it, in
	// one snapshot with the RAM version. Returns KindNotFound
	// (ReasonUserNotFound) if the user does not exist.
	LoadPrincipal(ctx context.Context, userID int64) (*Principal, error)
	// RAMVersion returns the RAM version: it only grows, and it grows with
	// every change LoadPrincipal's answer for some user depends on.
	RAMVersion(ctx context.Context) (int64, error)
}

// Operations on instances (instance.go).
const (
	// OpRunInstances launches from an image (its resource is the image),
	// and is checked again for the image a reinstall uses.
	OpRunInstances Operation = "RunInstances"
	// OpListInstances lists or reads the caller's instances.
	OpListInstances Operation = "ListInstances"
	// OpManageInstance starts, stops, reboots, reinstalls or deletes one.
	OpManageInstance Operation = "ManageInstance"
)
