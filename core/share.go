package core

import (
	"context"
	"slices"

	"github.com/imageshare/imageshare"
)

// DescribeShares implements imageshare.Service.
func (s *Service) DescribeShares(ctx context.Context, c imageshare.Caller, imageID, region string, p imageshare.Page) (*imageshare.ShareList, error) {
	if err := s.authorizeImage(ctx, c, imageshare.OpDescribeShares, region, imageID); err != nil {
		return nil, err
	}
	if imageID == "" {
		return nil, imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "image %q does not exist", imageID)
	}
	// The image and its shares in one read, with the caller as owner in
	// the store's WHERE: another tenant's image costs the same work as a
	// missing id, however many shares it has, so neither the answer nor
	// its time tells that it exists.
	found, shares, total, err := s.store.FindImageShares(ctx, imageID, c.AccountID, p)
	im, err := s.shareable(ctx, c, imageID, region, found, err)
	if err != nil {
		return nil, err
	}
	if im.Type != imageshare.ImageCustom {
		return nil, notShareable(im)
	}
	if shares == nil {
		shares = []*imageshare.Share{}
	}
	return &imageshare.ShareList{Image: im, Shares: shares, Total: total}, nil
}

// shareable is the share actions' verdict on imageID, as the owner's
// lookup (the caller as owner in the store's WHERE) found it: the
// caller's image, or not found. A platform (System or App) image is
// public, so saying it cannot be shared leaks nothing: the core decides
// that once, for every dialect. It is looked up with the same index seek
// for a missing id and for another tenant's image, which both stay
// not found and cost the same.
func (s *Service) shareable(ctx context.Context, c imageshare.Caller, imageID, region string, im *imageshare.Image, err error) (*imageshare.Image, error) {
	if imageshare.IsKind(err, imageshare.KindNotFound) && imageID != "" {
		if p, perr := s.store.FindPlatformImage(ctx, imageID); perr == nil && (region == "" || p.Region == region) {
			return nil, notShareable(p)
		} else if perr != nil && !imageshare.IsKind(perr, imageshare.KindNotFound) {
			return nil, perr
		}
	}
	return owned(c, imageID, region, im, err)
}

func notShareable(im *imageshare.Image) error {
	return imageshare.Errorf(imageshare.KindForbidden, imageshare.ReasonNotShareable,
		"image %q is a %s image; only Custom images can be shared", im.ID, im.Type)
}

// ModifyShares implements imageshare.Service.
func (s *Service) ModifyShares(ctx context.Context, c imageshare.Caller, r imageshare.ShareRequest) (*imageshare.ShareResult, error) {
	if err := s.authorizeImage(ctx, c, imageshare.OpModifyShares, r.Region, r.ImageID); err != nil {
		return nil, err
	}
	if len(r.Add) > imageshare.MaxAccountsPerChange || len(r.Remove) > imageshare.MaxAccountsPerChange {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonTooManyAccounts,
			"at most %d accounts may be added and %d removed in one call", imageshare.MaxAccountsPerChange, imageshare.MaxAccountsPerChange)
	}
	if len(r.Add) == 0 && len(r.Remove) == 0 && r.SetPublic == nil {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonNoAccounts, "no account to add or remove")
	}
	for _, id := range r.Add {
		if slices.Contains(r.Remove, id) {
			return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonAddedAndRemoved,
				"account %d is both added and removed", id)
		}
	}
	var found *imageshare.Image
	var err error = imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "image %q does not exist", r.ImageID)
	if r.ImageID != "" && c.AccountID != 0 {
		found, err = s.store.FindOwnedImage(ctx, r.ImageID, c.AccountID)
	}
	im, err := s.shareable(ctx, c, r.ImageID, r.Region, found, err)
	if err != nil {
		return nil, err
	}
	if im.Type != imageshare.ImageCustom {
		return nil, notShareable(im)
	}

	known, err := s.store.FindAccountsByIDs(ctx, append(slices.Clone(r.Add), r.Remove...))
	if err != nil {
		return nil, err
	}
	var invalid []int64
	// sort splits ids into the ones to apply and the ones to report, in
	// request order, dropping repeats.
	sort := func(ids []int64) ([]int64, error) {
		var valid []int64
		for _, id := range ids {
			if slices.Contains(valid, id) || slices.Contains(invalid, id) {
				continue
			}
			switch {
			case id == im.OwnerID:
				if r.Mode != imageshare.ShareLenient {
					return nil, imageshare.Errorf(imageshare.KindForbidden, imageshare.ReasonShareToOwner,
						"image %q cannot be shared with its owner", im.ID)
				}
				invalid = append(invalid, id)
			case known[id] == nil:
				if r.Mode != imageshare.ShareLenient {
					return nil, imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonAccountNotFound,
						"account %d does not exist", id)
				}
				invalid = append(invalid, id)
			default:
				valid = append(valid, id)
			}
		}
		return valid, nil
	}
	add, err := sort(r.Add)
	if err != nil {
		return nil, err
	}
	remove, err := sort(r.Remove)
	if err != nil {
		return nil, err
	}

	res := &imageshare.ShareResult{}
	if len(add) > 0 || len(remove) > 0 || r.SetPublic != nil {
		res, err = s.store.ApplyShareChange(ctx, imageshare.ShareChange{
			ImageID:    im.ID,
			Add:        add,
			Remove:     remove,
			By:         c.AccountID,
			At:         s.now(),
			MaxShares:  s.maxShares,
			FailOnNoop: r.Mode == imageshare.ShareStrict,
			SetPublic:  r.SetPublic,
		})
		if err != nil {
			if imageshare.ErrorReason(err) == imageshare.ReasonShareQuota {
				return nil, imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonShareQuota,
					"image %q may be shared with at most %d accounts", im.ID, s.maxShares)
			}
			return nil, err
		}
	}
	res.Invalid = invalid
	if res.Invalid == nil {
		res.Invalid = []int64{}
	}
	return res, nil
}
