package models

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"duoadmin/models/ldapdir"
	"duoadmin/models/secretbox"
)

// LDAPServer is the instance's LDAP server (self-managed; one row, id 1),
// as GitLab's duo_add_on_groups reads it: who signs in with an LDAP
// password, and which users an LDAP group holds.
type LDAPServer struct {
	ID         int64
	Host       string
	Port       int
	Encryption ldapdir.Encryption
	BindDN     string `gorm:"column:bind_dn"`
	// PasswordEncrypted is secretbox.Box.Seal's output, never the password.
	PasswordEncrypted string `json:"-"`
	// PasswordServer is the server (ldapServerKey) the password was saved
	// for: the only one it is ever sent to.
	PasswordServer string `json:"-"`
	UserBase       string
	UserAttribute  string
	GroupBase      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (LDAPServer) TableName() string { return "ldap_servers" }

func (l *LDAPServer) HasPassword() bool { return l.PasswordEncrypted != "" }

// Address is host:port, as the screens name the server.
func (l *LDAPServer) Address() string {
	return ldapdir.Config{Host: l.Host, Port: l.Port}.Address()
}

// ldapServerKey is where a password goes: the encryption as well as the
// address, so that a password saved for LDAPS is not sent in the clear.
func ldapServerKey(enc ldapdir.Encryption, host string, port int) string {
	return string(enc) + "://" + ldapdir.Config{Host: host, Port: port}.Address()
}

// LDAPServerInput is the form, as typed. An empty Password keeps the
// stored one.
type LDAPServerInput struct {
	Host, Port, Encryption, BindDN, Password, UserBase, UserAttribute, GroupBase string
}

// Form fields, also the keys of FieldErrors.
const (
	FieldLDAPHost          = "host"
	FieldLDAPPort          = "port"
	FieldLDAPEncryption    = "encryption"
	FieldLDAPBindDN        = "bind_dn"
	FieldLDAPPassword      = "password"
	FieldLDAPUserBase      = "user_base"
	FieldLDAPUserAttribute = "user_attribute"
	FieldLDAPGroupBase     = "group_base"
)

// MsgLDAPPasswordForNewServer: the stored password is write-only, so
// whoever changes the server (or its encryption) could otherwise send a
// password they never saw to a host of their choosing, or in the clear.
const MsgLDAPPasswordForNewServer = "Enter the password again: the server or its encryption changed."

var (
	// ErrLDAPNotConfigured: no LDAP server has been saved.
	ErrLDAPNotConfigured = Message("No LDAP server is configured.")
	// errLDAPPasswordForOtherServer: the row's password was saved for
	// another server than the row's (a change outside the application).
	errLDAPPasswordForOtherServer = Message("the bind password was saved for another server: save the LDAP settings with the password again.")
)

const maxLDAPText = 1024

// ldapServerValues is an input that passed validation.
type ldapServerValues struct {
	host       string
	port       int
	encryption ldapdir.Encryption
	bindDN     string
	password   string
	userBase   string
	userAttr   string
	groupBase  string
}

func (v ldapServerValues) serverKey() string { return ldapServerKey(v.encryption, v.host, v.port) }

// ValidateLDAPServer checks the form; the password's presence is the
// Store's to check, as it depends on what is stored.
func ValidateLDAPServer(in LDAPServerInput) (ldapServerValues, FieldErrors) {
	v := ldapServerValues{host: strings.TrimSpace(in.Host), encryption: ldapdir.Encryption(in.Encryption),
		bindDN: strings.TrimSpace(in.BindDN), password: in.Password, userBase: strings.TrimSpace(in.UserBase),
		userAttr: in.UserAttribute, groupBase: strings.TrimSpace(in.GroupBase)}
	errs := FieldErrors{}
	switch {
	case v.host == "":
		errs.Add(FieldLDAPHost, msgBlank)
	case strings.Contains(v.host, "://"):
		errs.Add(FieldLDAPHost, "must be a host name or address without ldap:// or ldaps://: choose the encryption below")
	case len(v.host) > 255 || strings.ContainsAny(v.host, " /?#@") || strings.ContainsFunc(v.host, isControl):
		errs.Add(FieldLDAPHost, "must be a host name or IP address, for example ldap.example.com")
	}
	port, err := strconv.Atoi(strings.TrimSpace(in.Port))
	switch {
	case strings.TrimSpace(in.Port) == "":
		errs.Add(FieldLDAPPort, msgBlank)
	case err != nil || port < 1 || port > 65535:
		errs.Add(FieldLDAPPort, "must be a number between 1 and 65535 (389 for plain and StartTLS, 636 for LDAPS)")
	}
	v.port = port
	if !v.encryption.Valid() {
		errs.Add(FieldLDAPEncryption, "must be Plain, StartTLS or LDAPS")
	}
	for _, f := range []struct{ field, value string }{
		{FieldLDAPBindDN, v.bindDN}, {FieldLDAPUserBase, v.userBase}, {FieldLDAPGroupBase, v.groupBase}} {
		switch {
		case f.value == "":
			errs.Add(f.field, msgBlank)
		case len(f.value) > maxLDAPText || !ldapdir.ValidDN(f.value):
			errs.Add(f.field, "must be a distinguished name, for example ou=people,dc=example,dc=com")
		}
	}
	if len(v.password) > maxLDAPText {
		errs.Add(FieldLDAPPassword, "is too long (maximum is 1024 characters)")
	}
	if !validUserAttribute(v.userAttr) {
		errs.Add(FieldLDAPUserAttribute, "must be uid or sAMAccountName")
	}
	return v, errs
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func validUserAttribute(a string) bool {
	for _, v := range ldapdir.UserAttributes {
		if v == a {
			return true
		}
	}
	return false
}

// LDAPServer is the saved server; ErrNotFound when there is none.
func (s *Store) LDAPServer(ctx context.Context) (*LDAPServer, error) {
	return first[LDAPServer](s.q(ctx).Where("id = 1"))
}

// ldapAudit is what an audit event says about the server: never the password.
func ldapAudit(l *LDAPServer) map[string]any {
	return map[string]any{"host": l.Host, "port": l.Port, "encryption": l.Encryption, "bind_dn": l.BindDN,
		"user_base": l.UserBase, "user_attribute": l.UserAttribute, "group_base": l.GroupBase,
		"password": apiKeyState(l.HasPassword())}
}

// SaveLDAPServer validates the form and saves the server, audited
// (ldap_settings_updated) in the same transaction: the fields that
// changed, and only whether the password did.
func (s *Store) SaveLDAPServer(ctx context.Context, actor Actor, in LDAPServerInput) (*LDAPServer, error) {
	v, errs := ValidateLDAPServer(in)
	if len(errs) > 0 {
		return nil, errs
	}
	sealed := ""
	if v.password != "" {
		var err error
		if sealed, err = s.seal(v.password); err != nil {
			return nil, err
		}
	}
	var out *LDAPServer
	err := s.Tx(ctx, func(tx *Store) error {
		old, err := first[LDAPServer](tx.forUpdate(ctx).Where("id = 1"))
		if errors.Is(err, ErrNotFound) {
			old, err = nil, nil
		}
		if err != nil {
			return err
		}
		next := LDAPServer{ID: 1, Host: v.host, Port: v.port, Encryption: v.encryption, BindDN: v.bindDN,
			UserBase: v.userBase, UserAttribute: v.userAttr, GroupBase: v.groupBase}
		switch {
		case sealed != "":
			next.PasswordEncrypted, next.PasswordServer = sealed, v.serverKey()
		case old == nil || !old.HasPassword():
			return FieldErrors{FieldLDAPPassword: msgBlank}
		case old.PasswordServer != v.serverKey():
			return FieldErrors{FieldLDAPPassword: MsgLDAPPasswordForNewServer}
		default:
			next.PasswordEncrypted, next.PasswordServer = old.PasswordEncrypted, old.PasswordServer
		}
		now := time.Now().UTC()
		next.UpdatedAt = now
		var details map[string]any
		if old == nil {
			next.CreatedAt = now
			if err := tx.q(ctx).Create(&next).Error; err != nil {
				return err
			}
			details = ldapAudit(&next)
		} else {
			next.CreatedAt = old.CreatedAt
			details = ldapChanges(old, &next, sealed != "")
			if len(details) == 0 {
				out = old
				return nil
			}
			if err := tx.q(ctx).Save(&next).Error; err != nil {
				return err
			}
		}
		out = &next
		return tx.Audit(ctx, actor, AuditEntry{Action: "ldap_settings_updated", TargetType: "LDAPServer",
			TargetID: 1, TargetName: next.Address(), Details: details})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ldapChanges names each changed field; the password only as "replaced".
func ldapChanges(old, next *LDAPServer, newPassword bool) map[string]any {
	details := map[string]any{}
	track := func(field string, before, after any) {
		if before != after {
			details[field] = change(before, after)
		}
	}
	track("host", old.Host, next.Host)
	track("port", old.Port, next.Port)
	track("encryption", string(old.Encryption), string(next.Encryption))
	track("bind_dn", old.BindDN, next.BindDN)
	track("user_base", old.UserBase, next.UserBase)
	track("user_attribute", old.UserAttribute, next.UserAttribute)
	track("group_base", old.GroupBase, next.GroupBase)
	if newPassword {
		details["password"] = change(apiKeyState(old.HasPassword()), "replaced")
	}
	return details
}

// LDAPDirectory is the saved server to ask, with its password decrypted;
// ErrLDAPNotConfigured without one.
func (s *Store) LDAPDirectory(ctx context.Context) (*ldapdir.Directory, error) {
	l, err := s.LDAPServer(ctx)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrLDAPNotConfigured
	}
	if err != nil {
		return nil, err
	}
	if l.PasswordServer != ldapServerKey(l.Encryption, l.Host, l.Port) {
		return nil, errLDAPPasswordForOtherServer
	}
	if s.opts.Secrets == nil {
		return nil, errNoSecretBox
	}
	pw, err := s.opts.Secrets.Open(l.PasswordEncrypted)
	if errors.Is(err, secretbox.ErrWrongKey) {
		return nil, errors.New("the LDAP bind password " + err.Error() + ": check ENCRYPTION_KEY")
	}
	if err != nil {
		return nil, err
	}
	return ldapdir.New(ldapdir.Config{Host: l.Host, Port: l.Port, Encryption: l.Encryption, BindDN: l.BindDN,
		Password: pw, UserBase: l.UserBase, UserAttribute: l.UserAttribute, GroupBase: l.GroupBase,
		RootCAs: s.opts.LDAPRootCAs}), nil
}

// TestLDAPConnection is "Test connection": bind as the saved service
// account and count the groups under the group base.
func (s *Store) TestLDAPConnection(ctx context.Context) (groups int, err error) {
	d, err := s.LDAPDirectory(ctx)
	if err != nil {
		return 0, err
	}
	return d.Check(ctx)
}

// LDAPGroups is the saved server as the assignment rules' DirectoryGroups:
// each call reads the settings as they are then, so a change on
// /admin/gitlab_duo/ldap applies to the next sync without a restart.
type LDAPGroups struct{ s *Store }

// LDAPGroups returns the DirectoryGroups of this Store's database.
func (s *Store) LDAPGroups() LDAPGroups { return LDAPGroups{s: s} }

// Members is ldapdir.Directory.Members on the saved server: usernames and
// emails, nested groups included. A missing group (ldapdir.ErrNoSuchGroup),
// an unconfigured server (ErrLDAPNotConfigured) or an unreachable one is an
// error, never an empty list.
func (g LDAPGroups) Members(ctx context.Context, cn string) ([]string, error) {
	d, err := g.s.LDAPDirectory(ctx)
	if err != nil {
		return nil, err
	}
	return d.Members(ctx, cn)
}
