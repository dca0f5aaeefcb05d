package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"imageshare"
	"imageshare/internal/sqlstore"
)

// AddRegion implements imageshare.Store.
func (s *Store) AddRegion(ctx context.Context, name string) error {
	return s.writeTx(ctx, "sqlite.AddRegion", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO regions (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, name)
		return err
	})
}

// ListRegions implements imageshare.Store.
func (s *Store) ListRegions(ctx context.Context) ([]string, error) {
	regions := []string{}
	err := s.readTx(ctx, "sqlite.ListRegions", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT name FROM regions ORDER BY name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			regions = append(regions, name)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return regions, nil
}

// CreateInstance implements imageshare.Store.
func (s *Store) CreateInstance(ctx context.Context, in *imageshare.Instance) error {
	return s.writeTx(ctx, "sqlite.CreateInstance", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO instances (id, owner_id, region, gpu_type, created_at) VALUES (?, ?, ?, ?, ?)`,
			in.ID, in.OwnerID, in.Region, in.GPUType, sqlstore.Nanos(in.CreatedAt))
		return constraintError(err,
			imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonNone, "instance %q already exists", in.ID),
			sqlstore.AccountNotFound("id", in.OwnerID))
	})
}

// FindInstance implements imageshare.Store.
func (s *Store) FindInstance(ctx context.Context, id string) (*imageshare.Instance, error) {
	var in imageshare.Instance
	var created int64
	err := s.read.QueryRowContext(ctx, `SELECT id, owner_id, region, gpu_type, created_at FROM instances WHERE id = ?`, id).
		Scan(&in.ID, &in.OwnerID, &in.Region, &in.GPUType, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonInstanceNotFound, "instance %q does not exist", id)
	}
	if err != nil {
		return nil, imageshare.Internal("sqlite.FindInstance", err)
	}
	in.CreatedAt = sqlstore.FromNanos(created)
	return &in, nil
}
