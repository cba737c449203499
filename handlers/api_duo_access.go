package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/models/access"
)

// GET /api/v4/duo/access: may this user use this feature, in this context,
// with this resource, and why — the flow diagram's walk as JSON. IDEs call
// it constantly, so beyond the token it costs one statement: the user's
// seats and paid groups, and the group or project named with its ancestors
// and whether the asker is a member (models.AccessFactsAsMember); on
// Postgres, while nothing they are read from changes, none at all
// (models/access_cache.go).
//
// Users ask about themselves; admins and auditors about anyone. A group or
// project must exist and, for others than admins and auditors, be one the
// asker is a member of (directly or through an ancestor group), else 404 as
// GitLab hides what one cannot see.

type apiAccessStep struct {
	Node     string `json:"node"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

type apiAccess struct {
	Allowed bool            `json:"allowed"`
	Reason  string          `json:"reason"`
	Message string          `json:"message"`
	Tier    *access.Tier    `json:"tier"`
	Path    []apiAccessStep `json:"path"`
	Outcome string          `json:"outcome"`
}

// apiAccessQuery is a validated request.
type apiAccessQuery struct {
	feature access.FeatureInfo
	context access.Context
	ref     models.ResourceRef
}

func (s *Server) getAPIDuoAccess(c echo.Context) error {
	ctx := c.Request().Context()
	q, err := parseAPIAccessQuery(c)
	if err != nil {
		return err
	}
	v := viewer(c)
	subject := v
	if name := strings.TrimSpace(c.QueryParam("user")); name != "" && !strings.EqualFold(name, v.Username) {
		if !v.Admin && !v.Auditor {
			return apiFail(http.StatusForbidden, "403 Forbidden")
		}
		subject, err = s.store.UserByUsername(ctx, name)
		if errors.Is(err, models.ErrNotFound) {
			return apiNotFound(c, "User")
		}
		if err != nil {
			return err
		}
	}
	// Non-admins ask only about themselves (above).
	facts, err := s.accessFactsFor(c, subject, q.ref)
	if errors.Is(err, models.ErrNotFound) {
		return apiNotFound(c, resourceNoun(q.ref))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, accessJSON(access.Decide(facts, q.feature, q.context)))
}

// accessFactsFor loads the subject's facts about ref; for askers other
// than admins and auditors, the asker's membership of the resource is
// checked in the same statement that loads it: not seen and missing are
// the same ErrNotFound.
func (s *Server) accessFactsFor(c echo.Context, subject *models.User, ref models.ResourceRef) (access.Facts, error) {
	load := s.store.AccessFactsAsMember
	if v := viewer(c); v.Admin || v.Auditor {
		load = s.store.AccessFacts
	}
	return load(c.Request().Context(), s.deployment, subject, ref)
}

func parseAPIAccessQuery(c echo.Context) (apiAccessQuery, error) {
	var q apiAccessQuery
	id := c.QueryParam("feature")
	if id == "" {
		return q, apiFail(http.StatusBadRequest, "feature is missing; known features: "+strings.Join(access.FeatureIDs(), ", "))
	}
	f, ok := access.FeatureByID(id)
	if !ok {
		return q, apiFail(http.StatusBadRequest, fmt.Sprintf("unknown feature %q; known features: %s", id, strings.Join(access.FeatureIDs(), ", ")))
	}
	q.feature = f
	q.context = access.ContextIDE
	if raw := c.QueryParam("context"); raw != "" {
		if q.context, ok = access.ParseContext(raw); !ok {
			names := make([]string, len(access.Contexts))
			for i, ac := range access.Contexts {
				names[i] = string(ac)
			}
			return q, apiFail(http.StatusBadRequest, fmt.Sprintf("unknown context %q; known contexts: %s", raw, strings.Join(names, ", ")))
		}
	}
	project, group, origin := c.QueryParam("project"), c.QueryParam("group"), c.QueryParam("origin")
	if origin != "" && origin != "unknown" {
		return q, apiFail(http.StatusBadRequest, fmt.Sprintf("origin must be \"unknown\" when given, not %q", origin))
	}
	n := 0
	for _, v := range []string{project, group, origin} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		return q, apiFail(http.StatusBadRequest, "project, group and origin are mutually exclusive")
	}
	switch {
	case project != "":
		q.ref = models.ResourceRef{Kind: access.ResourceProject, Path: project}
	case group != "":
		q.ref = models.ResourceRef{Kind: access.ResourceGroup, Path: group}
	case origin != "":
		q.ref = models.ResourceRef{Kind: access.ResourceUnknownOrigin}
	default:
		q.ref = models.ResourceRef{Kind: access.ResourceNone}
	}
	return q, nil
}

func resourceNoun(ref models.ResourceRef) string {
	if ref.Kind == access.ResourceGroup {
		return "Group"
	}
	return "Project"
}

// apiNotFound is GitLab's "404 Project Not Found" and friends, which the
// error handler would shorten to "404 Not Found".
func apiNotFound(c echo.Context, noun string) error {
	return c.JSON(http.StatusNotFound, map[string]string{"message": "404 " + noun + " Not Found"})
}

func accessJSON(d access.Decision) apiAccess {
	out := apiAccess{Allowed: d.Allowed, Reason: d.Reason, Message: d.Message, Outcome: d.Outcome,
		Path: make([]apiAccessStep, len(d.Path))}
	if d.Tier != "" {
		out.Tier = &d.Tier
	}
	for i, st := range d.Path {
		out.Path[i] = apiAccessStep{Node: st.Node, Question: st.Question, Answer: st.Answer}
	}
	return out
}
