package sqlstore

import (
	"strings"

	"imageshare"
)

// The not-found errors both stores return, so a caller sees the same
// Kind, Reason and message whichever database is behind the Store.

// AccountNotFound says no account has the given what (a column name) v.
func AccountNotFound(what string, v any) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonAccountNotFound, "account with "+what+" %v does not exist", v)
}

// ImageNotFound says no image has id.
func ImageNotFound(id string) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "image %q does not exist", id)
}

// UserNotFound says the sub-user what does not exist.
func UserNotFound(what any) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonUserNotFound, "user %v does not exist", what)
}

// GroupNotFound says the user group what does not exist.
func GroupNotFound(what any) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonUserGroupMissing, "group %v does not exist", what)
}

// PolicyNotFound says the policy what does not exist.
func PolicyNotFound(what any) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonPolicyNotFound, "policy %v does not exist", what)
}

// StatusList renders statuses as "A or B" for messages.
func StatusList(ss []imageshare.ImageStatus) string {
	if len(ss) == 0 {
		return "in a state that allows this"
	}
	parts := make([]string, len(ss))
	for i, st := range ss {
		parts[i] = string(st)
	}
	return strings.Join(parts, " or ")
}

// DuplicateImageName says the owner already has a custom image named name.
func DuplicateImageName(name string) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonDuplicateName,
		"a custom image named %q already exists", name)
}

// ImageShared says a delete without force found the image shared.
func ImageShared(id string) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageShared, "image %q is shared with other accounts", id)
}
