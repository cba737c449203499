package orgfile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"duoadmin/models"
)

// The GitLab Duo Self-Hosted sections of the import format. A model is
// matched by name; the file never holds its API key (there is no field for
// one), so importing keeps the stored key and a new model has none. For
// the same reason a file cannot move a model that has a key to another
// endpoint: the key would go along to a host it was not saved for.

type SelfHostedModelDoc struct {
	Name        string               `json:"name"`
	Platform    models.ModelPlatform `json:"platform"`
	ModelFamily models.ModelFamily   `json:"model_family"`
	Endpoint    string               `json:"endpoint,omitempty"`
	Identifier  string               `json:"identifier"`
}

// AIFeatureSettingDoc: Model names a self-hosted model (of the file or the
// database) when Provider is self_hosted.
type AIFeatureSettingDoc struct {
	Feature  string            `json:"feature"`
	Provider models.AIProvider `json:"provider"`
	Model    string            `json:"model,omitempty"`
}

func (r *importRun) validateInstanceAI() {
	in := r.doc.Instance
	if in == nil {
		return
	}
	ai := models.InstanceAIInput{DuoChatExpirationDays: in.DuoChatExpirationDays, AIGatewayURL: in.AIGatewayURL}
	if in.DuoChatExpirationColumn != "" {
		ai.DuoChatExpirationColumn = &in.DuoChatExpirationColumn
	}
	for field, msg := range models.ValidateInstanceAI(ai) {
		r.errs.add("instance."+field, "%s", msg)
	}
}

// applyInstanceAI adds the AI settings' columns to the instance update.
// Experiment features cannot stay on while GitLab Duo is Always off.
func applyInstanceAI(cols *[]string, st *models.InstanceSettings, in *InstanceDoc) {
	setColPtr(cols, models.FieldExperimentFeatures, &st.ExperimentFeaturesEnabled, in.ExperimentFeaturesEnabled)
	if models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled) == models.NeverOn {
		setCol(cols, models.FieldExperimentFeatures, &st.ExperimentFeaturesEnabled, false)
	}
	setColPtr(cols, models.FieldChatExpirationDays, &st.DuoChatExpirationDays, in.DuoChatExpirationDays)
	if in.DuoChatExpirationColumn != "" {
		setCol(cols, models.FieldChatExpirationColumn, &st.DuoChatExpirationColumn, in.DuoChatExpirationColumn)
	}
	setColPtr(cols, models.FieldDirectConnections, &st.DirectCodeSuggestionsEnabled, in.DirectCodeSuggestionsEnabled)
	setColPtr(cols, models.FieldBetaSelfHostedModels, &st.BetaSelfHostedModelsEnabled, in.BetaSelfHostedModelsEnabled)
	setColPtr(cols, models.FieldAILogs, &st.AILogsEnabled, in.AILogsEnabled)
	setColPtr(cols, models.FieldPromptCache, &st.ModelPromptCacheEnabled, in.ModelPromptCacheEnabled)
	if in.AIGatewayURL != nil {
		setCol(cols, models.FieldAIGatewayURL, &st.AIGatewayURL, strings.TrimSpace(*in.AIGatewayURL))
	}
	*cols = slices.Compact(*cols)
}

func (r *importRun) loadSelfHostedModels(ctx context.Context) error {
	ms, err := r.tx.SelfHostedModels(ctx)
	if err != nil {
		return err
	}
	r.selfHostedModels, r.fileModels = map[string]*models.SelfHostedModel{}, map[string]int{}
	for i := range ms {
		r.selfHostedModels[strings.ToLower(ms[i].Name)] = &ms[i]
	}
	return nil
}

func (r *importRun) validateSelfHostedModels() {
	for i, d := range r.doc.SelfHostedModels {
		p := fmt.Sprintf("self_hosted_models[%d]", i)
		for field, msg := range models.ValidateSelfHostedModel(d.input()) {
			r.errs.add(p+"."+field, "%s", msg)
		}
		key := strings.ToLower(strings.TrimSpace(d.Name))
		if j, dup := r.fileModels[key]; dup && key != "" {
			r.errs.add(p+".name", "duplicate of self_hosted_models[%d]", j)
		} else {
			r.fileModels[key] = i
		}
		if m := r.selfHostedModels[key]; m != nil && m.HasAPIKey() && strings.TrimSpace(d.Endpoint) != m.Endpoint {
			r.errs.add(p+".endpoint", "%s has an API key, which a file cannot carry, so its endpoint cannot change here: "+
				"change it on the model's edit page with the key, or remove the key there first", m.Name)
		}
	}
}

func (d SelfHostedModelDoc) input() models.SelfHostedModelInput {
	return models.SelfHostedModelInput{Name: d.Name, Platform: d.Platform, ModelFamily: d.ModelFamily,
		Endpoint: d.Endpoint, Identifier: d.Identifier}
}

