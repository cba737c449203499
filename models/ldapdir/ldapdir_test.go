package ldapdir_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"duoadmin/models/ldapdir"
	"duoadmin/models/ldapdir/ldaptest"
)

// One slapd serves every test of the package that does not stop it.
func TestDirectoryAgainstSlapd(t *testing.T) {
	srv := ldaptest.Start(t)
	ctx := context.Background()

	t.Run("test connection binds and counts groups, on each encryption", func(t *testing.T) {
		for _, enc := range ldapdir.Encryptions {
			n, err := ldapdir.New(srv.Config(enc)).Check(ctx)
			if err != nil || n != ldaptest.Groups {
				t.Errorf("%s: Check = %d, %v; want %d groups", enc, n, err, ldaptest.Groups)
			}
		}
	})

	t.Run("StartTLS and LDAPS verify the certificate", func(t *testing.T) {
		for _, enc := range []ldapdir.Encryption{ldapdir.StartTLS, ldapdir.SimpleTLS} {
			cfg := srv.Config(enc)
			cfg.RootCAs = nil // the system's roots do not know the run's certificate
			_, err := ldapdir.New(cfg).Check(ctx)
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("%s with an unknown certificate: %v, want a certificate error", enc, err)
			}
		}
	})

	t.Run("a wrong bind password is reported", func(t *testing.T) {
		cfg := srv.Config(ldapdir.Plain)
		cfg.Password = "wrong"
		_, err := ldapdir.New(cfg).Check(ctx)
		if err == nil || !strings.Contains(err.Error(), "could not bind as "+ldaptest.AdminDN+": Invalid Credentials") {
			t.Errorf("Check with a wrong password: %v", err)
		}
	})

	t.Run("a missing group base is reported", func(t *testing.T) {
		cfg := srv.Config(ldapdir.Plain)
		cfg.GroupBase = "ou=nowhere,dc=example,dc=org"
		_, err := ldapdir.New(cfg).Check(ctx)
		if err == nil || !strings.Contains(err.Error(), "No Such Object") {
			t.Errorf("Check with a missing group base: %v", err)
		}
	})

	dir := ldapdir.New(srv.Config(ldapdir.Plain))
	t.Run("nested groups, with a cycle", func(t *testing.T) {
		// developers > backend > platform > developers.
		for _, cn := range []string{"developers", "backend", "platform"} {
			got := usernames(t, dir, cn)
			if want := []string{"alice", "bob", "carol"}; !slices.Equal(got, want) {
				t.Errorf("%s: members %v, want %v", cn, got, want)
			}
		}
	})

	t.Run("groupOfUniqueNames and posixGroup", func(t *testing.T) {
		if got := usernames(t, dir, "designers"); !slices.Equal(got, []string{"dave", "erin"}) {
			t.Errorf("designers: %v", got)
		}
		// memberUid "nobody-here" has no entry: nobody.
		if got := usernames(t, dir, "ops"); !slices.Equal(got, []string{"frank"}) {
			t.Errorf("ops: %v", got)
		}
	})

	t.Run("Members lists usernames and emails, each once", func(t *testing.T) {
		got, err := dir.Members(ctx, "developers")
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		want := []string{"alice", "alice@example.org", "bob", "bob@example.org", "carol", "carol@example.org"}
		if !slices.Equal(got, want) {
			t.Errorf("Members = %v, want %v", got, want)
		}
	})

	t.Run("a group whose member is gone is empty; a missing group is an error", func(t *testing.T) {
		got, err := dir.Members(ctx, "ghosts")
		if err != nil || len(got) != 0 {
			t.Errorf("ghosts: %v, %v; want empty", got, err)
		}
		if _, err := dir.Members(ctx, "no-such-group"); !errors.Is(err, ldapdir.ErrNoSuchGroup) {
			t.Errorf("a missing group: %v, want ErrNoSuchGroup", err)
		}
		// A CN is a value, never a filter.
		if _, err := dir.Members(ctx, "*"); !errors.Is(err, ldapdir.ErrNoSuchGroup) {
			t.Errorf(`CN "*": %v, want ErrNoSuchGroup`, err)
		}
	})

	t.Run("authenticate binds as the user", func(t *testing.T) {
		m, err := dir.Authenticate(ctx, "carol", ldaptest.Password("carol"))
		if err != nil || m.Username != "carol" || m.Email != "carol@example.org" ||
			m.DN != "uid=carol,ou=contractors,ou=people,dc=example,dc=org" {
			t.Fatalf("Authenticate = %+v, %v", m, err)
		}
		for _, tc := range []struct {
			user, password string
			want           error
		}{
			{"carol", "wrong", ldapdir.ErrInvalidCredentials},
			{"carol", "", ldapdir.ErrInvalidCredentials}, // never an unauthenticated bind
			{"nobody", "x", ldapdir.ErrNoSuchUser},
			{"*", ldaptest.Password("carol"), ldapdir.ErrNoSuchUser}, // a filter character is a value
			{"twin", ldaptest.Password("twin"), ldapdir.ErrAmbiguousUser},
		} {
			if _, err := dir.Authenticate(ctx, tc.user, tc.password); !errors.Is(err, tc.want) {
				t.Errorf("Authenticate(%q, %q) = %v, want %v", tc.user, tc.password, err, tc.want)
			}
		}
	})

	t.Run("sAMAccountName as the user attribute", func(t *testing.T) {
		cfg := srv.Config(ldapdir.StartTLS)
		cfg.UserAttribute = "sAMAccountName"
		ad := ldapdir.New(cfg)
		if m, err := ad.Authenticate(ctx, "asmith", ldaptest.Password("alice")); err != nil || m.Username != "asmith" {
			t.Errorf("Authenticate(asmith) = %+v, %v", m, err)
		}
		if _, err := ad.Authenticate(ctx, "alice", ldaptest.Password("alice")); !errors.Is(err, ldapdir.ErrNoSuchUser) {
			t.Errorf("Authenticate(alice) by sAMAccountName = %v, want ErrNoSuchUser", err)
		}
		// Members without the attribute are not users here.
		if got := usernames(t, ad, "developers"); !slices.Equal(got, []string{"asmith"}) {
			t.Errorf("developers by sAMAccountName: %v", got)
		}
	})
}

func TestDirectoryDown(t *testing.T) {
	t.Parallel()
	srv := ldaptest.Start(t)
	cfg := srv.Config(ldapdir.Plain)
	srv.Stop()
	start := time.Now()
	_, err := ldapdir.New(cfg).Authenticate(context.Background(), "alice", ldaptest.Password("alice"))
	if err == nil || errors.Is(err, ldapdir.ErrNoSuchUser) || errors.Is(err, ldapdir.ErrInvalidCredentials) ||
		!strings.Contains(err.Error(), "could not connect to 127.0.0.1:") {
		t.Errorf("Authenticate with the server down: %v, want a connection error", err)
	}
	if _, err := ldapdir.New(cfg).Members(context.Background(), "developers"); err == nil {
		t.Error("Members with the server down answered")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a refused connection took %s", d)
	}
}

func usernames(t *testing.T, d *ldapdir.Directory, cn string) []string {
	t.Helper()
	ms, err := d.GroupMembers(context.Background(), cn)
	if err != nil {
		t.Fatalf("%s: %v", cn, err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Username)
	}
	return out
}
