package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/ldapdir/ldaptest"
	"duoadmin/models/storetest"
)

const ldapPath = "/admin/gitlab_duo/ldap"

// ldapForm is the settings form for srv's plain port.
func ldapForm(srv *ldaptest.Server) url.Values {
	return url.Values{"host": {srv.Host}, "port": {strconv.Itoa(srv.Port)}, "encryption": {"plain"},
		"bind_dn": {ldaptest.AdminDN}, "password": {ldaptest.AdminPassword}, "user_base": {ldaptest.UserBase},
		"user_attribute": {"uid"}, "group_base": {ldaptest.GroupBase}}
}

// noSecret fails when a response carries the bind password.
func noSecret(t *testing.T, r *response) {
	t.Helper()
	if strings.Contains(r.Body, ldaptest.AdminPassword) {
		t.Fatalf("the bind password came back in %s", r.Request.URL)
	}
}

func TestAdminLDAPSettings(t *testing.T) {
	t.Parallel()
	srv := ldaptest.Start(t)
	a := newTestApp(t)
	admin := a.as("admin")

	page := admin.get(ldapPath)
	wantStatus(t, page, http.StatusOK)
	if page.Doc().Find(`[data-testid="ldap-test-connection"]`).Length() != 0 {
		t.Error("Test connection is offered before anything is saved")
	}
	if v, _ := page.Doc().Find("#port").Attr("value"); v != "389" {
		t.Errorf("a new server's port is %q, want 389", v)
	}

	// Invalid input: the form again with its values and errors, 422,
	// nothing saved, and never the password typed.
	bad := ldapForm(srv)
	bad.Set("port", "seventy")
	bad.Set("bind_dn", "admin")
	res := admin.post(ldapPath, bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	noSecret(t, res)
	if got := res.Text(`[data-testid="form-errors"]`); !strings.Contains(got, "Port must be a number between 1 and 65535") ||
		!strings.Contains(got, "Bind DN must be a distinguished name") {
		t.Errorf("errors: %q", got)
	}
	if v, _ := res.Doc().Find("#host").Attr("value"); v != srv.Host {
		t.Errorf("host not kept: %q", v)
	}
	if _, err := a.store.LDAPServer(context.Background()); err == nil {
		t.Fatal("a refused form saved the server")
	}

	res = admin.post(ldapPath, ldapForm(srv))
	wantStatus(t, res, http.StatusSeeOther)
	page = admin.follow(res)
	noSecret(t, page)
	if page.Flash() != "LDAP settings saved successfully." {
		t.Errorf("flash %q", page.Flash())
	}
	if got := page.Text(`[data-testid="password-state"]`); !strings.Contains(got, "A password is set") {
		t.Errorf("password state %q", got)
	}
	if v, _ := page.Doc().Find("#password").Attr("value"); v != "" {
		t.Errorf("the password field shows %q", v)
	}

	// Test connection binds with the saved settings and counts groups.
	res = admin.post(ldapPath+"/test_connection", nil)
	wantStatus(t, res, http.StatusSeeOther)
	page = admin.follow(res)
	noSecret(t, page)
	want := "Successfully connected to " + srv.Host + ":" + strconv.Itoa(srv.Port) + " as " + ldaptest.AdminDN + ": 6 groups found."
	if page.Flash() != want {
		t.Errorf("test connection: %q, want %q", page.Flash(), want)
	}

	// A blank password keeps the stored one; a new port needs it again.
	keep := ldapForm(srv)
	keep.Set("password", "")
	wantStatus(t, admin.post(ldapPath, keep), http.StatusSeeOther)
	moved := ldapForm(srv)
	moved.Set("password", "")
	moved.Set("port", strconv.Itoa(ldaptest.ClosedPort(t)))
	res = admin.post(ldapPath, moved)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text(`[data-testid="form-errors"]`), models.MsgLDAPPasswordForNewServer) {
		t.Errorf("a new port without the password: %q", res.Text(`[data-testid="form-errors"]`))
	}

	// The auditor reads the form, disabled, without the password.
	page = a.as("support").get(ldapPath)
	wantStatus(t, page, http.StatusOK)
	noSecret(t, page)
	if _, disabled := page.Doc().Find(`[data-testid="ldap-form"] fieldset`).Attr("disabled"); !disabled {
		t.Error("the auditor's form is not disabled")
	}

	// The server goes down: Test connection says why.
	srv.Stop()
	page = admin.follow(admin.post(ldapPath+"/test_connection", nil))
	if got := page.Flash(); !strings.HasPrefix(got, "Connection to "+srv.Host+":"+strconv.Itoa(srv.Port)+" failed: could not connect to") {
		t.Errorf("test connection with the server down: %q", got)
	}
}

