package models_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/ldapdir"
	"duoadmin/models/ldapdir/ldaptest"
	"duoadmin/models/storetest"
)

const ldapBindPassword = ldaptest.AdminPassword

// ldapInput is the form for srv (plain), or for an example server.
func ldapInput(srv *ldaptest.Server) models.LDAPServerInput {
	in := models.LDAPServerInput{Host: "ldap.example.com", Port: "389", Encryption: "plain", BindDN: ldaptest.AdminDN,
		Password: ldapBindPassword, UserBase: ldaptest.UserBase, UserAttribute: "uid", GroupBase: ldaptest.GroupBase}
	if srv != nil {
		in.Host, in.Port = srv.Host, strconv.Itoa(srv.Port)
	}
	return in
}

func TestLDAPServerValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(*models.LDAPServerInput)
		field  string
	}{
		{"blank host", func(in *models.LDAPServerInput) { in.Host = " " }, "host"},
		{"URL as host", func(in *models.LDAPServerInput) { in.Host = "ldaps://ldap.example.com" }, "host"},
		{"host with a path", func(in *models.LDAPServerInput) { in.Host = "ldap.example.com/x" }, "host"},
		{"blank port", func(in *models.LDAPServerInput) { in.Port = "" }, "port"},
		{"port not a number", func(in *models.LDAPServerInput) { in.Port = "ldap" }, "port"},
		{"port too high", func(in *models.LDAPServerInput) { in.Port = "65536" }, "port"},
		{"port zero", func(in *models.LDAPServerInput) { in.Port = "0" }, "port"},
		{"unknown encryption", func(in *models.LDAPServerInput) { in.Encryption = "ssl" }, "encryption"},
		{"blank bind DN", func(in *models.LDAPServerInput) { in.BindDN = "" }, "bind_dn"},
		{"bind DN not a DN", func(in *models.LDAPServerInput) { in.BindDN = "admin" }, "bind_dn"},
		{"user base not a DN", func(in *models.LDAPServerInput) { in.UserBase = "people" }, "user_base"},
		{"blank group base", func(in *models.LDAPServerInput) { in.GroupBase = "" }, "group_base"},
		{"unknown user attribute", func(in *models.LDAPServerInput) { in.UserAttribute = "cn" }, "user_attribute"},
		{"long password", func(in *models.LDAPServerInput) { in.Password = strings.Repeat("p", 1025) }, "password"},
		{"no password on the first save", func(in *models.LDAPServerInput) { in.Password = "" }, "password"},
	}
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		for _, tc := range cases {
			in := ldapInput(nil)
			tc.change(&in)
			_, err := s.SaveLDAPServer(ctx, tester, in)
			var fe models.FieldErrors
			if !errors.As(err, &fe) || fe[tc.field] == "" || len(fe) != 1 {
				t.Errorf("%s: %v, want one error on %s", tc.name, err, tc.field)
			}
		}
		if _, err := s.LDAPServer(ctx); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("refused saves stored a server: %v", err)
		}
	})
}

func TestLDAPServerSaveKeepsThePasswordSecret(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		l, err := s.SaveLDAPServer(ctx, tester, ldapInput(nil))
		if err != nil {
			t.Fatal(err)
		}
		if l.Address() != "ldap.example.com:389" || !l.HasPassword() || l.Encryption != ldapdir.Plain {
			t.Fatalf("saved %+v", l)
		}
		db, err := s.SQLDB()
		if err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := db.QueryRow("SELECT password_encrypted FROM ldap_servers WHERE id = 1").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, ldapBindPassword) {
			t.Errorf("the password is stored as %q", stored)
		}

		// A blank password keeps the stored one; other fields change.
		in := ldapInput(nil)
		in.Password, in.GroupBase = "", "ou=teams,dc=example,dc=org"
		l2, err := s.SaveLDAPServer(ctx, tester, in)
		if err != nil || l2.PasswordEncrypted != l.PasswordEncrypted || l2.GroupBase != in.GroupBase {
			t.Fatalf("save with a blank password: %+v, %v", l2, err)
		}
		// Saving the same values again writes (and audits) nothing.
		if _, err := s.SaveLDAPServer(ctx, tester, in); err != nil {
			t.Fatal(err)
		}

		// A new host, port or encryption needs the password again.
		for _, change := range []func(*models.LDAPServerInput){
			func(in *models.LDAPServerInput) { in.Host = "evil.example.net" },
			func(in *models.LDAPServerInput) { in.Port = "1389" },
			func(in *models.LDAPServerInput) { in.Encryption = "start_tls" },
		} {
			in := ldapInput(nil)
			in.Password = ""
			change(&in)
			_, err := s.SaveLDAPServer(ctx, tester, in)
			var fe models.FieldErrors
			if !errors.As(err, &fe) || fe["password"] != models.MsgLDAPPasswordForNewServer {
				t.Errorf("a new server without the password: %v", err)
			}
		}

		evs, err := s.RecentAuditEvents(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, ev := range evs {
			actions = append(actions, ev.Action)
			if strings.Contains(ev.Details, ldapBindPassword) || strings.Contains(ev.Details, "v1:") {
				t.Errorf("audit event %s carries the password: %s", ev.Action, ev.Details)
			}
		}
		if !slices.Equal(actions, []string{"ldap_settings_updated", "ldap_settings_updated"}) {
			t.Errorf("audit events %v, want two ldap_settings_updated", actions)
		}
		if !strings.Contains(evs[0].Details, `"group_base":{"after":"ou=teams,dc=example,dc=org","before":"ou=groups,dc=example,dc=org"}`) ||
			strings.Contains(evs[0].Details, `"host"`) {
			t.Errorf("the update names %s, want only the group base", evs[0].Details)
		}
	})
}

