package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// The RAM methods of imageshare.Store (ram.go): sub-users, groups,
// policies and attachments, and the version every change to what a
// sub-user may do increments in its own transaction.

// bumpRAMVersion increments the RAM version inside tx.
func bumpRAMVersion(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, sqlstore.BumpRAMVersion)
	return err
}

// RAMVersion implements imageshare.Store.
func (s *Store) RAMVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.read.QueryRowContext(ctx, sqlstore.RAMVersionQuery).Scan(&v)
	if err != nil {
		return 0, imageshare.Internal("sqlite.RAMVersion", err)
	}
	return v, nil
}

// CreateUser implements imageshare.Store.
func (s *Store) CreateUser(ctx context.Context, u *imageshare.User) error {
	return s.writeTx(ctx, "sqlite.CreateUser", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, sqlstore.UserInsert, sqlstore.UserValues(u)...).Scan(&u.ID)
		return constraintError(err, sqlstore.UserConflict(u), sqlstore.AccountNotFound("id", u.AccountID))
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
		_, err := tx.ExecContext(ctx, sqlstore.UserKeyInsert, sqlstore.UserKeyValues(k)...)
		return constraintError(err, sqlstore.KeyConflict(k.PublicKey), sqlstore.UserNotFound(k.UserID))
	})
}

// CreateGroup implements imageshare.Store.
func (s *Store) CreateGroup(ctx context.Context, g *imageshare.Group) error {
	return s.writeTx(ctx, "sqlite.CreateGroup", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, sqlstore.GroupInsert, g.AccountID, g.Name, sqlstore.Nanos(g.CreatedAt)).Scan(&g.ID)
		return constraintError(err, sqlstore.GroupConflict(g), sqlstore.AccountNotFound("id", g.AccountID))
	})
}

// FindGroup implements imageshare.Store.
func (s *Store) FindGroup(ctx context.Context, accountID int64, name string) (*imageshare.Group, error) {
	g, err := sqlstore.ScanGroup(s.read.QueryRowContext(ctx, `SELECT `+sqlstore.RAMGroupColumns+` FROM ram_groups WHERE account_id = ? AND name = ?`, accountID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.GroupNotFound(strconv.Quote(name))
	}
	if err != nil {
		return nil, imageshare.Internal("sqlite.FindGroup", err)
	}
	return g, nil
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
			var members string
			g, err := sqlstore.ScanGroup(rows, &members)
			if err != nil {
				return err
			}
			g.MemberIDs = []int64{}
			for m := range strings.SplitSeq(members, ",") {
				if id, err := strconv.ParseInt(m, 10, 64); err == nil {
					g.MemberIDs = append(g.MemberIDs, id)
				}
			}
			groups = append(groups, g)
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
		if err := sqlstore.GroupQuota(groups, maxGroups); err != nil {
			return err
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
			return sqlstore.NotInGroup(userID, groupID)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// CreatePolicy implements imageshare.Store.
func (s *Store) CreatePolicy(ctx context.Context, p *imageshare.Policy) error {
	return s.writeTx(ctx, "sqlite.CreatePolicy", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, sqlstore.PolicyInsert, sqlstore.PolicyValues(p)...).Scan(&p.ID)
		return constraintError(err, sqlstore.PolicyConflict(p), sqlstore.AccountNotFound("id", p.AccountID))
	})
}

// FindPolicy implements imageshare.Store.
func (s *Store) FindPolicy(ctx context.Context, accountID int64, name string) (*imageshare.Policy, error) {
	p, err := sqlstore.ScanPolicy(s.read.QueryRowContext(ctx, `SELECT `+sqlstore.PolicyColumns+` FROM ram_policies WHERE account_id = ? AND name = ?`, accountID, name))
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
	return s.queryPolicies(ctx, "sqlite.ListPolicies", `SELECT `+sqlstore.PolicyColumns+` FROM ram_policies WHERE account_id = ? ORDER BY name`, accountID)
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
		p, err := sqlstore.ScanPolicy(rows)
		if err != nil {
			return nil, err
		}
		policies = append(policies, p)
	}
	return policies, rows.Err()
}

// AttachPolicy implements imageshare.Store.
func (s *Store) AttachPolicy(ctx context.Context, a imageshare.Attachment, maxPolicies int) error {
	table, column, principals, err := sqlstore.AttachmentTable(a.PrincipalType)
	if err != nil {
		return err
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
			return sqlstore.PrincipalNotFound(a)
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
		if err := sqlstore.PolicyQuota(a.PrincipalType, count, maxPolicies); err != nil {
			return err
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// DetachPolicy implements imageshare.Store.
func (s *Store) DetachPolicy(ctx context.Context, a imageshare.Attachment) error {
	return s.writeTx(ctx, "sqlite.DetachPolicy", func(tx *sql.Tx) error {
		table, column, _, err := sqlstore.AttachmentTable(a.PrincipalType)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+column+` = ? AND policy_id = ?`, a.PrincipalID, a.PolicyID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return sqlstore.NotAttached(a)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// ListAttachments implements imageshare.Store.
func (s *Store) ListAttachments(ctx context.Context, accountID int64) ([]*imageshare.Attachment, error) {
	out := []*imageshare.Attachment{}
	err := s.readTx(ctx, "sqlite.ListAttachments", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, sqlstore.ListAttachmentsQuery, accountID, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := sqlstore.ScanAttachment(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// principalPolicies selects every policy that applies to a user: its own
// in attachment order, then its groups', each once, where it first appears.
const principalPolicies = `SELECT ` + sqlstore.PolicyColumns + ` FROM (
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
		return tx.QueryRowContext(ctx, sqlstore.RAMVersionQuery).Scan(&p.Version)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}
