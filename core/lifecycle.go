package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/imageshare/imageshare"
)

func invalid(format string, args ...any) error {
	return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, format, args...)
}

// checkText refuses a value longer than limit bytes or not UTF-8.
func checkText(what, v string, limit int) error {
	if len(v) > limit {
		return invalid("%s is longer than %d bytes", what, limit)
	}
	if !utf8.ValidString(v) {
		return invalid("%s is not valid UTF-8", what)
	}
	return nil
}

// textField is one optional text input of a request: v nil means not given.
type textField struct {
	what  string
	v     *string
	limit int
}

// checkFields checks text inputs in the order given. Validators list a
// request's inputs in a fixed order (each one's comment names it), never
// by ranging over a map, so that a request with several bad inputs is
// refused for the same one, with the same message, every time.
func checkFields(fields ...textField) error {
	for _, f := range fields {
		if f.v == nil {
			continue
		}
		if err := checkText(f.what, *f.v, f.limit); err != nil {
			return err
		}
	}
	return nil
}

// imageName trims and checks an image or version name of at most limit
// bytes (Service.imageName gives the configured limit).
func imageName(what, name string, limit int) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "%s is required", what)
	}
	return name, checkText(what, name, limit)
}

// cleanTags trims tags, drops repeats and checks the bounds.
func cleanTags(tags []string) ([]string, error) {
	out := []string{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" {
			return nil, invalid("a tag must not be empty")
		}
		if err := checkText("a tag", t, imageshare.MaxTagBytes); err != nil {
			return nil, err
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > imageshare.MaxImageTags {
		return nil, invalid("an image has at most %d tags", imageshare.MaxImageTags)
	}
	return out, nil
}

// Bounds on a software declaration.
const (
	maxApplications  = 20
	maxSoftwareBytes = 64
)

// checkSoftware checks a software declaration in this order: the number
// of applications, each application name, then CUDAVersion, Framework and
// FrameworkVersion.
func checkSoftware(sw *imageshare.Software) error {
	if sw == nil {
		return nil
	}
	if len(sw.Applications) > maxApplications {
		return invalid("at most %d applications may be declared", maxApplications)
	}
	for _, a := range sw.Applications {
		if strings.TrimSpace(a) == "" {
			return invalid("an application name must not be empty")
		}
		if err := checkText("an application name", a, maxSoftwareBytes); err != nil {
			return err
		}
	}
	return checkFields(
		textField{"CUDAVersion", &sw.CUDAVersion, maxSoftwareBytes},
		textField{"Framework", &sw.Framework, maxSoftwareBytes},
		textField{"FrameworkVersion", &sw.FrameworkVersion, maxSoftwareBytes},
	)
}

// authorName is the name a publisher is shown by: the part of its login
// e-mail before the @, so that the catalog never shows addresses.
func authorName(a *imageshare.Account) string {
	name, _, _ := strings.Cut(a.Name, "@")
	return name
}

// CreateCustomImage implements imageshare.Service.
func (s *Service) CreateCustomImage(ctx context.Context, c imageshare.Caller, r imageshare.CustomImageRequest) (*imageshare.Image, error) {
	if err := s.authorize(ctx, c, imageshare.OpCreateCustomImage, imageshare.ResourceInstance, r.Region, r.InstanceID); err != nil {
		return nil, err
	}
	name, err := s.imageName("image name", r.Name)
	if err != nil {
		return nil, err
	}
	if err := checkFields(s.description("description", &r.Description)); err != nil {
		return nil, err
	}
	if err := checkSoftware(r.Softwares); err != nil {
		return nil, err
	}
	notFound := imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonInstanceNotFound, "instance %q does not exist", r.InstanceID)
	if r.InstanceID == "" {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "instance id is required")
	}
	in, err := s.store.FindInstance(ctx, r.InstanceID)
	if imageshare.IsKind(err, imageshare.KindNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if in.OwnerID != c.AccountID || (r.Region != "" && in.Region != r.Region) {
		return nil, notFound
	}
	owner, err := s.store.FindAccountByID(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	im := &imageshare.Image{
		ID: NewImageID(), Region: in.Region, OwnerID: c.AccountID, Type: imageshare.ImageCustom,
		Name: name, Description: r.Description, Author: authorName(owner),
		SourceGPUType: in.GPUType, SourceInstance: in.ID, OSType: "linux",
		// CompShare's GPU instances are x86_64 hosts.
		Architecture: imageshare.ArchX86_64,
	}
	if in.OSType != "" {
		// An instance launched from an image runs its OS: the image made
		// from it keeps the facts (docs/instances.md).
		im.OSName, im.OSType, im.Platform, im.Architecture = in.OSName, in.OSType, in.Platform, in.Architecture
	}
	if r.Softwares != nil {
		im.Softwares = *r.Softwares
	}
	s.startBuild(im, s.now().UTC())
	if err := s.store.CreateCustomImage(ctx, im, s.limits.quota()); err != nil {
		return nil, err
	}
	return im, nil
}

// EditImage implements imageshare.Service. Inputs are checked in this
// order, the first bad one refusing the call: description, readme, cover,
// tags, visibility, softwares (checkSoftware's order), framework; then the
// image itself.
func (s *Service) EditImage(ctx context.Context, c imageshare.Caller, imageID, region string, e imageshare.ImageEdit) (*imageshare.Image, error) {
	if err := s.authorizeImage(ctx, c, imageshare.OpEditImage, region, imageID); err != nil {
		return nil, err
	}
	var u imageshare.ImageUpdate
	if err := checkFields(
		s.description("description", e.Description),
		s.readme(e.Readme),
		s.cover(e.Cover),
	); err != nil {
		return nil, err
	}
	u.Description, u.Readme, u.Cover = e.Description, e.Readme, e.Cover
	if e.Tags != nil {
		tags, err := cleanTags(*e.Tags)
		if err != nil {
			return nil, err
		}
		u.Tags = &tags
	}
	if e.Visibility != nil {
		if *e.Visibility != 0 && *e.Visibility != 1 {
			return nil, invalid("visibility must be 0 (private) or 1 (public)")
		}
		u.Visibility = e.Visibility
	}
	if err := checkSoftware(e.Softwares); err != nil {
		return nil, err
	}
	if e.Framework != nil {
		if err := checkText("framework", *e.Framework, maxSoftwareBytes); err != nil {
			return nil, err
		}
	}
	im, err := s.ownedImage(ctx, c, imageID, region)
	if err != nil {
		return nil, err
	}
	if im.Type != imageshare.ImageCustom && im.Type != imageshare.ImageCommunity {
		return nil, imageshare.Errorf(imageshare.KindForbidden, imageshare.ReasonNotCustomImage,
			"image %q is a %s image; only custom images and community versions can be updated", im.ID, im.Type)
	}
	if e.Softwares != nil || e.Framework != nil {
		sw := im.Softwares
		if e.Softwares != nil {
			sw = *e.Softwares
		}
		if e.Framework != nil {
			sw.Framework = *e.Framework
		}
		u.Softwares = &sw
	}
	u.Quota = s.limits.quota()
	im, err = s.store.UpdateImage(ctx, im.ID, u)
	if err != nil {
		return nil, err
	}
	if err := s.settle(ctx, im); err != nil {
		return nil, err
	}
	return im, nil
}

// CopyCustomImage implements imageshare.Service.
func (s *Service) CopyCustomImage(ctx context.Context, c imageshare.Caller, imageID, region, name string) (*imageshare.Image, error) {
	if err := s.authorizeImage(ctx, c, imageshare.OpCopyCustomImage, region, imageID); err != nil {
		return nil, err
	}
	src, err := s.ownedCustom(ctx, c, imageID, region)
	if err != nil {
		return nil, err
	}
	if src.Status != imageshare.StatusAvailable {
		return nil, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageNotAvailable,
			"image %q is %s; only an Available image can be copied", src.ID, src.Status)
	}
	if strings.TrimSpace(name) == "" {
		name = src.Name + "-copy"
	}
	if name, err = s.imageName("target image name", name); err != nil {
		return nil, err
	}
	cp := &imageshare.Image{
		ID: NewImageID(), Region: src.Region, OwnerID: src.OwnerID, Type: imageshare.ImageCustom,
		Name: name, Description: src.Description, SizeMB: src.SizeMB, Tags: src.Tags,
		Readme: src.Readme, Cover: src.Cover, Author: src.Author, AutoStart: src.AutoStart, Container: src.Container,
		IsOfficial: src.IsOfficial, Visibility: src.Visibility, Softwares: src.Softwares,
		SourceGPUType: src.SourceGPUType, SourceInstance: src.SourceInstance,
	}
	cp.CopyOSFacts(src)
	s.startBuild(cp, s.now().UTC())
	if err := s.store.CreateCustomImage(ctx, cp, s.limits.quota()); err != nil {
		return nil, err
	}
	return cp, nil
}

