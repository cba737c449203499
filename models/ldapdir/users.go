package ldapdir

import (
	"context"
	"fmt"

	"github.com/go-ldap/ldap/v3"
)

// Authenticate signs a user in as GitLab's LDAP sign-in does: find the one
// entry under the user base whose user attribute is username (as the
// service account), then bind as that entry with password. The errors
// tell the caller what it may do next: ErrNoSuchUser (no entry: the user
// is not an LDAP user), ErrAmbiguousUser, ErrInvalidCredentials (the entry
// exists and the password is wrong or empty), or any other error when the
// server could not answer.
func (d *Directory) Authenticate(ctx context.Context, username, password string) (*Member, error) {
	c, err := d.open(ctx)
	if err != nil {
		return nil, err
	}
	defer c.close()
	m, err := d.findUser(c, username)
	if err != nil {
		return nil, err
	}
	// An empty password is an "unauthenticated bind", which servers
	// accept as success: never a sign-in.
	if password == "" {
		return nil, ErrInvalidCredentials
	}
	if err := c.Bind(m.DN, password); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			return nil, ErrInvalidCredentials
		}
		return nil, fmt.Errorf("could not bind as %s: %w", m.DN, describe(err))
	}
	return m, nil
}

// Lookup finds the user's entry, as Authenticate does, without binding as
// it: a sign-in whose login names no local account asks the directory as
// long as one that does.
func (d *Directory) Lookup(ctx context.Context, username string) (*Member, error) {
	c, err := d.open(ctx)
	if err != nil {
		return nil, err
	}
	defer c.close()
	return d.findUser(c, username)
}

func (d *Directory) findUser(c *conn, username string) (*Member, error) {
	if username == "" {
		return nil, ErrNoSuchUser
	}
	attr := d.cfg.UserAttribute
	res, err := c.Search(ldap.NewSearchRequest(d.cfg.UserBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		2, 0, false, "("+attr+"="+ldap.EscapeFilter(username)+")", []string{attr, "mail"}, nil))
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		return nil, ErrAmbiguousUser
	case err != nil:
		return nil, fmt.Errorf("could not search the user base %s: %w", d.cfg.UserBase, describe(err))
	case len(res.Entries) == 0:
		return nil, ErrNoSuchUser
	case len(res.Entries) > 1:
		return nil, ErrAmbiguousUser
	}
	e := res.Entries[0]
	return &Member{DN: e.DN, Username: e.GetAttributeValue(attr), Email: e.GetAttributeValue("mail")}, nil
}
