package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/components"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/confirm"
	"duoadmin/views/pages/members"
)

// membersScope is what differs between the group and the project members
// pages; everything else is shared below.
type membersScope struct {
	src           models.Source
	inheritedFrom []int64 // groups whose members are members here too
	heading       string
	sourceName    string
	base          string
	nav           *layouts.Nav
	crumbs        []layouts.Crumb
}

// requestedPage is the ?page= (or posted page=) number.
func requestedPage(c echo.Context) int { return pageParam(c.FormValue("page")) }

func (s *Server) listMembers(c echo.Context, sc membersScope) error {
	return s.showMembers(c, sc, http.StatusOK, members.InviteForm{}, nil)
}

// showMembers renders the page; status 422 with the invite form's values
// and errors when it was rejected.
func (s *Server) showMembers(c echo.Context, sc membersScope, status int, form members.InviteForm, errs models.FieldErrors) error {
	page := requestedPage(c)
	list, err := s.store.MembersWithInherited(c.Request().Context(), sc.src, sc.inheritedFrom, models.Page{Number: page})
	if err != nil {
		return err
	}
	ch := s.chrome(c, sc.heading)
	ch.Nav, ch.Breadcrumbs = sc.nav, sc.crumbs
	return render(c, status, members.Page(ch, members.Props{
		Heading: sc.heading, SourceName: sc.sourceName, Base: sc.base, Members: list,
		Pager:  components.Pager{Path: sc.base, Query: url.Values{}, Page: list.Page, TotalPages: list.TotalPages(), Total: list.Total},
		Invite: form, Errs: errs, ViewerID: viewer(c).ID, Inherits: len(sc.inheritedFrom) > 0,
	}))
}

// inviteMember adds a user by username; bad input re-renders the page (422).
func (s *Server) inviteMember(c echo.Context, sc membersScope) error {
	ctx := c.Request().Context()
	form := members.InviteForm{Username: strings.TrimPrefix(strings.TrimSpace(c.FormValue("username")), "@")}
	errs := models.FieldErrors{}
	level, err := models.ParseAccessLevel(c.FormValue("access_level"))
	if err != nil {
		errs.Add("access_level", "is not a role")
	}
	form.AccessLevel = level
	var user *models.User
	if form.Username == "" {
		errs.Add("username", "can't be blank")
	} else if user, err = s.store.UserByUsername(ctx, form.Username); errors.Is(err, models.ErrNotFound) {
		errs.Add("username", "User not found")
	} else if err != nil {
		return err
	}
	if len(errs) == 0 {
		_, err = s.store.AddMember(ctx, models.ActorFor(viewer(c)), sc.src, user, level)
		var fe models.FieldErrors
		if !errors.As(err, &fe) {
			if err != nil {
				return err
			}
			return s.redirectWithFlash(c, sc.base, "success", "Member was successfully added.")
		}
		for field, msg := range fe {
			if field == "user" {
				field = "username"
			}
			errs.Add(field, msg)
		}
	}
	return s.showMembers(c, sc, http.StatusUnprocessableEntity, form, errs)
}

// memberID is the :id of a member route; anything not a number is unknown.
func memberID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return 0, errNotFound
	}
	return id, nil
}

// backToMembers returns to the page of the list the form was on.
func backToMembers(c echo.Context, sc membersScope) string {
	if p := requestedPage(c); p > 1 {
		return sc.base + "?page=" + strconv.Itoa(p)
	}
	return sc.base
}

func (s *Server) changeMemberRole(c echo.Context, sc membersScope) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	level, err := models.ParseAccessLevel(c.FormValue("access_level"))
	if err != nil {
		return s.showMembers(c, sc, http.StatusUnprocessableEntity, members.InviteForm{}, models.FieldErrors{"access_level": "is not a role"})
	}
	err = s.store.ChangeMemberAccess(c.Request().Context(), models.ActorFor(viewer(c)), sc.src, id, level)
	return s.afterMemberChange(c, sc, err, "Role updated.")
}

func (s *Server) removeMember(c echo.Context, sc membersScope) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	m, err := s.store.MemberByID(ctx, sc.src, id)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "1" {
		return s.confirmRemoveMember(c, sc, m)
	}
	err = s.store.RemoveMember(ctx, models.ActorFor(viewer(c)), sc.src, id)
	if err == nil && m.UserID == viewer(c).ID && !viewer(c).Admin {
		// Whoever removes themselves may have lost the right to see the list.
		return s.redirectWithFlash(c, "/", "success", "Member was successfully removed.")
	}
	return s.afterMemberChange(c, sc, err, "Member was successfully removed.")
}

// afterMemberChange ends a role change or removal: the last owner of a
// top-level group is kept, with GitLab's message.
func (s *Server) afterMemberChange(c echo.Context, sc membersScope, err error, success string) error {
	switch {
	case err == nil:
		return s.redirectWithFlash(c, backToMembers(c, sc), "success", success)
	case errors.Is(err, models.ErrLastOwner):
		return s.redirectWithFlash(c, backToMembers(c, sc), "danger", models.ErrLastOwner.Error())
	}
	return err
}

// confirmRemoveMember asks first, as GitLab's "Remove member" modal does,
// and says which GitLab Duo seats the user would lose by it.
func (s *Server) confirmRemoveMember(c echo.Context, sc membersScope, m *models.Member) error {
	ctx := c.Request().Context()
	u, err := s.store.UserByID(ctx, m.UserID)
	if err != nil {
		return err
	}
	lost, err := s.store.SeatsLostByRemoval(ctx, sc.src, m.ID)
	if err != nil {
		return err
	}
	p := confirm.Props{Title: "Remove member", Submit: "Remove member", Cancel: backToMembers(c, sc),
		Message: "Are you sure you want to remove " + u.Name + " (@" + u.Username + ") from " + sc.sourceName + "?",
		Action:  sc.base + "/" + strconv.FormatInt(m.ID, 10) + "/delete"}
	for _, a := range lost {
		p.Details = append(p.Details, u.Name+" will lose their "+a.Title()+" seat.")
	}
	if pg := requestedPage(c); pg > 1 {
		p.Fields = append(p.Fields, confirm.Field{Name: "page", Value: strconv.Itoa(pg)})
	}
	ch := s.chrome(c, "Remove member")
	ch.Nav, ch.Breadcrumbs = sc.nav, sc.crumbs
	return ok(c, confirm.Page(ch, p))
}