// TerminateCustomImage implements imageshare.Service.
func (s *Service) TerminateCustomImage(ctx context.Context, c imageshare.Caller, imageID, region string) error {
	if err := s.authorizeImage(ctx, c, imageshare.OpTerminateImage, region, imageID); err != nil {
		return err
	}
	// The delete rule every dialect follows (deletable); terminating also
	// removes the image's shares, as a forced delete does.
	im, err := s.deletable(ctx, c, imageID, region)
	if err != nil {
		return err
	}
	if im.Type != imageshare.ImageCustom {
		return imageshare.Errorf(imageshare.KindForbidden, imageshare.ReasonNotCustomImage,
			"image %q is a %s image; only Custom images can be terminated", im.ID, im.Type)
	}
	return s.store.DeleteImage(ctx, im.ID, true)
}

// CreateInstance implements imageshare.CommunityOperator.
func (s *Service) CreateInstance(ctx context.Context, in *imageshare.Instance) (*imageshare.Instance, error) {
	if in.OwnerID <= 0 {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "instance owner is required")
	}
	if in.ID == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		in.ID = "uhost-" + hex.EncodeToString(b)
	}
	if err := checkText("instance id", in.ID, 64); err != nil {
		return nil, err
	}
	if err := checkText("GPU type", in.GPUType, maxSoftwareBytes); err != nil {
		return nil, err
	}
	if err := s.CheckRegion(ctx, in.Region); err != nil {
		return nil, err
	}
	if in.CreatedAt.IsZero() {
		in.CreatedAt = s.now().UTC()
	}
	if err := s.store.CreateInstance(ctx, in); err != nil {
		return nil, err
	}
	return in, nil
}
