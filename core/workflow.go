package core

import (
	"context"
	"strings"

	"github.com/imageshare/imageshare"
)

// The image workflow of the Alibaba and Baidu dialects (imageshare's
// WorkflowService; docs/aliyun.md and docs/baidu.md).

// maxFactBytes bounds the OS facts a caller declares (family, version,
// platform).
const maxFactBytes = 128

// checkFacts checks the OS facts of a make request.
func checkFacts(r *imageshare.MakeImageRequest) error {
	if r.Architecture != "" && !imageshare.ValidArchitecture(r.Architecture) {
		return invalid("architecture %q is not one of x86_64, arm64, i386", r.Architecture)
	}
	if !imageshare.ValidBootMode(r.BootMode) {
		return invalid("boot mode %q is not BIOS or UEFI", r.BootMode)
	}
	return checkFields(
		textField{"image family", &r.ImageFamily, maxFactBytes},
		textField{"image version", &r.ImageVersion, maxFactBytes},
		textField{"platform", &r.Platform, maxFactBytes},
	)
}

// nameTaken reports whether the caller has a custom image named name
// other than exceptID. The store enforces the rule for new images
// (CreateCustomImage); a rename is checked here, before its write.
func (s *Service) nameTaken(ctx context.Context, owner int64, name, exceptID string) (bool, error) {
	found, _, err := s.store.FindImages(ctx, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: owner,
		NameExact: name, Types: []imageshare.ImageType{imageshare.ImageCustom}, Page: imageshare.Page{Limit: 2}})
	if err != nil {
		return false, err
	}
	for _, im := range found {
		if im.ID != exceptID {
			return true, nil
		}
	}
	return false, nil
}

func duplicateName(name string) error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonDuplicateName, "a custom image named %q already exists", name)
}

// MakeImage implements imageshare.Service.
func (s *Service) MakeImage(ctx context.Context, c imageshare.Caller, r imageshare.MakeImageRequest) (*imageshare.Image, error) {
	source := r.InstanceID
	if source == "" {
		source = r.SnapshotID
	}
	if err := s.authorize(ctx, c, imageshare.OpCreateCustomImage, imageshare.ResourceInstance, r.Region, source); err != nil {
		return nil, err
	}
	switch {
	case r.InstanceID == "" && r.SnapshotID == "":
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "an instance id or a snapshot id is required")
	case r.InstanceID != "" && r.SnapshotID != "":
		return nil, invalid("give an instance id or a snapshot id, not both")
	}
	name, err := s.optionalImageName(r.Name)
	if err != nil {
		return nil, err
	}
	if err := checkFields(s.description("description", &r.Description)); err != nil {
		return nil, err
	}
	if err := checkFacts(&r); err != nil {
		return nil, err
	}
	tags, err := cleanTagsAndToken(r.KeyTags, r.ClientToken)
	if err != nil {
		return nil, err
	}
	if r.SnapshotID != "" {
		// Snapshots are not modelled yet: no snapshot id is the caller's.
		return nil, imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonSnapshotNotFound, "snapshot %q does not exist", r.SnapshotID)
	}
	in, err := s.callerInstance(ctx, c, r.InstanceID, r.Region)
	if err != nil {
		return nil, err
	}
	owner, err := s.store.FindAccountByID(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	if r.DryRun {
		if name != "" {
			if taken, err := s.nameTaken(ctx, c.AccountID, name, ""); err != nil || taken {
				return nil, orErr(err, duplicateName(name))
			}
		}
		return nil, nil
	}
	params := r
	params.ClientToken, params.DryRun = "", false
	id, replayed, err := s.idempotent(ctx, c, IdempotentCall{Scope: r.Scope, Token: r.ClientToken, Params: params}, func(ctx context.Context) (string, error) {
		im := &imageshare.Image{
			ID: NewImageID(), Region: in.Region, OwnerID: c.AccountID, Type: imageshare.ImageCustom,
			Name: name, Description: r.Description, Author: authorName(owner),
			SourceGPUType: in.GPUType, SourceInstance: in.ID,
			OSType: "linux", Architecture: r.Architecture, Platform: r.Platform, BootMode: r.BootMode,
			ImageFamily: r.ImageFamily, ImageVersion: r.ImageVersion, KeyTags: tags,
			IsSupportIoOptimized: true, IsSupportCloudinit: true,
		}
		if im.Architecture == "" {
			im.Architecture = imageshare.ArchX86_64
		}
		if im.Name == "" {
			im.Name = im.ID // ECS names an unnamed image; its id is unique
		}
		s.startBuild(im, s.now().UTC())
		if err := s.store.CreateCustomImage(ctx, im, s.limits.quota()); err != nil {
			return "", err
		}
		return im.ID, nil
	})
	if err != nil {
		return nil, err
	}
	return s.madeImage(ctx, c, id, replayed)
}

