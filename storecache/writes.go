package storecache

import (
	"context"
	"time"

	"github.com/imageshare/imageshare"
)

// Writes through the decorator drop what they change as soon as they
// return, in this process, without waiting for the next read's log check.
// The check would drop the same entries before any later read (every
// write reaches the log through the database's triggers, migration 012),
// so this is not what the guarantee rests on; it only spares the next
// read its miss being decided by the log. The other writes pass through
// and are seen through the log.

func (s *Store) SetAccessKeyEnabled(ctx context.Context, publicKey string, enabled bool) error {
	defer s.cache.drop(groupKey + publicKey)
	return s.Store.SetAccessKeyEnabled(ctx, publicKey, enabled)
}

func (s *Store) AddRegion(ctx context.Context, name string) error {
	defer s.cache.drop(groupRegions)
	return s.Store.AddRegion(ctx, name)
}

// image drops an image's group and the catalog.
func (s *Store) image(id string) {
	s.cache.drop(groupImage + id)
	s.cache.dropCatalog()
}

func (s *Store) ApplyShareChange(ctx context.Context, c imageshare.ShareChange) (*imageshare.ShareResult, error) {
	defer s.image(c.ImageID)
	return s.Store.ApplyShareChange(ctx, c)
}

func (s *Store) UpdateImage(ctx context.Context, id string, u imageshare.ImageUpdate) (*imageshare.Image, error) {
	defer s.image(id)
	return s.Store.UpdateImage(ctx, id, u)
}

func (s *Store) DeleteImage(ctx context.Context, id string, force bool) error {
	defer s.image(id)
	return s.Store.DeleteImage(ctx, id, force)
}

func (s *Store) ChangeImageStatus(ctx context.Context, c imageshare.StatusChange) (*imageshare.Image, error) {
	defer s.image(c.ImageID)
	return s.Store.ChangeImageStatus(ctx, c)
}

func (s *Store) FinishBuilds(ctx context.Context, now time.Time, limit int) ([]string, error) {
	ids, err := s.Store.FinishBuilds(ctx, now, limit)
	for _, id := range ids {
		s.image(id)
	}
	return ids, err
}

func (s *Store) SetUserEnabled(ctx context.Context, userID int64, enabled bool) error {
	defer s.cache.drop(groupRAM)
	return s.Store.SetUserEnabled(ctx, userID, enabled)
}

func (s *Store) AttachPolicy(ctx context.Context, a imageshare.Attachment, maxPolicies int) error {
	defer s.cache.drop(groupRAM)
	return s.Store.AttachPolicy(ctx, a, maxPolicies)
}

func (s *Store) DetachPolicy(ctx context.Context, a imageshare.Attachment) error {
	defer s.cache.drop(groupRAM)
	return s.Store.DetachPolicy(ctx, a)
}

func (s *Store) AddGroupMember(ctx context.Context, groupID, userID int64, maxGroups int) error {
	defer s.cache.drop(groupRAM)
	return s.Store.AddGroupMember(ctx, groupID, userID, maxGroups)
}

func (s *Store) RemoveGroupMember(ctx context.Context, groupID, userID int64) error {
	defer s.cache.drop(groupRAM)
	return s.Store.RemoveGroupMember(ctx, groupID, userID)
}
