package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
)

// Instances are records with a lifecycle (docs/instances.md): a launch
// stores a Pending instance due to be Running after
// Config.InstanceDuration; start, stop and reboot store the transitional
// status and its due time. As for image builds (build.go), a due
// transition completes through whichever comes first: the background
// finisher every replica runs (RunBuildFinisher calls FinishDueInstances)
// or a read of the instance; both complete it with a change conditional
// on the status still being the transitional one, so exactly once.

// launchable is the launch permission: the one rule deciding whether the
// caller may launch an instance from im, or reinstall one with it.
// shared says whether im is explicitly shared with the caller. Anything
// it refuses is answered as a missing image (ReasonImageNotFound), so a
// refusal does not tell that the image exists.
//
//   - Only an Available image can be launched: Making (being created),
//     UnAvailable, Reviewing (a community version not yet approved) and
//     Offline (unpublished) cannot, not even by their owner.
//   - Platform images (System, App) can be launched by every account.
//   - A Custom image by its owner, by an account it is shared with, and
//     by everyone while it is public (Alibaba's IsPublic, CompShare's
//     Visibility 1).
//   - A Community image (a published version) once approved and listed
//     in the catalog (Visibility 1), by everyone; by its publisher too.
func launchable(im *imageshare.Image, accountID int64, shared bool) bool {
	if im.Status != imageshare.StatusAvailable {
		return false
	}
	switch im.Type {
	case imageshare.ImageSystem, imageshare.ImageApp:
		return true
	case imageshare.ImageCustom:
		return (im.OwnerID != 0 && im.OwnerID == accountID) || shared || im.IsPublic || im.Visibility == 1
	case imageshare.ImageCommunity:
		return im.Visibility == 1 || (im.OwnerID != 0 && im.OwnerID == accountID)
	}
	return false
}

// launchImage returns the image the caller may launch from in region, its
// build settled, or the not-found error a missing image gets.
func (s *Service) launchImage(ctx context.Context, c imageshare.Caller, imageID, region string) (*imageshare.Image, error) {
	notFound := imageNotFound(imageID)
	if imageID == "" {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "image id is required")
	}
	im, err := s.imageByID(ctx, imageID)
	if err != nil {
		return nil, err
	}
	if err := s.settle(ctx, im); err != nil {
		return nil, err
	}
	shared := false
	if im.Type == imageshare.ImageCustom && im.OwnerID != c.AccountID {
		if shared, err = s.store.IsSharedWith(ctx, im.ID, c.AccountID); err != nil {
			return nil, err
		}
	}
	if !launchable(im, c.AccountID, shared) || (region != "" && im.Region != region && im.OwnerID != 0) {
		return nil, notFound
	}
	return im, nil
}

// instanceDuration is how long a transition takes; 0 means at once.
func (s *Service) instanceDuration() time.Duration { return max(s.instance, 0) }

// NewInstanceID returns a fresh instance id; one form for every dialect,
// as an instance made in one is listed by the others.
func NewInstanceID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "i-" + hex.EncodeToString(b)
}

// Bounds on a launch.
const (
	maxLaunchCount    = 100
	maxInstanceName   = 128
	maxInstanceFields = 64
)

// LaunchInstances implements imageshare.Service. The checks run in this
// order: authorization (ecs:RunInstances on the image), the request's
// fields, the launch permission, the quota (in the store's transaction).
// With r.DryRun everything but the insert runs.
func (s *Service) LaunchInstances(ctx context.Context, c imageshare.Caller, r imageshare.LaunchRequest) ([]*imageshare.Instance, error) {
	if err := s.authorize(ctx, c, imageshare.OpRunInstances, imageshare.ResourceImage, r.Region, r.ImageID); err != nil {
		return nil, err
	}
	if r.Count == 0 {
		r.Count = 1
	}
	if r.Count < 0 || r.Count > maxLaunchCount {
		return nil, invalid("the number of instances must be between 1 and %d", maxLaunchCount)
	}
	if r.CPU < 0 || r.MemoryMB < 0 || r.GPUCount < 0 {
		return nil, invalid("CPU, memory and GPU count must not be negative")
	}
	r.Name = strings.TrimSpace(r.Name)
	if err := checkFields(
		textField{"instance name", &r.Name, maxInstanceName},
		textField{"zone", &r.Zone, maxInstanceFields},
		textField{"instance type", &r.InstanceType, maxInstanceFields},
		textField{"GPU type", &r.GPUType, maxInstanceFields},
	); err != nil {
		return nil, err
	}
	if r.ClientToken != "" && !r.DryRun {
		return s.launchOnce(ctx, c, r)
	}
	return s.launch(ctx, c, r)
}

