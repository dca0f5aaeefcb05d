package sqlstore

import "github.com/imageshare/imageshare"

// GroupPage is a page of version groups as a store reads it: the groups
// in page order, then their newest versions from one more query, joined
// by Attach.
type GroupPage struct {
	List  *imageshare.VersionGroupList
	byKey map[string]*imageshare.VersionGroup
	Keys  []string // the groups' keys in page order
}

// NewGroupPage returns an empty page.
func NewGroupPage() *GroupPage {
	return &GroupPage{
		List:  &imageshare.VersionGroupList{Groups: []*imageshare.VersionGroup{}},
		byKey: map[string]*imageshare.VersionGroup{},
	}
}

// GroupColumns are the columns of a page row (of the CTE g that both
// stores' FindVersionGroups build) that Scan reads first.
const GroupColumns = `gk, n, cc, fc, ut, avail`

// Scan reads one page row, GroupColumns then extra, and appends its group.
func (p *GroupPage) Scan(row Row, extra ...any) error {
	g := &imageshare.VersionGroup{Versions: []*imageshare.Image{}}
	dest := []any{&g.ID, &g.VersionCount, &g.CreatedCount, &g.FavoritesCount, &g.ImageUseTime, &g.Available}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return err
	}
	p.List.Groups = append(p.List.Groups, g)
	p.byKey[g.ID] = g
	p.Keys = append(p.Keys, g.ID)
	return nil
}

// Rows is a result set as the shared readers iterate it; the store that
// opened it closes it.
type Rows interface {
	Row
	Next() bool
	Err() error
}

// ScanAll reads every page row of rows (see Scan).
func (p *GroupPage) ScanAll(rows Rows, extra ...any) error {
	for rows.Next() {
		if err := p.Scan(rows, extra...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Attach appends each version to its group (keyed by GroupID, or by the
// version's own id when it has no group); versions of groups not on the
// page are dropped. It passes err, the versions' read error, through.
func (p *GroupPage) Attach(versions []*imageshare.Image, err error) error {
	if err != nil {
		return err
	}
	for _, v := range versions {
		key := v.GroupID
		if key == "" {
			key = v.ID
		}
		if g := p.byKey[key]; g != nil {
			g.Versions = append(g.Versions, v)
		}
	}
	return nil
}

// NewestVersionsQuery reads at most MaxVersionsPerGroup newest versions
// of each group matching where (a WHERE clause that names the page's
// groups), newest first; the last argument is MaxVersionsPerGroup.
func NewestVersionsQuery(columns, where, rn string) string {
	return `SELECT ` + columns + ` FROM images WHERE id IN (
	SELECT id FROM (
		SELECT id, row_number() OVER (PARTITION BY ` + GroupKey + ` ORDER BY created_at DESC, id DESC) AS rn
		FROM images` + where + `
	) ranked WHERE rn <= ` + rn + `
) ORDER BY created_at DESC, id DESC`
}

// CatalogTagsQuery lists the tags of a region's catalog and platform
// images (arguments: region, region, limit), starting from the images
// (both indexed) rather than from every tag.
const CatalogTagsQuery = `SELECT tag FROM image_tags WHERE image_id IN (
	SELECT id FROM images WHERE type = 'Community' AND region = ? AND status = 'Available' AND visibility = 1)
UNION
SELECT tag FROM image_tags WHERE image_id IN (
	SELECT id FROM images WHERE type IN ('System', 'App') AND region = ?)
ORDER BY tag LIMIT ?`