func (r *importRun) applySelfHostedModels(ctx context.Context) (ImportCounts, error) {
	c := ImportCounts{InFile: len(r.doc.SelfHostedModels)}
	now := time.Now().UTC()
	for _, d := range r.doc.SelfHostedModels {
		in := d.input()
		in.Normalize()
		key := strings.ToLower(in.Name)
		m := r.selfHostedModels[key]
		if m == nil {
			m = &models.SelfHostedModel{Name: in.Name, Platform: in.Platform, ModelFamily: in.ModelFamily,
				Endpoint: in.Endpoint, Identifier: in.Identifier}
			if err := r.tx.CreateImportedSelfHostedModel(ctx, m); err != nil {
				return c, err
			}
			r.selfHostedModels[key] = m
			c.Created++
			continue
		}
		var cols []string
		setCol(&cols, "name", &m.Name, in.Name)
		setCol(&cols, "platform", &m.Platform, in.Platform)
		setCol(&cols, "model_family", &m.ModelFamily, in.ModelFamily)
		setCol(&cols, "endpoint", &m.Endpoint, in.Endpoint)
		setCol(&cols, "identifier", &m.Identifier, in.Identifier)
		if err := c.updated(r.tx.SaveImportedSelfHostedModel(ctx, m, cols, now)); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (r *importRun) validateAIFeatureSettings() {
	seen := map[string]int{}
	for i, d := range r.doc.AIFeatureSettings {
		p := fmt.Sprintf("ai_feature_settings[%d]", i)
		if _, ok := models.AIFeatureTitle(d.Feature); !ok {
			ids := make([]string, len(models.AIFeatures))
			for k, f := range models.AIFeatures {
				ids[k] = f.ID
			}
			r.errs.add(p+".feature", "not an AI-powered feature (%s)", strings.Join(ids, ", "))
		} else if j, dup := seen[d.Feature]; dup {
			r.errs.add(p+".feature", "duplicate of ai_feature_settings[%d]", j)
		} else {
			seen[d.Feature] = i
		}
		switch d.Provider {
		case models.ProviderVendored, models.ProviderDisabled:
			if d.Model != "" {
				r.errs.add(p+".model", "must be empty unless provider is self_hosted")
			}
		case models.ProviderSelfHosted:
			key := strings.ToLower(strings.TrimSpace(d.Model))
			_, inFile := r.fileModels[key]
			if d.Model == "" {
				r.errs.add(p+".model", msgBlank)
			} else if r.selfHostedModels[key] == nil && !inFile {
				r.errs.add(p+".model", "no self-hosted model %s in the file or the database", d.Model)
			}
		default:
			r.errs.add(p+".provider", "not a provider (vendored, self_hosted, disabled)")
		}
	}
}

func (r *importRun) applyAIFeatureSettings(ctx context.Context) (ImportCounts, error) {
	c := ImportCounts{InFile: len(r.doc.AIFeatureSettings)}
	if c.InFile == 0 {
		return c, nil
	}
	current, err := r.tx.AIFeatureChoices(ctx)
	if err != nil {
		return c, err
	}
	now := time.Now().UTC()
	for _, d := range r.doc.AIFeatureSettings {
		want := models.FeatureChoice{Provider: d.Provider}
		if d.Provider == models.ProviderSelfHosted {
			want.ModelID = r.selfHostedModels[strings.ToLower(strings.TrimSpace(d.Model))].ID
		}
		if current[d.Feature] == want {
			continue
		}
		if err := r.tx.SetImportedFeatureChoice(ctx, d.Feature, want, now); err != nil {
			return c, err
		}
		c.Updated++
	}
	return c, nil
}

// exportAI adds the instance's AI settings, the self-hosted models (never
// their API keys) and each feature's choice.
func exportAI(ctx context.Context, s *models.Store, doc *Document, st *models.InstanceSettings) error {
	in := doc.Instance
	in.ExperimentFeaturesEnabled = new(st.ExperimentFeaturesEnabled)
	in.DuoChatExpirationDays = new(st.DuoChatExpirationDays)
	in.DuoChatExpirationColumn = st.DuoChatExpirationColumn
	in.DirectCodeSuggestionsEnabled = new(st.DirectCodeSuggestionsEnabled)
	in.BetaSelfHostedModelsEnabled = new(st.BetaSelfHostedModelsEnabled)
	in.AILogsEnabled = new(st.AILogsEnabled)
	in.AIGatewayURL = new(st.AIGatewayURL)
	in.ModelPromptCacheEnabled = new(st.ModelPromptCacheEnabled)
	ms, err := s.SelfHostedModels(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, m := range ms {
		names[m.ID] = m.Name
		doc.SelfHostedModels = append(doc.SelfHostedModels, SelfHostedModelDoc{Name: m.Name, Platform: m.Platform,
			ModelFamily: m.ModelFamily, Endpoint: m.Endpoint, Identifier: m.Identifier})
	}
	choices, err := s.AIFeatureChoices(ctx)
	if err != nil {
		return err
	}
	for _, f := range models.AIFeatures {
		c := choices[f.ID]
		doc.AIFeatureSettings = append(doc.AIFeatureSettings, AIFeatureSettingDoc{Feature: f.ID, Provider: c.Provider,
			Model: names[c.ModelID]})
	}
	return nil
}