// launchParams are the parameters a client token is bound to.
type launchParams struct {
	Region, Zone, ImageID, Name, InstanceType, GPUType string
	CPU, MemoryMB, GPUCount, Count                     int
	VSwitchID, SecurityGroupID                         string
}

// launchOnce is a launch with a client token: run once per account, scope
// and token (idempotency.go); a repeat answers the instances the first
// call made, as they are now.
func (s *Service) launchOnce(ctx context.Context, c imageshare.Caller, r imageshare.LaunchRequest) ([]*imageshare.Instance, error) {
	var made []*imageshare.Instance
	call := IdempotentCall{Scope: r.TokenScope, Token: r.ClientToken, Params: launchParams{r.Region, r.Zone, r.ImageID, r.Name,
		r.InstanceType, r.GPUType, r.CPU, r.MemoryMB, r.GPUCount, r.Count, r.VSwitchID, r.SecurityGroupID}}
	result, replayed, err := s.idempotent(ctx, c, call, func(ctx context.Context) (string, error) {
		ins, err := s.launch(ctx, c, r)
		if err != nil {
			return "", err
		}
		made = ins
		ids := make([]string, len(ins))
		for i, in := range ins {
			ids[i] = in.ID
		}
		return strings.Join(ids, ","), nil
	})
	if err != nil || !replayed {
		return made, err
	}
	ids := strings.Split(result, ",")
	ins, _, err := s.store.FindInstances(ctx, imageshare.InstanceFilter{OwnerID: c.AccountID, IDs: ids})
	if err != nil {
		return nil, err
	}
	// In the order first made; one deleted since is left out.
	out := make([]*imageshare.Instance, 0, len(ids))
	for _, id := range ids {
		for _, in := range ins {
			if in.ID == id {
				out = append(out, in)
			}
		}
	}
	if len(out) == 0 {
		// All were deleted since: the ids are the answer ECS gives.
		for _, id := range ids {
			out = append(out, &imageshare.Instance{ID: id, OwnerID: c.AccountID})
		}
	}
	return out, nil
}

// launch is LaunchInstances past its authorization and field checks.
func (s *Service) launch(ctx context.Context, c imageshare.Caller, r imageshare.LaunchRequest) ([]*imageshare.Instance, error) {
	im, err := s.launchImage(ctx, c, r.ImageID, r.Region)
	if err != nil {
		return nil, err
	}
	region := r.Region
	if region == "" {
		region = im.Region
	}
	if r.Zone, err = s.placeLaunch(ctx, c, region, r); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	status, due := imageshare.InstancePending, now.Add(s.instanceDuration())
	if s.instanceDuration() == 0 {
		status, due = imageshare.InstanceRunning, time.Time{}
	}
	ins := make([]*imageshare.Instance, r.Count)
	for i := range ins {
		in := &imageshare.Instance{
			ID: NewInstanceID(), OwnerID: c.AccountID, Region: region, Zone: r.Zone, Name: r.Name,
			InstanceType: r.InstanceType, CPU: r.CPU, MemoryMB: r.MemoryMB, GPUType: r.GPUType, GPUCount: r.GPUCount,
			Status: status, CreatedAt: now, TransitionDoneAt: due,
		}
		if in.Name == "" {
			in.Name = in.ID
		}
		in.CopyImageFacts(im)
		ins[i] = in
	}
	if r.DryRun {
		return ins, s.checkInstanceQuota(ctx, c.AccountID, r.Count)
	}
	if err := s.store.LaunchInstances(ctx, ins, max(s.limits.MaxInstances, 0)); err != nil {
		if imageshare.ErrorReason(err) == imageshare.ReasonImageNotFound {
			// Deleted between the permission check and the insert.
			return nil, imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "image %q does not exist", r.ImageID)
		}
		return nil, err
	}
	return ins, nil
}

// checkInstanceQuota is the quota check of a DryRun launch (a real launch
// is checked inside the store's transaction).
func (s *Service) checkInstanceQuota(ctx context.Context, accountID int64, adding int) error {
	if s.limits.MaxInstances <= 0 {
		return nil
	}
	_, have, err := s.store.FindInstances(ctx, imageshare.InstanceFilter{OwnerID: accountID, Page: imageshare.Page{Limit: 1}})
	if err != nil {
		return err
	}
	if have+adding > s.limits.MaxInstances {
		return imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota,
			"the account has %d instances; %d more would exceed its quota of %d", have, adding, s.limits.MaxInstances)
	}
	return nil
}

