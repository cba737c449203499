package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/views/layouts"
	accessview "duoadmin/views/pages/access"
)

// GET /-/profile/gitlab_duo: the signed-in user's own status. The facts
// are loaded once; every feature × context cell is decided in memory.
func (s *Server) getProfileGitlabDuo(c echo.Context) error {
	return s.renderProfileGitlabDuo(c, http.StatusOK, "", nil)
}

// renderProfileGitlabDuo shows the page, with the seat request form's note
// and errors after a refused request.
func (s *Server) renderProfileGitlabDuo(c echo.Context, status int, note string, errs models.FieldErrors) error {
	ctx := c.Request().Context()
	v := viewer(c)
	facts, err := s.store.AccessFacts(ctx, s.deployment, v, models.ResourceRef{Kind: access.ResourceNone})
	if err != nil {
		return err
	}
	off, err := s.store.DuoOffPlaces(ctx, v.ID)
	if err != nil {
		return err
	}
	p := accessview.ProfileProps{GitLabCom: s.deployment == models.GitLabCom, Seats: facts.Seats, OffPlaces: off,
		InstanceCore: facts.InstanceDuoCore, InstanceCorePaid: facts.InstancePaidPlan}
	for _, g := range facts.PaidGroups {
		switch {
		case g.DuoCore && g.NonGuest:
			p.CoreGroups = append(p.CoreGroups, g.Path)
		case g.DuoCore:
			p.GuestCoreGroups = append(p.GuestCoreGroups, g.Path)
		}
	}
	for _, f := range access.Catalog {
		row := accessview.FeatureRow{Feature: f}
		for _, ac := range access.Contexts {
			row.Cells = append(row.Cells, access.Decide(facts, f, ac))
		}
		p.Rows = append(p.Rows, row)
	}
	p.Reasons = accessview.Notes(p.Rows)
	if p.Offers, err = s.seatRequestOffers(c, v); err != nil {
		return err
	}
	p.RequestNote, p.RequestErrs = note, errs
	ch := s.chrome(c, "GitLab Duo")
	ch.Nav = s.userSettingsNav("GitLab Duo")
	ch.Breadcrumbs = []layouts.Crumb{{Text: "User settings"}, {Text: "GitLab Duo"}}
	return render(c, status, accessview.Profile(ch, p))
}
