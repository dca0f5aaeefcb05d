package sqlstore

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/imageshare/imageshare"
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
		shared := `id IN (SELECT image_id FROM shares WHERE account_id = ` + args.Add(f.AccountID) + `)`
		if f.WithPublic {
			// Another account's public image; a platform image's NULL
			// owner is never "another account" here (it is listed by
			// ScopePlatform).
			shared = `(` + shared + ` OR (is_public AND owner_id <> ` + args.Add(f.AccountID) + `))`
		}
		w.And(shared)
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
	describeWhere(&w, args, f)
	return w.String(), args.Values, nil
}

// describeWhere adds the conditions of the filters DescribeImages brings
// (docs/aliyun.md).
func describeWhere(w *Where, args *Args, f imageshare.ImageFilter) {
	if f.Public != nil {
		w.And(`is_public = ` + args.Add(*f.Public))
	}
	if f.OwnerID != 0 {
		w.And(`owner_id = ` + args.Add(f.OwnerID))
	}
	if f.OSType != "" {
		w.And(`os_type = ` + args.Add(f.OSType))
	}
	if f.Architecture != "" {
		w.And(`architecture = ` + args.Add(f.Architecture))
	}
	if f.ImageFamily != "" {
		w.And(`image_family = ` + args.Add(f.ImageFamily))
	}
	if f.IsSupportIoOptimized != nil {
		w.And(`is_support_io_optimized = ` + args.Add(*f.IsSupportIoOptimized))
	}
	if f.IsSupportCloudinit != nil {
		w.And(`is_support_cloudinit = ` + args.Add(*f.IsSupportCloudinit))
	}
	// A CompShare label reads as a key tag with an empty value
	// (docs/aliyun.md "Tags"), so it matches a key with any or no value.
	for _, t := range f.KeyTags {
		switch {
		case t.AnyValue:
			w.And(`(id IN (SELECT image_id FROM image_key_tags WHERE tag_key = ` + args.Add(t.Key) +
				`) OR id IN (SELECT image_id FROM image_tags WHERE tag = ` + args.Add(t.Key) + `))`)
		case t.Value == "":
			w.And(`(id IN (SELECT image_id FROM image_key_tags WHERE tag_key = ` + args.Add(t.Key) + ` AND tag_value = ''` +
				`) OR id IN (SELECT image_id FROM image_tags WHERE tag = ` + args.Add(t.Key) + `))`)
		default:
			w.And(`id IN (SELECT image_id FROM image_key_tags WHERE tag_key = ` + args.Add(t.Key) + ` AND tag_value = ` + args.Add(t.Value) + `)`)
		}
	}
	if !f.CreatedFrom.IsZero() {
		w.And(`created_at >= ` + args.Add(Nanos(f.CreatedFrom)))
	}
	if !f.CreatedTo.IsZero() {
		w.And(`created_at <= ` + args.Add(Nanos(f.CreatedTo)))
	}
	// An image is in use while an instance records it as its image
	// (instances.image_id, migration 011).
	if f.InUse != nil {
		inUse := `EXISTS (SELECT 1 FROM instances WHERE instances.image_id = images.id)`
		if !*f.InUse {
			inUse = `NOT ` + inUse
		}
		w.And(inUse)
	}
	// Nothing records an image's snapshot or resource group yet (see
	// ImageFilter): these filters match nothing rather than being ignored.
	if f.SnapshotID != "" || f.ResourceGroupID != "" {
		w.And(`1 = 0`)
	}
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
	if u.ImageFamily != nil {
		sets.Set("image_family", *u.ImageFamily)
	}
	if u.BootMode != nil {
		sets.Set("boot_mode", *u.BootMode)
	}
	return nil
}

// CheckKeyTags refuses a key tag list with an empty or repeated key.
func CheckKeyTags(tags []imageshare.Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if t.Key == "" || seen[t.Key] {
			return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter,
				"tag keys must be non-empty and distinct, got %q", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

// CustomNameTakenQuery tells whether an owner has a custom image named so.
const CustomNameTakenQuery = `SELECT EXISTS (SELECT 1 FROM images WHERE owner_id = ? AND type = 'Custom' AND name = ?)`

// GroupKey is a Community image's version group: its group id, or its own
// id when it has none. The expression is spelled exactly as in both
// stores' index images_community_group so that the index serves it.
const GroupKey = `COALESCE(NULLIF(group_id, ''), id)`

// VersionTakenQuery tells whether a version group has a version named so.
const VersionTakenQuery = `SELECT EXISTS (SELECT 1 FROM images
WHERE type = 'Community' AND ` + GroupKey + ` = ? AND version_name = ?)`

// StatusUpdate is the statement that applies c to an image whose status
// (read under the store's lock) is status, or the conflict c meets if it
// does not allow a change from status.
func StatusUpdate(ph Placeholder, c imageshare.StatusChange, status string) (string, []any, error) {
	if !slices.Contains(c.From, imageshare.ImageStatus(status)) {
		return "", nil, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageNotAvailable,
			"image %q is %s, not %s", c.ImageID, status, StatusList(c.From))
	}
	args := NewArgs(ph)
	sets := NewSets(args)
	sets.Set("status", string(c.To))
	if c.FailedReason != nil {
		sets.Set("failed_reason", *c.FailedReason)
	}
	if c.PublishedAt != nil {
		sets.Set("published_at", Nanos(*c.PublishedAt))
	}
	q := `UPDATE images SET ` + sets.String() + ` WHERE id = ` + args.Add(c.ImageID) + ` AND status = ` + args.Add(status)
	return q, args.Values, nil
}

// Refuse returns err if taken, else nil: a uniqueness check's verdict.
func Refuse(taken bool, err *imageshare.Error) error {
	if taken {
		return err
	}
	return nil
}

// DuplicateVersionName says the version group already has a version named
// name.
func DuplicateVersionName(group, name string) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonDuplicateName,
		"version group %q already has a version named %q", group, name)
}
