package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/imageshare/imageshare"
)

// catalog is a community fixture: three publishers (b and c share an
// organization) with versions in every state.
type catalog struct {
	s       imageshare.Store
	a, b, c *imageshare.Account
}

func newCatalog(t *testing.T, s imageshare.Store) *catalog {
	t.Helper()
	ctx := context.Background()
	cat := &catalog{s: s, a: account(t, s, "alice@example.com")}
	cat.b = &imageshare.Account{Name: "bob@example.com", OrganizationID: 777, CreatedAt: base}
	ok(t, s.CreateAccount(ctx, cat.b))
	cat.c = &imageshare.Account{Name: "carol@example.com", OrganizationID: 777, CreatedAt: base}
	ok(t, s.CreateAccount(ctx, cat.c))
	avail, review, off := imageshare.StatusAvailable, imageshare.StatusReviewing, imageshare.StatusOffline
	for _, v := range []*imageshare.Image{
		{ID: "sd-1", OwnerID: cat.a.ID, GroupID: "g-sd", Name: "Stable Diffusion XL", Author: "alice", Status: avail, Visibility: 1,
			Tags: []string{"aigc", "sd"}, PublishedAt: at(10), CreatedAt: at(1), CreatedCount: 3, FavoritesCount: 1, ImageUseTime: 7},
		{ID: "sd-2", OwnerID: cat.a.ID, GroupID: "g-sd", Name: "Stable Diffusion XL", Author: "alice", Status: avail, Visibility: 1,
			Price: 1.5, ImageCharge: true, Tags: []string{"aigc"}, PublishedAt: at(20), CreatedAt: at(2), CreatedCount: 4, FavoritesCount: 2},
		{ID: "sd-3", OwnerID: cat.a.ID, GroupID: "g-sd", Name: "Stable Diffusion XL", Author: "alice", Status: review, Visibility: 1,
			Tags: []string{"pending"}, CreatedAt: at(3), CreatedCount: 100},
		{ID: "llama", OwnerID: cat.b.ID, GroupID: "g-llama", Name: "LLaMA Factory", Author: "bob", Status: avail, Visibility: 1,
			Price: 2, Tags: []string{"llm"}, PublishedAt: at(15), CreatedAt: at(4), CreatedCount: 50, FavoritesCount: 9},
		{ID: "xl-mini", OwnerID: cat.b.ID, Name: "xl-mini", Author: "bob", Status: avail, Visibility: 1, IsOfficial: true,
			PublishedAt: at(5), CreatedAt: at(5), Tags: []string{"sd"}},
		{ID: "aerger", OwnerID: cat.c.ID, GroupID: "g-aerger", Name: "Ärger Tools", Author: "carol", Status: avail, Visibility: 0,
			PublishedAt: at(6), CreatedAt: at(6), Tags: []string{"private"}},
		{ID: "qwen", OwnerID: cat.c.ID, GroupID: "g-qwen", Name: `Qwen "Chat" 100%`, Author: "carol", Status: off, Visibility: 1,
			PublishedAt: at(7), CreatedAt: at(7), Tags: []string{"llm"}},
		{ID: "sd-bj", OwnerID: cat.a.ID, GroupID: "g-sd-bj", Name: "Stable Diffusion bj", Author: "alice", Status: avail, Visibility: 1,
			PublishedAt: at(8), CreatedAt: at(8), Region: "bj", Tags: []string{"bj-only"}},
	} {
		v.Type = imageshare.ImageCommunity
		if v.Region == "" {
			v.Region = "cn-wlcb"
		}
		ok(t, s.CreateImage(ctx, v))
	}
	// Neither a custom nor a platform image is a community version.
	ok(t, s.CreateImage(ctx, &imageshare.Image{ID: "custom", Region: "cn-wlcb", OwnerID: cat.a.ID, Type: imageshare.ImageCustom,
		Status: avail, Name: "Stable Diffusion custom", Author: "alice", Visibility: 1, Tags: []string{"custom-tag"}, CreatedAt: at(9)}))
	ok(t, s.CreateImage(ctx, &imageshare.Image{ID: "sys", Region: "cn-wlcb", Type: imageshare.ImageSystem,
		Status: avail, Name: "Ubuntu Diffusion", Tags: []string{"base", "aigc"}, CreatedAt: at(0)}))
	return cat
}

