package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// queryPlan returns the EXPLAIN QUERY PLAN steps of query.
func queryPlan(t *testing.T, s *Store, query string, args ...any) []string {
	t.Helper()
	rows, err := s.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}

// TestCommunityQueriesUseIndexes checks that no catalog query scans the
// images or accounts tables: searches go through the FTS5 indexes, every
// other filter through an index that leads with type.
func TestCommunityQueriesUseIndexes(t *testing.T) {
	s, err := Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pub := func(f imageshare.CommunityFilter) imageshare.CommunityFilter {
		f.Region, f.Statuses, f.PublicOnly = "cn-wlcb", []imageshare.ImageStatus{imageshare.StatusAvailable}, true
		return f
	}
	const byID = "sqlite_autoindex_images_1"
	for name, tc := range map[string]struct {
		f     imageshare.CommunityFilter
		index string // the index the images table must be read through
	}{
		"Public":       {pub(imageshare.CommunityFilter{}), "images_community "},
		"Name":         {pub(imageshare.CommunityFilter{Name: "diffusion"}), byID},
		"NameShort":    {pub(imageshare.CommunityFilter{Name: "xl"}), byID},
		"Fuzzy":        {pub(imageshare.CommunityFilter{Fuzzy: "alice"}), byID},
		"NameAndOwner": {pub(imageshare.CommunityFilter{Name: "diffusion", OwnerID: 7}), byID},
		"Author":       {pub(imageshare.CommunityFilter{Author: "alice"}), "images_community_author"},
		"Tag":          {pub(imageshare.CommunityFilter{Tag: "llm"}), byID},
		"Organization": {pub(imageshare.CommunityFilter{OrganizationID: 7}), "images_owner"},
		"Self":         {imageshare.CommunityFilter{OwnerID: 7}, "images_owner"},
		"SelfGroup":    {imageshare.CommunityFilter{OwnerID: 7, GroupID: "g"}, "images_community_group"},
		"ReviewQueue":  {imageshare.CommunityFilter{Statuses: []imageshare.ImageStatus{imageshare.StatusReviewing}}, "images_community_status"},
		"ImageID":      {imageshare.CommunityFilter{ImageID: "x"}, byID},
	} {
		where, args := communityWhere(tc.f, searchIDs{})
		for what, q := range map[string]string{
			"Count":  `SELECT count(*) FROM images` + where,
			"Page":   `SELECT ` + imageColumns + ` FROM images` + where + sqlstore.VersionOrder(tc.f.Sort) + ` LIMIT 20 OFFSET 0`,
			"Groups": groupsPageQuery(tc.f, groupsCTE(where)),
		} {
			plan := queryPlan(t, s, q, args...)
			checkNoScan(t, name+"/"+what, plan)
			if !readsImagesThrough(plan, tc.index) {
				t.Errorf("%s/%s: images not read through %s: plan %q", name, what, tc.index, plan)
			}
		}
	}
	// A search reads its page and total in one statement that runs the
	// FTS5 match once, and reads images by id, not in catalog order.
	for name, f := range map[string]imageshare.CommunityFilter{
		"Name":      pub(imageshare.CommunityFilter{Name: "diffusion"}),
		"NameShort": pub(imageshare.CommunityFilter{Name: "xl"}),
		"Fuzzy":     pub(imageshare.CommunityFilter{Fuzzy: "alice", Sort: imageshare.CommunitySort{Field: imageshare.SortPrice}}),
	} {
		where, args := communityWhere(f, searchIDs{})
		for what, q := range map[string]string{"SearchPage": searchPageQuery(f, where), "Groups": groupsPageQuery(f, groupsCTE(where))} {
			plan := queryPlan(t, s, q, args...)
			checkNoScan(t, name+"/"+what, plan)
			matches := 0
			for _, step := range plan {
				if strings.Contains(step, "VIRTUAL TABLE INDEX") {
					matches++
				}
				if (strings.HasPrefix(step, "SEARCH images ") || strings.HasPrefix(step, "SCAN images")) && !strings.Contains(step, byID) {
					t.Errorf("%s/%s reads images through another index than by id: %q in plan %q", name, what, step, plan)
				}
			}
			if matches != 1 {
				t.Errorf("%s/%s runs the FTS5 match %d times, want once: plan %q", name, what, matches, plan)
			}
		}
	}
	vwhere, vargs := communityWhere(pub(imageshare.CommunityFilter{}), searchIDs{}, term{plain: sqlstore.GroupKey + ` IN (SELECT value FROM json_each(?))`, args: []any{`["g"]`}, typed: true})
	if plan := queryPlan(t, s, `SELECT id FROM images`+vwhere, vargs...); !readsImagesThrough(plan, "images_community_group") {
		t.Errorf("versions of a page of groups: plan %q", plan)
	}
	checkNoScan(t, "FinishBuilds", queryPlan(t, s, `UPDATE images SET status = 'Available'
WHERE status = 'Making' AND id IN (
	SELECT id FROM images WHERE status = 'Making' AND build_done_at <= ? ORDER BY build_done_at LIMIT ?)`, 1, 10))
	checkNoScan(t, "CustomName", queryPlan(t, s, `SELECT EXISTS (SELECT 1 FROM images WHERE owner_id = ? AND type = 'Custom' AND name = ?)`, 1, "n"))
	checkNoScan(t, "VersionName", queryPlan(t, s, `SELECT EXISTS (SELECT 1 FROM images
WHERE type = 'Community' AND `+sqlstore.GroupKey+` = ? AND version_name = ?)`, "g", "v1"))
}

