package sqlstore

import (
	"encoding/json"
	"strings"

	"imageshare"
)

// ImageWhere translates f into a WHERE clause over images (with its
// leading keyword, or empty) and its arguments.
func ImageWhere(d Dialect, f imageshare.ImageFilter) (string, []any, error) {
	args := NewArgs(d.Placeholder)
	var w Where
	switch f.Scope {
	case imageshare.ScopeAll:
	case imageshare.ScopeOwned:
		w.And(`owner_id = ` + args.Add(f.AccountID))
	case imageshare.ScopeShared:
		w.And(`id IN (SELECT image_id FROM shares WHERE account_id = ` + args.Add(f.AccountID) + `)`)
	case imageshare.ScopePlatform:
		w.And(`type IN (` + args.Add(string(imageshare.ImageSystem)) + `, ` + args.Add(string(imageshare.ImageApp)) + `)`)
	default:
		return "", nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "unknown image scope %d", f.Scope)
	}
	if len(f.IDs) > 0 {
		w.And(d.In(args, `id`, f.IDs))
	}
	if f.Region != "" {
		w.And(`region = ` + args.Add(f.Region))
	}
	if len(f.Types) > 0 {
		w.And(d.In(args, `type`, StringsOf(f.Types)))
	}
	if len(f.Statuses) > 0 {
		w.And(d.In(args, `status`, StringsOf(f.Statuses)))
	}
	if f.NameContains != "" {
		w.And(`name_fold LIKE ` + args.Add(Contains(Fold(f.NameContains))) + ` ESCAPE '\'`)
	}
	if f.NameExact != "" {
		w.And(`name = ` + args.Add(f.NameExact))
	}
	if f.Tag != "" {
		w.And(`id IN (SELECT image_id FROM image_tags WHERE tag = ` + args.Add(f.Tag) + `)`)
	}
	if f.Author != "" {
		w.And(`author = ` + args.Add(f.Author))
	}
	return w.String(), args.Values, nil
}

// Sets collects the assignments of an UPDATE's SET.
type Sets struct {
	args *Args
	list []string
}

// NewSets returns assignments binding their values with args.
func NewSets(args *Args) *Sets { return &Sets{args: args} }

// Set assigns v to col.
func (s *Sets) Set(col string, v any) { s.list = append(s.list, col+" = "+s.args.Add(v)) }

// Len is the number of assignments.
func (s *Sets) Len() int { return len(s.list) }

// String is the comma-separated assignments.
func (s *Sets) String() string { return strings.Join(s.list, ", ") }

// ImageSets translates the columns u changes (all but the tags, which
// live in their own table) into assignments.
func ImageSets(sets *Sets, u imageshare.ImageUpdate) error {
	if u.Name != nil {
		sets.Set("name", *u.Name)
		sets.Set("name_fold", Fold(*u.Name))
	}
	if u.Description != nil {
		sets.Set("description", *u.Description)
	}
	if u.Readme != nil {
		sets.Set("readme", *u.Readme)
	}
	if u.Cover != nil {
		sets.Set("cover", *u.Cover)
	}
	if u.Visibility != nil {
		sets.Set("visibility", *u.Visibility)
	}
	if u.Softwares != nil {
		b, err := json.Marshal(*u.Softwares)
		if err != nil {
			return err
		}
		sets.Set("softwares", string(b))
	}
	if u.Status != nil {
		sets.Set("status", string(*u.Status))
	}
	if u.IsPublic != nil {
		sets.Set("is_public", *u.IsPublic)
	}
	if u.SizeMB != nil {
		sets.Set("size_mb", *u.SizeMB)
	}
	if u.BuildDoneAt != nil {
		sets.Set("build_done_at", Nanos(*u.BuildDoneAt))
	}
	return nil
}

// StatusSets are the assignments of a status change.
func StatusSets(sets *Sets, c imageshare.StatusChange) {
	sets.Set("status", string(c.To))
	if c.FailedReason != nil {
		sets.Set("failed_reason", *c.FailedReason)
	}
	if c.PublishedAt != nil {
		sets.Set("published_at", Nanos(*c.PublishedAt))
	}
}