func TestLDAPWrongEncryptionKeyIsRefusedAtStart(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	ctx := context.Background()
	if _, err := s.SaveLDAPServer(ctx, tester, ldapInput(nil)); err != nil {
		t.Fatal(err)
	}
	err := s.CheckEncryptionKey(ctx, mustBox(t, 9))
	if err == nil || !strings.Contains(err.Error(), "is not the key the LDAP bind password was encrypted with") {
		t.Errorf("CheckEncryptionKey with another key: %v", err)
	}
}

func TestLDAPConnectionAndGroupsAgainstSlapd(t *testing.T) {
	t.Parallel()
	srv := ldaptest.Start(t)
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if _, err := s.TestLDAPConnection(ctx); !errors.Is(err, models.ErrLDAPNotConfigured) {
			t.Errorf("Test connection before any save: %v", err)
		}
		if _, err := s.LDAPGroups().Members(ctx, "developers"); !errors.Is(err, models.ErrLDAPNotConfigured) {
			t.Errorf("Members before any save: %v", err)
		}
		if _, err := s.SaveLDAPServer(ctx, tester, ldapInput(srv)); err != nil {
			t.Fatal(err)
		}
		if n, err := s.TestLDAPConnection(ctx); err != nil || n != ldaptest.Groups {
			t.Errorf("Test connection = %d, %v", n, err)
		}
		got, err := s.LDAPGroups().Members(ctx, "backend")
		slices.Sort(got)
		if want := []string{"alice", "alice@example.org", "bob", "bob@example.org", "carol", "carol@example.org"}; err != nil || !slices.Equal(got, want) {
			t.Errorf("Members(backend) = %v, %v; want %v", got, err, want)
		}
		if _, err := s.LDAPGroups().Members(ctx, "nope"); !errors.Is(err, ldapdir.ErrNoSuchGroup) {
			t.Errorf("Members(nope) = %v, want ErrNoSuchGroup", err)
		}
	})
}

// The Store trusts the CA it was given (models.Options.LDAPRootCAs).
func TestLDAPStartTLSWithTheStoresRootCAs(t *testing.T) {
	t.Parallel()
	srv := ldaptest.Start(t)
	s := storetest.SQLite(t, func(o *models.Options) { o.LDAPRootCAs = srv.RootCAs })
	ctx := context.Background()
	for _, tc := range []struct {
		enc  string
		port int
	}{{"start_tls", srv.Port}, {"simple_tls", srv.TLSPort}} {
		in := ldapInput(srv)
		in.Encryption, in.Port = tc.enc, strconv.Itoa(tc.port)
		if _, err := s.SaveLDAPServer(ctx, tester, in); err != nil {
			t.Fatal(err)
		}
		if n, err := s.TestLDAPConnection(ctx); err != nil || n != ldaptest.Groups {
			t.Errorf("%s: Test connection = %d, %v", tc.enc, n, err)
		}
	}
	// Without the CA the certificate is refused.
	other := storetest.SQLite(t)
	in := ldapInput(srv)
	in.Encryption = "start_tls"
	if _, err := other.SaveLDAPServer(ctx, tester, in); err != nil {
		t.Fatal(err)
	}
	if _, err := other.TestLDAPConnection(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("StartTLS to an unknown certificate: %v", err)
	}
}

func TestLDAPSignInPassword(t *testing.T) {
	t.Parallel()
	srv := ldaptest.Start(t)
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		user := func(name string) *models.User {
			u, err := s.CreateUser(ctx, tester, models.UserInput{Username: name, Name: name, Email: name + "@local.test",
				Password: "local-password-" + name})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		alice, bob, local := user("alice"), user("bob"), user("localonly")
		check := func(u *models.User, login, pw string) models.PasswordCheck {
			t.Helper()
			res, err := s.CheckSignInPassword(ctx, u, login, pw)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}

		// Without an LDAP server: local passwords.
		if !check(alice, "alice", "local-password-alice").OK {
			t.Error("no LDAP server: alice's local password refused")
		}
		if _, err := s.SaveLDAPServer(ctx, tester, ldapInput(srv)); err != nil {
			t.Fatal(err)
		}
		if !check(alice, "alice", ldaptest.Password("alice")).OK {
			t.Error("alice's LDAP password refused")
		}
		for _, pw := range []string{"local-password-alice", "wrong", ""} {
			if check(alice, "alice", pw).OK {
				t.Errorf("alice signed in with %q", pw)
			}
		}
		if !check(local, "localonly", "local-password-localonly").OK {
			t.Error("a local account's password refused")
		}
		if check(local, "localonly", "wrong").OK || check(nil, "nobody", "x").OK || check(nil, "carol", ldaptest.Password("carol")).OK {
			t.Error("a wrong password or an unknown login passed")
		}

		// The server goes down (a closed port): local accounts, and LDAP
		// users who never signed in with LDAP, keep their local password;
		// alice, who did, is told LDAP is unavailable, whatever she types.
		in := ldapInput(srv)
		in.Port = strconv.Itoa(ldaptest.ClosedPort(t))
		if _, err := s.SaveLDAPServer(ctx, tester, in); err != nil {
			t.Fatal(err)
		}
		if res := check(local, "localonly", "local-password-localonly"); !res.OK || res.LDAPErr == nil {
			t.Errorf("LDAP down: the local account got %+v", res)
		}
		if res := check(bob, "bob", "local-password-bob"); !res.OK {
			t.Errorf("LDAP down: bob (never signed in with LDAP) got %+v", res)
		}
		for _, pw := range []string{ldaptest.Password("alice"), "local-password-alice"} {
			if res := check(alice, "alice", pw); res.OK || !res.LDAPUnavailable {
				t.Errorf("LDAP down: alice with %q got %+v, want unavailable", pw, res)
			}
		}
	})
}
