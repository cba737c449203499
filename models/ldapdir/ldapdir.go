// Package ldapdir talks to the instance's LDAP server (self-managed): it
// binds with the configured service account, counts groups for "Test
// connection", resolves a group's members by CN (nested groups included)
// and authenticates users by binding as them. It knows nothing about the
// Store: models builds a Config from the saved settings (models/ldap.go).
package ldapdir

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Encryption is how the connection is protected, named as GitLab's LDAP
// configuration names it.
type Encryption string

const (
	Plain     Encryption = "plain"
	StartTLS  Encryption = "start_tls"
	SimpleTLS Encryption = "simple_tls" // LDAPS
)

// Encryptions in the order the form offers them.
var Encryptions = []Encryption{Plain, StartTLS, SimpleTLS}

func (e Encryption) Valid() bool {
	for _, v := range Encryptions {
		if v == e {
			return true
		}
	}
	return false
}

func (e Encryption) Title() string {
	switch e {
	case Plain:
		return "Plain (no encryption)"
	case StartTLS:
		return "StartTLS"
	case SimpleTLS:
		return "LDAPS (simple TLS)"
	}
	return string(e)
}

// ValidDN tells whether s parses as a distinguished name.
func ValidDN(s string) bool {
	_, err := ldap.ParseDN(s)
	return err == nil && s != ""
}

// UserAttributes are the attributes a user's username can live in.
var UserAttributes = []string{"uid", "sAMAccountName"}

// DefaultTimeout bounds each connection attempt and each request, so a
// server that does not answer cannot hold a sign-in for long.
const DefaultTimeout = 5 * time.Second

// Config is one LDAP server.
type Config struct {
	Host       string
	Port       int
	Encryption Encryption
	// BindDN and Password are the service account every search binds as.
	BindDN   string
	Password string
	// UserBase is where users are searched; UserAttribute holds their
	// username (uid, or sAMAccountName on Active Directory).
	UserBase      string
	UserAttribute string
	// GroupBase is where groups are searched by CN.
	GroupBase string
	// RootCAs verifies the server's certificate under StartTLS and LDAPS;
	// nil uses the system's (which honours SSL_CERT_FILE).
	RootCAs *x509.CertPool
	// Timeout is DefaultTimeout when zero.
	Timeout time.Duration
}

// Address is host:port.
func (c Config) Address() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// Directory is an LDAP server to ask. Each call opens its own connection
// (an admin app asks rarely), so a Directory is safe for concurrent use.
type Directory struct{ cfg Config }

func New(cfg Config) *Directory {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Directory{cfg: cfg}
}

var (
	// ErrNoSuchUser: no entry under the user base has this username.
	ErrNoSuchUser = errors.New("no LDAP entry for this user")
	// ErrAmbiguousUser: several entries have it, so none is trusted.
	ErrAmbiguousUser = errors.New("several LDAP entries have this username")
	// ErrInvalidCredentials: the user's entry exists, the password is wrong.
	ErrInvalidCredentials = errors.New("invalid LDAP credentials")
	// ErrNoSuchGroup: no group under the group base has the CN. A group
	// that is missing is not an empty group.
	ErrNoSuchGroup = errors.New("no LDAP group with this CN")
)

// conn is one connection bound as the service account.
type conn struct {
	*ldap.Conn
	stop func() bool
}

func (c *conn) close() {
	c.stop()
	c.Conn.Close()
}

// open dials, protects the connection as configured and binds as the
// service account. Cancelling ctx closes the connection.
func (d *Directory) open(ctx context.Context) (*conn, error) {
	cfg := d.cfg
	tlsConf := &tls.Config{ServerName: cfg.Host, RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
	scheme := "ldap://"
	if cfg.Encryption == SimpleTLS {
		scheme = "ldaps://"
	}
	l, err := ldap.DialURL(scheme+cfg.Address(), ldap.DialWithDialer(&net.Dialer{Timeout: cfg.Timeout}),
		ldap.DialWithTLSConfig(tlsConf))
	if err != nil {
		return nil, fmt.Errorf("could not connect to %s: %w", cfg.Address(), unwrapDial(err))
	}
	l.SetTimeout(cfg.Timeout)
	c := &conn{Conn: l, stop: context.AfterFunc(ctx, func() { l.Close() })}
	if cfg.Encryption == StartTLS {
		if err := l.StartTLS(tlsConf); err != nil {
			c.close()
			return nil, fmt.Errorf("StartTLS with %s failed: %w", cfg.Address(), describe(err))
		}
	}
	if err := l.Bind(cfg.BindDN, cfg.Password); err != nil {
		c.close()
		return nil, fmt.Errorf("could not bind as %s: %w", cfg.BindDN, describe(err))
	}
	return c, nil
}

// unwrapDial drops go-ldap's "LDAP Result Code 200 ..." wrapper around a
// network error, which says nothing to an administrator.
func unwrapDial(err error) error {
	var le *ldap.Error
	if errors.As(err, &le) && le.Err != nil {
		return le.Err
	}
	return err
}

// describe words an LDAP result as "Invalid Credentials (detail)".
func describe(err error) error {
	var le *ldap.Error
	if !errors.As(err, &le) {
		return err
	}
	text, known := ldap.LDAPResultCodeMap[le.ResultCode]
	if !known || le.ResultCode >= ldap.ErrorNetwork {
		if le.Err != nil {
			return le.Err
		}
		return err
	}
	if le.Err != nil && le.Err.Error() != "" {
		text += " (" + le.Err.Error() + ")"
	}
	return errors.New(text)
}

// Check is "Test connection": connect, bind, and count the groups under
// the group base.
func (d *Directory) Check(ctx context.Context) (groups int, err error) {
	c, err := d.open(ctx)
	if err != nil {
		return 0, err
	}
	defer c.close()
	res, err := c.SearchWithPaging(ldap.NewSearchRequest(d.cfg.GroupBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, groupFilter(""), []string{"1.1"}, nil), 500)
	if err != nil {
		return 0, fmt.Errorf("could not search the group base %s: %w", d.cfg.GroupBase, describe(err))
	}
	return len(res.Entries), nil
}
