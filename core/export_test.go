package core

import (
	"context"

	"github.com/imageshare/imageshare"
)

// Idempotent exposes idempotent to the package's external tests.
func (s *Service) Idempotent(ctx context.Context, c imageshare.Caller, call IdempotentCall, create func(ctx context.Context) (string, error)) (string, bool, error) {
	return s.idempotent(ctx, c, call, create)
}

// SetIdempotencyWaiting sets the hook a waiting repeat calls; nil clears it.
func SetIdempotencyWaiting(f func(imageshare.IdempotencyKey)) { idempotencyWaiting = f }