// public is the filter of the region's public catalog.
func public(f imageshare.CommunityFilter) imageshare.CommunityFilter {
	f.Region = "cn-wlcb"
	f.Statuses = []imageshare.ImageStatus{imageshare.StatusAvailable}
	f.PublicOnly = true
	return f
}

func wantCommunity(t *testing.T, s imageshare.Store, f imageshare.CommunityFilter, want []string, total int) {
	t.Helper()
	images, n, err := s.FindCommunityImages(context.Background(), f)
	ok(t, err)
	got := []string{}
	for _, im := range images {
		got = append(got, im.ID)
	}
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) || n != total {
		t.Errorf("FindCommunityImages(%+v) = %q, total %d; want %q, total %d", f, got, n, want, total)
	}
}

func testFindCommunityImages(t *testing.T, newStore newStoreFunc) {
	s := newStore(t)
	cat := newCatalog(t, s)
	type F = imageshare.CommunityFilter
	byPub := []string{"sd-2", "llama", "sd-1", "xl-mini"}
	for _, tc := range []struct {
		name string
		f    F
		want []string
	}{
		{"Public", public(F{}), byPub},
		{"Every", F{}, []string{"sd-2", "llama", "sd-1", "sd-bj", "qwen", "aerger", "xl-mini", "sd-3"}},
		{"Region", F{Region: "bj"}, []string{"sd-bj"}},
		{"Statuses", F{Statuses: []imageshare.ImageStatus{imageshare.StatusReviewing, imageshare.StatusOffline}}, []string{"qwen", "sd-3"}},
		{"Owner", F{OwnerID: cat.c.ID}, []string{"qwen", "aerger"}},
		{"Organization", public(F{OrganizationID: 777}), []string{"llama", "xl-mini"}},
		{"OrganizationOfOne", public(F{OrganizationID: cat.a.OrganizationID}), []string{"sd-2", "sd-1"}},
		{"OrganizationNone", F{OrganizationID: 999}, nil},
		{"ImageID", F{ImageID: "llama"}, []string{"llama"}},
		{"Group", F{GroupID: "g-sd"}, []string{"sd-2", "sd-1", "sd-3"}},
		{"GroupOfUngroupedImage", F{GroupID: "xl-mini"}, []string{"xl-mini"}},
		{"NameSubstringFoldsCase", public(F{Name: "DIFFUSION"}), []string{"sd-2", "sd-1"}},
		{"NameMidWord", public(F{Name: "ama fac"}), []string{"llama"}},
		{"NameUnicodeFold", F{Name: "äRGER"}, []string{"aerger"}},
		{"NameQuotes", F{Name: `"Chat" 1`}, []string{"qwen"}},
		{"NamePercent", F{Name: `100%`}, []string{"qwen"}},
		{"NameShortWordPrefix", public(F{Name: "xl"}), []string{"sd-2", "sd-1", "xl-mini"}},
		{"NameShortOneLetter", public(F{Name: "L"}), []string{"llama"}},
		{"NameShortNoWord", F{Name: "%"}, nil},
		{"NameIsNotAuthor", F{Name: "alice"}, nil},
		{"NameNone", F{Name: "zzz"}, nil},
		{"FuzzyName", public(F{Fuzzy: "factory"}), []string{"llama"}},
		{"FuzzyAuthor", public(F{Fuzzy: "ALIC"}), []string{"sd-2", "sd-1"}},
		{"Author", F{Author: "bob"}, []string{"llama", "xl-mini"}},
		{"AuthorExact", F{Author: "bo"}, nil},
		{"Tag", public(F{Tag: "sd"}), []string{"sd-1", "xl-mini"}},
		{"TagExact", F{Tag: "s"}, nil},
		{"Free", public(F{FreeOnly: true}), []string{"sd-1", "xl-mini"}},
		{"Official", F{OfficialOnly: true}, []string{"xl-mini"}},
		{"Combined", public(F{Name: "diffusion", Tag: "sd", OwnerID: cat.a.ID}), []string{"sd-1"}},
		{"SortPriceAsc", public(F{Sort: imageshare.CommunitySort{Field: imageshare.SortPrice, Asc: true}}), []string{"sd-1", "xl-mini", "sd-2", "llama"}},
		{"SortCreatedCount", public(F{Sort: imageshare.CommunitySort{Field: imageshare.SortCreatedCount}}), []string{"llama", "sd-2", "sd-1", "xl-mini"}},
		{"SortFavor", public(F{Sort: imageshare.CommunitySort{Field: imageshare.SortFavor}}), []string{"llama", "sd-2", "sd-1", "xl-mini"}},
		{"SortImageUseTime", public(F{Sort: imageshare.CommunitySort{Field: imageshare.SortImageUseTime}}), []string{"sd-1", "llama", "sd-2", "xl-mini"}},
		{"SortCreateTimeAsc", public(F{Sort: imageshare.CommunitySort{Field: imageshare.SortCreateTime, Asc: true}}), []string{"sd-1", "sd-2", "llama", "xl-mini"}},
		{"SortPubTimeAsc", public(F{Sort: imageshare.CommunitySort{Field: imageshare.SortPubTime, Asc: true}}), []string{"xl-mini", "sd-1", "llama", "sd-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCommunity(t, s, tc.f, tc.want, len(tc.want)) })
	}
	t.Run("Page", func(t *testing.T) {
		wantCommunity(t, s, public(F{Page: imageshare.Page{Offset: 1, Limit: 2}}), byPub[1:3], len(byPub))
		wantCommunity(t, s, public(F{Page: imageshare.Page{Offset: 3, Limit: 2}}), byPub[3:], len(byPub))
		wantCommunity(t, s, public(F{Page: imageshare.Page{Offset: 100, Limit: 2}}), nil, len(byPub))
	})
	t.Run("SearchPage", func(t *testing.T) {
		// A search's page and total agree with the unpaged search at
		// every offset, whatever the sort.
		for _, sort := range []imageshare.CommunitySort{{}, {Field: imageshare.SortPrice, Asc: true}} {
			all, total, err := s.FindCommunityImages(context.Background(), F{Name: "diffusion", Sort: sort})
			ok(t, err)
			if len(all) < 3 || total != len(all) {
				t.Fatalf("search for diffusion: %d images, total %d; want 3 or more, total equal", len(all), total)
			}
			ids := []string{}
			for _, im := range all {
				ids = append(ids, im.ID)
			}
			for _, p := range []imageshare.Page{{Limit: 1}, {Offset: 1, Limit: 2}, {Offset: len(ids) - 1, Limit: 5},
				{Offset: len(ids), Limit: 5}, {Offset: 100, Limit: 2}, {Limit: len(ids)}} {
				want := ids[min(p.Offset, len(ids)):min(p.Offset+p.Limit, len(ids))]
				wantCommunity(t, s, F{Name: "diffusion", Sort: sort, Page: p}, want, len(ids))
			}
		}
	})
	t.Run("FullRecords", func(t *testing.T) {
		want := fullImage("full-version", cat.a.ID)
		want.Type = imageshare.ImageCommunity
		ok(t, s.CreateImage(context.Background(), want))
		images, _, err := s.FindCommunityImages(context.Background(), imageshare.CommunityFilter{ImageID: "full-version"})
		ok(t, err)
		if len(images) != 1 {
			t.Fatalf("found %d images, want 1", len(images))
		}
		wantImage(t, images[0], want)
	})
}

// groupView is a VersionGroup reduced to what the tests compare.
type groupView struct {
	ID       string
	Versions []string
	Count    int
	Avail    bool
	Sums     [3]int64
}

func viewGroups(l *imageshare.VersionGroupList) []groupView {
	out := []groupView{}
	for _, g := range l.Groups {
		v := groupView{ID: g.ID, Versions: []string{}, Count: g.VersionCount, Avail: g.Available,
			Sums: [3]int64{g.CreatedCount, g.FavoritesCount, g.ImageUseTime}}
		for _, im := range g.Versions {
			v.Versions = append(v.Versions, im.ID)
		}
		out = append(out, v)
	}
	return out
}

func wantGroups(t *testing.T, s imageshare.Store, f imageshare.CommunityFilter, want []groupView, total, avail int) {
	t.Helper()
	l, err := s.FindVersionGroups(context.Background(), f)
	ok(t, err)
	got := viewGroups(l)
	if want == nil {
		want = []groupView{}
	}
	if !slices.EqualFunc(got, want, func(a, b groupView) bool {
		return a.ID == b.ID && slices.Equal(a.Versions, b.Versions) && a.Count == b.Count && a.Avail == b.Avail && a.Sums == b.Sums
	}) || l.Total != total || l.AvailableTotal != avail {
		t.Errorf("FindVersionGroups(%+v) =\n %+v, total %d, available %d; want\n %+v, total %d, available %d",
			f, got, l.Total, l.AvailableTotal, want, total, avail)
	}
}

func testFindVersionGroups(t *testing.T, newStore newStoreFunc) {
	s := newStore(t)
	cat := newCatalog(t, s)
	type F = imageshare.CommunityFilter
	sd := groupView{ID: "g-sd", Versions: []string{"sd-2", "sd-1"}, Count: 2, Avail: true, Sums: [3]int64{7, 3, 7}}
	llama := groupView{ID: "g-llama", Versions: []string{"llama"}, Count: 1, Avail: true, Sums: [3]int64{50, 9, 0}}
	mini := groupView{ID: "xl-mini", Versions: []string{"xl-mini"}, Count: 1, Avail: true}
	t.Run("Public", func(t *testing.T) {
		wantGroups(t, s, public(F{}), []groupView{sd, llama, mini}, 3, 3)
	})
	t.Run("PageCountsGroups", func(t *testing.T) {
		wantGroups(t, s, public(F{Page: imageshare.Page{Offset: 1, Limit: 1}}), []groupView{llama}, 3, 3)
		wantGroups(t, s, public(F{Page: imageshare.Page{Offset: 3, Limit: 20}}), nil, 3, 3)
	})
	t.Run("Sort", func(t *testing.T) {
		wantGroups(t, s, public(F{Sort: imageshare.CommunitySort{Field: imageshare.SortCreatedCount}}), []groupView{llama, sd, mini}, 3, 3)
		// Price sorts by each group's cheapest matching version.
		wantGroups(t, s, public(F{Sort: imageshare.CommunitySort{Field: imageshare.SortPrice, Asc: true}}), []groupView{sd, mini, llama}, 3, 3)
		wantGroups(t, s, public(F{Sort: imageshare.CommunitySort{Field: imageshare.SortPubTime, Asc: true}}), []groupView{mini, llama, sd}, 3, 3)
	})
	t.Run("FilterAppliesToVersions", func(t *testing.T) {
		one := groupView{ID: "g-sd", Versions: []string{"sd-2"}, Count: 1, Avail: true, Sums: [3]int64{4, 2, 0}}
		wantGroups(t, s, public(F{ImageID: "sd-2"}), []groupView{one}, 1, 1)
		wantGroups(t, s, public(F{Tag: "sd"}), []groupView{{ID: "g-sd", Versions: []string{"sd-1"}, Count: 1, Avail: true, Sums: [3]int64{3, 1, 7}}, mini}, 2, 2)
	})
	t.Run("Organization", func(t *testing.T) {
		wantGroups(t, s, public(F{OrganizationID: 777}), []groupView{llama, mini}, 2, 2)
	})
	t.Run("SelfEveryStatus", func(t *testing.T) {
		all := groupView{ID: "g-sd", Versions: []string{"sd-3", "sd-2", "sd-1"}, Count: 3, Avail: true, Sums: [3]int64{107, 3, 7}}
		bj := groupView{ID: "g-sd-bj", Versions: []string{"sd-bj"}, Count: 1, Avail: true}
		wantGroups(t, s, F{OwnerID: cat.a.ID}, []groupView{all, bj}, 2, 2)
		// AvailableTotal counts only groups with an Available version.
		qwen := groupView{ID: "g-qwen", Versions: []string{"qwen"}, Count: 1}
		aerger := groupView{ID: "g-aerger", Versions: []string{"aerger"}, Count: 1, Avail: true}
		wantGroups(t, s, F{OwnerID: cat.c.ID}, []groupView{qwen, aerger}, 2, 1)
	})
	t.Run("BoundedVersions", func(t *testing.T) {
		ctx := context.Background()
		for i := range imageshare.MaxVersionsPerGroup + 5 {
			ok(t, s.CreateImage(ctx, &imageshare.Image{ID: "many-" + string(rune('a'+i/26)) + string(rune('a'+i%26)), Region: "cn-hangzhou",
				OwnerID: cat.a.ID, Type: imageshare.ImageCommunity, Status: imageshare.StatusAvailable, GroupID: "g-many", CreatedAt: at(100 + i)}))
		}
		l, err := s.FindVersionGroups(ctx, F{Region: "cn-hangzhou"})
		ok(t, err)
		if len(l.Groups) != 1 || len(l.Groups[0].Versions) != imageshare.MaxVersionsPerGroup || l.Groups[0].VersionCount != imageshare.MaxVersionsPerGroup+5 {
			t.Fatalf("got %d groups; want one with %d of %d versions", len(l.Groups), imageshare.MaxVersionsPerGroup, imageshare.MaxVersionsPerGroup+5)
		}
		if first := l.Groups[0].Versions[0].ID; first != "many-ea" {
			t.Errorf("newest version = %s, want many-ea", first)
		}
	})
}

// testCommunitySearchFollowsWrites checks that the search index follows
// every way a community image changes: created through CreateImage or
// CreateVersion, renamed through UpdateImage, deleted.
func testCommunitySearchFollowsWrites(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a := account(t, s, "a@example.com")
	ok(t, s.CreateCustomImage(ctx, custom("src", a.ID, "Whisper Source")))
	v := version("v-1", a.ID, "g-1", "v1")
	v.Name = "Whisper Large"
	ok(t, s.CreateVersion(ctx, v, "src"))
	byName := func(q string) imageshare.CommunityFilter { return imageshare.CommunityFilter{Name: q} }
	wantCommunity(t, s, byName("whisper"), []string{"v-1"}, 1)
	newName := "Faster Whisper"
	_, err := s.UpdateImage(ctx, "v-1", imageshare.ImageUpdate{Name: &newName})
	ok(t, err)
	wantCommunity(t, s, byName("faster"), []string{"v-1"}, 1)
	wantCommunity(t, s, byName("large"), nil, 0)
	ok(t, s.DeleteImage(ctx, "v-1", true))
	wantCommunity(t, s, byName("whisper"), nil, 0)
	// The id is free again and the new row is found under its own name.
	v = version("v-1", a.ID, "g-1", "v1")
	v.Name = "Bark"
	ok(t, s.CreateVersion(ctx, v, "src"))
	wantCommunity(t, s, byName("whisper"), nil, 0)
	wantCommunity(t, s, byName("bar"), []string{"v-1"}, 1)
}

func testListCatalogTags(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	newCatalog(t, s)
	tags, err := s.ListCatalogTags(ctx, "cn-wlcb", 0)
	ok(t, err)
	// Not: pending (Reviewing), private (Visibility 0), llm from qwen alone
	// would be Offline but llama has it, bj-only (other region), custom-tag.
	if want := []string{"aigc", "base", "llm", "sd"}; !slices.Equal(tags, want) {
		t.Fatalf("ListCatalogTags = %q, want %q", tags, want)
	}
	tags, err = s.ListCatalogTags(ctx, "cn-wlcb", 2)
	ok(t, err)
	if want := []string{"aigc", "base"}; !slices.Equal(tags, want) {
		t.Fatalf("ListCatalogTags(limit 2) = %q, want %q", tags, want)
	}
	tags, err = s.ListCatalogTags(ctx, "nowhere", 0)
	ok(t, err)
	if len(tags) != 0 || tags == nil {
		t.Fatalf("ListCatalogTags(nowhere) = %#v, want an empty list", tags)
	}
}
