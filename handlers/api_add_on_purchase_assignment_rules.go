package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// /api/v4/add_on_purchases/:id/assignment_rules: a purchase's assignment
// rules, and its sync. Every change takes dry_run=true, which answers the
// diff and writes nothing. A change applied through the API is guarded as
// automation is: no person looked at its diff, so a mass removal is held.

type apiAssignmentRule struct {
	ID                int64     `json:"id"`
	AddOnPurchaseID   int64     `json:"add_on_purchase_id"`
	SourceKind        string    `json:"source_kind"`
	Source            string    `json:"source"`
	MinAccessLevel    string    `json:"min_access_level"`
	Mode              string    `json:"mode"`
	ExcludedUsernames []string  `json:"excluded_usernames"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

func apiRuleOf(r *models.AssignmentRule) apiAssignmentRule {
	ex := r.Excluded
	if ex == nil {
		ex = []string{}
	}
	return apiAssignmentRule{ID: r.ID, AddOnPurchaseID: r.AddOnPurchaseID, SourceKind: r.SourceKind, Source: r.Source(),
		MinAccessLevel: r.MinAccessLevel.Key(), Mode: r.Mode, ExcludedUsernames: ex, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

type apiHeldRun struct {
	ID        int64      `json:"id"`
	Reason    string     `json:"reason"`
	Losses    int        `json:"losses"`
	ExpiresAt *time.Time `json:"expires_at"`
}

type apiRuleSyncResult struct {
	DryRun bool               `json:"dry_run"`
	Rule   *apiAssignmentRule `json:"rule,omitempty"`
	Diff   *models.RuleDiff   `json:"diff"`
	// Held: the losses were not applied; a person approves them on the
	// Assignment rules screen.
	Held *apiHeldRun `json:"held"`
}

func apiSyncResult(dry bool, r *models.AssignmentRule, d *models.RuleDiff, held *models.SeatSyncRun) apiRuleSyncResult {
	out := apiRuleSyncResult{DryRun: dry, Diff: d}
	if r != nil {
		a := apiRuleOf(r)
		out.Rule = &a
	}
	if held != nil {
		out.Held = &apiHeldRun{ID: held.ID, Reason: held.HoldReason, Losses: held.Losses, ExpiresAt: held.ExpiresAt}
	}
	return out
}

// GET /api/v4/add_on_purchases/:id/assignment_rules
func (s *Server) getAPIAssignmentRules(c echo.Context) error {
	rs, err := s.store.AssignmentRules(c.Request().Context(), currentPurchase(c).ID)
	if err != nil {
		return err
	}
	out := make([]apiAssignmentRule, len(rs))
	for i := range rs {
		out[i] = apiRuleOf(&rs[i])
	}
	return c.JSON(http.StatusOK, out)
}

// GET /api/v4/add_on_purchases/:id/assignment_rules/:rule_id
func (s *Server) getAPIAssignmentRule(c echo.Context) error {
	r, err := s.apiRule(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiRuleOf(r))
}

func (s *Server) apiRule(c echo.Context) (*models.AssignmentRule, error) {
	id, err := strconv.ParseInt(c.Param("rule_id"), 10, 64)
	if err != nil {
		return nil, errNotFound
	}
	return s.store.AssignmentRule(c.Request().Context(), currentPurchase(c).ID, id)
}

// POST /api/v4/add_on_purchases/:id/assignment_rules
func (s *Server) postAPIAssignmentRules(c echo.Context) error {
	return s.apiChangeRule(c, models.RuleCreate)
}

// PUT /api/v4/add_on_purchases/:id/assignment_rules/:rule_id
func (s *Server) putAPIAssignmentRule(c echo.Context) error {
	return s.apiChangeRule(c, models.RuleUpdate)
}

// DELETE /api/v4/add_on_purchases/:id/assignment_rules/:rule_id
func (s *Server) deleteAPIAssignmentRule(c echo.Context) error {
	return s.apiChangeRule(c, models.RuleDelete)
}

func (s *Server) apiChangeRule(c echo.Context, op string) error {
	ctx := c.Request().Context()
	p := currentPurchase(c)
	ch := models.RuleChange{Op: op}
	if op != models.RuleCreate {
		r, err := s.apiRule(c)
		if err != nil {
			return err
		}
		ch.RuleID = r.ID
	}
	params, err := apiOptionalParams(c)
	if err != nil {
		return err
	}
	dry, err := apiDryRun(c, params)
	if err != nil {
		return err
	}
	if op != models.RuleDelete {
		if ch.Input, err = apiRuleInput(params); err != nil {
			return err
		}
	}
	actor := models.ActorFor(viewer(c))
	if dry {
		d, err := s.store.PreviewRuleChange(ctx, actor, p.ID, ch)
		if err != nil {
			return apiRuleError(err)
		}
		return c.JSON(http.StatusOK, apiSyncResult(true, nil, d, nil))
	}
	res, err := s.store.ChangeRule(ctx, actor, p.ID, ch, true)
	if err != nil {
		return apiRuleError(err)
	}
	status := http.StatusOK
	if op == models.RuleCreate {
		status = http.StatusCreated
	}
	return c.JSON(status, apiSyncResult(false, res.Rule, res.Diff, res.Held))
}

// POST /api/v4/add_on_purchases/:id/assignment_rules/sync?dry_run=true|false
func (s *Server) postAPIAssignmentRulesSync(c echo.Context) error {
	ctx := c.Request().Context()
	p := currentPurchase(c)
	params, err := apiOptionalParams(c)
	if err != nil {
		return err
	}
	dry, err := apiDryRun(c, params)
	if err != nil {
		return err
	}
	if dry {
		d, err := s.store.PreviewRuleSync(ctx, p.ID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, apiSyncResult(true, nil, d, nil))
	}
	res, err := s.store.SyncRules(ctx, models.ActorFor(viewer(c)), p.ID, models.TriggerAPI, true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiSyncResult(false, nil, res.Diff, res.Held))
}

// apiOptionalParams is apiParams where a request may have no body at all
// (DELETE, sync), whatever its content type says.
func apiOptionalParams(c echo.Context) (map[string]json.RawMessage, error) {
	req := c.Request()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return apiParams(c) // answers the read error as apiParams does
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	return apiParams(c)
}

// apiDryRun reads dry_run from the query or the body; absent is false.
func apiDryRun(c echo.Context, params map[string]json.RawMessage) (bool, error) {
	raw := c.QueryParam("dry_run")
	if v, ok := params["dry_run"]; ok && raw == "" {
		raw = strings.Trim(string(v), `"`)
	}
	switch raw {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, apiFail(http.StatusBadRequest, "dry_run is invalid")
}

