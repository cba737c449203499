package handlers

import (
	"errors"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/views/layouts"
	accessview "duoadmin/views/pages/access"
)

// accessCheckScope is where the explainer runs: the admin area (anyone)
// or a group (its members, its groups and projects).
type accessCheckScope struct {
	path  string
	group *models.Group
	ch    layouts.Chrome
}

// showAccessCheck renders the explainer; with a query it loads the facts
// once and lets access.Decide decide. Bad input re-renders with 422.
func (s *Server) showAccessCheck(c echo.Context, sc accessCheckScope) error {
	q := c.QueryParams()
	form := accessview.CheckForm{
		User:         strings.TrimPrefix(strings.TrimSpace(q.Get("user")), "@"),
		Feature:      q.Get("feature"),
		Context:      q.Get("context"),
		ResourceKind: q.Get("resource_kind"),
		ResourcePath: strings.Trim(strings.TrimSpace(q.Get("resource_path")), "/"),
	}
	if form.Context == "" {
		form.Context = string(access.ContextIDE)
	}
	if form.ResourceKind == "" {
		form.ResourceKind = string(access.ResourceNone)
	}
	p := accessview.CheckProps{Action: sc.path, Form: form, Errs: models.FieldErrors{}}
	if sc.group != nil {
		p.GroupPath = sc.group.FullPath
	}
	if !q.Has("user") {
		return ok(c, accessview.Check(sc.ch, p))
	}
	ctx := c.Request().Context()
	u, feat, actx, ref, err := s.parseAccessQuery(c, sc, form, p.Errs)
	if err != nil {
		return err
	}
	if len(p.Errs) > 0 {
		return invalid(c, accessview.Check(sc.ch, p))
	}
	facts, err := s.store.AccessFacts(ctx, s.deployment, u, ref)
	if errors.Is(err, models.ErrNotFound) {
		p.Errs.Add("resource_path", "does not exist")
		return invalid(c, accessview.Check(sc.ch, p))
	}
	if err != nil {
		return err
	}
	d := access.Decide(facts, feat, actx)
	p.Result = &accessview.CheckResult{Decision: d, Feature: feat, Context: actx, Diagram: accessview.BuildDiagram(s.deployment, feat.Title, d)}
	// The API answers about others only to admins and auditors.
	if v := viewer(c); v.Admin || v.Auditor || v.ID == u.ID {
		p.Result.APIURL = accessAPIURL(u.Username, feat, actx, ref)
	}
	return ok(c, accessview.Check(sc.ch, p))
}

// parseAccessQuery validates the form into errs; err is for real failures.
func (s *Server) parseAccessQuery(c echo.Context, sc accessCheckScope, form accessview.CheckForm, errs models.FieldErrors) (
	*models.User, access.FeatureInfo, access.Context, models.ResourceRef, error) {
	ctx := c.Request().Context()
	var u *models.User
	switch {
	case form.User == "":
		errs.Add("user", "can't be blank")
	default:
		found, err := s.store.UserByUsername(ctx, form.User)
		switch {
		case errors.Is(err, models.ErrNotFound):
			errs.Add("user", "does not exist")
		case err != nil:
			return nil, access.FeatureInfo{}, "", models.ResourceRef{}, err
		case sc.group != nil:
			member, err := s.store.IsHierarchyMember(ctx, sc.group, found.ID)
			if err != nil {
				return nil, access.FeatureInfo{}, "", models.ResourceRef{}, err
			}
			if !member {
				errs.Add("user", "is not a member of this group")
			} else {
				u = found
			}
		default:
			u = found
		}
	}
	feat, known := access.FeatureByID(form.Feature)
	if !known {
		errs.Add("feature", "is not a known feature: one of "+strings.Join(access.FeatureIDs(), ", "))
	}
	actx, known := access.ParseContext(form.Context)
	if !known {
		errs.Add("context", "must be IDE, Web UI or Web IDE")
	}
	ref := models.ResourceRef{Kind: access.ResourceKind(form.ResourceKind)}
	switch ref.Kind {
	case access.ResourceGroup, access.ResourceProject:
		ref.Path = form.ResourcePath
		switch {
		case ref.Path == "":
			errs.Add("resource_path", "can't be blank for a "+form.ResourceKind)
		case sc.group != nil && ref.Path != sc.group.FullPath && !strings.HasPrefix(ref.Path, sc.group.FullPath+"/"):
			errs.Add("resource_path", "must be "+sc.group.FullPath+" or inside it")
		case ref.Kind == access.ResourceProject && sc.group != nil && ref.Path == sc.group.FullPath:
			errs.Add("resource_path", "is a group, not a project")
		}
	case access.ResourceNone, access.ResourceUnknownOrigin:
	default:
		errs.Add("resource_kind", "is not a valid choice")
	}
	return u, feat, actx, ref, nil
}

// accessAPIURL is the same question asked of GET /api/v4/duo/access.
func accessAPIURL(username string, f access.FeatureInfo, ctx access.Context, ref models.ResourceRef) string {
	v := url.Values{"user": {username}, "feature": {string(f.ID)}, "context": {string(ctx)}}
	switch ref.Kind {
	case access.ResourceGroup:
		v.Set("group", ref.Path)
	case access.ResourceProject:
		v.Set("project", ref.Path)
	case access.ResourceUnknownOrigin:
		v.Set("origin", "unknown")
	}
	return "/api/v4/duo/access?" + v.Encode()
}
