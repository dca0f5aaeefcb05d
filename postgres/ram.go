package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"imageshare"
	"imageshare/internal/sqlstore"
)

// The RAM methods of imageshare.Store (ram.go): sub-users, groups,
// policies and attachments, and the version every change to what a
// sub-user may do increments in its own transaction.

// bumpRAMVersion increments the RAM version inside tx. Concurrent changes
// queue on the one row's lock, so each gets its own version.
func bumpRAMVersion(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `INSERT INTO ram_version (id, version) VALUES (1, 1)
ON CONFLICT (id) DO UPDATE SET version = ram_version.version + 1`)
	return err
}

const ramVersionQuery = `SELECT COALESCE((SELECT version FROM ram_version WHERE id = 1), 0)`

// RAMVersion implements imageshare.Store.
func (s *Store) RAMVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.retry(ctx, "postgres.RAMVersion", func() error {
		return s.pool.QueryRow(ctx, ramVersionQuery).Scan(&v)
	})
	return v, err
}

// CreateUser implements imageshare.Store.
func (s *Store) CreateUser(ctx context.Context, u *imageshare.User) error {
	return s.retry(ctx, "postgres.CreateUser", func() error {
		err := s.pool.QueryRow(ctx,
			`INSERT INTO ram_users (account_id, name, enabled, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			u.AccountID, u.Name, u.Enabled, sqlstore.Nanos(u.CreatedAt)).Scan(&u.ID)
		return constraintError(err,
			imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonUserConflict, "account %d has a user named %q", u.AccountID, u.Name),
			sqlstore.AccountNotFound("id", u.AccountID))
	})
}

// FindUser implements imageshare.Store.
func (s *Store) FindUser(ctx context.Context, accountID int64, name string) (*imageshare.User, error) {
	var u *imageshare.User
	err := s.retry(ctx, "postgres.FindUser", func() error {
		var err error
		u, err = sqlstore.ScanUser(s.pool.QueryRow(ctx, `SELECT `+sqlstore.UserColumns+` FROM ram_users WHERE account_id = $1 AND name = $2`, accountID, name))
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.UserNotFound(strconv.Quote(name))
		}
		return err
	})
	return u, err
}

// ListUsers implements imageshare.Store.
func (s *Store) ListUsers(ctx context.Context, accountID int64) ([]*imageshare.User, error) {
	var users []*imageshare.User
	err := s.retry(ctx, "postgres.ListUsers", func() error {
		rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.UserColumns+` FROM ram_users WHERE account_id = $1 ORDER BY name`, accountID)
		if err != nil {
			return err
		}
		users, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.User, error) { return sqlstore.ScanUser(row) })
		return err
	})
	if users == nil && err == nil {
		users = []*imageshare.User{}
	}
	return users, err
}

// SetUserEnabled implements imageshare.Store.
func (s *Store) SetUserEnabled(ctx context.Context, userID int64, enabled bool) error {
	return s.inTx(ctx, "postgres.SetUserEnabled", writeTx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE ram_users SET enabled = $1 WHERE id = $2`, enabled, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return sqlstore.UserNotFound(userID)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// CreateUserKey implements imageshare.Store.
func (s *Store) CreateUserKey(ctx context.Context, k *imageshare.AccessKey) error {
	return s.inTx(ctx, "postgres.CreateUserKey", writeTx, func(tx pgx.Tx) error {
		// The user row is locked so that it cannot move between the check
		// and the insert (users never change account, but keep it plain).
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM ram_users WHERE id = $1 AND account_id = $2`, k.UserID, k.AccountID).Scan(&n); err != nil {
			return err
		}
		if n == 0 || k.UserID == 0 {
			return sqlstore.UserNotFound(k.UserID)
		}
		_, err := tx.Exec(ctx,
			`INSERT INTO access_keys (public_key, private_key, account_id, enabled, created_at, user_id) VALUES ($1, $2, $3, $4, $5, $6)`,
			k.PublicKey, k.PrivateKey, k.AccountID, k.Enabled, sqlstore.Nanos(k.CreatedAt), k.UserID)
		return constraintError(err,
			sqlstore.KeyConflict(k.PublicKey),
			sqlstore.UserNotFound(k.UserID))
	})
}

// CreateGroup implements imageshare.Store.
func (s *Store) CreateGroup(ctx context.Context, g *imageshare.Group) error {
	return s.retry(ctx, "postgres.CreateGroup", func() error {
		err := s.pool.QueryRow(ctx,
			`INSERT INTO ram_groups (account_id, name, created_at) VALUES ($1, $2, $3) RETURNING id`,
			g.AccountID, g.Name, sqlstore.Nanos(g.CreatedAt)).Scan(&g.ID)
		return constraintError(err,
			imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonUserGroupTaken, "account %d has a group named %q", g.AccountID, g.Name),
			sqlstore.AccountNotFound("id", g.AccountID))
	})
}

// FindGroup implements imageshare.Store.
func (s *Store) FindGroup(ctx context.Context, accountID int64, name string) (*imageshare.Group, error) {
	var g imageshare.Group
	err := s.retry(ctx, "postgres.FindGroup", func() error {
		var created int64
		err := s.pool.QueryRow(ctx, `SELECT id, account_id, name, created_at FROM ram_groups WHERE account_id = $1 AND name = $2`,
			accountID, name).Scan(&g.ID, &g.AccountID, &g.Name, &created)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.GroupNotFound(strconv.Quote(name))
		}
		g.CreatedAt = sqlstore.FromNanos(created)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// ListGroups implements imageshare.Store.
func (s *Store) ListGroups(ctx context.Context, accountID int64) ([]*imageshare.Group, error) {
	var groups []*imageshare.Group
	err := s.retry(ctx, "postgres.ListGroups", func() error {
		rows, err := s.pool.Query(ctx, `SELECT g.id, g.account_id, g.name, g.created_at,
	COALESCE((SELECT array_agg(m.user_id ORDER BY m.user_id) FROM ram_group_members m WHERE m.group_id = g.id), '{}')
FROM ram_groups g WHERE g.account_id = $1 ORDER BY g.name`, accountID)
		if err != nil {
			return err
		}
		groups, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.Group, error) {
			var g imageshare.Group
			var created int64
			if err := row.Scan(&g.ID, &g.AccountID, &g.Name, &created, &g.MemberIDs); err != nil {
				return nil, err
			}
			g.CreatedAt = sqlstore.FromNanos(created)
			if g.MemberIDs == nil {
				g.MemberIDs = []int64{}
			}
			return &g, nil
		})
		return err
	})
	if groups == nil && err == nil {
		groups = []*imageshare.Group{}
	}
	return groups, err
}

// principalAccount returns the account of a user or group, locking its row
// (FOR SHARE) for the rest of tx, or a not-found error.
func principalAccount(ctx context.Context, tx pgx.Tx, t imageshare.PrincipalType, id int64) (int64, error) {
	table, notFound := "ram_users", sqlstore.UserNotFound(id)
	if t == imageshare.PrincipalGroup {
		table, notFound = "ram_groups", sqlstore.GroupNotFound(id)
	}
	var account int64
	err := tx.QueryRow(ctx, `SELECT account_id FROM `+table+` WHERE id = $1 FOR SHARE`, id).Scan(&account)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, notFound
	}
	return account, err
}

// AddGroupMember implements imageshare.Store.
func (s *Store) AddGroupMember(ctx context.Context, groupID, userID int64, maxGroups int) error {
	return s.inTx(ctx, "postgres.AddGroupMember", writeTx, func(tx pgx.Tx) error {
		groupAccount, err := principalAccount(ctx, tx, imageshare.PrincipalGroup, groupID)
		if err != nil {
			return err
		}
		// The user's row is locked FOR UPDATE: concurrent additions of one
		// user queue here, so the count below holds for each.
		var userAccount int64
		err = tx.QueryRow(ctx, `SELECT account_id FROM ram_users WHERE id = $1 FOR UPDATE`, userID).Scan(&userAccount)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && userAccount != groupAccount) {
			return sqlstore.UserNotFound(userID)
		} else if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO ram_group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, groupID, userID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		var groups int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM ram_group_members WHERE user_id = $1`, userID).Scan(&groups); err != nil {
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
	return s.inTx(ctx, "postgres.RemoveGroupMember", writeTx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM ram_group_members WHERE group_id = $1 AND user_id = $2`, groupID, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonUserNotFound, "user %d is not in group %d", userID, groupID)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// CreatePolicy implements imageshare.Store.
func (s *Store) CreatePolicy(ctx context.Context, p *imageshare.Policy) error {
	return s.retry(ctx, "postgres.CreatePolicy", func() error {
		err := s.pool.QueryRow(ctx,
			`INSERT INTO ram_policies (account_id, name, description, document, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			p.AccountID, p.Name, p.Description, p.Document, sqlstore.Nanos(p.CreatedAt)).Scan(&p.ID)
		return constraintError(err,
			imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonPolicyConflict, "account %d has a policy named %q", p.AccountID, p.Name),
			sqlstore.AccountNotFound("id", p.AccountID))
	})
}

const policyColumns = `id, account_id, name, description, document, created_at`

func scanPolicy(row pgx.Row) (*imageshare.Policy, error) {
	var p imageshare.Policy
	var created int64
	if err := row.Scan(&p.ID, &p.AccountID, &p.Name, &p.Description, &p.Document, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = sqlstore.FromNanos(created)
	return &p, nil
}

func collectPolicies(rows pgx.Rows, err error) ([]*imageshare.Policy, error) {
	if err != nil {
		return nil, err
	}
	ps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.Policy, error) { return scanPolicy(row) })
	if ps == nil && err == nil {
		ps = []*imageshare.Policy{}
	}
	return ps, err
}

// FindPolicy implements imageshare.Store.
func (s *Store) FindPolicy(ctx context.Context, accountID int64, name string) (*imageshare.Policy, error) {
	var p *imageshare.Policy
	err := s.retry(ctx, "postgres.FindPolicy", func() error {
		var err error
		p, err = scanPolicy(s.pool.QueryRow(ctx, `SELECT `+policyColumns+` FROM ram_policies WHERE account_id = $1 AND name = $2`, accountID, name))
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.PolicyNotFound(strconv.Quote(name))
		}
		return err
	})
	return p, err
}

// ListPolicies implements imageshare.Store.
func (s *Store) ListPolicies(ctx context.Context, accountID int64) ([]*imageshare.Policy, error) {
	var ps []*imageshare.Policy
	err := s.retry(ctx, "postgres.ListPolicies", func() error {
		var err error
		ps, err = collectPolicies(s.pool.Query(ctx, `SELECT `+policyColumns+` FROM ram_policies WHERE account_id = $1 ORDER BY name`, accountID))
		return err
	})
	return ps, err
}

func attachmentTable(t imageshare.PrincipalType) (table, column string, ok bool) {
	switch t {
	case imageshare.PrincipalUser:
		return "ram_user_policies", "user_id", true
	case imageshare.PrincipalGroup:
		return "ram_group_policies", "group_id", true
	}
	return "", "", false
}

func badPrincipalType(t imageshare.PrincipalType) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "principal type %q is not User or Group", t)
}

