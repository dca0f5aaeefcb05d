package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
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
		_, err := tx.ExecContext(ctx, instanceInsert, sqlstore.InstanceValues(in)...)
		return constraintError(err, sqlstore.InstanceConflict(in.ID), sqlstore.AccountNotFound("id", in.OwnerID))
	})
}

var instanceInsert = sqlstore.InstanceInsert

// FindInstance implements imageshare.Store.
func (s *Store) FindInstance(ctx context.Context, id string) (*imageshare.Instance, error) {
	in, err := sqlstore.ScanInstance(s.read.QueryRowContext(ctx, `SELECT `+sqlstore.InstanceColumns+` FROM instances WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.InstanceNotFound(id)
	}
	if err != nil {
		return nil, imageshare.Internal("sqlite.FindInstance", err)
	}
	return in, nil
}
