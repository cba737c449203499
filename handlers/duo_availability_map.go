package handlers

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/layouts"
	"duoadmin/views/pages/duo"
)

// The availability map (#21), shared by the admin area (the instance) and
// a GitLab.com top-level group's settings (its tree): the tree one level
// at a time (a subtree is a query parameter), the filters as a flat list,
// the YAML export, and the upload's dry run then apply.

const (
	mapPerPage  = 50 // groups of a level, groups and projects of a list
	mapChildren = 20 // subgroups and projects shown inside an open group
)

type mapScope struct {
	root   *models.Group // nil: the instance
	base   string
	chrome func(title string) (layouts.Chrome, error)
}

func mapFilterOf(c echo.Context) models.MapFilter {
	return models.MapFilter{Differs: c.QueryParam("differs") == "1", Locked: c.QueryParam("locked") == "1",
		Search: strings.TrimSpace(c.QueryParam("q"))}
}

func (s *Server) renderAvailabilityMap(c echo.Context, status int, sc mapScope, plan *models.AvailabilityPlan, yamlText string, errs models.FieldErrors) error {
	ctx := c.Request().Context()
	counts, instanceLock, err := s.store.MapCountsOf(ctx, sc.root)
	if err != nil {
		return err
	}
	page := pageParam(c.QueryParam("page"))
	p := duo.AvailabilityMapProps{Base: sc.base, Counts: counts, InstanceLock: instanceLock, Filter: mapFilterOf(c), Page: page, PerPage: mapPerPage,
		Plan: plan, YAML: yamlText, Errs: errs, ReadOnly: viewer(c).Auditor && !viewer(c).Admin}
	pg := models.Page{Number: page, PerPage: mapPerPage}
	var total int64
	if p.Filter.Any() {
		f, err := s.store.MapFilterOf(ctx, sc.root, p.Filter, pg)
		if err != nil {
			return err
		}
		p.FlatGroups, p.FlatProjects = f.Groups, f.Projects
		total = max(f.Groups.Total, f.Projects.Total)
	} else {
		lv, err := s.store.MapLevelOf(ctx, sc.root, c.QueryParam("subtree"), pg, mapChildren)
		if errors.Is(err, models.ErrNotFound) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		mapTree(&p, lv)
		total = max(lv.Groups.Total, lv.Projects.Total)
	}
	q := c.QueryParams()
	link := func(n int) string {
		v := url.Values{}
		for k, vals := range q {
			v[k] = vals
		}
		v.Set("page", strconv.Itoa(n))
		return sc.base + "?" + v.Encode()
	}
	if page > 1 {
		p.PrevHref = link(page - 1)
	}
	if int64(page)*mapPerPage < total {
		p.NextHref = link(page + 1)
	}
	ch, err := sc.chrome("GitLab Duo availability map")
	if err != nil {
		return err
	}
	return render(c, status, duo.AvailabilityMap(ch, p))
}

// mapTree fills the props of one level of the tree: a page of the
// subtree's subgroups, each open with its first children, and a page of
// the subtree's own projects.
func mapTree(p *duo.AvailabilityMapProps, lv *models.MapLevel) {
	if lv.Parent != nil {
		p.Subtree = lv.Parent.FullPath
		p.Up = p.Base
		if lv.Up != "" {
			p.Up = p.SubtreeHref(lv.Up)
		}
	}
	for _, b := range lv.Groups.Items {
		p.Tree = append(p.Tree, duo.MapTreeNode{Node: b.Node, Groups: b.Groups, Projects: b.Projects, More: b.More})
	}
	p.GroupsTotal = lv.Groups.Total
	p.Projects = lv.Projects
}

// exportAvailabilityYAML downloads the scope's explicit settings.
func (s *Server) exportAvailabilityYAML(c echo.Context, root *models.Group, name string) error {
	f, err := s.store.ExportAvailability(c.Request().Context(), root)
	if err != nil {
		return err
	}
	b, err := models.MarshalAvailabilityFile(f)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", b)
}

// applyAvailabilityYAML: an upload is a dry run showing what would change;
// the confirmation posts the same text back and applies it.
func (s *Server) applyAvailabilityYAML(c echo.Context, sc mapScope) error {
	text, err := uploadedText(c)
	if err != nil {
		return s.renderAvailabilityMap(c, http.StatusUnprocessableEntity, sc, nil, "", models.FieldErrors{"file": err.Error()})
	}
	ctx := c.Request().Context()
	f, err := models.ParseAvailabilityFile("file", strings.NewReader(text))
	if err != nil {
		return s.renderAvailabilityMap(c, http.StatusUnprocessableEntity, sc, nil, "", models.FieldErrors{"file": err.Error()})
	}
	var plan models.AvailabilityPlan
	if c.FormValue("confirm") == "1" {
		plan, err = s.store.ApplyAvailability(ctx, models.ActorFor(viewer(c)), sc.root, s.deployment, f, viewer(c).Admin)
	} else {
		plan, err = s.store.PlanAvailability(ctx, sc.root, s.deployment, f, viewer(c).Admin)
	}
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		return s.renderAvailabilityMap(c, http.StatusUnprocessableEntity, sc, nil, "", models.FieldErrors{"file": fe.Error()})
	}
	if err != nil {
		return err
	}
	if c.FormValue("confirm") == "1" {
		return s.redirectWithFlash(c, sc.base, "success", "Applied: "+plan.Summary())
	}
	return s.renderAvailabilityMap(c, http.StatusOK, sc, &plan, text, nil)
}

// uploadedText is the uploaded file, or the confirmation's hidden copy.
func uploadedText(c echo.Context) (string, error) {
	if v := c.FormValue("yaml"); v != "" {
		return v, nil
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return "", errors.New("choose a YAML file")
	}
	r, err := fh.Open()
	if err != nil {
		return "", errors.New("the file could not be read")
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, 8<<20))
	if err != nil {
		return "", errors.New("the file could not be read")
	}
	return string(b), nil
}
