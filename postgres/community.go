package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// argList collects a query's arguments and names their placeholders.
type argList []any

// add appends v and returns its placeholder.
func (a *argList) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// communityWhere translates f into a WHERE clause over images (with its
// keyword), adding its arguments to args. Every condition is one an index
// serves: the partial indexes on Community images, image_tags, accounts by
// organization and the search keys.
//
// freqs are the search keys' common elements (Store.keyFreqs), which let a
// search look up its rarest trigrams only; nil looks up all of them.
func communityWhere(f imageshare.CommunityFilter, args *argList, freqs keyFreqs) string {
	conds := []string{`type = 'Community'`}
	if f.OwnerID != 0 {
		conds = append(conds, `owner_id = `+args.add(f.OwnerID))
	}
	if f.OrganizationID != 0 {
		conds = append(conds, `owner_id IN (SELECT id FROM accounts WHERE organization_id = `+args.add(f.OrganizationID)+`)`)
	}
	if f.Region != "" {
		conds = append(conds, `region = `+args.add(f.Region))
	}
	if len(f.Statuses) > 0 {
		conds = append(conds, `status = ANY(`+args.add(sqlstore.StringsOf(f.Statuses))+`::text[])`)
	}
	if f.PublicOnly {
		conds = append(conds, `visibility = 1`)
	}
	if f.ImageID != "" {
		conds = append(conds, `id = `+args.add(f.ImageID))
	}
	if f.GroupID != "" {
		conds = append(conds, sqlstore.GroupKey+` = `+args.add(f.GroupID))
	}
	if f.Name != "" {
		conds = append(conds, searchCond(f.Name, args.add, freqs, searchName))
	}
	if f.Fuzzy != "" {
		conds = append(conds, searchCond(f.Fuzzy, args.add, freqs, searchName, searchAuthor))
	}
	if f.Author != "" {
		conds = append(conds, `author = `+args.add(f.Author))
	}
	if f.Tag != "" {
		conds = append(conds, `id IN (SELECT image_id FROM image_tags WHERE tag = `+args.add(f.Tag)+`)`)
	}
	if f.FreeOnly {
		conds = append(conds, `price = 0`)
	}
	if f.OfficialOnly {
		conds = append(conds, `is_official`)
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

func collectImages(rows pgx.Rows) ([]*imageshare.Image, error) {
	images, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.Image, error) { return scanImage(row) })
	if images == nil {
		images = []*imageshare.Image{}
	}
	return images, err
}

// FindCommunityImages implements imageshare.Store.
func (s *Store) FindCommunityImages(ctx context.Context, f imageshare.CommunityFilter) ([]*imageshare.Image, int, error) {
	var args argList
	where := communityWhere(f, &args, s.keyFreqs(ctx, f))
	var images []*imageshare.Image
	var total int
	err := s.inTx(ctx, "postgres.FindCommunityImages", readTx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM images`+where, args...).Scan(&total); err != nil {
			return err
		}
		page := append(argList{}, args...)
		limit, offset := limitOffset(f.Page)
		q := `SELECT ` + imageColumns + ` FROM images` + where + sqlstore.VersionOrder(f.Sort) +
			` LIMIT ` + page.add(limit) + ` OFFSET ` + page.add(offset)
		rows, err := tx.Query(ctx, q, page...)
		if err != nil {
			return err
		}
		images, err = collectImages(rows)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return images, total, nil
}

// groupsCTE aggregates the matching versions (v) per group (g).
func groupsCTE(where string) string {
	return `WITH v AS (
	SELECT ` + sqlstore.GroupKey + ` AS gk, status, published_at, created_at, price, created_count, favorites_count, image_use_time
	FROM images` + where + `
), g AS (
	SELECT gk, max(published_at) AS pub, max(created_at) AS created, min(price) AS price,
		sum(created_count)::bigint AS cc, sum(favorites_count)::bigint AS fc, sum(image_use_time)::bigint AS ut,
		count(*) AS n, bool_or(status = 'Available') AS avail
	FROM v GROUP BY gk
) `
}

// FindVersionGroups implements imageshare.Store. It reads in one snapshot:
// the totals, the page of groups, then at most MaxVersionsPerGroup newest
// matching versions of each group on the page.
func (s *Store) FindVersionGroups(ctx context.Context, f imageshare.CommunityFilter) (*imageshare.VersionGroupList, error) {
	var args argList
	where := communityWhere(f, &args, s.keyFreqs(ctx, f))
	var out *imageshare.VersionGroupList
	return sqlstore.Keep(&out, s.inTx(ctx, "postgres.FindVersionGroups", readTx, func(tx pgx.Tx) error {
		page := sqlstore.NewGroupPage()
		out = page.List
		cte := groupsCTE(where)
		if err := tx.QueryRow(ctx, cte+`SELECT count(*), count(*) FILTER (WHERE avail) FROM g`, args...).
			Scan(&out.Total, &out.AvailableTotal); err != nil {
			return err
		}
		pageArgs := append(argList{}, args...)
		limit, offset := limitOffset(f.Page)
		rows, err := tx.Query(ctx, cte+`SELECT `+sqlstore.GroupColumns+` FROM g`+sqlstore.GroupOrder(f.Sort)+
			` LIMIT `+pageArgs.add(limit)+` OFFSET `+pageArgs.add(offset), pageArgs...)
		if err != nil {
			return err
		}
		err = page.ScanAll(rows)
		rows.Close()
		if err != nil {
			return err
		}
		if len(page.Keys) == 0 {
			return nil
		}
		versions := append(argList{}, args...)
		vwhere := where + ` AND ` + sqlstore.GroupKey + ` = ANY(` + versions.add(page.Keys) + `::text[])`
		rows, err = tx.Query(ctx, sqlstore.NewestVersionsQuery(imageColumns, vwhere, versions.add(imageshare.MaxVersionsPerGroup)), versions...)
		if err != nil {
			return err
		}
		return page.Attach(collectImages(rows))
	}))
}

// ListCatalogTags implements imageshare.Store with
// sqlstore.CatalogTagsQuery. Tags are text COLLATE "C", so the order is byte order.
func (s *Store) ListCatalogTags(ctx context.Context, region string, limit int) ([]string, error) {
	var lim *int64
	if limit > 0 {
		l := int64(limit)
		lim = &l
	}
	var tags []string
	err := s.retry(ctx, "postgres.ListCatalogTags", func() error {
		rows, err := s.pool.Query(ctx, catalogTagsQuery, region, region, lim)
		if err != nil {
			return err
		}
		tags, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = []string{}
	}
	return tags, nil
}

// catalogTagsQuery is sqlstore.CatalogTagsQuery numbered for PostgreSQL.
var catalogTagsQuery = sqlstore.Rebind(sqlstore.Dollar, sqlstore.CatalogTagsQuery)
