package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"duoadmin/models"
)

// TestAuthzUnknownPathsDoNotLeakExistence: signed out, an unknown group or
// project looks exactly like a real one (sign in first); signed in, it is a
// plain 404.
func TestAuthzUnknownPathsDoNotLeakExistence(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	anon := f.as("")
	for _, pair := range [][2]string{
		{"/groups/acme", "/groups/nope"},
		{"/groups/acme/-/group_members", "/groups/nope/-/group_members"},
		{"/acme/backend", "/acme/nope"},
		{"/acme/backend/-/project_members", "/nope/nope/-/project_members"},
	} {
		known, unknown := anon.get(pair[0]), anon.get(pair[1])
		for _, res := range []*response{known, unknown} {
			wantStatus(t, res, http.StatusFound)
			if loc := res.Header.Get("Location"); loc != "/users/sign_in" {
				t.Errorf("%s: signed out sent to %q", res.Request.URL.Path, loc)
			}
		}
	}
	// A single segment is never a project; still no hint to a signed-out visitor.
	res := anon.get("/acme")
	wantStatus(t, res, http.StatusFound)
	wantStatus(t, anon.post("/groups/nope/-/group_members", nil), http.StatusForbidden)
	wantStatus(t, anon.post("/acme/nope/-/project_members", nil), http.StatusForbidden)

	for _, role := range []string{"owner", "admin", "support"} {
		c := f.as(role)
		for _, p := range []string{"/groups/nope", "/groups/acme/nope", "/groups/nope/-/group_members", "/acme/nope", "/acme", "/nope/api/-/project_members"} {
			res := c.get(p)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s GET %s: status %d, want 404", role, p, res.StatusCode)
			}
		}
		res := c.post("/groups/nope/-/group_members", nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s POST to an unknown group: status %d, want 404", role, res.StatusCode)
		}
	}
}

// TestAuthzSignInReturnsToTheScopedPage: the sign-in redirect remembers a
// group page, as it does for /admin.
func TestAuthzSignInReturnsToTheScopedPage(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	c := f.as("")
	wantStatus(t, c.get("/groups/acme/-/group_members?page=2"), http.StatusFound)
	res := c.post("/users/sign_in", url.Values{"user[login]": {"owner"}, "user[password]": {testPassword}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/groups/acme/-/group_members?page=2" {
		t.Fatalf("after sign-in went to %q", loc)
	}
}

// TestAuthzOwnershipIsInherited: an owner of acme owns its subgroups and
// their projects (GitLab's rule); an owner of a project does not own its group.
func TestAuthzOwnershipIsInherited(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	ctx := context.Background()
	actor := models.ActorFor(f.users["admin"])
	sub, err := f.store.CreateGroup(ctx, actor, f.scopes["acme"].group, models.GroupInput{Path: "platform", Name: "Platform"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.CreateProject(ctx, actor, sub, models.ProjectInput{Path: "web", Name: "Web"}); err != nil {
		t.Fatal(err)
	}
	other := f.scopes["other"]
	// dev becomes Owner of the project other/backend, and of nothing else.
	if err := f.store.ChangeMemberAccess(ctx, actor, models.ProjectSource(other.project, other.group), other.projectMemberID, models.Owner); err != nil {
		t.Fatal(err)
	}

	owner := f.as("owner")
	for _, p := range []string{"/groups/acme/platform", "/groups/acme/platform/-/group_members", "/acme/platform/web", "/acme/platform/web/-/project_members"} {
		t.Run("owner GET "+p, func(t *testing.T) {
			c := *owner
			c.t = t
			checkOutcome(t, c.get(p), pageOrRedirect)
		})
	}

	dev := f.as("dev")
	for p, want := range map[string]outcome{
		"/other/backend": pageOrRedirect, "/other/backend/-/project_members": pageOrRedirect,
		"/groups/other": hidden, "/groups/other/-/group_members": hidden,
		"/groups/acme/platform": hidden, "/acme/platform/web": hidden,
	} {
		t.Run("dev GET "+p, func(t *testing.T) {
			c := *dev
			c.t = t
			checkOutcome(t, c.get(p), want)
		})
	}
	t.Run("dev POST to the group of the project it owns", func(t *testing.T) {
		c := *dev
		c.t = t
		path := "/groups/other/-/group_members/" + strconv.FormatInt(other.groupMemberID, 10)
		checkOutcome(t, c.post(path, url.Values{"access_level": {"40"}}), hidden)
	})
}

// TestAuthzSubresourceDoesNotBecomeReturnTo: a browser on the sign-in page
// also fetches /favicon.ico; that request must not replace the page the
// visitor asked for (found by the e2e test: sign-in landed on a 404).
func TestAuthzSubresourceDoesNotBecomeReturnTo(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	c := f.as("")
	wantStatus(t, c.get("/admin/users?page=2"), http.StatusFound)
	req, _ := http.NewRequest(http.MethodGet, f.http.URL+"/favicon.ico", nil)
	// What Chromium sends for a favicon.
	req.Header.Set("Accept", "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8")
	req.Header.Set("Sec-Fetch-Dest", "image")
	req.Header.Set("Sec-Fetch-Mode", "no-cors")
	c.do(req)
	res := c.post("/users/sign_in", url.Values{"user[login]": {"admin"}, "user[password]": {testPassword}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/admin/users?page=2" {
		t.Fatalf("after sign-in went to %q, want the page asked for", loc)
	}
}
