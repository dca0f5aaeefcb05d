package core

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/imageshare/imageshare"
)

// The methods in this file are for operators (the CLI, seed loading, the
// admin API, the test harness): they act on any tenant and are never
// exposed to a dialect. Operator (operator.go) lists them.

// AddRegion implements Operator.
func (s *Service) AddRegion(ctx context.Context, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "region name is required")
	}
	if err := checkText("region name", name, maxRegionBytes); err != nil {
		return err
	}
	return s.store.AddRegion(ctx, name)
}

// maxRegionBytes bounds a region name.
const maxRegionBytes = 64

// AddAccount implements Operator.
func (s *Service) AddAccount(ctx context.Context, a *imageshare.Account) error {
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "account name is required")
	}
	if len(a.Name) > 256 {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "account name is longer than 256 bytes")
	}
	if a.ID < 0 || a.OrganizationID < 0 {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "account ids must be positive")
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now().UTC()
	}
	return s.store.CreateAccount(ctx, a)
}

// CreateAccount creates an account and one access key for it.
func (s *Service) CreateAccount(ctx context.Context, a *imageshare.Account) (*imageshare.AccessKey, error) {
	if err := s.AddAccount(ctx, a); err != nil {
		return nil, err
	}
	return s.CreateKey(ctx, a.ID)
}

// ListAccounts implements Operator.
func (s *Service) ListAccounts(ctx context.Context, p imageshare.Page) ([]*imageshare.Account, int, error) {
	return s.store.ListAccounts(ctx, p)
}

// CreateKey issues a new access key pair for an existing account.
func (s *Service) CreateKey(ctx context.Context, accountID int64) (*imageshare.AccessKey, error) {
	k := &imageshare.AccessKey{
		PublicKey:  NewPublicKey(),
		PrivateKey: NewPrivateKey(),
		AccountID:  accountID,
		Enabled:    true,
		CreatedAt:  s.now().UTC(),
	}
	if err := s.store.CreateAccessKey(ctx, k); err != nil {
		return nil, err
	}
	return k, nil
}

// maxKeyBytes bounds a given public or private key.
const maxKeyBytes = 256

// AddKey implements Operator: a key pair the operator chose (a seed's
// fixed demo keys), of the account or, with UserID set, of its sub-user.
func (s *Service) AddKey(ctx context.Context, k *imageshare.AccessKey) error {
	if k.PublicKey == "" || k.PrivateKey == "" {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "a key needs a public and a private key")
	}
	if err := checkText("public key", k.PublicKey, maxKeyBytes); err != nil {
		return err
	}
	if err := checkText("private key", k.PrivateKey, maxKeyBytes); err != nil {
		return err
	}
	if k.AccountID <= 0 {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "a key needs its account")
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = s.now().UTC()
	}
	if k.UserID != 0 {
		return s.store.CreateUserKey(ctx, k)
	}
	return s.store.CreateAccessKey(ctx, k)
}

// FindKey implements Operator.
func (s *Service) FindKey(ctx context.Context, publicKey string) (*imageshare.AccessKey, error) {
	return s.store.FindAccessKey(ctx, publicKey)
}

// SetKeyEnabled enables or disables an access key.
func (s *Service) SetKeyEnabled(ctx context.Context, publicKey string, enabled bool) error {
	return s.store.SetAccessKeyEnabled(ctx, publicKey, enabled)
}

// FindInstance implements Operator.
func (s *Service) FindInstance(ctx context.Context, id string) (*imageshare.Instance, error) {
	return s.store.FindInstance(ctx, id)
}

// AddImage implements Operator. A platform (System or App) image has no
// owner, every other type has one; an empty Status is Available; the
// region must be served. The rest of im is stored as given.
func (s *Service) AddImage(ctx context.Context, im *imageshare.Image) error {
	if im.ID == "" || im.Region == "" || strings.TrimSpace(im.Name) == "" {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "an image needs an id, a region and a name")
	}
	if err := checkText("image id", im.ID, maxImageIDBytes); err != nil {
		return err
	}
	if err := checkText("image name", im.Name, imageshare.MaxImageNameBytes); err != nil {
		return err
	}
	if !im.Type.Valid() {
		return invalid("image type %q: want System, App, Custom or Community", im.Type)
	}
	platform := im.Type == imageshare.ImageSystem || im.Type == imageshare.ImageApp
	if platform && im.OwnerID != 0 {
		return invalid("a %s image has no owner", im.Type)
	}
	if !platform && im.OwnerID <= 0 {
		return invalid("a %s image needs an owner", im.Type)
	}
	if im.Status == "" {
		im.Status = imageshare.StatusAvailable
	}
	if !im.Status.Valid() {
		return invalid("image status %q: want Making, Available, UnAvailable, Reviewing or Offline", im.Status)
	}
	if err := s.CheckRegion(ctx, im.Region); err != nil {
		return err
	}
	if im.CreatedAt.IsZero() {
		im.CreatedAt = s.now().UTC()
	}
	return s.store.CreateImage(ctx, im)
}

// maxImageIDBytes bounds an image id an operator chooses.
const maxImageIDBytes = 128

// FindImage implements Operator.
func (s *Service) FindImage(ctx context.Context, id string) (*imageshare.Image, error) {
	return s.store.FindImageByID(ctx, id)
}

// ShareImage implements Operator with the rules a tenant's strict share
// obeys (ModifyShares), acting for the image's owner: only a Custom image,
// never with its owner, only with accounts that exist, and at most the
// per-image share cap.
func (s *Service) ShareImage(ctx context.Context, imageID string, accounts ...int64) (*imageshare.ShareResult, error) {
	im, err := s.store.FindImageByID(ctx, imageID)
	if err != nil {
		return nil, err
	}
	if im.Type != imageshare.ImageCustom {
		return nil, notShareable(im)
	}
	for _, id := range accounts {
		if id == im.OwnerID {
			return nil, imageshare.Errorf(imageshare.KindForbidden, imageshare.ReasonShareToOwner,
				"image %q cannot be shared with its owner", im.ID)
		}
	}
	known, err := s.store.FindAccountsByIDs(ctx, accounts)
	if err != nil {
		return nil, err
	}
	for _, id := range accounts {
		if known[id] == nil {
			return nil, imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonAccountNotFound, "account %d does not exist", id)
		}
	}
	res, err := s.store.ApplyShareChange(ctx, imageshare.ShareChange{
		ImageID: im.ID, Add: accounts, By: im.OwnerID, At: s.now(), MaxShares: s.maxShares,
	})
	if imageshare.ErrorReason(err) == imageshare.ReasonShareQuota {
		return nil, imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonShareQuota,
			"image %q may be shared with at most %d accounts", im.ID, s.maxShares)
	}
	return res, err
}

// AddUser implements Operator: a sub-user as given (a seed's user may
// start disabled).
func (s *Service) AddUser(ctx context.Context, u *imageshare.User) error {
	if err := checkRAMName("user", u.Name); err != nil {
		return err
	}
	if u.AccountID <= 0 {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "a user needs its account")
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.now().UTC()
	}
	return s.store.CreateUser(ctx, u)
}

// NewPublicKey returns a fresh random public key id.
func NewPublicKey() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return "AK" + strings.ToUpper(hex.EncodeToString(b))
}

// NewPrivateKey returns a fresh random secret.
func NewPrivateKey() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewImageID returns a fresh id in CompShare's style.
func NewImageID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "compshareImage-" + hex.EncodeToString(b)
}
