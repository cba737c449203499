package handlers

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/admin"
)

// adminUsersCrumbs is "Admin area > Users > extra…".
func adminUsersCrumbs(extra ...layouts.Crumb) []layouts.Crumb {
	return append([]layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "Users", Href: "/admin/users"}}, extra...)
}

// GET /admin/users
func (s *Server) getAdminUsers(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	f := models.UserFilter{Search: strings.TrimSpace(q.Get("search"))}
	// Unknown filter values are ignored rather than refused, as GitLab does.
	if st := models.UserState(q.Get("state")); st.Valid() {
		f.State = st
	}
	switch r := q.Get("role"); r {
	case "admins", "auditors", "bots":
		f.Role = r
	}
	number := pageParam(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	list, err := s.store.ListUsers(ctx, f, models.Page{Number: number, PerPage: perPage})
	if err != nil {
		return err
	}
	counts, err := s.store.CountUsers(ctx)
	if err != nil {
		return err
	}
	kept := url.Values{}
	if f.Search != "" {
		kept.Set("search", f.Search)
	}
	if f.State != "" {
		kept.Set("state", string(f.State))
	}
	if f.Role != "" {
		kept.Set("role", f.Role)
	}
	if list.PerPage != models.PerPageChoices[0] {
		kept.Set("per_page", strconv.Itoa(list.PerPage))
	}
	ch := s.chrome(c, "Users")
	ch.Nav = s.adminNav("Users")
	ch.Breadcrumbs = adminUsersCrumbs()
	return ok(c, admin.Users(ch, admin.UsersProps{List: list, Counts: counts, Search: f.Search, State: f.State,
		Role: f.Role, PerPage: list.PerPage, Query: kept, ViewerID: viewer(c).ID}))
}

// GET /admin/users/new
func (s *Server) getAdminUsersNew(c echo.Context) error {
	return ok(c, s.adminUserForm(c, admin.UserFormProps{Values: admin.UserFormValues{AccessLevel: "regular"}}))
}

// POST /admin/users
func (s *Server) postAdminUsers(c echo.Context) error {
	values := adminUserFormValues(c, "regular")
	in, errs := adminUserInput(values, c.FormValue("user[password]"))
	if len(errs) > 0 {
		return invalid(c, s.adminUserForm(c, admin.UserFormProps{Values: values, Errors: errs}))
	}
	u, err := s.store.CreateUser(c.Request().Context(), models.ActorFor(viewer(c)), in)
	if errors.As(err, &errs) {
		return invalid(c, s.adminUserForm(c, admin.UserFormProps{Values: values, Errors: errs}))
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, admin.UserPath(u), "success", "User was successfully created.")
}

// adminUserForm is the new and the edit page, which share one form.
func (s *Server) adminUserForm(c echo.Context, p admin.UserFormProps) templ.Component {
	ch := s.chrome(c, "New user")
	ch.Breadcrumbs = adminUsersCrumbs(layouts.Crumb{Text: "New user"})
	if p.User != nil {
		ch.Title = "Edit user"
		ch.Breadcrumbs = adminUsersCrumbs(layouts.Crumb{Text: p.User.Name, Href: admin.UserPath(p.User)}, layouts.Crumb{Text: "Edit"})
	}
	ch.Nav = s.adminNav("Users")
	return admin.UserForm(ch, p)
}

// adminUserFormValues reads the form; a missing access level (the radios
// an admin editing themselves cannot change are disabled) means fallback.
func adminUserFormValues(c echo.Context, fallbackLevel string) admin.UserFormValues {
	v := admin.UserFormValues{
		Name:        c.FormValue("user[name]"),
		Username:    c.FormValue("user[username]"),
		Email:       c.FormValue("user[email]"),
		PublicEmail: c.FormValue("user[public_email]") != "",
		AccessLevel: c.FormValue("user[access_level]"),
	}
	if v.AccessLevel == "" {
		v.AccessLevel = fallbackLevel
	}
	return v
}

func adminUserInput(v admin.UserFormValues, password string) (models.UserInput, models.FieldErrors) {
	in := models.UserInput{Name: v.Name, Username: v.Username, Email: v.Email, PublicEmail: v.PublicEmail, Password: password}
	errs := models.FieldErrors{}
	switch v.AccessLevel {
	case "regular":
	case "admin":
		in.Admin = true
	case "auditor":
		in.Auditor = true
	default:
		errs.Add("access_level", "is not included in the list")
	}
	return in, errs
}