// madeImage is the image a create made (id), read back on a replay: an
// image deleted since is answered by its id alone, as the vendors answer
// a replayed token with the first call's result whatever became of it.
func (s *Service) madeImage(ctx context.Context, c imageshare.Caller, id string, replayed bool) (*imageshare.Image, error) {
	im, err := s.store.FindOwnedImage(ctx, id, c.AccountID)
	if imageshare.IsKind(err, imageshare.KindNotFound) && replayed {
		return &imageshare.Image{ID: id}, nil
	}
	if err != nil {
		return nil, err
	}
	return im, s.settle(ctx, im)
}

// orErr is err if set, else alt.
func orErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// callerInstance returns the caller's instance in region (when given);
// anything else is the same ReasonInstanceNotFound.
func (s *Service) callerInstance(ctx context.Context, c imageshare.Caller, id, region string) (*imageshare.Instance, error) {
	notFound := imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonInstanceNotFound, "instance %q does not exist", id)
	in, err := s.store.FindInstance(ctx, id)
	if imageshare.IsKind(err, imageshare.KindNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if in.OwnerID != c.AccountID || (region != "" && in.Region != region) {
		return nil, notFound
	}
	return in, nil
}

// ChangeImage implements imageshare.Service.
func (s *Service) ChangeImage(ctx context.Context, c imageshare.Caller, imageID, region string, ch imageshare.ImageChange) (*imageshare.Image, error) {
	if err := s.authorizeImage(ctx, c, imageshare.OpEditImage, region, imageID); err != nil {
		return nil, err
	}
	var u imageshare.ImageUpdate
	if ch.Name != nil {
		name, err := s.imageName("image name", *ch.Name)
		if err != nil {
			return nil, err
		}
		u.Name = &name
	}
	if err := checkFields(s.description("description", ch.Description), textField{"image family", ch.ImageFamily, maxFactBytes}); err != nil {
		return nil, err
	}
	if ch.BootMode != nil && !imageshare.ValidBootMode(*ch.BootMode) {
		return nil, invalid("boot mode %q is not BIOS or UEFI", *ch.BootMode)
	}
	u.Description, u.ImageFamily, u.BootMode = ch.Description, ch.ImageFamily, ch.BootMode
	im, err := s.ownedCustom(ctx, c, imageID, region)
	if err != nil {
		return nil, err
	}
	if u.Name != nil && *u.Name != im.Name {
		if taken, err := s.nameTaken(ctx, c.AccountID, *u.Name, im.ID); err != nil || taken {
			return nil, orErr(err, duplicateName(*u.Name))
		}
	}
	var status *imageshare.StatusChange
	if ch.Deprecated != nil {
		status = &imageshare.StatusChange{ImageID: im.ID, From: []imageshare.ImageStatus{imageshare.StatusAvailable}, To: imageshare.StatusOffline}
		if !*ch.Deprecated {
			status.From, status.To = []imageshare.ImageStatus{imageshare.StatusOffline}, imageshare.StatusAvailable
		}
		switch {
		case im.Status == status.To:
			status = nil // already so
		case im.Status == imageshare.StatusMaking:
			return nil, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageCreating,
				"image %q is still being created; its status can be changed once it is Available", im.ID)
		case im.Status != status.From[0]:
			return nil, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageNotAvailable,
				"image %q is %s; only an Available image can be deprecated, and only a deprecated one made Available", im.ID, im.Status)
		}
	}
	if ch.DryRun {
		return im, nil
	}
	u.Quota = s.limits.quota()
	if im, err = s.store.UpdateImage(ctx, im.ID, u); err != nil {
		return nil, err
	}
	if status != nil {
		// Conditional on the status still being the one checked: a
		// change racing this one is refused, not overwritten.
		if im, err = s.store.ChangeImageStatus(ctx, *status); err != nil {
			return nil, err
		}
	}
	return im, s.settle(ctx, im)
}

// optionalImageName returns a new image's name checked and trimmed when
// one is given; a blank one is returned as it is, for the caller to name.
func (s *Service) optionalImageName(name string) (string, error) {
	if strings.TrimSpace(name) == "" {
		return name, nil
	}
	return s.imageName("image name", name)
}

// cleanTagsAndToken checks a creating call's key tags (cleaned, see
// cleanKeyTags), then its client token when it has one.
func cleanTagsAndToken(tags []imageshare.Tag, token string) ([]imageshare.Tag, error) {
	tags, err := cleanKeyTags(tags)
	if err != nil {
		return nil, err
	}
	if token != "" {
		if err := checkClientToken(token); err != nil {
			return nil, err
		}
	}
	return tags, nil
}

