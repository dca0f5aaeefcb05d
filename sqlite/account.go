package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// CreateAccount implements imageshare.Store.
func (s *Store) CreateAccount(ctx context.Context, a *imageshare.Account) error {
	const op = "sqlite.CreateAccount"
	var id, org int64
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		var want any // NULL lets SQLite assign the next free rowid
		if a.ID != 0 {
			want = a.ID
		}
		err := tx.QueryRowContext(ctx,
			`INSERT INTO accounts (id, name, organization_id, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			want, a.Name, a.OrganizationID, sqlstore.Nanos(a.CreatedAt)).Scan(&id)
		if err != nil {
			return constraintError(err, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonAccountConflict,
				"account id %d or name %q is taken", a.ID, a.Name), nil)
		}
		org = a.OrganizationID
		if org == 0 {
			org = id
			_, err = tx.ExecContext(ctx, `UPDATE accounts SET organization_id = ? WHERE id = ?`, org, id)
		}
		return err
	})
	if err != nil {
		return err
	}
	a.ID, a.OrganizationID = id, org
	return nil
}

// FindAccountByID implements imageshare.Store.
func (s *Store) FindAccountByID(ctx context.Context, id int64) (*imageshare.Account, error) {
	a, err := sqlstore.ScanAccount(s.read.QueryRowContext(ctx, `SELECT `+sqlstore.AccountColumns+` FROM accounts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.AccountNotFound("id", id)
	}
	if err != nil {
		return nil, imageshare.Internal("sqlite.FindAccountByID", err)
	}
	return a, nil
}

// FindAccountByName implements imageshare.Store.
func (s *Store) FindAccountByName(ctx context.Context, name string) (*imageshare.Account, error) {
	a, err := sqlstore.ScanAccount(s.read.QueryRowContext(ctx, `SELECT `+sqlstore.AccountColumns+` FROM accounts WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.AccountNotFound("name", name)
	}
	if err != nil {
		return nil, imageshare.Internal("sqlite.FindAccountByName", err)
	}
	return a, nil
}

// maxParams bounds the placeholders of one IN list, well under SQLite's
// limit on bound parameters.
const maxParams = 500

// placeholders returns "?, ?, ..." with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// FindAccountsByIDs implements imageshare.Store.
func (s *Store) FindAccountsByIDs(ctx context.Context, ids []int64) (map[int64]*imageshare.Account, error) {
	found := make(map[int64]*imageshare.Account, len(ids))
	err := s.readTx(ctx, "sqlite.FindAccountsByIDs", func(tx *sql.Tx) error {
		for start := 0; start < len(ids); start += maxParams {
			chunk := ids[start:min(start+maxParams, len(ids))]
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			rows, err := tx.QueryContext(ctx, `SELECT `+sqlstore.AccountColumns+` FROM accounts WHERE id IN (`+placeholders(len(chunk))+`)`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				a, err := sqlstore.ScanAccount(rows)
				if err != nil {
					rows.Close()
					return err
				}
				found[a.ID] = a
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// ListAccounts implements imageshare.Store.
func (s *Store) ListAccounts(ctx context.Context, p imageshare.Page) ([]*imageshare.Account, int, error) {
	accounts := []*imageshare.Account{}
	var total int
	err := s.readTx(ctx, "sqlite.ListAccounts", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+sqlstore.AccountColumns+` FROM accounts ORDER BY id`+pageClause(p))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := sqlstore.ScanAccount(rows)
			if err != nil {
				return err
			}
			accounts = append(accounts, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return accounts, total, nil
}

// CreateAccessKey implements imageshare.Store.
func (s *Store) CreateAccessKey(ctx context.Context, k *imageshare.AccessKey) error {
	const op = "sqlite.CreateAccessKey"
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO access_keys (public_key, private_key, account_id, enabled, created_at) VALUES (?, ?, ?, ?, ?)`,
			k.PublicKey, k.PrivateKey, k.AccountID, boolInt(k.Enabled), sqlstore.Nanos(k.CreatedAt))
		return constraintError(err,
			sqlstore.KeyConflict(k.PublicKey),
			sqlstore.AccountNotFound("id", k.AccountID))
	})
}

// FindAccessKey implements imageshare.Store.
func (s *Store) FindAccessKey(ctx context.Context, publicKey string) (*imageshare.AccessKey, error) {
	k, err := sqlstore.ScanAccessKey(s.read.QueryRowContext(ctx, `SELECT `+sqlstore.AccessKeyColumns+` FROM access_keys WHERE public_key = ?`, publicKey))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.KeyNotFound(publicKey)
	}
	if err != nil {
		return nil, imageshare.Internal("sqlite.FindAccessKey", err)
	}
	return k, nil
}

// SetAccessKeyEnabled implements imageshare.Store.
func (s *Store) SetAccessKeyEnabled(ctx context.Context, publicKey string, enabled bool) error {
	return s.writeTx(ctx, "sqlite.SetAccessKeyEnabled", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE access_keys SET enabled = ? WHERE public_key = ?`, boolInt(enabled), publicKey)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return sqlstore.KeyNotFound(publicKey)
		}
		return nil
	})
}

// ListAccessKeys implements imageshare.Store.
func (s *Store) ListAccessKeys(ctx context.Context, accountID int64) ([]*imageshare.AccessKey, error) {
	keys := []*imageshare.AccessKey{}
	err := s.readTx(ctx, "sqlite.ListAccessKeys", func(tx *sql.Tx) error {
		// rowid breaks ties between keys created in the same nanosecond
		// in insertion order.
		rows, err := tx.QueryContext(ctx, `SELECT `+sqlstore.AccessKeyColumns+` FROM access_keys WHERE account_id = ? ORDER BY created_at, rowid`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k, err := sqlstore.ScanAccessKey(rows)
			if err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}
