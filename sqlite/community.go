package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// term is one condition of a catalog query. noIndex is the same
// condition written so that the planner cannot use an index for it (a
// unary + on the column).
type term struct {
	plain, noIndex string
	args           []any
	// typed says plain is served by an index that leads with type, which
	// the planner uses only while type = 'Community' is indexable.
	typed bool
}

// communityWhere translates f into a WHERE clause over images (with its
// keyword) and its arguments. Every condition is one an index serves: the
// images indexes that lead with type, image_tags, accounts by organization
// and the FTS5 search tables. Without statistics SQLite's
// planner may prefer the broad region/status index to a selective search,
// and then read the whole catalog; so only the most selective condition
// (the first of first, then f's in the order below) stays indexable and
// the others are checked on the rows it yields.
//
// found holds the searches resolveSearch answered: their matches are then
// a list of ids read by primary key instead of an FTS5 match.
func communityWhere(f imageshare.CommunityFilter, found searchIDs, first ...term) (string, []any) {
	terms := append([]term{}, first...)
	add := func(plain, noIndex string, a ...any) {
		terms = append(terms, term{plain: plain, noIndex: noIndex, args: a})
	}
	addTyped := func(plain, noIndex string, a ...any) {
		terms = append(terms, term{plain: plain, noIndex: noIndex, args: a, typed: true})
	}
	if f.ImageID != "" {
		add(`id = ?`, `+id = ?`, f.ImageID)
	}
	byIDs := func(ids []string) {
		add(`id IN (SELECT value FROM json_each(?))`, `+id IN (SELECT value FROM json_each(?))`, jsonArray(ids))
	}
	if f.Name != "" {
		if found.name != nil {
			byIDs(found.name)
		} else {
			cond, a := searchCond("name", f.Name)
			add(cond, "+"+cond, a...)
		}
	}
	if f.Fuzzy != "" {
		if found.fuzzy != nil {
			byIDs(found.fuzzy)
		} else {
			cond, a := searchCond("{name author}", f.Fuzzy)
			add(cond, "+"+cond, a...)
		}
	}
	if f.GroupID != "" {
		addTyped(sqlstore.GroupKey+` = ?`, `+`+sqlstore.GroupKey+` = ?`, f.GroupID)
	}
	if f.Author != "" {
		addTyped(`author = ?`, `+author = ?`, f.Author)
	}
	if f.Tag != "" {
		add(`id IN (SELECT image_id FROM image_tags WHERE tag = ?)`, `+id IN (SELECT image_id FROM image_tags WHERE tag = ?)`, f.Tag)
	}
	if f.OwnerID != 0 {
		add(`owner_id = ?`, `+owner_id = ?`, f.OwnerID)
	}
	if f.OrganizationID != 0 {
		add(`owner_id IN (SELECT id FROM accounts WHERE organization_id = ?)`,
			`+owner_id IN (SELECT id FROM accounts WHERE organization_id = ?)`, f.OrganizationID)
	}
	if f.Region != "" {
		addTyped(`region = ?`, `+region = ?`, f.Region)
	}
	switch len(f.Statuses) {
	case 0:
	case 1:
		addTyped(`status = ?`, `+status = ?`, string(f.Statuses[0]))
	default:
		addTyped(`status IN (SELECT value FROM json_each(?))`, `+status IN (SELECT value FROM json_each(?))`, jsonArray(f.Statuses))
	}
	// Region and status together are one index (images_community): both
	// stay indexable when they are the most selective conditions.
	broad := func(t term) bool { return strings.Contains(t.plain, "region") || strings.Contains(t.plain, "status") }
	// type = 'Community' stays indexable when the chosen condition's index
	// leads with type (or when there is none: the catalog index serves);
	// otherwise images_type would be preferred to the chosen index.
	conds := []string{`+type = 'Community'`}
	if len(terms) == 0 || terms[0].typed {
		conds[0] = `type = 'Community'`
	}
	var args []any
	for i, t := range terms {
		if i == 0 || (broad(t) && broad(terms[0])) {
			conds = append(conds, t.plain)
		} else {
			conds = append(conds, t.noIndex)
		}
		args = append(args, t.args...)
	}
	if f.PublicOnly {
		conds = append(conds, `visibility = 1`)
	}
	if f.FreeOnly {
		conds = append(conds, `price = 0`)
	}
	if f.OfficialOnly {
		conds = append(conds, `is_official = 1`)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// searchCond is the condition that q occurs in columns (an FTS5 column
// filter). Queries of three characters or more are substrings matched in
// the trigram index; shorter ones are word prefixes matched in the word
// index, since a trigram index cannot answer them. Both fold case.
func searchCond(columns, q string) (string, []any) {
	phrase := `"` + strings.ReplaceAll(q, `"`, `""`) + `"`
	table := "community_trigrams"
	if utf8.RuneCountInString(q) < 3 {
		if !strings.ContainsFunc(q, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) {
			// No word character: the word index has nothing to look up.
			return `0`, nil
		}
		table = "community_words"
		phrase += " *"
	}
	return `id IN (SELECT image_id FROM community_search_keys WHERE seq IN (
	SELECT rowid FROM ` + table + ` WHERE ` + table + ` MATCH ?))`, []any{columns + " : " + phrase}
}

// scanImages reads every row of rows with scanImage.
func scanImages(rows *sql.Rows) ([]*imageshare.Image, error) {
	defer rows.Close()
	images := []*imageshare.Image{}
	for rows.Next() {
		im, err := scanImage(rows)
		if err != nil {
			return nil, err
		}
		images = append(images, im)
	}
	return images, rows.Err()
}

// searched says whether f's most selective condition is a name or fuzzy
// search, whose FTS5 match is the cost of the query.
func searched(f imageshare.CommunityFilter) bool {
	return f.ImageID == "" && (f.Name != "" || f.Fuzzy != "")
}

// sortKeys are the columns versionOrder sorts on, with id.
const sortKeys = `id, published_at, created_at, price, created_count, favorites_count, image_use_time`

// pageTotal is the total of a page of n rows read at p from a result set
// when it follows from the page alone: a page not filled to its limit
// ends the set. ok is false when only a count can tell (a full page, or
// an empty one past the start).
func pageTotal(p imageshare.Page, n int) (total int, ok bool) {
	limit, offset := limitOffset(p)
	if (n > 0 || offset == 0) && (limit < 0 || n < limit) {
		return offset + n, true
	}
	return 0, false
}

// FindCommunityImages implements imageshare.Store. The page is read
// first; the total is counted only when the page does not tell it. A
// search runs its FTS5 match once: the matching versions' sort keys are
// materialized, and the page and the total are both read from them.
func (s *Store) FindCommunityImages(ctx context.Context, f imageshare.CommunityFilter) ([]*imageshare.Image, int, error) {
	var images []*imageshare.Image
	var total int
	err := s.readTx(ctx, "sqlite.FindCommunityImages", func(tx *sql.Tx) error {
		found, err := s.resolveSearch(ctx, tx, fuzzyFilter{f.ImageID, f.Name, f.Fuzzy})
		if err != nil {
			return err
		}
		where, args := communityWhere(f, found)
		if searched(f) {
			var err error
			images, total, err = searchPage(ctx, tx, f, where, args)
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+imageColumns+` FROM images`+where+sqlstore.VersionOrder(f.Sort)+pageClause(f.Page), args...)
		if err != nil {
			return err
		}
		if images, err = scanImages(rows); err != nil {
			return err
		}
		var ok bool
		if total, ok = pageTotal(f.Page, len(images)); ok {
			return nil
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM images`+where, args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, err
	}
	return images, total, nil
}

// searchPageQuery is searchPage's statement: the matching versions' sort
// keys (m, materialized so that the match runs once), their count, and the
// page's full rows read back by id.
func searchPageQuery(f imageshare.CommunityFilter, where string) string {
	order := sqlstore.VersionOrder(f.Sort)
	return `WITH m AS MATERIALIZED (SELECT ` + sortKeys + ` FROM images` + where + `)
SELECT ` + imageColumns + `, (SELECT count(*) FROM m) FROM images WHERE id IN (
	SELECT id FROM m` + order + pageClause(f.Page) + `
)` + order
}

// searchPage reads a search's page and total in one statement over one
// FTS5 match. Every row carries the total; an empty page carries none, and
// is then told by a count (a page past the end, or no match).
func searchPage(ctx context.Context, tx *sql.Tx, f imageshare.CommunityFilter, where string, args []any) ([]*imageshare.Image, int, error) {
	rows, err := tx.QueryContext(ctx, searchPageQuery(f, where), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	images := []*imageshare.Image{}
	total := 0
	for rows.Next() {
		im, err := scanImage(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		images = append(images, im)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(images) > 0 {
		return images, total, nil
	}
	if _, offset := limitOffset(f.Page); offset == 0 {
		return images, 0, nil
	}
	err = tx.QueryRowContext(ctx, `SELECT count(*) FROM images`+where, args...).Scan(&total)
	return images, total, err
}

// groupsCTE aggregates the matching versions (v) per group (g); the
// caller appends its WHERE clause's arguments. v is materialized so that
// the planner reads it through the index its filter chose; flattened into
// the aggregate, it would walk images_community_group to avoid sorting for
// GROUP BY, that is read every Community image.
func groupsCTE(where string) string {
	return `WITH v AS MATERIALIZED (
	SELECT ` + sqlstore.GroupKey + ` AS gk, status, published_at, created_at, price, created_count, favorites_count, image_use_time
	FROM images` + where + `
), g AS MATERIALIZED (
	SELECT gk, max(published_at) AS pub, max(created_at) AS created, min(price) AS price,
		sum(created_count) AS cc, sum(favorites_count) AS fc, sum(image_use_time) AS ut,
		count(*) AS n, max(status = 'Available') AS avail
	FROM v GROUP BY gk
) `
}

// groupsPageQuery is the page of groups with the totals on each row.
func groupsPageQuery(f imageshare.CommunityFilter, cte string) string {
	return cte + `SELECT ` + sqlstore.GroupColumns + `,
	(SELECT count(*) FROM g), (SELECT COALESCE(sum(avail), 0) FROM g) FROM g` + sqlstore.GroupOrder(f.Sort) + pageClause(f.Page)
}

// FindVersionGroups implements imageshare.Store. It reads in one snapshot:
// the totals, the page of groups, then at most MaxVersionsPerGroup newest
// matching versions of each group on the page.
func (s *Store) FindVersionGroups(ctx context.Context, f imageshare.CommunityFilter) (*imageshare.VersionGroupList, error) {
	page := sqlstore.NewGroupPage()
	out := page.List
	return sqlstore.Keep(&out, s.readTx(ctx, "sqlite.FindVersionGroups", func(tx *sql.Tx) error {
		found, err := s.resolveSearch(ctx, tx, fuzzyFilter{f.ImageID, f.Name, f.Fuzzy})
		if err != nil {
			return err
		}
		where, args := communityWhere(f, found)
		cte := groupsCTE(where)
		// One statement reads the page and, on each of its rows, the
		// totals: the filter (a search's FTS5 match) runs once.
		rows, err := tx.QueryContext(ctx, groupsPageQuery(f, cte), args...)
		if err != nil {
			return err
		}
		err = page.ScanAll(rows, &out.Total, &out.AvailableTotal)
		rows.Close()
		if err != nil {
			return err
		}
		if len(page.Keys) == 0 {
			if _, offset := limitOffset(f.Page); offset == 0 {
				return nil // no group matches
			}
			// A page past the end carries no totals: count them.
			return tx.QueryRowContext(ctx, cte+`SELECT count(*), COALESCE(sum(avail), 0) FROM g`, args...).
				Scan(&out.Total, &out.AvailableTotal)
		}
		// The page's groups are the most selective condition here.
		vwhere, vargs := communityWhere(f, found, term{plain: sqlstore.GroupKey + ` IN (SELECT value FROM json_each(?))`, args: []any{jsonArray(page.Keys)}, typed: true})
		rows, err = tx.QueryContext(ctx, sqlstore.NewestVersionsQuery(imageColumns, vwhere, "?"), append(vargs, imageshare.MaxVersionsPerGroup)...)
		if err != nil {
			return err
		}
		return page.Attach(scanImages(rows))
	}))
}

// ListCatalogTags implements imageshare.Store with
// sqlstore.CatalogTagsQuery. A limit of -1 is SQLite's "no limit".
func (s *Store) ListCatalogTags(ctx context.Context, region string, limit int) ([]string, error) {
	if limit <= 0 {
		limit = -1
	}
	tags := []string{}
	err := s.readTx(ctx, "sqlite.ListCatalogTags", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, sqlstore.CatalogTagsQuery, region, region, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var tag string
			if err := rows.Scan(&tag); err != nil {
				return err
			}
			tags = append(tags, tag)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return tags, nil
}
