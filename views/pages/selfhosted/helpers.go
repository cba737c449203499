// Package selfhosted holds the GitLab Duo Self-Hosted screens: the models,
// their form, and the AI-powered features' model choices.
package selfhosted

import (
	"strconv"

	"duoadmin/models"
)

const Path = "/admin/ai/duo_self_hosted"

func ModelPath(id int64, suffix string) string {
	return Path + "/" + strconv.FormatInt(id, 10) + suffix
}

// FormValues are the model form's fields as typed; the API key is never
// echoed back.
type FormValues struct {
	Name        string
	Platform    string
	ModelFamily string
	Endpoint    string
	Identifier  string
}

func ValuesOf(m *models.SelfHostedModel) FormValues {
	return FormValues{Name: m.Name, Platform: string(m.Platform), ModelFamily: string(m.ModelFamily),
		Endpoint: m.Endpoint, Identifier: m.Identifier}
}

// FeatureRow is one AI-powered feature and the value its select shows.
type FeatureRow struct {
	Feature models.AIFeature
	Value   string
}

func modelID(m models.SelfHostedModel) string { return strconv.FormatInt(m.ID, 10) }
