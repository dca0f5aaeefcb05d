package sqlstore

import (
	"strings"

	"github.com/imageshare/imageshare"
)

// The RAM tables' shared query text, scanners and errors (see the
// stores' ram.go for their transactions and locks).

// BumpRAMVersion increments the RAM version, creating its one row.
const BumpRAMVersion = `INSERT INTO ram_version (id, version) VALUES (1, 1)
ON CONFLICT (id) DO UPDATE SET version = ram_version.version + 1`

// RAMVersionQuery reads the RAM version: 0 before any change.
const RAMVersionQuery = `SELECT COALESCE((SELECT version FROM ram_version WHERE id = 1), 0)`

// UserInsert inserts a sub-user (UserValues) and returns its id.
const UserInsert = `INSERT INTO ram_users (account_id, name, enabled, created_at) VALUES (?, ?, ?, ?) RETURNING id`

// UserValues returns u's values for UserInsert.
func UserValues(u *imageshare.User) []any {
	return []any{u.AccountID, u.Name, u.Enabled, Nanos(u.CreatedAt)}
}

// UserConflict says the account has a user named so already.
func UserConflict(u *imageshare.User) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonUserConflict, "account %d has a user named %q", u.AccountID, u.Name)
}

// UserKeyInsert inserts a sub-user's access key.
const UserKeyInsert = `INSERT INTO access_keys (public_key, private_key, account_id, enabled, created_at, user_id) VALUES (?, ?, ?, ?, ?, ?)`

// UserKeyValues returns k's values for UserKeyInsert.
func UserKeyValues(k *imageshare.AccessKey) []any {
	return []any{k.PublicKey, k.PrivateKey, k.AccountID, k.Enabled, Nanos(k.CreatedAt), k.UserID}
}

// GroupInsert inserts a user group and returns its id.
const GroupInsert = `INSERT INTO ram_groups (account_id, name, created_at) VALUES (?, ?, ?) RETURNING id`

// GroupConflict says the account has a group named so already.
func GroupConflict(g *imageshare.Group) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonUserGroupTaken, "account %d has a group named %q", g.AccountID, g.Name)
}

// RAMGroupColumns are the ram_groups columns ScanGroup reads, in order.
const RAMGroupColumns = `id, account_id, name, created_at`

// ScanGroup reads a group selected with RAMGroupColumns, then extra.
func ScanGroup(row Row, extra ...any) (*imageshare.Group, error) {
	var g imageshare.Group
	var created int64
	if err := row.Scan(append([]any{&g.ID, &g.AccountID, &g.Name, &created}, extra...)...); err != nil {
		return nil, err
	}
	g.CreatedAt = FromNanos(created)
	return &g, nil
}

// GroupQuota is the error for a user in count groups when it may be in
// at most max (0: any number), or nil.
func GroupQuota(count, max int) error {
	if max > 0 && count > max {
		return imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonAttachmentQuota, "a user is in at most %d groups", max)
	}
	return nil
}

// NotInGroup says the user is not a member of the group.
func NotInGroup(userID, groupID int64) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonUserNotFound, "user %d is not in group %d", userID, groupID)
}

// PolicyInsert inserts a policy (PolicyValues) and returns its id.
const PolicyInsert = `INSERT INTO ram_policies (account_id, name, description, document, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`

// PolicyValues returns p's values for PolicyInsert.
func PolicyValues(p *imageshare.Policy) []any {
	return []any{p.AccountID, p.Name, p.Description, p.Document, Nanos(p.CreatedAt)}
}

// PolicyConflict says the account has a policy named so already.
func PolicyConflict(p *imageshare.Policy) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonPolicyConflict, "account %d has a policy named %q", p.AccountID, p.Name)
}

// PolicyColumns are the ram_policies columns ScanPolicy reads, in order.
const PolicyColumns = `id, account_id, name, description, document, created_at`

// ScanPolicy reads a policy selected with PolicyColumns.
func ScanPolicy(row Row) (*imageshare.Policy, error) {
	var p imageshare.Policy
	var created int64
	if err := row.Scan(&p.ID, &p.AccountID, &p.Name, &p.Description, &p.Document, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = FromNanos(created)
	return &p, nil
}

// AttachmentTable returns the attachment table of a principal type, its
// principal column and the principals' own table, or the error for a type
// that is neither User nor Group.
func AttachmentTable(t imageshare.PrincipalType) (table, column, principals string, err error) {
	switch t {
	case imageshare.PrincipalUser:
		return "ram_user_policies", "user_id", "ram_users", nil
	case imageshare.PrincipalGroup:
		return "ram_group_policies", "group_id", "ram_groups", nil
	}
	return "", "", "", imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "principal type %q is not User or Group", t)
}

// PrincipalNotFound says the principal of a does not exist (or is another
// account's).
func PrincipalNotFound(a imageshare.Attachment) *imageshare.Error {
	if a.PrincipalType == imageshare.PrincipalGroup {
		return GroupNotFound(a.PrincipalID)
	}
	return UserNotFound(a.PrincipalID)
}

// PolicyQuota is the error for a principal of type t with count policies
// attached when it may have at most max (0: any number), or nil.
func PolicyQuota(t imageshare.PrincipalType, count, max int) error {
	if max > 0 && count > max {
		return imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonAttachmentQuota,
			"a %s has at most %d policies attached", strings.ToLower(string(t)), max)
	}
	return nil
}

// NotAttached says the policy of a is not attached to its principal.
func NotAttached(a imageshare.Attachment) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonNotAttached,
		"policy %d is not attached to %s %d", a.PolicyID, strings.ToLower(string(a.PrincipalType)), a.PrincipalID)
}

// ListAttachmentsQuery lists an account's attachments with names
// (arguments: the account id twice); ScanAttachment reads a row.
const ListAttachmentsQuery = `SELECT p.id, p.name, 'User' AS type, u.id, u.name, a.attached_at
FROM ram_user_policies a JOIN ram_policies p ON p.id = a.policy_id JOIN ram_users u ON u.id = a.user_id
WHERE p.account_id = ?
UNION ALL
SELECT p.id, p.name, 'Group', g.id, g.name, a.attached_at
FROM ram_group_policies a JOIN ram_policies p ON p.id = a.policy_id JOIN ram_groups g ON g.id = a.group_id
WHERE p.account_id = ?
ORDER BY 2, 3 DESC, 5`

// ScanAttachment reads a row of ListAttachmentsQuery.
func ScanAttachment(row Row) (*imageshare.Attachment, error) {
	var a imageshare.Attachment
	var typ string
	var at int64
	if err := row.Scan(&a.PolicyID, &a.PolicyName, &typ, &a.PrincipalID, &a.PrincipalName, &at); err != nil {
		return nil, err
	}
	a.PrincipalType, a.AttachedAt = imageshare.PrincipalType(typ), FromNanos(at)
	return &a, nil
}
