package sqlstore

import (
	"errors"
	"strings"

	"github.com/imageshare/imageshare"
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

// MapError passes domain errors through (naming op where they name no
// operation), reports an error unavailable recognises (nil: none) as
// KindUnavailable, and wraps anything else as an internal failure of op.
func MapError(op string, err error, unavailable func(error) bool) error {
	if err == nil {
		return nil
	}
	var e *imageshare.Error
	if errors.As(err, &e) {
		if e.Op == "" {
			e.Op = op
		}
		return e
	}
	if unavailable != nil && unavailable(err) {
		return Unavailable(op, err)
	}
	return imageshare.Internal(op, err)
}

// Unavailable says the database could not serve op now; the call may be
// retried.
func Unavailable(op string, err error) *imageshare.Error {
	return &imageshare.Error{Kind: imageshare.KindUnavailable, Op: op, Message: "the database is unavailable; try again", Err: err}
}

// Violation is the kind of constraint a failed write broke, as a store
// reads it from its driver's error.
type Violation int

// The violations ConstraintError translates.
const (
	NoViolation Violation = iota
	UniqueViolation
	ForeignKeyViolation
)

// ConstraintError translates the violation v of the write that failed
// with err into the domain's kinds: a taken key is conflict, a missing
// referenced row is missing (either nil: left as err). Other errors are
// returned unchanged.
func ConstraintError(err error, v Violation, conflict, missing *imageshare.Error) error {
	switch {
	case v == UniqueViolation && conflict != nil:
		conflict.Err = err
		return conflict
	case v == ForeignKeyViolation && missing != nil:
		missing.Err = err
		return missing
	}
	return err
}

// KeyNotFound says no access key is publicKey.
func KeyNotFound(publicKey string) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonKeyNotFound, "access key %q does not exist", publicKey)
}

// KeyConflict says the access key publicKey exists already.
func KeyConflict(publicKey string) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonKeyConflict, "access key %q already exists", publicKey)
}

// InstanceNotFound says no instance has id.
func InstanceNotFound(id string) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonInstanceNotFound, "instance %q does not exist", id)
}

// InstanceConflict says an instance with id exists already.
func InstanceConflict(id string) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonNone, "instance %q already exists", id)
}
