package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/models/access"
)

type apiUserDuo struct {
	CodeSuggestions bool `json:"duo_code_suggestions_available"`
	Chat            bool `json:"duo_chat_available"`
}

// GET /api/v4/user/duo: what the IDE extensions offer the token's user —
// Code Suggestions and Chat in the IDE, with no particular resource. The
// facts are loaded once for both decisions.
func (s *Server) getAPIUserDuo(c echo.Context) error {
	facts, err := s.store.AccessFacts(c.Request().Context(), s.deployment, viewer(c), models.ResourceRef{Kind: access.ResourceNone})
	if err != nil {
		return err
	}
	cs, _ := access.FeatureByID("code_suggestions")
	chat, _ := access.FeatureByID("duo_chat")
	return c.JSON(http.StatusOK, apiUserDuo{
		CodeSuggestions: access.Decide(facts, cs, access.ContextIDE).Allowed,
		Chat:            access.Decide(facts, chat, access.ContextIDE).Allowed,
	})
}
