package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// LaunchInstances implements imageshare.Store. The owner's account row is
// locked before its instances are counted, so concurrent launches of one
// account (on any replica) are counted one after the other; each image is
// locked FOR SHARE, so a DeleteImage (which locks it FOR UPDATE) either
// sees the new instance or has removed the image first.
func (s *Store) LaunchInstances(ctx context.Context, ins []*imageshare.Instance, maxInstances int) error {
	if len(ins) == 0 {
		return nil
	}
	owner := ins[0].OwnerID
	return s.inTx(ctx, "postgres.LaunchInstances", writeTx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, owner).Scan(&one); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return sqlstore.AccountNotFound("id", owner)
			}
			return err
		}
		if maxInstances > 0 {
			var have int
			if err := tx.QueryRow(ctx, sqlstore.Rebind(sqlstore.Dollar, sqlstore.InstanceCountQuery), owner).Scan(&have); err != nil {
				return err
			}
			if have+len(ins) > maxInstances {
				return sqlstore.InstanceQuotaExceeded(have, len(ins), maxInstances)
			}
		}
		for _, in := range ins {
			if in.ImageID != "" {
				if err := tx.QueryRow(ctx, `SELECT 1 FROM images WHERE id = $1 FOR SHARE`, in.ImageID).Scan(&one); err != nil {
					if errors.Is(err, pgx.ErrNoRows) {
						return sqlstore.ImageNotFound(in.ImageID)
					}
					return err
				}
			}
			_, err := tx.Exec(ctx, instanceInsert, sqlstore.InstanceValues(in)...)
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
	where = sqlstore.Rebind(sqlstore.Dollar, where)
	var out []*imageshare.Instance
	var total int
	err := s.inTx(ctx, "postgres.FindInstances", readTx, func(tx pgx.Tx) error {
		out = []*imageshare.Instance{}
		if err := tx.QueryRow(ctx, sqlstore.InstanceCountWhereQuery(where), args...).Scan(&total); err != nil {
			return err
		}
		limit, offset := limitOffset(f.Page)
		n := len(args)
		rows, err := tx.Query(ctx, sqlstore.InstanceFindQuery(where, fmt.Sprintf(` LIMIT $%d OFFSET $%d`, n+1, n+2)),
			append(args, limit, offset)...)
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
	err := s.inTx(ctx, "postgres.UpdateInstance", writeTx, func(tx pgx.Tx) error {
		cur, err := sqlstore.ScanInstance(tx.QueryRow(ctx, ownedInstanceForUpdate, u.ID, u.OwnerID))
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.InstanceNotFound(u.ID)
		}
		if err != nil {
			return err
		}
		if q, args, ok := sqlstore.InstanceUpdateQuery(u); ok {
			tag, err := tx.Exec(ctx, sqlstore.Rebind(sqlstore.Dollar, q), args...)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return sqlstore.InstanceState(u.ID, cur.Status)
			}
		}
		out, err = sqlstore.ScanInstance(tx.QueryRow(ctx, instanceByID, u.ID))
		return err
	})
	return sqlstore.Keep(&out, err)
}

// DeleteInstance implements imageshare.Store.
func (s *Store) DeleteInstance(ctx context.Context, id string, ownerID int64) error {
	return s.inTx(ctx, "postgres.DeleteInstance", writeTx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, instanceDelete, id, ownerID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return sqlstore.InstanceNotFound(id)
		}
		return nil
	})
}

// FinishInstanceTransitions implements imageshare.Store. Each settle is
// conditional on the status read, so two replicas' passes finish each
// transition once.
func (s *Store) FinishInstanceTransitions(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var done []string
	err := s.inTx(ctx, "postgres.FinishInstanceTransitions", writeTx, func(tx pgx.Tx) error {
		done = []string{}
		rows, err := tx.Query(ctx, sqlstore.Rebind(sqlstore.Dollar, sqlstore.DueTransitionsQuery), sqlstore.DueAt(now), limit)
		if err != nil {
			return err
		}
		list, err := sqlstore.ScanDueTransitions(rows)
		rows.Close()
		if err != nil {
			return err
		}
		for _, d := range list {
			tag, err := tx.Exec(ctx, finishTransition, d.Finish()...)
			if err != nil {
				return err
			}
			if tag.RowsAffected() > 0 {
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

// The shared instance statements, numbered for PostgreSQL once.
var (
	ownedInstanceForUpdate = sqlstore.Rebind(sqlstore.Dollar, sqlstore.OwnedInstanceQuery) + ` FOR UPDATE`
	instanceByID           = sqlstore.Rebind(sqlstore.Dollar, sqlstore.InstanceByIDQuery)
	instanceDelete         = sqlstore.Rebind(sqlstore.Dollar, sqlstore.InstanceDeleteQuery)
	finishTransition       = sqlstore.Rebind(sqlstore.Dollar, sqlstore.FinishTransitionQuery)
)