func TestAdminLDAPIsSelfManagedOnly(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.SQLite(t), models.GitLabCom)
	admin := a.as("admin")
	wantStatus(t, admin.get(ldapPath), http.StatusNotFound)
	wantStatus(t, admin.post(ldapPath, url.Values{"host": {"ldap.example.com"}}), http.StatusNotFound)
	wantStatus(t, admin.post(ldapPath+"/test_connection", nil), http.StatusNotFound)
}

// ldapSignInApp is an app whose LDAP server is a running slapd, with
// alice, who has an LDAP entry and a local password (dev has no entry);
// signIn posts the sign-in form from a new browser.
func ldapSignInApp(t *testing.T) (a *app, srv *ldaptest.Server, signIn func(login, password string) *response) {
	srv = ldaptest.Start(t)
	a = newTestApp(t)
	a.mustUser(models.UserInput{Username: "alice", Name: "Alice", Email: "alice@local.test", Password: testPassword})
	wantStatus(t, a.as("admin").post(ldapPath, ldapForm(srv)), http.StatusSeeOther)
	return a, srv, func(login, password string) *response {
		return a.client().post("/users/sign_in", url.Values{"user[login]": {login}, "user[password]": {password}})
	}
}

func TestSignInWithLDAPPassword(t *testing.T) {
	t.Parallel()
	a, srv, signIn := ldapSignInApp(t)

	wantStatus(t, signIn("alice", ldaptest.Password("alice")), http.StatusSeeOther)
	// By email too: the account is found first, then bound by username.
	wantStatus(t, signIn("alice@local.test", ldaptest.Password("alice")), http.StatusSeeOther)
	// An LDAP user's local password no longer signs them in.
	res := signIn("alice", testPassword)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Text(`[data-testid="sign-in-error"]`); got != "Invalid login or password." {
		t.Errorf("error %q", got)
	}
	// A local account keeps its own password.
	wantStatus(t, signIn("dev", testPassword), http.StatusSeeOther)
	// LDAP users without a local account cannot sign in.
	wantStatus(t, signIn("bob", ldaptest.Password("bob")), http.StatusUnprocessableEntity)

	// Wrong LDAP passwords count as failures: the lockout holds.
	for range models.MaxSignInFailures - 1 {
		wantStatus(t, signIn("alice", "wrong"), http.StatusUnprocessableEntity)
	}
	wantStatus(t, signIn("alice", ldaptest.Password("alice")), http.StatusTooManyRequests)

	// LDAP goes down: local accounts still sign in; alice is told why,
	// and the attempts do not count against dev.
	srv.Stop()
	for range models.MaxSignInFailures + 1 {
		wantStatus(t, signIn("dev", testPassword), http.StatusSeeOther)
	}
	wantStatus(t, signIn("dev", "wrong"), http.StatusUnprocessableEntity)
	a.mustUser(models.UserInput{Username: "carol", Name: "Carol", Email: "carol@local.test", Password: testPassword})
	res = signIn("carol", ldaptest.Password("carol"))
	wantStatus(t, res, http.StatusUnprocessableEntity) // never bound with LDAP: her local password is the one
	wantStatus(t, signIn("carol", testPassword), http.StatusSeeOther)
}

// A remembered LDAP user is refused while the server is down, whatever
// they type, without counting failures against them.
func TestSignInLDAPUserWhileLDAPIsDown(t *testing.T) {
	t.Parallel()
	_, srv, signIn := ldapSignInApp(t)
	wantStatus(t, signIn("alice", ldaptest.Password("alice")), http.StatusSeeOther)
	srv.Stop()
	for range models.MaxSignInFailures + 1 {
		for _, pw := range []string{ldaptest.Password("alice"), testPassword} {
			res := signIn("alice", pw)
			wantStatus(t, res, http.StatusServiceUnavailable)
			if got := res.Text(`[data-testid="sign-in-error"]`); !strings.Contains(got, "LDAP server is unavailable") {
				t.Fatalf("error %q", got)
			}
		}
	}
}
