package core

import (
	"context"
	"math"
	"time"

	"github.com/imageshare/imageshare"
)

// A custom image build is simulated: the service records instances, it
// does not run them. Creating an image stores when its build is due
// (BuildDoneAt); the image stays Making until then and becomes Available
// through whichever comes first:
//   - the background finisher (RunBuildFinisher), which every replica of a
//     deployment runs against the shared store;
//   - lazy completion: any read of a Making image that is due completes it.
//
// Both finish a build with a change conditional on the status still being
// Making, so exactly one of them (in one replica) finishes each build.
// Because the due time is stored, a build survives a restart: it resumes
// where its clock says and is finished by the first finisher pass or read
// after it is due.

// buildDuration is how long a build takes; 0 means at once.
func (s *Service) buildDuration() time.Duration {
	return max(s.build, 0)
}

// startBuild sets im's build times from now and its status: Making, or
// Available at once when builds take no time.
func (s *Service) startBuild(im *imageshare.Image, now time.Time) {
	d := s.buildDuration()
	im.CreatedAt, im.BuildStartedAt, im.BuildDoneAt = now, now, now.Add(d)
	im.Status = imageshare.StatusMaking
	if d == 0 {
		im.Status = imageshare.StatusAvailable
	}
}

// buildDue reports whether im is Making and its build is due at now. A
// Making image without a due time (seeded as Making) is due at once, so
// that nothing stays Making forever.
func buildDue(im *imageshare.Image, now time.Time) bool {
	return im.Status == imageshare.StatusMaking && (im.BuildDoneAt.IsZero() || !now.Before(im.BuildDoneAt))
}

// settle completes im's build if it is due, replacing *im with the stored
// record. When another finisher got there first the record is re-read.
func (s *Service) settle(ctx context.Context, im *imageshare.Image) error {
	if !buildDue(im, s.now()) {
		return nil
	}
	done, err := s.store.ChangeImageStatus(ctx, imageshare.StatusChange{
		ImageID: im.ID,
		From:    []imageshare.ImageStatus{imageshare.StatusMaking},
		To:      imageshare.StatusAvailable,
	})
	switch {
	case err == nil:
	case imageshare.IsKind(err, imageshare.KindConflict):
		// Finished (or otherwise changed) by someone else: show what is stored.
		if done, err = s.store.FindImageByID(ctx, im.ID); err != nil {
			if imageshare.IsKind(err, imageshare.KindNotFound) {
				return nil // deleted meanwhile; the caller's copy is all there is
			}
			return err
		}
	case imageshare.IsKind(err, imageshare.KindNotFound):
		return nil
	default:
		return err
	}
	*im = *done
	return nil
}

// settleAll settles every image of a listing.
func (s *Service) settleAll(ctx context.Context, images []*imageshare.Image) error {
	for _, im := range images {
		if err := s.settle(ctx, im); err != nil {
			return err
		}
	}
	return nil
}

// finishBatch bounds how many builds one finisher pass completes.
const finishBatch = 500

// FinishDueBuilds finishes every build that is due now and returns the ids
// this call finished (another replica's finisher never returns the same).
func (s *Service) FinishDueBuilds(ctx context.Context) ([]string, error) {
	var all []string
	for {
		ids, err := s.store.FinishBuilds(ctx, s.now(), finishBatch)
		if err != nil {
			return all, err
		}
		all = append(all, ids...)
		if len(ids) < finishBatch {
			return all, nil
		}
	}
}

// RunBuildFinisher runs FinishDueBuilds at once and then every interval
// until ctx is done; report (optional) is told each pass's result when it
// finished something or failed.
func (s *Service) RunBuildFinisher(ctx context.Context, interval time.Duration, report func(ids []string, err error)) {
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ids, err := s.FinishDueBuilds(ctx)
		if report != nil && (len(ids) > 0 || (err != nil && ctx.Err() == nil)) {
			report(ids, err)
		}
		// Instance transitions finish on the same beat (instance.go).
		if _, err := s.FinishDueInstances(ctx); err != nil && report != nil && ctx.Err() == nil {
			report(nil, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ownedCustom returns the caller's Custom image (see ownedImage), its build
// settled.
func (s *Service) ownedCustom(ctx context.Context, c imageshare.Caller, imageID, region string) (*imageshare.Image, error) {
	im, err := s.ownedImage(ctx, c, imageID, region)
	if err != nil {
		return nil, err
	}
	if im.Type != imageshare.ImageCustom {
		return nil, imageshare.Errorf(imageshare.KindForbidden, imageshare.ReasonNotCustomImage,
			"image %q is a %s image; only Custom images can be used here", im.ID, im.Type)
	}
	if err := s.settle(ctx, im); err != nil {
		return nil, err
	}
	return im, nil
}

// ImageBuildProgress implements imageshare.Service.
func (s *Service) ImageBuildProgress(ctx context.Context, c imageshare.Caller, imageID, region string) (*imageshare.BuildProgress, error) {
	if err := s.authorizeImage(ctx, c, imageshare.OpImageBuildProgress, region, imageID); err != nil {
		return nil, err
	}
	im, err := s.ownedCustom(ctx, c, imageID, region)
	if err != nil {
		return nil, err
	}
	return progress(im, s.now()), nil
}

// progress is im's build progress at now. Percent moves linearly with the
// clock and stays below 100 until the image is Available.
func progress(im *imageshare.Image, now time.Time) *imageshare.BuildProgress {
	p := &imageshare.BuildProgress{Image: im}
	if !im.BuildStartedAt.IsZero() && im.BuildDoneAt.After(im.BuildStartedAt) {
		p.Total = im.BuildDoneAt.Sub(im.BuildStartedAt)
	}
	switch im.Status {
	case imageshare.StatusAvailable:
		p.Percent = 100
	case imageshare.StatusMaking:
		p.Remaining = max(im.BuildDoneAt.Sub(now), 0)
		if p.Total > 0 {
			elapsed := min(max(now.Sub(im.BuildStartedAt), 0), p.Total)
			p.Percent = min(math.Floor(float64(elapsed)/float64(p.Total)*10000)/100, 99.99)
		}
	}
	return p
}
