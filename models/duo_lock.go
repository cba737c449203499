package models

import "fmt"

// LockedError refuses a request to set a GitLab Duo setting that an
// ancestor group or the instance locks (GitLab's "cannot be changed
// because it is locked by an ancestor"). Handlers answer it with 422.
type LockedError struct {
	// LockedBy is the instance or the nearest locked ancestor group.
	LockedBy DuoNode
}

func (e *LockedError) Error() string { return ErrLockedByAncestor.Error() }

// Is lets errors.Is(err, ErrLockedByAncestor) find it.
func (e *LockedError) Is(target error) bool { return target == ErrLockedByAncestor }

// Locker names who holds the lock, for messages: "acme", "the instance".
func (e *LockedError) Locker() string {
	if e.LockedBy.Kind == NodeInstance {
		return "the instance"
	}
	return e.LockedBy.FullPath
}

// refuseUnderLock is the one rule every path that sets a group's or a
// project's GitLab Duo setting applies (API, screens, import): under a lock
// the request is refused, whatever it asks for and whatever is stored.
func refuseUnderLock(res DuoResolution) error {
	if res.LockedBy == nil {
		return nil
	}
	return &LockedError{LockedBy: *res.LockedBy}
}

// DuoLockProblem is the refusal of writing value where res resolves, under
// its lock, or "" when the value agrees or nothing locks it.
func DuoLockProblem(res DuoResolution, value bool) string {
	if value == res.Enabled {
		return ""
	}
	err := refuseUnderLock(res)
	if err == nil {
		return ""
	}
	return fmt.Sprintf("%s (%s is %s)", err, err.(*LockedError).Locker(), InstanceAvailability(res.Enabled, true).Title())
}
