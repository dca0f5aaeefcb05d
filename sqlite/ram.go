package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"imageshare"
	"imageshare/internal/sqlstore"
)

// The RAM methods of imageshare.Store (ram.go): sub-users, groups,
// policies and attachments, and the version every change to what a
// sub-user may do increments in its own transaction.

// bumpRAMVersion increments the RAM version inside tx.
func bumpRAMVersion(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO ram_version (id, version) VALUES (1, 1)
ON CONFLICT (id) DO UPDATE SET version = ram_version.version + 1`)
	return err
}

// RAMVersion implements imageshare.Store.
func (s *Store) RAMVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE((SELECT version FROM ram_version WHERE id = 1), 0)`).Scan(&v)
	if err != nil {
		return 0, imageshare.Internal("sqlite.RAMVersion", err)
	}
	return v, nil
}

// CreateUser implements imageshare.Store.
func (s *Store) CreateUser(ctx context.Context, u *imageshare.User) error {
	return s.writeTx(ctx, "sqlite.CreateUser", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			`INSERT INTO ram_users (account_id, name, enabled, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			u.AccountID, u.Name, boolInt(u.Enabled), sqlstore.Nanos(u.CreatedAt)).Scan(&u.ID)
		return constraintError(err,
			imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonUserConflict, "account %d has a user named %q", u.AccountID, u.Name),
			sqlstore.AccountNotFound("id", u.AccountID))
	})
}

// FindUser implements imageshare.Store.
func (s *Store) FindUser(ctx context.Context, accountID int64, name string) (*imageshare.User, error) {
	u, err := sqlstore.ScanUser(s.read.QueryRowContext(ctx, `SELECT `+sqlstore.UserColumns+` FROM ram_users WHERE account_id = ? AND name = ?`, accountID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.UserNotFound(strconv.Quote(name))
	}
	if err != nil {
		return nil, imageshare.Internal("sqlite.FindUser", err)
	}
	return u, nil
}

// ListUsers implements imageshare.Store.
func (s *Store) ListUsers(ctx context.Context, accountID int64) ([]*imageshare.User, error) {
	users := []*imageshare.User{}
	err := s.readTx(ctx, "sqlite.ListUsers", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+sqlstore.UserColumns+` FROM ram_users WHERE account_id = ? ORDER BY name`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := sqlstore.ScanUser(rows)
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		return rows.Err()
	})
	return users, err
}

// SetUserEnabled implements imageshare.Store.
func (s *Store) SetUserEnabled(ctx context.Context, userID int64, enabled bool) error {
	return s.writeTx(ctx, "sqlite.SetUserEnabled", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE ram_users SET enabled = ? WHERE id = ?`, boolInt(enabled), userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return sqlstore.UserNotFound(userID)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// CreateUserKey implements imageshare.Store.
func (s *Store) CreateUserKey(ctx context.Context, k *imageshare.AccessKey) error {
	return s.writeTx(ctx, "sqlite.CreateUserKey", func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ram_users WHERE id = ? AND account_id = ?`, k.UserID, k.AccountID).Scan(&n); err != nil {
			return err
		}
		if n == 0 || k.UserID == 0 {
			return sqlstore.UserNotFound(k.UserID)
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO access_keys (public_key, private_key, account_id, enabled, created_at, user_id) VALUES (?, ?, ?, ?, ?, ?)`,
			k.PublicKey, k.PrivateKey, k.AccountID, boolInt(k.Enabled), sqlstore.Nanos(k.CreatedAt), k.UserID)
		return constraintError(err,
			sqlstore.KeyConflict(k.PublicKey),
			sqlstore.UserNotFound(k.UserID))
	})
}

