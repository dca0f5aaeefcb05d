package core

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"imageshare"
)

// The methods in this file are for operators (the CLI, seed loading, the
// admin API): they act on any tenant and are never exposed to a dialect.

// CreateAccount creates an account and one access key for it.
func (s *Service) CreateAccount(ctx context.Context, a *imageshare.Account) (*imageshare.AccessKey, error) {
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonMissingParameter, "account name is required")
	}
	if len(a.Name) > 256 {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "account name is longer than 256 bytes")
	}
	if a.ID < 0 || a.OrganizationID < 0 {
		return nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "account ids must be positive")
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now().UTC()
	}
	if err := s.store.CreateAccount(ctx, a); err != nil {
		return nil, err
	}
	return s.CreateKey(ctx, a.ID)
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

// SetKeyEnabled enables or disables an access key.
func (s *Service) SetKeyEnabled(ctx context.Context, publicKey string, enabled bool) error {
	return s.store.SetAccessKeyEnabled(ctx, publicKey, enabled)
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
