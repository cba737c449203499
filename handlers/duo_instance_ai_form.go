package handlers

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
	"duoadmin/views/pages/duo"
)

// The instance's AI settings on /admin/gitlab_duo/configuration: binding
// and showing the sections after Duo Core. A field that is not posted
// stays as it is (a disabled checkbox, or a form without the section).

var aiCheckboxes = []string{models.FieldExperimentFeatures, models.FieldDirectConnections,
	models.FieldBetaSelfHostedModels, models.FieldAILogs, models.FieldPromptCache}

const msgCheckbox = "must be on (1) or off (0)"

func parseCheckbox(v string) (bool, bool) {
	switch v {
	case "1", "true", "on":
		return true, true
	case "0", "false", "off":
		return false, true
	}
	return false, false
}

func bindInstanceAI(c echo.Context) (models.InstanceAIInput, models.FieldErrors) {
	var in models.InstanceAIInput
	errs := models.FieldErrors{}
	bools := map[string]**bool{
		models.FieldExperimentFeatures:   &in.ExperimentFeaturesEnabled,
		models.FieldDirectConnections:    &in.DirectCodeSuggestionsEnabled,
		models.FieldBetaSelfHostedModels: &in.BetaSelfHostedModelsEnabled,
		models.FieldAILogs:               &in.AILogsEnabled,
		models.FieldPromptCache:          &in.ModelPromptCacheEnabled,
	}
	for _, name := range aiCheckboxes {
		v, given := lastFormValue(c, name)
		if !given {
			continue
		}
		on, ok := parseCheckbox(v)
		if !ok {
			errs.Add(name, msgCheckbox)
			continue
		}
		*bools[name] = &on
	}
	if v, given := lastFormValue(c, models.FieldChatExpirationDays); given {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			errs.Add(models.FieldChatExpirationDays, models.MsgChatExpirationDays)
		} else {
			in.DuoChatExpirationDays = &n
		}
	}
	if v, given := lastFormValue(c, models.FieldChatExpirationColumn); given {
		col := models.ChatExpirationColumn(v)
		in.DuoChatExpirationColumn = &col
	}
	if v, given := lastFormValue(c, models.FieldAIGatewayURL); given {
		in.AIGatewayURL = &v
	}
	for field, msg := range models.ValidateInstanceAI(in) {
		errs.Add(field, msg)
	}
	if len(errs) == 0 {
		return in, nil
	}
	return in, errs
}

// mergeFieldErrors joins the problems of a form's parts; nil when none.
func mergeFieldErrors(parts ...models.FieldErrors) models.FieldErrors {
	var out models.FieldErrors
	for _, p := range parts {
		for k, v := range p {
			if out == nil {
				out = models.FieldErrors{}
			}
			out.Add(k, v)
		}
	}
	return out
}

func instanceAIProps(st *models.InstanceSettings, errs models.FieldErrors) duo.InstanceAIProps {
	return duo.InstanceAIProps{
		Experiment:            st.ExperimentFeaturesEnabled,
		ExperimentUnavailable: models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled) == models.NeverOn,
		ChatDays:              strconv.Itoa(st.DuoChatExpirationDays),
		ChatColumn:            st.DuoChatExpirationColumn,
		Direct:                st.DirectCodeSuggestionsEnabled,
		Beta:                  st.BetaSelfHostedModelsEnabled,
		Logs:                  st.AILogsEnabled,
		PromptCache:           st.ModelPromptCacheEnabled,
		GatewayURL:            st.AIGatewayURL,
		Errs:                  errs,
	}
}

// postedAIProps shows a refused form's values as they were typed.
func postedAIProps(c echo.Context, p *duo.InstanceAIProps) {
	checks := map[string]*bool{models.FieldExperimentFeatures: &p.Experiment, models.FieldDirectConnections: &p.Direct,
		models.FieldBetaSelfHostedModels: &p.Beta, models.FieldAILogs: &p.Logs, models.FieldPromptCache: &p.PromptCache}
	for name, dst := range checks {
		if v, given := lastFormValue(c, name); given {
			*dst, _ = parseCheckbox(v)
		}
	}
	if p.ExperimentUnavailable {
		p.Experiment = false
	}
	if v, given := lastFormValue(c, models.FieldChatExpirationDays); given {
		p.ChatDays = v
	}
	if v, given := lastFormValue(c, models.FieldChatExpirationColumn); given {
		p.ChatColumn = models.ChatExpirationColumn(v)
	}
	if v, given := lastFormValue(c, models.FieldAIGatewayURL); given {
		p.GatewayURL = v
	}
}