// readsImagesThrough reports whether plan's first step on images uses index.
func readsImagesThrough(plan []string, index string) bool {
	for _, step := range plan {
		if strings.HasPrefix(step, "SEARCH images ") || strings.HasPrefix(step, "SCAN images") {
			return strings.Contains(step, "INDEX "+index)
		}
	}
	return false
}

// checkNoScan fails if plan scans a table. Scanning an FTS5 table by MATCH
// ("VIRTUAL TABLE INDEX"), a json_each list, a CTE's own rows or a
// subquery's result is not a table scan.
func checkNoScan(t *testing.T, name string, plan []string) {
	t.Helper()
	for _, step := range plan {
		if !strings.HasPrefix(step, "SCAN ") {
			continue
		}
		switch {
		case strings.Contains(step, "VIRTUAL TABLE INDEX"),
			strings.HasPrefix(step, "SCAN json_each"),
			step == "SCAN CONSTANT ROW",
			strings.HasPrefix(step, "SCAN v"), strings.HasPrefix(step, "SCAN g"), strings.HasPrefix(step, "SCAN m"),
			strings.Contains(step, "(subquery"):
			continue
		}
		t.Errorf("%s scans: %q in plan %q", name, step, plan)
	}
}

// BenchmarkCommunityNameSearch times a grouped name search of the public
// catalog among 20,000 versions (TestCommunityQueriesUseIndexes proves the
// plan; this shows what it costs).
func BenchmarkCommunityNameSearch(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, ":memory:")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	a := &imageshare.Account{Name: "a@example.com"}
	if err := s.CreateAccount(ctx, a); err != nil {
		b.Fatal(err)
	}
	const n = 20000
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		im := &imageshare.Image{ID: fmt.Sprintf("v-%05d", i), Region: "cn-wlcb", OwnerID: a.ID, Type: imageshare.ImageCommunity,
			Status: imageshare.StatusAvailable, Visibility: 1, Name: fmt.Sprintf("model %05d variant %d", i, i%97),
			Author: fmt.Sprintf("author%03d", i%500), GroupID: fmt.Sprintf("g-%04d", i/3), CreatedAt: time.Unix(int64(i), 0)}
		if i == 12345 {
			im.Name = "Needle Diffusion"
		}
		if err := insertImage(ctx, tx, im); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	f := imageshare.CommunityFilter{Region: "cn-wlcb", Statuses: []imageshare.ImageStatus{imageshare.StatusAvailable}, PublicOnly: true,
		Name: "needle diff", Page: imageshare.Page{Limit: 20}}
	for b.Loop() {
		l, err := s.FindVersionGroups(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		if l.Total != 1 || len(l.Groups) != 1 || l.Groups[0].Versions[0].ID != "v-12345" {
			b.Fatalf("found %d groups, want the one holding v-12345", l.Total)
		}
	}
}
