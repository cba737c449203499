package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm/clause"

	"duoadmin/models/ldapdir"
)

// ldapIdentity marks a user who signed in with their LDAP password: from
// then on LDAP alone signs them in, as GitLab's LDAP identities do.
type ldapIdentity struct {
	UserID    int64 `gorm:"primaryKey"`
	DN        string
	CreatedAt time.Time
}

func (ldapIdentity) TableName() string { return "ldap_identities" }

// PasswordCheck is the outcome of a sign-in's password.
type PasswordCheck struct {
	OK bool
	// LDAPUnavailable: the user signs in through LDAP and the server could
	// not answer, so nothing was checked (not a failed attempt).
	LDAPUnavailable bool
	// LDAPErr is why LDAP could not answer, for the log; set as well when
	// a user not (yet) known to LDAP fell back to their local password.
	LDAPErr error
}

// CheckSignInPassword checks a sign-in's password (u is nil for a login
// that names no account). Without a saved LDAP server it is the local
// password. With one:
//   - a user with an LDAP entry (by username, in the user attribute) signs
//     in by binding as it, never with the local password, and is remembered
//     as an LDAP user (ldap_identities);
//   - a user without one keeps their local password;
//   - when the server cannot answer, a user never seen in LDAP keeps their
//     local password (an LDAP outage does not lock local accounts out), and
//     a remembered LDAP user is refused with LDAPUnavailable: their local
//     password is not a way around LDAP (a disabled LDAP account, say).
//
// Every path costs one bcrypt comparison and one directory search, so the
// answer's timing says as little as before about which logins exist.
func (s *Store) CheckSignInPassword(ctx context.Context, u *User, login, password string) (PasswordCheck, error) {
	local := func() PasswordCheck { return PasswordCheck{OK: s.SignInPasswordMatches(u, password)} }
	dummy := func() { s.SignInPasswordMatches(nil, password) }
	dir, ldapErr := s.LDAPDirectory(ctx)
	if errors.Is(ldapErr, ErrLDAPNotConfigured) {
		return local(), nil
	}
	linked := false
	if u != nil {
		var err error
		if linked, err = s.hasLDAPIdentity(ctx, u.ID); err != nil {
			return PasswordCheck{}, err
		}
	}
	var m *ldapdir.Member
	switch {
	case ldapErr != nil: // the saved settings cannot be used (the key, say)
	case u == nil:
		_, ldapErr = dir.Lookup(ctx, NormalizeLogin(login))
	default:
		m, ldapErr = dir.Authenticate(ctx, u.Username, password)
	}
	switch {
	case u == nil:
		dummy()
		return PasswordCheck{}, nil
	case ldapErr == nil:
		dummy()
		if err := s.linkLDAPIdentity(ctx, u.ID, m.DN); err != nil {
			return PasswordCheck{}, err
		}
		// Their LDAP groups may have changed since the last sync: the
		// assignment rules look at them now, not at the next hourly run.
		return PasswordCheck{OK: true}, s.QueueRuleSync(ctx, u.ID)
	case errors.Is(ldapErr, ldapdir.ErrInvalidCredentials), errors.Is(ldapErr, ldapdir.ErrAmbiguousUser):
		dummy()
		return PasswordCheck{}, nil
	case errors.Is(ldapErr, ldapdir.ErrNoSuchUser):
		if linked {
			// Their entry is gone: so is their way in.
			dummy()
			return PasswordCheck{}, nil
		}
		return local(), nil
	case linked:
		dummy()
		return PasswordCheck{LDAPUnavailable: true, LDAPErr: ldapErr}, nil
	}
	out := local()
	out.LDAPErr = ldapErr
	return out, nil
}

func (s *Store) hasLDAPIdentity(ctx context.Context, userID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&ldapIdentity{}).Where("user_id = ?", userID).Count(&n).Error
	return n > 0, err
}

// linkLDAPIdentity remembers the user's entry (its DN as of this sign-in).
func (s *Store) linkLDAPIdentity(ctx context.Context, userID int64, dn string) error {
	return s.q(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"dn"})}).
		Create(&ldapIdentity{UserID: userID, DN: dn, CreatedAt: time.Now().UTC()}).Error
}