// CreateGroup implements imageshare.Store.
func (s *Store) CreateGroup(ctx context.Context, g *imageshare.Group) error {
	return s.writeTx(ctx, "sqlite.CreateGroup", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			`INSERT INTO ram_groups (account_id, name, created_at) VALUES (?, ?, ?) RETURNING id`,
			g.AccountID, g.Name, sqlstore.Nanos(g.CreatedAt)).Scan(&g.ID)
		return constraintError(err,
			imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonUserGroupTaken, "account %d has a group named %q", g.AccountID, g.Name),
			sqlstore.AccountNotFound("id", g.AccountID))
	})
}

// FindGroup implements imageshare.Store.
func (s *Store) FindGroup(ctx context.Context, accountID int64, name string) (*imageshare.Group, error) {
	var g imageshare.Group
	var created int64
	err := s.read.QueryRowContext(ctx, `SELECT id, account_id, name, created_at FROM ram_groups WHERE account_id = ? AND name = ?`,
		accountID, name).Scan(&g.ID, &g.AccountID, &g.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.GroupNotFound(strconv.Quote(name))
	}
	if err != nil {
		return nil, imageshare.Internal("sqlite.FindGroup", err)
	}
	g.CreatedAt = sqlstore.FromNanos(created)
	return &g, nil
}

// ListGroups implements imageshare.Store.
func (s *Store) ListGroups(ctx context.Context, accountID int64) ([]*imageshare.Group, error) {
	groups := []*imageshare.Group{}
	err := s.readTx(ctx, "sqlite.ListGroups", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT g.id, g.account_id, g.name, g.created_at,
	COALESCE((SELECT group_concat(user_id) FROM (SELECT user_id FROM ram_group_members m WHERE m.group_id = g.id ORDER BY user_id)), '')
FROM ram_groups g WHERE g.account_id = ? ORDER BY g.name`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g imageshare.Group
			var created int64
			var members string
			if err := rows.Scan(&g.ID, &g.AccountID, &g.Name, &created, &members); err != nil {
				return err
			}
			g.CreatedAt = sqlstore.FromNanos(created)
			g.MemberIDs = []int64{}
			for m := range strings.SplitSeq(members, ",") {
				if id, err := strconv.ParseInt(m, 10, 64); err == nil {
					g.MemberIDs = append(g.MemberIDs, id)
				}
			}
			groups = append(groups, &g)
		}
		return rows.Err()
	})
	return groups, err
}

// sameAccount checks inside tx that the user and the group exist and
// belong to one account.
func sameAccount(ctx context.Context, tx *sql.Tx, groupID, userID int64) error {
	var groupAccount, userAccount int64
	err := tx.QueryRowContext(ctx, `SELECT account_id FROM ram_groups WHERE id = ?`, groupID).Scan(&groupAccount)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.GroupNotFound(groupID)
	} else if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `SELECT account_id FROM ram_users WHERE id = ?`, userID).Scan(&userAccount)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && userAccount != groupAccount) {
		return sqlstore.UserNotFound(userID)
	}
	return err
}

// AddGroupMember implements imageshare.Store.
func (s *Store) AddGroupMember(ctx context.Context, groupID, userID int64, maxGroups int) error {
	return s.writeTx(ctx, "sqlite.AddGroupMember", func(tx *sql.Tx) error {
		if err := sameAccount(ctx, tx, groupID, userID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO ram_group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, groupID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		var groups int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ram_group_members WHERE user_id = ?`, userID).Scan(&groups); err != nil {
			return err
		}
		if maxGroups > 0 && groups > maxGroups {
			return imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonAttachmentQuota, "a user is in at most %d groups", maxGroups)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// RemoveGroupMember implements imageshare.Store.
func (s *Store) RemoveGroupMember(ctx context.Context, groupID, userID int64) error {
	return s.writeTx(ctx, "sqlite.RemoveGroupMember", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM ram_group_members WHERE group_id = ? AND user_id = ?`, groupID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonUserNotFound, "user %d is not in group %d", userID, groupID)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// CreatePolicy implements imageshare.Store.
func (s *Store) CreatePolicy(ctx context.Context, p *imageshare.Policy) error {
	return s.writeTx(ctx, "sqlite.CreatePolicy", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			`INSERT INTO ram_policies (account_id, name, description, document, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			p.AccountID, p.Name, p.Description, p.Document, sqlstore.Nanos(p.CreatedAt)).Scan(&p.ID)
		return constraintError(err,
			imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonPolicyConflict, "account %d has a policy named %q", p.AccountID, p.Name),
			sqlstore.AccountNotFound("id", p.AccountID))
	})
}

