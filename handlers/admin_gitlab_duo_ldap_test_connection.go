package handlers

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/pages/ldap"
)

// POST /admin/gitlab_duo/ldap/test_connection binds with the saved
// settings (never the form's: the saved password goes only to the server
// it was saved for) and counts the groups under the group base. Each
// connection and request gives up after ldapdir.DefaultTimeout.
func (s *Server) postAdminGitlabDuoLDAPTestConnection(c echo.Context) error {
	if err := s.ldapUnavailable(); err != nil {
		return err
	}
	l, err := s.savedLDAPServer(c)
	if err != nil {
		return err
	}
	if l == nil {
		return s.redirectWithFlash(c, ldap.Path, "danger", models.ErrLDAPNotConfigured.Error()+" Save the settings first.")
	}
	n, err := s.store.TestLDAPConnection(c.Request().Context())
	if err != nil {
		return s.redirectWithFlash(c, ldap.Path, "danger", "Connection to "+l.Address()+" failed: "+err.Error())
	}
	return s.redirectWithFlash(c, ldap.Path, "success", fmt.Sprintf("Successfully connected to %s as %s: %s found.",
		l.Address(), l.BindDN, plural(int64(n), "1 group", fmt.Sprintf("%d groups", n))))
}
