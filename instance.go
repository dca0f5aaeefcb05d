package imageshare

import (
	"context"
	"time"
)

// Instance is a machine an account runs; custom images are made from it.
// The service records instances, it does not run them: an instance is a
// record with a lifecycle (docs/instances.md).
type Instance struct {
	ID      string
	OwnerID int64
	Region  string
	Zone    string
	Name    string
	// ImageID is the image the instance was launched from (or last
	// reinstalled with); the image may since have been deleted.
	ImageID string
	// Spec.
	InstanceType string
	CPU          int
	MemoryMB     int
	GPUType      string
	GPUCount     int
	Status       InstanceStatus
	CreatedAt    time.Time
	// TransitionDoneAt is when a Pending, Starting or Stopping instance
	// reaches its next status (zero: at once).
	TransitionDoneAt time.Time
	// The image's OS facts, copied at launch (and reinstall).
	OSName       string
	OSType       string
	Platform     string
	Architecture string
}

// InstanceStatus is an instance's lifecycle state. Each dialect maps it to
// its vendor's names (docs/instances.md).
type InstanceStatus string

const (
	InstancePending  InstanceStatus = "Pending"  // launched, not yet running
	InstanceRunning  InstanceStatus = "Running"  //
	InstanceStarting InstanceStatus = "Starting" // started or rebooted, not yet running
	InstanceStopping InstanceStatus = "Stopping" // stopped, not yet stopped
	InstanceStopped  InstanceStatus = "Stopped"  //
)

// Valid reports whether s is a known instance status.
func (s InstanceStatus) Valid() bool {
	switch s {
	case InstancePending, InstanceRunning, InstanceStarting, InstanceStopping, InstanceStopped:
		return true
	}
	return false
}

// Settled is the status a transitional status reaches (itself otherwise).
func (s InstanceStatus) Settled() InstanceStatus {
	switch s {
	case InstancePending, InstanceStarting:
		return InstanceRunning
	case InstanceStopping:
		return InstanceStopped
	}
	return s
}

// CopyImageFacts gives in the image's id and OS facts.
func (in *Instance) CopyImageFacts(im *Image) {
	in.ImageID = im.ID
	in.OSName, in.OSType, in.Platform, in.Architecture = im.OSName, im.OSType, im.Platform, im.Architecture
}

// Reasons of the instance lifecycle.
const (
	// ReasonImageInUse: a delete without force named an image some
	// instance runs (KindConflict).
	ReasonImageInUse Reason = "ImageInUse"
	// ReasonInstanceState: the instance's status forbids the operation,
	// e.g. starting a running instance (KindConflict).
	ReasonInstanceState Reason = "InstanceState"
	// ReasonVSwitchNotFound and ReasonSecurityGroupNotFound: a vSwitch
	// (subnet) or security group id that does not exist or is not the
	// caller's (KindNotFound).
	ReasonVSwitchNotFound       Reason = "VSwitchNotFound"
	ReasonSecurityGroupNotFound Reason = "SecurityGroupNotFound"
	// ReasonZoneNotFound: a zone that is not one of the region's (KindInvalid).
	ReasonZoneNotFound Reason = "ZoneNotFound"
)

// DefaultMaxInstances is the default per-account instance quota.
const DefaultMaxInstances = 50

// InstanceFilter selects one owner's instances. Zero fields do not filter.
type InstanceFilter struct {
	OwnerID  int64 // required
	Region   string
	IDs      []string
	ImageID  string
	Statuses []InstanceStatus
	Name     string // exact
	Zone     string
	Page     Page
}

// InstanceUpdate changes one instance of one owner; nil fields are left
// alone. If From is not empty the instance's status must be one of it.
type InstanceUpdate struct {
	ID               string
	OwnerID          int64
	From             []InstanceStatus
	Status           *InstanceStatus
	TransitionDoneAt *time.Time
	// Image, when set, is the image the instance is reinstalled with: its
	// id and OS facts replace the instance's.
	Image *Image
}

// InstanceStore keeps instances. Every method is one transaction.
type InstanceStore interface {
	// LaunchInstances inserts ins, all of one owner, atomically. If
	// maxInstances > 0 and the owner would have more instances than it,
	// nothing is inserted: KindLimitExceeded (ReasonAccountQuota), checked
	// inside the transaction. KindConflict if an id is taken.
	LaunchInstances(ctx context.Context, ins []*Instance, maxInstances int) error
	// FindInstances returns the owner's instances matching f ordered by
	// creation time then id, and the total before paging.
	FindInstances(ctx context.Context, f InstanceFilter) ([]*Instance, int, error)
	// UpdateInstance applies u. KindNotFound (ReasonInstanceNotFound) if the
	// instance is absent or not u.OwnerID's; KindConflict
	// (ReasonInstanceState), changing nothing, if its status is not in From.
	UpdateInstance(ctx context.Context, u InstanceUpdate) (*Instance, error)
	// DeleteInstance removes the owner's instance; KindNotFound
	// (ReasonInstanceNotFound) if absent or another owner's.
	DeleteInstance(ctx context.Context, id string, ownerID int64) error
	// FinishInstanceTransitions moves up to limit instances whose
	// transition is due at now to their settled status and returns their
	// ids; each change is conditional on the status, so concurrent callers
	// (other replicas) never finish the same transition twice.
	FinishInstanceTransitions(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// LaunchRequest launches Count instances (0: one) from ImageID.
type LaunchRequest struct {
	Region       string
	Zone         string
	ImageID      string
	Name         string
	InstanceType string
	CPU          int
	MemoryMB     int
	GPUType      string
	GPUCount     int
	Count        int
	// DryRun runs every check and stores nothing.
	DryRun bool
	// ClientToken, when set, makes the launch idempotent per account and
	// TokenScope (the vendor action, e.g. "ecs:RunInstances"): a repeat
	// with the same parameters answers the first launch's instances.
	ClientToken string
	TokenScope  string
	// VSwitchID and SecurityGroupID, when given, must be the caller's
	// default network's in the region (docs/instances.md "Networks").
	VSwitchID       string
	SecurityGroupID string
}

// PowerAction is a start, stop or reboot.
type PowerAction string

const (
	PowerStart  PowerAction = "start"
	PowerStop   PowerAction = "stop"
	PowerReboot PowerAction = "reboot"
)

// InstanceService is what the dialects call for instances. An instance
// that is not the caller's behaves as a missing one; an image the caller
// may not launch from behaves as a missing image.
type InstanceService interface {
	LaunchInstances(ctx context.Context, c Caller, r LaunchRequest) ([]*Instance, error)
	ListInstances(ctx context.Context, c Caller, f InstanceFilter) ([]*Instance, int, error)
	GetInstance(ctx context.Context, c Caller, id, region string) (*Instance, error)
	ChangePower(ctx context.Context, c Caller, id, region string, a PowerAction, dryRun bool) (*Instance, error)
	DeleteInstance(ctx context.Context, c Caller, id, region string, force, dryRun bool) error
	ReinstallInstance(ctx context.Context, c Caller, id, region, imageID string, dryRun bool) (*Instance, error)
	// DefaultNetwork returns the caller's default network in region.
	DefaultNetwork(ctx context.Context, c Caller, region string) (*Network, error)
}
