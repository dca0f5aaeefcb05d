package postgres

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// The RAM methods of imageshare.Store (ram.go): sub-users, groups,
// policies and attachments, and the version every change to what a
// sub-user may do increments in its own transaction.

// bumpRAMVersion increments the RAM version inside tx. Concurrent changes
// queue on the one row's lock, so each gets its own version.
func bumpRAMVersion(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, sqlstore.BumpRAMVersion)
	return err
}

// RAMVersion implements imageshare.Store.
func (s *Store) RAMVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.retry(ctx, "postgres.RAMVersion", func() error {
		return s.pool.QueryRow(ctx, sqlstore.RAMVersionQuery).Scan(&v)
	})
	return v, err
}

// CreateUser implements imageshare.Store.
func (s *Store) CreateUser(ctx context.Context, u *imageshare.User) error {
	return s.retry(ctx, "postgres.CreateUser", func() error {
		err := s.pool.QueryRow(ctx, userInsert, sqlstore.UserValues(u)...).Scan(&u.ID)
		return constraintError(err, sqlstore.UserConflict(u), sqlstore.AccountNotFound("id", u.AccountID))
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
		_, err := tx.Exec(ctx, userKeyInsert, sqlstore.UserKeyValues(k)...)
		return constraintError(err, sqlstore.KeyConflict(k.PublicKey), sqlstore.UserNotFound(k.UserID))
	})
}

// CreateGroup implements imageshare.Store.
func (s *Store) CreateGroup(ctx context.Context, g *imageshare.Group) error {
	return s.retry(ctx, "postgres.CreateGroup", func() error {
		err := s.pool.QueryRow(ctx, groupInsert, g.AccountID, g.Name, sqlstore.Nanos(g.CreatedAt)).Scan(&g.ID)
		return constraintError(err, sqlstore.GroupConflict(g), sqlstore.AccountNotFound("id", g.AccountID))
	})
}

// FindGroup implements imageshare.Store.
func (s *Store) FindGroup(ctx context.Context, accountID int64, name string) (*imageshare.Group, error) {
	var g *imageshare.Group
	return sqlstore.Keep(&g, s.retry(ctx, "postgres.FindGroup", func() (err error) {
		g, err = sqlstore.ScanGroup(s.pool.QueryRow(ctx, `SELECT `+sqlstore.RAMGroupColumns+` FROM ram_groups WHERE account_id = $1 AND name = $2`, accountID, name))
		return orNotFound(err, sqlstore.GroupNotFound(strconv.Quote(name)))
	}))
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
			var members []int64
			g, err := sqlstore.ScanGroup(row, &members)
			if err != nil {
				return nil, err
			}
			g.MemberIDs = members
			if g.MemberIDs == nil {
				g.MemberIDs = []int64{}
			}
			return g, nil
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
		if err := sqlstore.GroupQuota(groups, maxGroups); err != nil {
			return err
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
			return sqlstore.NotInGroup(userID, groupID)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// CreatePolicy implements imageshare.Store.
func (s *Store) CreatePolicy(ctx context.Context, p *imageshare.Policy) error {
	return s.retry(ctx, "postgres.CreatePolicy", func() error {
		err := s.pool.QueryRow(ctx, policyInsert, sqlstore.PolicyValues(p)...).Scan(&p.ID)
		return constraintError(err, sqlstore.PolicyConflict(p), sqlstore.AccountNotFound("id", p.AccountID))
	})
}

func collectPolicies(rows pgx.Rows, err error) ([]*imageshare.Policy, error) {
	if err != nil {
		return nil, err
	}
	ps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.Policy, error) { return sqlstore.ScanPolicy(row) })
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
		p, err = sqlstore.ScanPolicy(s.pool.QueryRow(ctx, `SELECT `+sqlstore.PolicyColumns+` FROM ram_policies WHERE account_id = $1 AND name = $2`, accountID, name))
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
		ps, err = collectPolicies(s.pool.Query(ctx, `SELECT `+sqlstore.PolicyColumns+` FROM ram_policies WHERE account_id = $1 ORDER BY name`, accountID))
		return err
	})
	return ps, err
}

// AttachPolicy implements imageshare.Store.
func (s *Store) AttachPolicy(ctx context.Context, a imageshare.Attachment, maxPolicies int) error {
	table, column, principals, err := sqlstore.AttachmentTable(a.PrincipalType)
	if err != nil {
		return err
	}
	return s.inTx(ctx, "postgres.AttachPolicy", writeTx, func(tx pgx.Tx) error {
		var policyAccount int64
		err := tx.QueryRow(ctx, `SELECT account_id FROM ram_policies WHERE id = $1 FOR SHARE`, a.PolicyID).Scan(&policyAccount)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.PolicyNotFound(a.PolicyID)
		} else if err != nil {
			return err
		}
		// The principal's row is locked FOR UPDATE: concurrent attachments
		// to one principal queue here, so the count below holds for each.
		var principalAccount int64
		err = tx.QueryRow(ctx, `SELECT account_id FROM `+principals+` WHERE id = $1 FOR UPDATE`, a.PrincipalID).Scan(&principalAccount)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && principalAccount != policyAccount) {
			return sqlstore.PrincipalNotFound(a)
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
		if err := sqlstore.PolicyQuota(a.PrincipalType, count, maxPolicies); err != nil {
			return err
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// DetachPolicy implements imageshare.Store.
func (s *Store) DetachPolicy(ctx context.Context, a imageshare.Attachment) error {
	return s.inTx(ctx, "postgres.DetachPolicy", writeTx, func(tx pgx.Tx) error {
		table, column, _, err := sqlstore.AttachmentTable(a.PrincipalType)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+column+` = $1 AND policy_id = $2`, a.PrincipalID, a.PolicyID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return sqlstore.NotAttached(a)
		}
		return bumpRAMVersion(ctx, tx)
	})
}

// ListAttachments implements imageshare.Store.
func (s *Store) ListAttachments(ctx context.Context, accountID int64) ([]*imageshare.Attachment, error) {
	var out []*imageshare.Attachment
	err := s.retry(ctx, "postgres.ListAttachments", func() error {
		rows, err := s.pool.Query(ctx, listAttachmentsQuery, accountID, accountID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.Attachment, error) { return sqlstore.ScanAttachment(row) })
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
		p.Policies, err = collectPolicies(tx.Query(ctx, `SELECT `+sqlstore.PolicyColumns+` FROM (
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
		return tx.QueryRow(ctx, sqlstore.RAMVersionQuery).Scan(&p.Version)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// The shared RAM statements, numbered for PostgreSQL.
var (
	userInsert           = sqlstore.Rebind(sqlstore.Dollar, sqlstore.UserInsert)
	userKeyInsert        = sqlstore.Rebind(sqlstore.Dollar, sqlstore.UserKeyInsert)
	groupInsert          = sqlstore.Rebind(sqlstore.Dollar, sqlstore.GroupInsert)
	policyInsert         = sqlstore.Rebind(sqlstore.Dollar, sqlstore.PolicyInsert)
	listAttachmentsQuery = sqlstore.Rebind(sqlstore.Dollar, sqlstore.ListAttachmentsQuery)
)