// ListInstances implements imageshare.Service: the caller's instances.
func (s *Service) ListInstances(ctx context.Context, c imageshare.Caller, f imageshare.InstanceFilter) ([]*imageshare.Instance, int, error) {
	if err := s.authorize(ctx, c, imageshare.OpListInstances, imageshare.ResourceInstance, f.Region, "*"); err != nil {
		return nil, 0, err
	}
	f.OwnerID = c.AccountID
	ins, total, err := s.store.FindInstances(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	for _, in := range ins {
		if err := s.settleInstance(ctx, in); err != nil {
			return nil, 0, err
		}
	}
	return ins, total, nil
}

// ownedInstance returns the caller's instance in region (when given),
// settled; any other is the same not-found error.
func (s *Service) ownedInstance(ctx context.Context, c imageshare.Caller, id, region string) (*imageshare.Instance, error) {
	notFound := imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonInstanceNotFound, "instance %q does not exist", id)
	if id == "" || c.AccountID == 0 {
		return nil, notFound
	}
	ins, _, err := s.store.FindInstances(ctx, imageshare.InstanceFilter{OwnerID: c.AccountID, Region: region, IDs: []string{id}})
	if err != nil {
		return nil, err
	}
	if len(ins) == 0 {
		return nil, notFound
	}
	in := ins[0]
	return in, s.settleInstance(ctx, in)
}

// GetInstance implements imageshare.Service.
func (s *Service) GetInstance(ctx context.Context, c imageshare.Caller, id, region string) (*imageshare.Instance, error) {
	if err := s.authorize(ctx, c, imageshare.OpListInstances, imageshare.ResourceInstance, region, id); err != nil {
		return nil, err
	}
	return s.ownedInstance(ctx, c, id, region)
}

// settleInstance completes in's transition if it is due, replacing *in
// with the stored record.
func (s *Service) settleInstance(ctx context.Context, in *imageshare.Instance) error {
	to := in.Status.Settled()
	if to == in.Status || s.now().Before(in.TransitionDoneAt) {
		return nil
	}
	zero := time.Time{}
	done, err := s.store.UpdateInstance(ctx, imageshare.InstanceUpdate{ID: in.ID, OwnerID: in.OwnerID,
		From: []imageshare.InstanceStatus{in.Status}, Status: &to, TransitionDoneAt: &zero})
	switch {
	case err == nil:
	case imageshare.IsKind(err, imageshare.KindConflict):
		ins, _, err := s.store.FindInstances(ctx, imageshare.InstanceFilter{OwnerID: in.OwnerID, IDs: []string{in.ID}})
		if err != nil || len(ins) == 0 {
			return err
		}
		done = ins[0]
	case imageshare.IsKind(err, imageshare.KindNotFound):
		return nil
	default:
		return err
	}
	*in = *done
	return nil
}

// FinishDueInstances completes every instance transition due now and
// returns the ids this call completed.
func (s *Service) FinishDueInstances(ctx context.Context) ([]string, error) {
	var all []string
	for {
		ids, err := s.store.FinishInstanceTransitions(ctx, s.now(), finishBatch)
		all = append(all, ids...)
		if err != nil || len(ids) < finishBatch {
			return all, err
		}
	}
}

// powerRule is what a power action needs and does: the statuses it may
// start from and the transitional status it stores.
var powerRule = map[imageshare.PowerAction]struct {
	from []imageshare.InstanceStatus
	to   imageshare.InstanceStatus
}{
	imageshare.PowerStart:  {[]imageshare.InstanceStatus{imageshare.InstanceStopped}, imageshare.InstanceStarting},
	imageshare.PowerStop:   {[]imageshare.InstanceStatus{imageshare.InstanceRunning}, imageshare.InstanceStopping},
	imageshare.PowerReboot: {[]imageshare.InstanceStatus{imageshare.InstanceRunning}, imageshare.InstanceStarting},
}

// ChangePower implements imageshare.Service: start, stop or reboot.
func (s *Service) ChangePower(ctx context.Context, c imageshare.Caller, id, region string, a imageshare.PowerAction, dryRun bool) (*imageshare.Instance, error) {
	if err := s.authorize(ctx, c, imageshare.OpManageInstance, imageshare.ResourceInstance, region, id); err != nil {
		return nil, err
	}
	rule, ok := powerRule[a]
	if !ok {
		return nil, invalid("unknown power action %q", a)
	}
	in, err := s.ownedInstance(ctx, c, id, region)
	if err != nil {
		return nil, err
	}
	to, due := rule.to, s.now().UTC().Add(s.instanceDuration())
	if s.instanceDuration() == 0 {
		to, due = to.Settled(), time.Time{}
	}
	if dryRun {
		for _, f := range rule.from {
			if f == in.Status {
				return in, nil
			}
		}
		return nil, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonInstanceState, "instance %q is %s", id, in.Status)
	}
	return s.store.UpdateInstance(ctx, imageshare.InstanceUpdate{ID: in.ID, OwnerID: c.AccountID, From: rule.from, Status: &to, TransitionDoneAt: &due})
}

