// Package ldaptest runs a real OpenLDAP server (Debian's slapd) for tests:
// a temporary configuration and database loaded with fixture.ldif, on free
// loopback ports, plain/StartTLS and LDAPS, with a certificate made for the
// run. Without slapd the test is skipped and the run's report says so;
// under CI=true it fails instead, as CI installs slapd (.ci/run).
package ldaptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"duoadmin/models/ldapdir"
	"duoadmin/models/storetest"
)

//go:embed fixture.ldif
var fixture string

// The fixture's names. Users' passwords are "<uid>-ldap-pw".
const (
	Suffix        = "dc=example,dc=org"
	AdminDN       = "cn=admin,dc=example,dc=org"
	AdminPassword = "admin-secret"
	UserBase      = "ou=people,dc=example,dc=org"
	GroupBase     = "ou=groups,dc=example,dc=org"
	// Groups is how many groups the fixture has under GroupBase.
	Groups = 6
)

// Password is a fixture user's LDAP password.
func Password(uid string) string { return uid + "-ldap-pw" }

// Server is one running slapd.
type Server struct {
	Host string
	// Port serves ldap:// (plain, and StartTLS); TLSPort ldaps://.
	Port, TLSPort int
	// RootCAs trusts the run's certificate (issued to 127.0.0.1).
	RootCAs *x509.CertPool

	cmd      *exec.Cmd
	exited   chan struct{}
	stopOnce sync.Once
	log      *bytes.Buffer
}

// slapdPath is $SLAPD_PATH or /usr/sbin/slapd; "" when neither exists.
func slapdPath() string {
	if p := os.Getenv("SLAPD_PATH"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/sbin/slapd"); err == nil {
		return "/usr/sbin/slapd"
	}
	return ""
}

// Start runs slapd for the test and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := slapdPath()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ldap: slapd not installed; CI must run the LDAP tests (apt-get install -y slapd ldap-utils)")
		}
		storetest.Report("ldap: skipped (slapd not installed)")
		t.Skip("slapd not installed (apt-get install -y slapd ldap-utils)")
	}
	storetest.Report("ldap: slapd")
	dir := t.TempDir()
	certPEM, err := writeConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	// slapadd loads the fixture offline, before the server starts.
	if out, err := exec.Command(bin, "-T", "add", "-f", filepath.Join(dir, "slapd.conf"), "-l", filepath.Join(dir, "fixture.ldif")).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v\n%s", err, out)
	}
	// A free port can be taken between asking and listening: try again.
	var lastErr error
	for range 5 {
		s := &Server{Host: "127.0.0.1", Port: freePort(t), TLSPort: freePort(t), RootCAs: pool}
		if lastErr = s.run(bin, dir); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatalf("slapd did not start: %v", lastErr)
	return nil
}

func (s *Server) run(bin, dir string) error {
	urls := fmt.Sprintf("ldap://%s:%d/ ldaps://%s:%d/", s.Host, s.Port, s.Host, s.TLSPort)
	// -d 0 keeps slapd in the foreground, so it is ours to stop.
	s.cmd = exec.Command(bin, "-f", filepath.Join(dir, "slapd.conf"), "-h", urls, "-d", "0")
	s.log = &bytes.Buffer{}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.exited = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("slapd exited: %s", strings.TrimSpace(s.log.String()))
		default:
		}
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("%s:%d", s.Host, s.Port), 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return fmt.Errorf("slapd did not listen on %d within 15 s", s.Port)
}

// Stop ends slapd (tests of an outage call it early); it is safe to call
// twice. Afterwards its ports refuse connections.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// Config is a Config for this server as the fixture's admin.
func (s *Server) Config(enc ldapdir.Encryption) ldapdir.Config {
	port := s.Port
	if enc == ldapdir.SimpleTLS {
		port = s.TLSPort
	}
	return ldapdir.Config{Host: s.Host, Port: port, Encryption: enc, BindDN: AdminDN, Password: AdminPassword,
		UserBase: UserBase, UserAttribute: "uid", GroupBase: GroupBase, RootCAs: s.RootCAs, Timeout: 5 * time.Second}
}

// ClosedPort is a loopback port nothing listens on: an LDAP server that is down.
func ClosedPort(t testing.TB) int { return freePort(t) }

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// slapdConf: the schemas the fixture needs, sAMAccountName (Active
// Directory's username, with its real OID) on an auxiliary class under
// OpenLDAP's experimental arc, one mdb database, TLS with the run's cert.
const slapdConf = `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch
	SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.4203.666.100.1 NAME 'adAccount' SUP top AUXILIARY MAY sAMAccountName )
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {{dir}}/slapd.pid
argsfile {{dir}}/slapd.args
TLSCertificateFile {{dir}}/cert.pem
TLSCertificateKeyFile {{dir}}/key.pem
database mdb
maxsize 10485760
suffix "` + Suffix + `"
rootdn "` + AdminDN + `"
rootpw ` + AdminPassword + `
directory {{dir}}/db
`

// writeConfig writes slapd.conf, the fixture, and a certificate for
// 127.0.0.1 (returned, to be trusted).
func writeConfig(dir string) ([]byte, error) {
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := selfSigned()
	if err != nil {
		return nil, err
	}
	files := map[string]string{
		"slapd.conf":   strings.ReplaceAll(slapdConf, "{{dir}}", dir),
		"fixture.ldif": fixture,
		"cert.pem":     string(certPEM),
		"key.pem":      string(keyPEM),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			return nil, err
		}
	}
	return certPEM, nil
}

func selfSigned() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "duoadmin ldaptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), nil
}