// AttachPolicy implements imageshare.Store.
func (s *Store) AttachPolicy(ctx context.Context, a imageshare.Attachment, maxPolicies int) error {
	table, column, ok := attachmentTable(a.PrincipalType)
	if !ok {
		return badPrincipalType(a.PrincipalType)
	}
	return s.inTx(ctx, "postgres.AttachPolicy", writeTx, func(tx pgx.Tx) error {
		var policyAccount int64
		err := tx.QueryRow(ctx, `SELECT account_id FROM ram_policies WHERE id = $1 FOR SHARE`, a.PolicyID).Scan(&policyAccount)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.PolicyNotFound(a.PolicyID)
		} else if err != nil {
			return err
		}
		principalTable := "ram_users"
		if a.PrincipalType == imageshare.PrincipalGroup {
			principalTable = "ram_groups"
		}
		// The principal's row is locked FOR UPDATE: concurrent attachments
		// to one principal queue here, so the count below holds for each.
		var principalAccount int64
		err = tx.QueryRow(ctx, `SELECT account_id FROM `+principalTable+` WHERE id = $1 FOR UPDATE`, a.PrincipalID).Scan(&principalAccount)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && principalAccount != policyAccount) {
			if a.PrincipalType == imageshare.PrincipalGroup {
				return sqlstore.GroupNotFound(a.PrincipalID)
			}
			return sqlstore.UserNotFound(a.PrincipalID)
		} else if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO `+table+` (`+column+`, policy_id, attached_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			a.PrincipalID, a.PolicyID, sqlstore.Nanos(a.AttachedAt))
		if err != nil || tag.RowsAffected() == 0 {
			return err // attached already
		}
		var count int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE `+column+` = $1`, a.PrincipalID).Scan(&count); err != nil {
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
	table, column, ok := attachmentTable(a.PrincipalType)
	if !ok {
		return badPrincipalType(a.PrincipalType)
	}
	return s.inTx(ctx, "postgres.DetachPolicy", writeTx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+column+` = $1 AND policy_id = $2`, a.PrincipalID, a.PolicyID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonNotAttached,
				"policy %d is not attached to %s %d", a.PolicyID, strings.ToLower(string(a.PrincipalType)), a.PrincipalID)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// ListAttachments implements imageshare.Store.
func (s *Store) ListAttachments(ctx context.Context, accountID int64) ([]*imageshare.Attachment, error) {
	var out []*imageshare.Attachment
	err := s.retry(ctx, "postgres.ListAttachments", func() error {
		rows, err := s.pool.Query(ctx, `SELECT p.id, p.name, 'User' AS type, u.id, u.name, a.attached_at
FROM ram_user_policies a JOIN ram_policies p ON p.id = a.policy_id JOIN ram_users u ON u.id = a.user_id
WHERE p.account_id = $1
UNION ALL
SELECT p.id, p.name, 'Group', g.id, g.name, a.attached_at
FROM ram_group_policies a JOIN ram_policies p ON p.id = a.policy_id JOIN ram_groups g ON g.id = a.group_id
WHERE p.account_id = $1
ORDER BY 2, 3 DESC, 5`, accountID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.Attachment, error) {
			var a imageshare.Attachment
			var typ string
			var at int64
			if err := row.Scan(&a.PolicyID, &a.PolicyName, &typ, &a.PrincipalID, &a.PrincipalName, &at); err != nil {
				return nil, err
			}
			a.PrincipalType, a.AttachedAt = imageshare.PrincipalType(typ), sqlstore.FromNanos(at)
			return &a, nil
		})
		return err
	})
	if out == nil && err == nil {
		out = []*imageshare.Attachment{}
	}
	return out, err
}

// LoadPrincipal implements imageshare.Store. It reads in one REPEATABLE
// READ snapshot, so the policies and the version agree.
func (s *Store) LoadPrincipal(ctx context.Context, userID int64) (*imageshare.Principal, error) {
	var p imageshare.Principal
	err := s.inTx(ctx, "postgres.LoadPrincipal", readTx, func(tx pgx.Tx) error {
		u, err := sqlstore.ScanUser(tx.QueryRow(ctx, `SELECT `+sqlstore.UserColumns+` FROM ram_users WHERE id = $1`, userID))
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.UserNotFound(userID)
		} else if err != nil {
			return err
		}
		p.User = u
		// The user's own policies in attachment order, then its groups',
		// each policy once, where it first appears.
		p.Policies, err = collectPolicies(tx.Query(ctx, `SELECT `+policyColumns+` FROM (
	SELECT DISTINCT ON (id) p.*, x.via, x.at FROM (
		SELECT policy_id, 0 AS via, attached_at AS at FROM ram_user_policies WHERE user_id = $1
		UNION ALL
		SELECT a.policy_id, 1, a.attached_at FROM ram_group_members m JOIN ram_group_policies a ON a.group_id = m.group_id WHERE m.user_id = $1
	) x JOIN ram_policies p ON p.id = x.policy_id
	ORDER BY id, x.via, x.at
) q ORDER BY via, at, id`, userID))
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, ramVersionQuery).Scan(&p.Version)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}
