package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// LaunchInstances implements imageshare.Store. The one writer connection
// serializes it with DeleteImage, so an image deleted meanwhile is seen.
func (s *Store) LaunchInstances(ctx context.Context, ins []*imageshare.Instance, maxInstances int) error {
	return s.writeTx(ctx, "sqlite.LaunchInstances", func(tx *sql.Tx) error {
		if len(ins) == 0 {
			return nil
		}
		owner := ins[0].OwnerID
		if maxInstances > 0 {
			var have int
			if err := tx.QueryRowContext(ctx, sqlstore.InstanceCountQuery, owner).Scan(&have); err != nil {
				return err
			}
			if have+len(ins) > maxInstances {
				return sqlstore.InstanceQuotaExceeded(have, len(ins), maxInstances)
			}
		}
		for _, in := range ins {
			if in.ImageID != "" {
				var one int
				err := tx.QueryRowContext(ctx, `SELECT 1 FROM images WHERE id = ?`, in.ImageID).Scan(&one)
				if errors.Is(err, sql.ErrNoRows) {
					return sqlstore.ImageNotFound(in.ImageID)
				}
				if err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, instanceInsert, sqlstore.InstanceValues(in)...)
			if err := constraintError(err, sqlstore.InstanceConflict(in.ID), sqlstore.AccountNotFound("id", in.OwnerID)); err != nil {
				return err
			}
		}
		return nil
	})
}

// FindInstances implements imageshare.Store.
func (s *Store) FindInstances(ctx context.Context, f imageshare.InstanceFilter) ([]*imageshare.Instance, int, error) {
	where, args := sqlstore.InstanceWhere(f)
	out := []*imageshare.Instance{}
	var total int
	err := s.readTx(ctx, "sqlite.FindInstances", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, sqlstore.InstanceCountWhereQuery(where), args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, sqlstore.InstanceFindQuery(where, pageClause(f.Page)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out, err = sqlstore.ScanInstances(rows, out)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// UpdateInstance implements imageshare.Store.
func (s *Store) UpdateInstance(ctx context.Context, u imageshare.InstanceUpdate) (*imageshare.Instance, error) {
	var out *imageshare.Instance
	err := s.writeTx(ctx, "sqlite.UpdateInstance", func(tx *sql.Tx) error {
		cur, err := sqlstore.ScanInstance(tx.QueryRowContext(ctx, sqlstore.OwnedInstanceQuery, u.ID, u.OwnerID))
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.InstanceNotFound(u.ID)
		}
		if err != nil {
			return err
		}
		q, args, ok := sqlstore.InstanceUpdateQuery(u)
		if ok {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return sqlstore.InstanceState(u.ID, cur.Status)
			}
		}
		out, err = sqlstore.ScanInstance(tx.QueryRowContext(ctx, sqlstore.InstanceByIDQuery, u.ID))
		return err
	})
	return sqlstore.Keep(&out, err)
}

// DeleteInstance implements imageshare.Store.
func (s *Store) DeleteInstance(ctx context.Context, id string, ownerID int64) error {
	return s.writeTx(ctx, "sqlite.DeleteInstance", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlstore.InstanceDeleteQuery, id, ownerID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return sqlstore.InstanceNotFound(id)
		}
		return nil
	})
}

// FinishInstanceTransitions implements imageshare.Store.
func (s *Store) FinishInstanceTransitions(ctx context.Context, now time.Time, limit int) ([]string, error) {
	done := []string{}
	err := s.writeTx(ctx, "sqlite.FinishInstanceTransitions", func(tx *sql.Tx) error {
		done = done[:0]
		rows, err := tx.QueryContext(ctx, sqlstore.DueTransitionsQuery, sqlstore.DueAt(now), limit)
		if err != nil {
			return err
		}
		list, err := sqlstore.ScanDueTransitions(rows)
		rows.Close()
		if err != nil {
			return err
		}
		for _, d := range list {
			res, err := tx.ExecContext(ctx, sqlstore.FinishTransitionQuery, d.Finish()...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				done = append(done, d.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}