const policyColumns = `id, account_id, name, description, document, created_at`

func scanPolicy(row interface{ Scan(...any) error }) (*imageshare.Policy, error) {
	var p imageshare.Policy
	var created int64
	if err := row.Scan(&p.ID, &p.AccountID, &p.Name, &p.Description, &p.Document, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = sqlstore.FromNanos(created)
	return &p, nil
}

// FindPolicy implements imageshare.Store.
func (s *Store) FindPolicy(ctx context.Context, accountID int64, name string) (*imageshare.Policy, error) {
	p, err := scanPolicy(s.read.QueryRowContext(ctx, `SELECT `+policyColumns+` FROM ram_policies WHERE account_id = ? AND name = ?`, accountID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.PolicyNotFound(strconv.Quote(name))
	}
	if err != nil {
		return nil, imageshare.Internal("sqlite.FindPolicy", err)
	}
	return p, nil
}

// ListPolicies implements imageshare.Store.
func (s *Store) ListPolicies(ctx context.Context, accountID int64) ([]*imageshare.Policy, error) {
	return s.queryPolicies(ctx, "sqlite.ListPolicies", `SELECT `+policyColumns+` FROM ram_policies WHERE account_id = ? ORDER BY name`, accountID)
}

func (s *Store) queryPolicies(ctx context.Context, op, query string, args ...any) ([]*imageshare.Policy, error) {
	policies := []*imageshare.Policy{}
	err := s.readTx(ctx, op, func(tx *sql.Tx) error {
		var err error
		policies, err = policiesIn(ctx, tx, query, args...)
		return err
	})
	return policies, err
}

func policiesIn(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]*imageshare.Policy, error) {
	policies := []*imageshare.Policy{}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, err
		}
		policies = append(policies, p)
	}
	return policies, rows.Err()
}

// attachmentTable returns the table and principal table of a's type.
func attachmentTable(t imageshare.PrincipalType) (table, column, principals string, ok bool) {
	switch t {
	case imageshare.PrincipalUser:
		return "ram_user_policies", "user_id", "ram_users", true
	case imageshare.PrincipalGroup:
		return "ram_group_policies", "group_id", "ram_groups", true
	}
	return "", "", "", false
}

func badPrincipalType(t imageshare.PrincipalType) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "principal type %q is not User or Group", t)
}