// DeleteInstance implements imageshare.Service. Without force only a
// Stopped instance can be deleted (ECS's rule, docs/instances.md).
func (s *Service) DeleteInstance(ctx context.Context, c imageshare.Caller, id, region string, force, dryRun bool) error {
	if err := s.authorize(ctx, c, imageshare.OpManageInstance, imageshare.ResourceInstance, region, id); err != nil {
		return err
	}
	in, err := s.ownedInstance(ctx, c, id, region)
	if err != nil {
		return err
	}
	if !force && in.Status != imageshare.InstanceStopped {
		return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonInstanceState, "instance %q is %s; stop it first or force the delete", id, in.Status)
	}
	if dryRun {
		return nil
	}
	return s.store.DeleteInstance(ctx, in.ID, c.AccountID)
}

// ReinstallInstance implements imageshare.Service: the instance's system
// disk is replaced with imageID's (empty: the image it runs, ECS's
// ReInitDisk). The image must pass the launch permission now, so after
// an owner stops sharing, the former consumer can no longer reinstall
// with it. The instance must be Stopped.
func (s *Service) ReinstallInstance(ctx context.Context, c imageshare.Caller, id, region, imageID string, dryRun bool) (*imageshare.Instance, error) {
	if err := s.authorize(ctx, c, imageshare.OpManageInstance, imageshare.ResourceInstance, region, id); err != nil {
		return nil, err
	}
	in, err := s.ownedInstance(ctx, c, id, region)
	if err != nil {
		return nil, err
	}
	if imageID == "" {
		imageID = in.ImageID
	}
	if err := s.authorize(ctx, c, imageshare.OpRunInstances, imageshare.ResourceImage, region, imageID); err != nil {
		return nil, err
	}
	im, err := s.launchImage(ctx, c, imageID, in.Region)
	if err != nil {
		return nil, err
	}
	if in.Status != imageshare.InstanceStopped {
		return nil, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonInstanceState, "instance %q is %s; stop it first", id, in.Status)
	}
	if dryRun {
		return in, nil
	}
	return s.store.UpdateInstance(ctx, imageshare.InstanceUpdate{ID: in.ID, OwnerID: c.AccountID,
		From: []imageshare.InstanceStatus{imageshare.InstanceStopped}, Image: im})
}

// AddLaunchedInstance implements Operator: a seed's instance launched from
// an image, checked as the owner's launch would be.
func (s *Service) AddLaunchedInstance(ctx context.Context, in *imageshare.Instance) error {
	if in.ID == "" || in.OwnerID <= 0 {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "instance id and owner are required")
	}
	if err := checkText("instance id", in.ID, 64); err != nil {
		return err
	}
	if err := checkFields(
		textField{"instance name", &in.Name, maxInstanceName},
		textField{"zone", &in.Zone, maxInstanceFields},
		textField{"instance type", &in.InstanceType, maxInstanceFields},
		textField{"GPU type", &in.GPUType, maxInstanceFields},
	); err != nil {
		return err
	}
	if in.CPU < 0 || in.MemoryMB < 0 || in.GPUCount < 0 {
		return invalid("CPU, memory and GPU count must not be negative")
	}
	if err := s.CheckRegion(ctx, in.Region); err != nil {
		return err
	}
	im, err := s.launchImage(ctx, imageshare.Caller{AccountID: in.OwnerID}, in.ImageID, in.Region)
	if err != nil {
		return err
	}
	in.CopyImageFacts(im)
	if in.Status != imageshare.InstanceStopped {
		in.Status = imageshare.InstanceRunning
	}
	in.TransitionDoneAt = time.Time{}
	if in.Zone == "" {
		in.Zone = in.Region + "-a"
	}
	if in.Name == "" {
		in.Name = in.ID
	}
	if in.CreatedAt.IsZero() {
		in.CreatedAt = s.now().UTC()
	}
	return s.store.LaunchInstances(ctx, []*imageshare.Instance{in}, max(s.limits.MaxInstances, 0))
}
