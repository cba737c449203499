package handlers

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/admin"
)

// GET /admin/email_outbox
func (s *Server) getAdminEmailOutbox(c echo.Context) error {
	q := c.QueryParams()
	pending := q.Get("pending") == "1"
	number := pageParam(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	list, err := s.store.ListOutbox(c.Request().Context(), models.OutboxFilter{Pending: pending}, models.Page{Number: number, PerPage: perPage})
	if err != nil {
		return err
	}
	kept := url.Values{}
	if pending {
		kept.Set("pending", "1")
	}
	if list.PerPage != models.PerPageChoices[0] {
		kept.Set("per_page", strconv.Itoa(list.PerPage))
	}
	ch := s.chrome(c, "Email outbox")
	ch.Nav = s.adminNav("Email outbox")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "Admin area", Href: "/admin"}, {Text: "Email outbox"}}
	return ok(c, admin.EmailOutbox(ch, admin.EmailOutboxProps{List: list, Pending: pending, Query: kept, SMTP: s.smtpDescription}))
}
