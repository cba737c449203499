package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

type apiUserDuo struct {
	CodeSuggestions bool `json:"duo_code_suggestions_available"`
	Chat            bool `json:"duo_chat_available"`
}

// GET /api/v4/user/duo: what the IDE extensions offer the token's user —
// Code Suggestions and Chat in the IDE, with no particular resource. The
// facts are loaded once for both decisions.
func (s *Server) getAPIUserDuo(c echo.Context) error {
	facts, err := s.store.AccessFacts(c.Request().Context(), s.deployment, viewer(c), models.ResourceRef{Kind: models.ResourceNone})
	if err != nil {
		return err
	}
	cs, _ := models.FeatureByID("code_suggestions")
	chat, _ := models.FeatureByID("duo_chat")
	return c.JSON(http.StatusOK, apiUserDuo{
		CodeSuggestions: models.DecideAccess(facts, cs, models.ContextIDE).Allowed,
		Chat:            models.DecideAccess(facts, chat, models.ContextIDE).Allowed,
	})
}
