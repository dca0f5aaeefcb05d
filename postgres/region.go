package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// AddRegion implements imageshare.Store.
func (s *Store) AddRegion(ctx context.Context, name string) error {
	return s.retry(ctx, "postgres.AddRegion", func() error {
		_, err := s.pool.Exec(ctx, `INSERT INTO regions (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, name)
		return err
	})
}

// ListRegions implements imageshare.Store.
func (s *Store) ListRegions(ctx context.Context) ([]string, error) {
	var regions []string
	err := s.retry(ctx, "postgres.ListRegions", func() error {
		rows, err := s.pool.Query(ctx, `SELECT name FROM regions ORDER BY name`)
		if err != nil {
			return err
		}
		regions, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, err
	}
	if regions == nil {
		regions = []string{}
	}
	return regions, nil
}

// CreateInstance implements imageshare.Store.
func (s *Store) CreateInstance(ctx context.Context, in *imageshare.Instance) error {
	return s.retry(ctx, "postgres.CreateInstance", func() error {
		_, err := s.pool.Exec(ctx, instanceInsert, sqlstore.InstanceValues(in)...)
		return constraintError(err, sqlstore.InstanceConflict(in.ID), sqlstore.AccountNotFound("id", in.OwnerID))
	})
}

var instanceInsert = sqlstore.Rebind(sqlstore.Dollar, sqlstore.InstanceInsert)

// FindInstance implements imageshare.Store.
func (s *Store) FindInstance(ctx context.Context, id string) (*imageshare.Instance, error) {
	var in *imageshare.Instance
	err := s.retry(ctx, "postgres.FindInstance", func() error {
		var err error
		in, err = sqlstore.ScanInstance(s.pool.QueryRow(ctx, `SELECT `+sqlstore.InstanceColumns+` FROM instances WHERE id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.InstanceNotFound(id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}