// copySource returns the image r copies if the caller may copy it: its
// own custom image, or another account's custom image shared with it
// explicitly (Alibaba lets a consumer copy a shared image). An image the
// caller sees otherwise (platform, community, another account's public
// image) is ReasonNotCustomImage; one it cannot see is not found.
func (s *Service) copySource(ctx context.Context, c imageshare.Caller, imageID, region string) (*imageshare.Image, error) {
	notFound := imageNotFound(imageID)
	im, err := s.imageByID(ctx, imageID)
	if err != nil {
		return nil, err
	}
	if region != "" && im.Region != region {
		return nil, notFound
	}
	if im.Type == imageshare.ImageCustom {
		if im.OwnerID == c.AccountID {
			return im, nil
		}
		shared, err := s.store.IsSharedWith(ctx, im.ID, c.AccountID)
		if err != nil {
			return nil, err
		}
		if shared {
			return im, nil
		}
	}
	visible, err := s.visible(ctx, c, im)
	if err != nil {
		return nil, err
	}
	if !visible {
		return nil, notFound
	}
	return nil, imageshare.Errorf(imageshare.KindForbidden, imageshare.ReasonNotCustomImage,
		"image %q is a %s image of another account; only your own custom images and those shared with you can be copied", im.ID, imageKind(im))
}

func imageKind(im *imageshare.Image) string {
	if im.Type == imageshare.ImageCustom && im.IsPublic {
		return "public"
	}
	return string(im.Type)
}

// copyNames are the copies' names: r.Name (or the source's), with the
// destination region appended when several copies would share it.
func copyNames(name string, regions []string) []string {
	out := make([]string, len(regions))
	for i, rg := range regions {
		out[i] = name
		if len(regions) > 1 {
			out[i] = name + "-" + rg
		}
	}
	return out
}

// CopyImage implements imageshare.Service.
func (s *Service) CopyImage(ctx context.Context, c imageshare.Caller, r imageshare.CopyImageRequest) ([]*imageshare.Image, error) {
	if err := s.authorizeImage(ctx, c, imageshare.OpCopyCustomImage, r.Region, r.ImageID); err != nil {
		return nil, err
	}
	if len(r.DestRegions) == 0 {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "a destination region is required")
	}
	seen := map[string]bool{}
	for _, rg := range r.DestRegions {
		if seen[rg] {
			return nil, invalid("the destination region %q is given twice", rg)
		}
		seen[rg] = true
		if err := s.CheckRegion(ctx, rg); err != nil {
			return nil, err
		}
	}
	name, err := s.optionalImageName(r.Name)
	if err != nil {
		return nil, err
	}
	if err := checkFields(s.description("description", r.Description)); err != nil {
		return nil, err
	}
	tags, err := cleanTagsAndToken(r.KeyTags, r.ClientToken)
	if err != nil {
		return nil, err
	}
	src, err := s.copySource(ctx, c, r.ImageID, r.Region)
	if err != nil {
		return nil, err
	}
	if err := s.notCreating(ctx, src, "copied"); err != nil {
		return nil, err
	}
	if src.Status != imageshare.StatusAvailable {
		return nil, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageNotAvailable,
			"image %q is %s; only an Available image can be copied", src.ID, src.Status)
	}
	defaulted := name == ""
	if defaulted {
		name = src.Name
	}
	names := copyNames(name, r.DestRegions)
	if defaulted && len(names) == 1 {
		// Names are unique among the account's custom images (in every
		// region): a copy that would take its source's name is named for
		// its region instead.
		if taken, err := s.nameTaken(ctx, c.AccountID, names[0], ""); err != nil {
			return nil, err
		} else if taken {
			names[0] = name + "-" + r.DestRegions[0]
		}
	}
	for _, n := range names {
		if _, err := s.imageName("image name", n); err != nil {
			return nil, err
		}
	}
	owner, err := s.store.FindAccountByID(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	if r.DryRun {
		for _, n := range names {
			if taken, err := s.nameTaken(ctx, c.AccountID, n, ""); err != nil || taken {
				return nil, orErr(err, duplicateName(n))
			}
		}
		return nil, nil
	}
	params := r
	params.ClientToken, params.DryRun = "", false
	joined, replayed, err := s.idempotent(ctx, c, IdempotentCall{Scope: r.Scope, Token: r.ClientToken, Params: params}, func(ctx context.Context) (string, error) {
		var ids []string
		for i, rg := range r.DestRegions {
			cp := &imageshare.Image{
				ID: NewImageID(), Region: rg, OwnerID: c.AccountID, Type: imageshare.ImageCustom,
				Name: names[i], Description: src.Description, SizeMB: src.SizeMB, Author: authorName(owner),
				Softwares: src.Softwares, SourceGPUType: src.SourceGPUType, SourceInstance: src.SourceInstance,
				KeyTags: tags,
			}
			if r.Description != nil {
				cp.Description = *r.Description
			}
			cp.CopyOSFacts(src)
			s.startBuild(cp, s.now().UTC())
			if err := s.store.CreateCustomImage(ctx, cp, s.limits.quota()); err != nil {
				// All or nothing: the copies made so far go too.
				for _, id := range ids {
					_ = s.store.DeleteImage(context.WithoutCancel(ctx), id, true)
				}
				return "", err
			}
			ids = append(ids, cp.ID)
		}
		return strings.Join(ids, ","), nil
	})
	if err != nil {
		return nil, err
	}
	var out []*imageshare.Image
	for _, id := range strings.Split(joined, ",") {
		im, err := s.madeImage(ctx, c, id, replayed)
		if err != nil {
			return nil, err
		}
		out = append(out, im)
	}
	return out, nil
}

