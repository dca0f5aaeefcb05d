package core

import (
	"context"
	"time"

	"github.com/imageshare/imageshare"
)

// Operator is everything an operator does to any tenant's records: what
// seed loading, the admin API, the CLI and the test harness call instead
// of the store, so that the core's rules (required fields, who an image
// can be shared with, the per-image share cap, served regions, RAM names
// and policy documents) hold for their records as for a tenant's. No
// dialect reaches it: imageshare.Service does not include it.
//
// Add* methods take a record whose identity the operator chose (a seed's
// fixed ids and key pairs); Create* methods make up what the caller left
// out (ids, key pairs). Find* methods see every tenant's records.
type Operator interface {
	imageshare.CommunityOperator

	// Now is the service clock.
	Now() time.Time

	// AddRegion serves a region; adding a served region is a no-op.
	AddRegion(ctx context.Context, name string) error
	// Regions lists the served regions by name.
	Regions(ctx context.Context) ([]string, error)

	// AddAccount creates an account without a key (a zero ID is assigned).
	AddAccount(ctx context.Context, a *imageshare.Account) error
	// CreateAccount creates an account and one fresh key pair for it.
	CreateAccount(ctx context.Context, a *imageshare.Account) (*imageshare.AccessKey, error)
	// FindAccount returns the account with this id.
	FindAccount(ctx context.Context, id int64) (*imageshare.Account, error)
	// ListAccounts lists accounts by id, and the total.
	ListAccounts(ctx context.Context, p imageshare.Page) ([]*imageshare.Account, int, error)

	// AddKey adds a given key pair, of the account or (UserID set) of one
	// of its sub-users.
	AddKey(ctx context.Context, k *imageshare.AccessKey) error
	// CreateKey issues a fresh key pair for an account.
	CreateKey(ctx context.Context, accountID int64) (*imageshare.AccessKey, error)
	// FindKey returns a key, enabled or not.
	FindKey(ctx context.Context, publicKey string) (*imageshare.AccessKey, error)
	// SetKeyEnabled enables or disables a key.
	SetKeyEnabled(ctx context.Context, publicKey string, enabled bool) error

	// FindInstance returns an instance of any tenant.
	FindInstance(ctx context.Context, id string) (*imageshare.Instance, error)
	// AddLaunchedInstance records an instance launched from in.ImageID
	// for its owner, under the launch permission and the instance quota;
	// in.Status Stopped records it stopped, anything else Running.
	AddLaunchedInstance(ctx context.Context, in *imageshare.Instance) error

	// AddImage records an image of any type as given (a platform image, a
	// tenant's custom image or community version).
	AddImage(ctx context.Context, im *imageshare.Image) error
	// FindImage returns an image of any tenant.
	FindImage(ctx context.Context, id string) (*imageshare.Image, error)
	// ShareImage shares an image with accounts for its owner, under the
	// owner's rules and the share cap; an account it is shared with
	// already is skipped.
	ShareImage(ctx context.Context, imageID string, accounts ...int64) (*imageshare.ShareResult, error)

	// Sub-users, groups and policies (ram_admin.go).
	AddUser(ctx context.Context, u *imageshare.User) error
	CreateUser(ctx context.Context, accountID int64, name string) (*imageshare.User, error)
	FindUser(ctx context.Context, accountID int64, name string) (*imageshare.User, error)
	ListUsers(ctx context.Context, accountID int64) ([]*imageshare.User, error)
	SetUserEnabled(ctx context.Context, accountID int64, name string, enabled bool) error
	CreateUserKey(ctx context.Context, u *imageshare.User) (*imageshare.AccessKey, error)
	CreateGroup(ctx context.Context, accountID int64, name string) (*imageshare.Group, error)
	ListGroups(ctx context.Context, accountID int64) ([]*imageshare.Group, error)
	AddGroupMember(ctx context.Context, accountID int64, group, user string) error
	RemoveGroupMember(ctx context.Context, accountID int64, group, user string) error
	CreatePolicy(ctx context.Context, accountID int64, name, description, document string) (*imageshare.Policy, error)
	FindPolicy(ctx context.Context, accountID int64, name string) (*imageshare.Policy, error)
	ListPolicies(ctx context.Context, accountID int64) ([]*imageshare.Policy, error)
	ListAttachments(ctx context.Context, accountID int64) ([]*imageshare.Attachment, error)
	AttachPolicy(ctx context.Context, accountID int64, policyName string, t imageshare.PrincipalType, principal string) error
	DetachPolicy(ctx context.Context, accountID int64, policyName string, t imageshare.PrincipalType, principal string) error
	SimulatePolicy(ctx context.Context, accountID int64, user string, sim Simulation) (*SimulationResult, error)
}

var _ Operator = (*Service)(nil)