// AttachPolicy implements imageshare.Store.
func (s *Store) AttachPolicy(ctx context.Context, a imageshare.Attachment, maxPolicies int) error {
	table, column, principals, ok := attachmentTable(a.PrincipalType)
	if !ok {
		return badPrincipalType(a.PrincipalType)
	}
	return s.writeTx(ctx, "sqlite.AttachPolicy", func(tx *sql.Tx) error {
		var policyAccount, principalAccount int64
		err := tx.QueryRowContext(ctx, `SELECT account_id FROM ram_policies WHERE id = ?`, a.PolicyID).Scan(&policyAccount)
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.PolicyNotFound(a.PolicyID)
		} else if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT account_id FROM `+principals+` WHERE id = ?`, a.PrincipalID).Scan(&principalAccount)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && principalAccount != policyAccount) {
			if a.PrincipalType == imageshare.PrincipalGroup {
				return sqlstore.GroupNotFound(a.PrincipalID)
			}
			return sqlstore.UserNotFound(a.PrincipalID)
		} else if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (`+column+`, policy_id, attached_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			a.PrincipalID, a.PolicyID, sqlstore.Nanos(a.AttachedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // attached already
		}
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE `+column+` = ?`, a.PrincipalID).Scan(&count); err != nil {
			return err
		}
		if maxPolicies > 0 && count > maxPolicies {
			return imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonAttachmentQuota,
				"a %s has at most %d policies attached", strings.ToLower(string(a.PrincipalType)), maxPolicies)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// DetachPolicy implements imageshare.Store.
func (s *Store) DetachPolicy(ctx context.Context, a imageshare.Attachment) error {
	table, column, _, ok := attachmentTable(a.PrincipalType)
	if !ok {
		return badPrincipalType(a.PrincipalType)
	}
	return s.writeTx(ctx, "sqlite.DetachPolicy", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+column+` = ? AND policy_id = ?`, a.PrincipalID, a.PolicyID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonNotAttached,
				"policy %d is not attached to %s %d", a.PolicyID, strings.ToLower(string(a.PrincipalType)), a.PrincipalID)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// listAttachmentsQuery lists an account's attachments with names; the
// same text serves both stores (placeholders aside).
const listAttachmentsQuery = `SELECT p.id, p.name, 'User', u.id, u.name, a.attached_at
FROM ram_user_policies a JOIN ram_policies p ON p.id = a.policy_id JOIN ram_users u ON u.id = a.user_id
WHERE p.account_id = ?
UNION ALL
SELECT p.id, p.name, 'Group', g.id, g.name, a.attached_at
FROM ram_group_policies a JOIN ram_policies p ON p.id = a.policy_id JOIN ram_groups g ON g.id = a.group_id
WHERE p.account_id = ?
ORDER BY 2, 3 DESC, 5`

// ListAttachments implements imageshare.Store.
func (s *Store) ListAttachments(ctx context.Context, accountID int64) ([]*imageshare.Attachment, error) {
	out := []*imageshare.Attachment{}
	err := s.readTx(ctx, "sqlite.ListAttachments", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, listAttachmentsQuery, accountID, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a imageshare.Attachment
			var typ string
			var at int64
			if err := rows.Scan(&a.PolicyID, &a.PolicyName, &typ, &a.PrincipalID, &a.PrincipalName, &at); err != nil {
				return err
			}
			a.PrincipalType, a.AttachedAt = imageshare.PrincipalType(typ), sqlstore.FromNanos(at)
			out = append(out, &a)
		}
		return rows.Err()
	})
	return out, err
}

// principalPolicies selects every policy that applies to a user: its own
// in attachment order, then its groups', each once, where it first appears.
const principalPolicies = `SELECT ` + policyColumns + ` FROM (
	SELECT p.*, 0 AS via, a.attached_at AS at FROM ram_user_policies a JOIN ram_policies p ON p.id = a.policy_id WHERE a.user_id = ?
	UNION ALL
	SELECT p.*, 1, a.attached_at FROM ram_group_members m JOIN ram_group_policies a ON a.group_id = m.group_id
		JOIN ram_policies p ON p.id = a.policy_id WHERE m.user_id = ?
) GROUP BY id ORDER BY min(via), min(CASE WHEN via = 0 THEN at END), min(at), id`

// LoadPrincipal implements imageshare.Store.
func (s *Store) LoadPrincipal(ctx context.Context, userID int64) (*imageshare.Principal, error) {
	var p imageshare.Principal
	err := s.readTx(ctx, "sqlite.LoadPrincipal", func(tx *sql.Tx) error {
		u, err := sqlstore.ScanUser(tx.QueryRowContext(ctx, `SELECT `+sqlstore.UserColumns+` FROM ram_users WHERE id = ?`, userID))
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.UserNotFound(userID)
		} else if err != nil {
			return err
		}
		p.User = u
		if p.Policies, err = policiesIn(ctx, tx, principalPolicies, userID, userID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT version FROM ram_version WHERE id = 1), 0)`).Scan(&p.Version)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}
