package handlers

import (
	"fmt"
	"testing"

	"duoadmin/models"
)

// TestDecideTable spells out the whole rule, so a change to decide shows up
// here as a changed expectation rather than as a surprise in a screen test.
func TestDecideTable(t *testing.T) {
	t.Parallel()
	viewers := map[string]*models.User{
		"signed out": nil,
		"admin":      {Username: "admin", Admin: true},
		"auditor":    {Username: "support", Auditor: true},
		// An admin who is also flagged auditor is still an admin.
		"admin+auditor": {Username: "both", Admin: true, Auditor: true},
		"user":          {Username: "dev"},
	}
	const (
		allow  = "allow"
		signIn = "sign in"
		hidden = "404"
		denied = "403"
	)
	type key struct {
		viewer string
		access Access
		owns   bool
		write  bool
	}
	want := func(k key) string {
		switch {
		case k.access == Public:
			return allow
		case k.viewer == "signed out":
			return signIn
		case k.access == SignedIn:
			return allow
		case k.viewer == "admin" || k.viewer == "admin+auditor":
			return allow
		case k.access == AdminArea && k.viewer == "auditor":
			if k.write {
				return denied
			}
			return allow
		case k.access == AdminArea:
			return hidden
		// GroupOwner / ProjectOwner from here on.
		case k.owns:
			return allow
		case k.viewer == "auditor":
			if k.write {
				return denied
			}
			return allow
		}
		return hidden
	}
	got := func(err error) string {
		switch err {
		case nil:
			return allow
		case errSignInRequired:
			return signIn
		case errNotFound:
			return hidden
		case errForbidden:
			return denied
		}
		return fmt.Sprintf("unexpected error %v", err)
	}
	n := 0
	for name, v := range viewers {
		for _, a := range []Access{Public, SignedIn, AdminArea, GroupOwner, ProjectOwner} {
			for _, owns := range []bool{false, true} {
				for _, write := range []bool{false, true} {
					k := key{name, a, owns, write}
					if g, w := got(decide(v, a, owns, write, false)), want(k); g != w {
						t.Errorf("decide(%s, %s, owns=%v, write=%v) = %s, want %s", name, a, owns, write, g, w)
					}
					n++
				}
			}
		}
	}
	if n != 5*5*2*2 {
		t.Fatalf("covered %d cases", n)
	}
}

// TestDecideOwnershipDoesNotOpenTheAdminArea: owning a group must never
// leak into the instance-wide admin area.
func TestDecideOwnershipDoesNotOpenTheAdminArea(t *testing.T) {
	t.Parallel()
	u := &models.User{Username: "owner"}
	for _, write := range []bool{false, true} {
		if err := decide(u, AdminArea, true, write, false); err != errNotFound {
			t.Errorf("owner in admin area (write=%v): %v, want 404", write, err)
		}
		// The API's instance endpoints are public knowledge: 403, not 404.
		if err := decide(u, AdminArea, true, write, true); err != errForbidden {
			t.Errorf("owner in the admin API (write=%v): %v, want 403", write, err)
		}
	}
}

func TestDecideAccessNames(t *testing.T) {
	t.Parallel()
	want := map[Access]string{Public: "public", SignedIn: "signed_in", AdminArea: "admin_area",
		GroupOwner: "group_owner", ProjectOwner: "project_owner"}
	for a, s := range want {
		if a.String() != s {
			t.Errorf("%d.String() = %q, want %q", a, a.String(), s)
		}
	}
}
