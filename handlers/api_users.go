package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// GET /api/v4/users?username=|search= and GET /api/v4/users/:id: GitLab's
// users API with what scripts need to turn usernames into the ids the seat
// APIs take (client-go's Users.ListUsers). Any signed-in user may ask, as
// in GitLab; the email is shown only when the user made it public.

type apiUser struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	Name        string `json:"name"`
	State       string `json:"state"`
	PublicEmail string `json:"public_email"`
	WebURL      string `json:"web_url"`
	Bot         bool   `json:"bot"`
}

func (s *Server) userJSON(u *models.User) apiUser {
	out := apiUser{ID: u.ID, Username: u.Username, Name: u.Name, State: string(u.State), Bot: u.Bot,
		WebURL: s.baseURL + "/" + u.Username}
	if u.PublicEmail {
		out.PublicEmail = u.Email
	}
	return out
}

// GET /api/v4/users
func (s *Server) getAPIUsers(c echo.Context) error {
	ctx := c.Request().Context()
	page, perPage, err := apiPage(c)
	if err != nil {
		return err
	}
	if name := strings.TrimSpace(c.QueryParam("username")); name != "" {
		// An exact username (any case): one user or none.
		out := []apiUser{}
		u, err := s.store.UserByUsername(ctx, name)
		switch {
		case err == nil:
			out = append(out, s.userJSON(u))
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
		setPaginationHeaders(c, 1, perPage, int64(len(out)))
		return c.JSON(http.StatusOK, out)
	}
	res, err := s.store.ListUsers(ctx, models.UserFilter{Search: strings.TrimSpace(c.QueryParam("search"))},
		models.Page{Number: page, PerPage: perPage})
	if err != nil {
		return err
	}
	out := make([]apiUser, len(res.Items))
	for i := range res.Items {
		out[i] = s.userJSON(&res.Items[i])
	}
	setPaginationHeaders(c, res.Page, res.PerPage, res.Total)
	return c.JSON(http.StatusOK, out)
}

// GET /api/v4/users/:id
func (s *Server) getAPIUser(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return apiNotFound(c, "User")
	}
	u, err := s.store.UserByID(c.Request().Context(), id)
	if errors.Is(err, models.ErrNotFound) {
		return apiNotFound(c, "User")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.userJSON(u))
}
