package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// maxIDAttempts bounds how often CreateAccount draws a new id when the one
// it drew was taken meanwhile by an account created with an explicit id.
const maxIDAttempts = 5

// CreateAccount implements imageshare.Store. Ids come from a sequence, so
// replicas never hand out the same one; an explicit id moves the sequence
// past it.
func (s *Store) CreateAccount(ctx context.Context, a *imageshare.Account) error {
	const op = "postgres.CreateAccount"
	conflict := func() *imageshare.Error {
		return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonAccountConflict, "account id %d or name %q is taken", a.ID, a.Name)
	}
	var id, org int64
	if a.ID != 0 {
		err := s.inTx(ctx, op, writeTx, func(tx pgx.Tx) error {
			err := tx.QueryRow(ctx, `INSERT INTO accounts (id, name, organization_id, created_at)
VALUES ($1, $2, CASE WHEN $3::bigint = 0 THEN $1 ELSE $3 END, $4) RETURNING id, organization_id`,
				a.ID, a.Name, a.OrganizationID, sqlstore.Nanos(a.CreatedAt)).Scan(&id, &org)
			if err != nil {
				return constraintError(err, conflict(), nil)
			}
			// setval is not transactional: a concurrent CreateAccount may
			// draw an id below a.ID meanwhile, which is fine, or a.ID
			// itself before this commits, which the retry below handles.
			_, err = tx.Exec(ctx, `SELECT setval('accounts_id_seq', GREATEST($1, last_value)) FROM accounts_id_seq`, a.ID)
			return err
		})
		if err != nil {
			return err
		}
		a.ID, a.OrganizationID = id, org
		return nil
	}
	for attempt := 1; ; attempt++ {
		idTaken := false
		err := s.retry(ctx, op, func() error {
			err := s.pool.QueryRow(ctx, `WITH next AS (SELECT nextval('accounts_id_seq') AS id)
INSERT INTO accounts (id, name, organization_id, created_at)
SELECT next.id, $1, CASE WHEN $2::bigint = 0 THEN next.id ELSE $2 END, $3 FROM next
RETURNING id, organization_id`, a.Name, a.OrganizationID, sqlstore.Nanos(a.CreatedAt)).Scan(&id, &org)
			if constraintName(err) == "accounts_pkey" {
				idTaken = true
				return err
			}
			return constraintError(err, conflict(), nil)
		})
		if err == nil {
			a.ID, a.OrganizationID = id, org
			return nil
		}
		if idTaken && attempt < maxIDAttempts {
			continue // the drawn id was taken by an explicit one: draw again
		}
		return err
	}
}

// FindAccountByID implements imageshare.Store.
func (s *Store) FindAccountByID(ctx context.Context, id int64) (*imageshare.Account, error) {
	return s.findAccount(ctx, "postgres.FindAccountByID", `id`, id)
}

// FindAccountByName implements imageshare.Store.
func (s *Store) FindAccountByName(ctx context.Context, name string) (*imageshare.Account, error) {
	return s.findAccount(ctx, "postgres.FindAccountByName", `name`, name)
}

func (s *Store) findAccount(ctx context.Context, op, column string, v any) (*imageshare.Account, error) {
	var a *imageshare.Account
	err := s.retry(ctx, op, func() error {
		var err error
		a, err = sqlstore.ScanAccount(s.pool.QueryRow(ctx, `SELECT `+sqlstore.AccountColumns+` FROM accounts WHERE `+column+` = $1`, v))
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.AccountNotFound(column, v)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// FindAccountsByIDs implements imageshare.Store.
func (s *Store) FindAccountsByIDs(ctx context.Context, ids []int64) (map[int64]*imageshare.Account, error) {
	found := make(map[int64]*imageshare.Account, len(ids))
	if len(ids) == 0 {
		return found, nil
	}
	err := s.retry(ctx, "postgres.FindAccountsByIDs", func() error {
		rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.AccountColumns+` FROM accounts WHERE id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		accounts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.Account, error) { return sqlstore.ScanAccount(row) })
		if err != nil {
			return err
		}
		for _, a := range accounts {
			found[a.ID] = a
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
	var accounts []*imageshare.Account
	var total int
	err := s.inTx(ctx, "postgres.ListAccounts", readTx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&total); err != nil {
			return err
		}
		limit, offset := limitOffset(p)
		rows, err := tx.Query(ctx, `SELECT `+sqlstore.AccountColumns+` FROM accounts ORDER BY id LIMIT $1 OFFSET $2`, limit, offset)
		if err != nil {
			return err
		}
		accounts, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.Account, error) { return sqlstore.ScanAccount(row) })
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	if accounts == nil {
		accounts = []*imageshare.Account{}
	}
	return accounts, total, nil
}

// CreateAccessKey implements imageshare.Store.
func (s *Store) CreateAccessKey(ctx context.Context, k *imageshare.AccessKey) error {
	const op = "postgres.CreateAccessKey"
	return s.retry(ctx, op, func() error {
		_, err := s.pool.Exec(ctx,
			`INSERT INTO access_keys (public_key, private_key, account_id, enabled, created_at) VALUES ($1, $2, $3, $4, $5)`,
			k.PublicKey, k.PrivateKey, k.AccountID, k.Enabled, sqlstore.Nanos(k.CreatedAt))
		return constraintError(err,
			sqlstore.KeyConflict(k.PublicKey),
			sqlstore.AccountNotFound("id", k.AccountID))
	})
}

// FindAccessKey implements imageshare.Store.
func (s *Store) FindAccessKey(ctx context.Context, publicKey string) (*imageshare.AccessKey, error) {
	var k *imageshare.AccessKey
	err := s.retry(ctx, "postgres.FindAccessKey", func() error {
		var err error
		k, err = sqlstore.ScanAccessKey(s.pool.QueryRow(ctx, `SELECT `+sqlstore.AccessKeyColumns+` FROM access_keys WHERE public_key = $1`, publicKey))
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.KeyNotFound(publicKey)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// SetAccessKeyEnabled implements imageshare.Store.
func (s *Store) SetAccessKeyEnabled(ctx context.Context, publicKey string, enabled bool) error {
	return s.retry(ctx, "postgres.SetAccessKeyEnabled", func() error {
		tag, err := s.pool.Exec(ctx, `UPDATE access_keys SET enabled = $1 WHERE public_key = $2`, enabled, publicKey)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return sqlstore.KeyNotFound(publicKey)
		}
		return nil
	})
}

// ListAccessKeys implements imageshare.Store. Keys created in the same
// nanosecond are in insertion order.
func (s *Store) ListAccessKeys(ctx context.Context, accountID int64) ([]*imageshare.AccessKey, error) {
	var keys []*imageshare.AccessKey
	err := s.retry(ctx, "postgres.ListAccessKeys", func() error {
		rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.AccessKeyColumns+` FROM access_keys WHERE account_id = $1 ORDER BY created_at, seq`, accountID)
		if err != nil {
			return err
		}
		keys, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.AccessKey, error) { return sqlstore.ScanAccessKey(row) })
		return err
	})
	if err != nil {
		return nil, err
	}
	if keys == nil {
		keys = []*imageshare.AccessKey{}
	}
	return keys, nil
}
