package models

import (
	"crypto/x509"

	"golang.org/x/crypto/bcrypt"

	"duoadmin/models/secretbox"
)

// Options are what a Store is told when it is opened, instead of package
// globals: each Store (and so each test) carries its own.
type Options struct {
	// BaseURL is the public address used in mail links (BASE_URL).
	BaseURL string
	// AuditRetentionDays is how many whole days of audit events the daily
	// audit_retention job keeps; 0 keeps them for ever.
	AuditRetentionDays int
	// PasswordCost is bcrypt's cost for new password hashes (and the dummy
	// hash unknown logins are checked against); 0 is bcrypt's default.
	// Tests lower it to keep the suite fast.
	PasswordCost int
	// Secrets encrypts the API keys of self-hosted models. Without it the
	// Store refuses to store or read one (and handlers.New refuses to
	// start): a key generated silently would be lost at the next restart.
	Secrets *secretbox.Box
	// LDAPRootCAs verifies the LDAP server's certificate (StartTLS, LDAPS);
	// nil uses the system's roots (SSL_CERT_FILE adds a private CA). Tests
	// trust their slapd's certificate with it.
	LDAPRootCAs *x509.CertPool
	// Directory resolves LDAP groups for assignment rules; nil: no LDAP
	// server, and a rule on an LDAP group holds its sync (never removes).
	Directory DirectoryGroups
}

const defaultBaseURL = "http://127.0.0.1:8080"

func (o Options) withDefaults() Options {
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	if o.PasswordCost == 0 {
		o.PasswordCost = bcrypt.DefaultCost
	}
	return o
}

// CanEncrypt tells whether the Store was given an encryption key.
func (s *Store) CanEncrypt() bool { return s.opts.Secrets != nil }

// WithSecretBox is a view of the same database that encrypts with another
// key: for checking a key before using it, and for tests that read with
// a wrong one.
func (s *Store) WithSecretBox(b *secretbox.Box) *Store {
	c := *s
	c.opts.Secrets = b
	return &c
}