// CancelCopyImage implements imageshare.Service. The image is first
// taken out of Making (to UnAvailable) with a change conditional on it
// still being Making, so a build that finishes meanwhile is never
// removed as if cancelled; then it is deleted.
func (s *Service) CancelCopyImage(ctx context.Context, c imageshare.Caller, imageID, region string, dryRun bool) error {
	if err := s.authorizeImage(ctx, c, imageshare.OpDeleteImage, region, imageID); err != nil {
		return err
	}
	im, err := s.ownedCustom(ctx, c, imageID, region)
	if err != nil {
		return err
	}
	finished := imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonCopyFinished, "image %q is not being copied: it is %s", im.ID, im.Status)
	if im.Status != imageshare.StatusMaking {
		return finished
	}
	if dryRun {
		return nil
	}
	reason := "copy cancelled"
	_, err = s.store.ChangeImageStatus(ctx, imageshare.StatusChange{ImageID: im.ID,
		From: []imageshare.ImageStatus{imageshare.StatusMaking}, To: imageshare.StatusUnAvailable, FailedReason: &reason})
	if imageshare.IsKind(err, imageshare.KindConflict) {
		return finished
	}
	if err != nil {
		return err
	}
	return s.store.DeleteImage(ctx, im.ID, true)
}

// ImageFromFamily implements imageshare.Service.
func (s *Service) ImageFromFamily(ctx context.Context, c imageshare.Caller, region, family string) (*imageshare.Image, error) {
	if err := s.authorizeList(ctx, c, imageshare.OpListImages, region); err != nil {
		return nil, err
	}
	if family == "" {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "an image family is required")
	}
	var newest *imageshare.Image
	for _, f := range []imageshare.ImageFilter{
		{Scope: imageshare.ScopeOwned, AccountID: c.AccountID},
		{Scope: imageshare.ScopeShared, AccountID: c.AccountID, WithPublic: true},
		{Scope: imageshare.ScopePlatform},
	} {
		f.Region, f.ImageFamily = region, family
		// A deprecated image is Offline: never the family's image.
		f.Statuses = []imageshare.ImageStatus{imageshare.StatusAvailable}
		// The listing is oldest first: the newest is the last.
		_, total, err := s.store.FindImages(ctx, withPage(f, 0, 1))
		if err != nil {
			return nil, err
		}
		if total == 0 {
			continue
		}
		found, _, err := s.store.FindImages(ctx, withPage(f, total-1, 1))
		if err != nil {
			return nil, err
		}
		for _, im := range found {
			if newest == nil || im.CreatedAt.After(newest.CreatedAt) {
				newest = im
			}
		}
	}
	if newest == nil {
		return nil, imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "no available image of family %q", family)
	}
	return newest, nil
}

func withPage(f imageshare.ImageFilter, offset, limit int) imageshare.ImageFilter {
	f.Page = imageshare.Page{Offset: offset, Limit: limit}
	return f
}

// ImageSourceInstance implements imageshare.Service.
func (s *Service) ImageSourceInstance(ctx context.Context, c imageshare.Caller, instanceID, region string) (*imageshare.Instance, error) {
	if err := s.authorize(ctx, c, imageshare.OpGetImage, imageshare.ResourceInstance, region, instanceID); err != nil {
		return nil, err
	}
	if instanceID == "" {
		return nil, imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonInstanceNotFound, "instance %q does not exist", instanceID)
	}
	return s.callerInstance(ctx, c, instanceID, region)
}
