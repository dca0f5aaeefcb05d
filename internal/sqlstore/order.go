// Package sqlstore holds what the SQLite and PostgreSQL stores share:
// one query text, two executors. The statements both databases accept are
// written here once with "?" placeholders (the PostgreSQL store numbers
// them with Rebind), with the filter and update builders (a Dialect says
// how each database binds a list and marks an argument), the row scanners
// and column lists, LIKE escaping and case folding, the classification of
// driver errors into the domain's kinds, the stores' domain errors, the
// time encoding of their columns and the reader of their migration files.
// Each store keeps its transactions and locks, its search SQL and its
// migrations.
package sqlstore

import "github.com/imageshare/imageshare"

// orderColumns names the sort key of each imageshare.SortField in one
// listing: the flat listing orders image columns, the grouped one the
// aggregates of its CTE.
type orderColumns struct {
	price, createdCount, favorites, useTime, created, published, tieBreak string
}

// versionColumns are the images columns of a flat community listing.
var versionColumns = orderColumns{
	price: "price", createdCount: "created_count", favorites: "favorites_count",
	useTime: "image_use_time", created: "created_at", published: "published_at", tieBreak: "id",
}

// groupColumns are the aggregates of the CTE g that both stores'
// FindVersionGroups build (one row per group, keyed by gk).
var groupColumns = orderColumns{
	price: "price", createdCount: "cc", favorites: "fc",
	useTime: "ut", created: "created", published: "pub", tieBreak: "gk",
}

// VersionOrder is the ORDER BY of a flat community listing.
func VersionOrder(s imageshare.CommunitySort) string { return orderBy(s, versionColumns) }

// GroupOrder is the ORDER BY of a grouped community listing over the
// aggregates of the CTE g in FindVersionGroups.
func GroupOrder(s imageshare.CommunitySort) string { return orderBy(s, groupColumns) }

// orderBy sorts by s's field in s's direction, then by the tie-break
// column ascending so pages are stable.
func orderBy(s imageshare.CommunitySort, c orderColumns) string {
	dir := " DESC"
	if s.Asc {
		dir = " ASC"
	}
	var key string
	switch s.Field {
	case imageshare.SortPrice:
		key = c.price + dir
	case imageshare.SortCreatedCount:
		key = c.createdCount + dir
	case imageshare.SortFavor, imageshare.SortFavoritesCount:
		key = c.favorites + dir
	case imageshare.SortImageUseTime:
		key = c.useTime + dir
	case imageshare.SortCreateTime:
		key = c.created + dir
	default:
		key = c.published + dir + ", " + c.created + dir
	}
	return " ORDER BY " + key + ", " + c.tieBreak + " ASC"
}
