package core

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/imageshare/imageshare"
)

// The key tags of an image (Alibaba's and Baidu's tag model; CompShare's
// labels are Image.Tags and apart from these: docs/aliyun.md "Tags").
// The rules are Alibaba's documented ones, which BCC's are within: at
// most imageshare.MaxKeyTags per resource; a key of 1 to 128 characters
// that does not start with "aliyun" or "acs:" (reserved for the
// platform's own tags) and holds no "http://" or "https://"; a value of
// at most 128 characters with neither.

var reservedTagKeyPrefixes = []string{"aliyun", "acs:"}

// checkKeyTag checks one tag.
func checkKeyTag(t imageshare.Tag) error {
	badKey := func(format string, args ...any) error {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidTagKey, format, args...)
	}
	switch {
	case t.Key == "":
		return badKey("a tag key must not be empty")
	case !utf8.ValidString(t.Key) || utf8.RuneCountInString(t.Key) > imageshare.MaxTagKeyRunes:
		return badKey("the tag key %q is longer than %d characters", short(t.Key), imageshare.MaxTagKeyRunes)
	case hasURL(t.Key):
		return badKey("the tag key %q must not contain http:// or https://", short(t.Key))
	}
	lower := strings.ToLower(t.Key)
	for _, p := range reservedTagKeyPrefixes {
		if strings.HasPrefix(lower, p) {
			return badKey("the tag key %q starts with %q, which is reserved", short(t.Key), p)
		}
	}
	if !utf8.ValidString(t.Value) || utf8.RuneCountInString(t.Value) > imageshare.MaxTagValueRunes || hasURL(t.Value) {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidTagValue,
			"the value of tag %q is longer than %d characters or contains http:// or https://", short(t.Key), imageshare.MaxTagValueRunes)
	}
	return nil
}

func hasURL(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "http://") || strings.Contains(l, "https://")
}

// short cuts a value for a message.
func short(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "..."
}

// cleanKeyTags checks tags given for a new resource and returns them
// ordered by key; a key given twice is refused.
func cleanKeyTags(tags []imageshare.Tag) ([]imageshare.Tag, error) {
	out := make([]imageshare.Tag, 0, len(tags))
	for _, t := range tags {
		if err := checkKeyTag(t); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(o imageshare.Tag) bool { return o.Key == t.Key }) {
			return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidTagKey, "the tag key %q is given twice", short(t.Key))
		}
		out = append(out, t)
	}
	if len(out) > imageshare.MaxKeyTags {
		return nil, tagQuota()
	}
	slices.SortFunc(out, func(a, b imageshare.Tag) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

func tagQuota() error {
	return imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonTagQuota, "a resource has at most %d tags", imageshare.MaxKeyTags)
}

// applyTagChange returns have changed by ch (whose Set the caller has
// checked): removals first, then the tags set (a key set again takes the
// new value).
func applyTagChange(have []imageshare.Tag, ch imageshare.TagChange) ([]imageshare.Tag, error) {
	var out []imageshare.Tag
	if !ch.RemoveAll {
		for _, t := range have {
			if !slices.Contains(ch.Remove, t.Key) {
				out = append(out, t)
			}
		}
	}
	for _, t := range ch.Set {
		if i := slices.IndexFunc(out, func(o imageshare.Tag) bool { return o.Key == t.Key }); i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	if len(out) > imageshare.MaxKeyTags {
		return nil, tagQuota()
	}
	slices.SortFunc(out, func(a, b imageshare.Tag) int { return strings.Compare(a.Key, b.Key) })
	if out == nil {
		out = []imageshare.Tag{}
	}
	return out, nil
}

// ChangeImageTags implements imageshare.Service. The tags are read and
// written back whole (Store.UpdateImage replaces them): of two changes
// of one image's tags racing, the later write wins.
func (s *Service) ChangeImageTags(ctx context.Context, c imageshare.Caller, imageID, region string, ch imageshare.TagChange) (*imageshare.Image, error) {
	if err := s.authorizeImage(ctx, c, imageshare.OpEditImage, region, imageID); err != nil {
		return nil, err
	}
	for _, k := range ch.Remove {
		if k == "" {
			return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidTagKey, "a tag key to remove must not be empty")
		}
	}
	if _, err := cleanKeyTags(ch.Set); err != nil && imageshare.ErrorReason(err) != imageshare.ReasonTagQuota {
		return nil, err
	}
	im, err := s.ownedImage(ctx, c, imageID, region)
	if err != nil {
		return nil, err
	}
	tags, err := applyTagChange(im.KeyTags, ch)
	if err != nil {
		return nil, err
	}
	if ch.DryRun {
		return im, nil
	}
	im, err = s.store.UpdateImage(ctx, im.ID, imageshare.ImageUpdate{KeyTags: &tags})
	if err != nil {
		return nil, err
	}
	return im, s.settle(ctx, im)
}
