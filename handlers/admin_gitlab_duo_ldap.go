package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/ldap"
)

// The instance's LDAP server (self-managed only, as GitLab's LDAP
// configuration is an instance's): who signs in with an LDAP password, and
// where assignment rules find LDAP groups.

// ldapUnavailable: GitLab.com has no instance LDAP server, so the screen
// does not exist there (404), as the other self-managed admin screens.
func (s *Server) ldapUnavailable() error {
	if s.deployment == models.GitLabCom {
		return errNotFound
	}
	return nil
}

func (s *Server) ldapChrome(c echo.Context) layouts.Chrome {
	ch := s.chrome(c, "LDAP")
	ch.Nav = s.adminNav("LDAP")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "GitLab Duo", Href: "/admin/gitlab_duo"},
		{Text: "LDAP", Href: ldap.Path}}
	return ch
}

// savedLDAPServer is the saved server, or nil before the first save.
func (s *Server) savedLDAPServer(c echo.Context) (*models.LDAPServer, error) {
	l, err := s.store.LDAPServer(c.Request().Context())
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return l, err
}

// GET /admin/gitlab_duo/ldap
func (s *Server) getAdminGitlabDuoLDAP(c echo.Context) error {
	if err := s.ldapUnavailable(); err != nil {
		return err
	}
	l, err := s.savedLDAPServer(c)
	if err != nil {
		return err
	}
	return ok(c, ldap.Settings(s.ldapChrome(c), ldap.Props{Server: l, Values: ldap.ValuesOf(l)}))
}

// POST /admin/gitlab_duo/ldap saves the form; a refused form comes back
// with its values (never the password) and errors.
func (s *Server) postAdminGitlabDuoLDAP(c echo.Context) error {
	if err := s.ldapUnavailable(); err != nil {
		return err
	}
	in := models.LDAPServerInput{Host: c.FormValue("host"), Port: c.FormValue("port"), Encryption: c.FormValue("encryption"),
		BindDN: c.FormValue("bind_dn"), Password: c.FormValue("password"), UserBase: c.FormValue("user_base"),
		UserAttribute: c.FormValue("user_attribute"), GroupBase: c.FormValue("group_base")}
	_, err := s.store.SaveLDAPServer(c.Request().Context(), models.ActorFor(viewer(c)), in)
	var errs models.FieldErrors
	if errors.As(err, &errs) {
		l, err := s.savedLDAPServer(c)
		if err != nil {
			return err
		}
		in.Password = ""
		return render(c, http.StatusUnprocessableEntity, ldap.Settings(s.ldapChrome(c), ldap.Props{Server: l, Values: in, Errs: errs}))
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, ldap.Path, "success", "LDAP settings saved successfully.")
}