// apiRuleInput reads a rule: source_kind, source, min_access_level, mode
// and excluded_usernames (a list, or one string of names).
func apiRuleInput(params map[string]json.RawMessage) (models.RuleInput, error) {
	var in models.RuleInput
	str := func(key string) (string, error) {
		raw, ok := params[key]
		if !ok || string(raw) == "null" {
			return "", nil
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			// A role may be sent as its number (30).
			var n int
			if json.Unmarshal(raw, &n) != nil {
				return "", apiFail(http.StatusBadRequest, key+" is invalid")
			}
			v = strconv.Itoa(n)
		}
		return v, nil
	}
	var err error
	for key, dst := range map[string]*string{"source_kind": &in.SourceKind, "source": &in.Source,
		"min_access_level": &in.MinAccessLevel, "mode": &in.Mode} {
		if *dst, err = str(key); err != nil {
			return in, err
		}
	}
	if raw, ok := params["excluded_usernames"]; ok {
		var list []string
		if err := json.Unmarshal(raw, &list); err == nil {
			in.Excluded = strings.Join(list, ",")
		} else if in.Excluded, err = str("excluded_usernames"); err != nil {
			return in, err
		}
	}
	if in.SourceKind == "" {
		return in, apiFail(http.StatusBadRequest, "source_kind is missing")
	}
	return in, nil
}
