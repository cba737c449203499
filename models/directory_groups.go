package models

import (
	"context"
	"errors"
)

// DirectoryGroups answers who belongs to an LDAP group, for assignment
// rules whose source is an LDAP group. The LDAP client implements it; the
// Store is given one through Options.Directory or WithDirectory.
type DirectoryGroups interface {
	// Members returns the usernames or email addresses (either matches a
	// duoadmin user, case-insensitively) of the members of the group with
	// this CN, nested groups included. An error means the answer is
	// unknown, never "nobody": the sync then holds instead of removing.
	Members(ctx context.Context, cn string) ([]string, error)
}

// ErrNoDirectory: an LDAP-group rule exists but no LDAP server is set up.
var ErrNoDirectory = errors.New("no LDAP server is configured")

// WithDirectory is a view of the same database that resolves LDAP groups
// through d (the LDAP settings live in the database, so the client is made
// after the Store is opened).
func (s *Store) WithDirectory(d DirectoryGroups) *Store {
	c := *s
	c.opts.Directory = d
	return &c
}

// ldapMembers asks the directory: the one given, else the saved LDAP
// server; ErrNoDirectory when neither exists.
func (s *Store) ldapMembers(ctx context.Context, cn string) ([]string, error) {
	if s.opts.Directory != nil {
		return s.opts.Directory.Members(ctx, cn)
	}
	members, err := s.LDAPGroups().Members(ctx, cn)
	if errors.Is(err, ErrLDAPNotConfigured) {
		return nil, ErrNoDirectory
	}
	return members, err
}
