package models

import (
	"context"
	"strconv"
	"time"
)

// AIFeature is one AI-powered feature whose model an administrator picks
// on the GitLab Duo Self-Hosted page. IDs follow GitLab's feature settings.
type AIFeature struct {
	ID    string
	Title string
}

var AIFeatures = []AIFeature{
	{"code_completions", "Code completion"},
	{"code_generations", "Code generation"},
	{"duo_chat", "Duo Chat"},
	{"duo_chat_explain_code", "Explain code"},
	{"duo_chat_fix_code", "Fix code"},
	{"duo_chat_refactor_code", "Refactor code"},
	{"duo_chat_write_tests", "Write tests"},
	{"summarize_comments", "Summarize comments"},
	{"generate_commit_message", "Generate commit message"},
	{"duo_chat_troubleshoot_job", "Root cause analysis"},
	{"explain_vulnerability", "Vulnerability explanation"},
}

// AIFeatureTitle is the title of the feature with this id, if there is one.
func AIFeatureTitle(id string) (string, bool) {
	for _, f := range AIFeatures {
		if f.ID == id {
			return f.Title, true
		}
	}
	return "", false
}

// featureTitles turns ids into titles, in the catalog's order.
func featureTitles(ids []string) []string {
	has := map[string]bool{}
	for _, id := range ids {
		has[id] = true
	}
	var out []string
	for _, f := range AIFeatures {
		if has[f.ID] {
			out = append(out, f.Title)
		}
	}
	return out
}

// AIProvider is what serves a feature.
type AIProvider string

const (
	ProviderVendored   AIProvider = "vendored"
	ProviderSelfHosted AIProvider = "self_hosted"
	ProviderDisabled   AIProvider = "disabled"
)

// AIFeatureSetting is a feature's stored choice; features without a row
// use GitLab's vendor model.
type AIFeatureSetting struct {
	ID                int64
	Feature           string
	Provider          AIProvider
	SelfHostedModelID *int64
	UpdatedAt         time.Time
}

// FeatureChoice is one feature's pick: ModelID is set for ProviderSelfHosted.
type FeatureChoice struct {
	Provider AIProvider
	ModelID  int64
}

// FormValue is the choice as the form's select posts it: "vendored",
// "disabled" or a model id.
func (c FeatureChoice) FormValue() string {
	if c.Provider == ProviderSelfHosted {
		return strconv.FormatInt(c.ModelID, 10)
	}
	return string(c.Provider)
}

// ParseFeatureChoice reads a select's value.
func ParseFeatureChoice(v string) (FeatureChoice, bool) {
	switch AIProvider(v) {
	case ProviderVendored, ProviderDisabled:
		return FeatureChoice{Provider: AIProvider(v)}, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return FeatureChoice{}, false
	}
	return FeatureChoice{Provider: ProviderSelfHosted, ModelID: id}, true
}

const (
	MsgFeatureChoice  = "must be GitLab AI vendor model, a self-hosted model, or Disabled"
	MsgFeatureNoModel = "uses a self-hosted model that does not exist (it may have just been deleted)"
)

// AIFeatureChoices is every feature's choice, the default filled in.
func (s *Store) AIFeatureChoices(ctx context.Context) (map[string]FeatureChoice, error) {
	var rows []AIFeatureSetting
	if err := s.q(ctx).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]FeatureChoice, len(AIFeatures))
	for _, f := range AIFeatures {
		out[f.ID] = FeatureChoice{Provider: ProviderVendored}
	}
	for _, r := range rows {
		c := FeatureChoice{Provider: r.Provider}
		if r.SelfHostedModelID != nil {
			c.ModelID = *r.SelfHostedModelID
		}
		out[r.Feature] = c
	}
	return out, nil
}

// SaveAIFeatureChoices stores the given features' choices (others stay)
// with one audit event naming each change. A chosen model is locked until
// commit, so it cannot be deleted half-way.
func (s *Store) SaveAIFeatureChoices(ctx context.Context, actor Actor, choices map[string]FeatureChoice) error {
	modelIDs, errs := validateAIFeatureChoices(choices)
	if len(errs) > 0 {
		return errs
	}
	return s.Tx(ctx, func(tx *Store) error {
		names, err := tx.lockChosenModels(ctx, choices, modelIDs)
		if err != nil {
			return err
		}
		current, err := tx.AIFeatureChoices(ctx)
		if err != nil {
			return err
		}
		if err := tx.labelModels(ctx, current, names); err != nil {
			return err
		}
		changed, details := diffAIFeatureChoices(current, choices, names)
		if len(changed) == 0 {
			return nil
		}
		if err := tx.persistAIFeatureChoices(ctx, changed); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "ai_feature_settings_changed", TargetType: "Instance",
			TargetName: "instance", Details: details})
	})
}

// validateAIFeatureChoices checks what needs no database: known features
// and providers. It returns the self-hosted models the choices name.
func validateAIFeatureChoices(choices map[string]FeatureChoice) ([]int64, FieldErrors) {
	errs := FieldErrors{}
	var modelIDs []int64
	for id, c := range choices {
		if _, ok := AIFeatureTitle(id); !ok {
			errs.Add(id, "is not an AI-powered feature")
			continue
		}
		switch c.Provider {
		case ProviderVendored, ProviderDisabled:
		case ProviderSelfHosted:
			modelIDs = append(modelIDs, c.ModelID)
		default:
			errs.Add(id, MsgFeatureChoice)
		}
	}
	return modelIDs, errs
}

// lockChosenModels locks the chosen models (so none is deleted before the
// choice is saved) and returns their names; a choice of a model that does
// not exist is a field error.
func (s *Store) lockChosenModels(ctx context.Context, choices map[string]FeatureChoice, modelIDs []int64) (map[int64]string, error) {
	var models []SelfHostedModel
	if err := s.forUpdate(ctx).Where("id IN ?", append(modelIDs, 0)).Find(&models).Error; err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, m := range models {
		names[m.ID] = m.Name
	}
	errs := FieldErrors{}
	for id, c := range choices {
		if c.Provider == ProviderSelfHosted && names[c.ModelID] == "" {
			errs.Add(id, MsgFeatureNoModel)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return names, nil
}

// diffAIFeatureChoices returns the choices that differ from the current
// ones, by feature, and the audit details (before → after, as labels).
func diffAIFeatureChoices(current, choices map[string]FeatureChoice, names map[int64]string) (map[string]FeatureChoice, map[string]any) {
	label := func(c FeatureChoice) string {
		switch c.Provider {
		case ProviderSelfHosted:
			return "self-hosted model " + names[c.ModelID]
		case ProviderDisabled:
			return "Disabled"
		}
		return "GitLab AI vendor model"
	}
	changed, details := map[string]FeatureChoice{}, map[string]any{}
	for _, f := range AIFeatures {
		c, given := choices[f.ID]
		if !given || c == current[f.ID] {
			continue
		}
		changed[f.ID] = c
		details[f.ID] = change(label(current[f.ID]), label(c))
	}
	return changed, details
}

// persistAIFeatureChoices writes the changed choices: the vendored model
// is the default, kept as no row.
func (s *Store) persistAIFeatureChoices(ctx context.Context, changed map[string]FeatureChoice) error {
	now := time.Now().UTC()
	for _, f := range AIFeatures { // in the catalogue's order, as before
		c, ok := changed[f.ID]
		if !ok {
			continue
		}
		if err := s.q(ctx).Where("feature = ?", f.ID).Delete(&AIFeatureSetting{}).Error; err != nil {
			return err
		}
		if c.Provider == ProviderVendored {
			continue
		}
		row := AIFeatureSetting{Feature: f.ID, Provider: c.Provider, UpdatedAt: now}
		if c.Provider == ProviderSelfHosted {
			row.SelfHostedModelID = new(c.ModelID)
		}
		if err := s.q(ctx).Create(&row).Error; err != nil {
			return err
		}
	}
	return nil
}

// labelModels adds the names of the models current choices use.
func (s *Store) labelModels(ctx context.Context, current map[string]FeatureChoice, names map[int64]string) error {
	var missing []int64
	for _, c := range current {
		if c.Provider == ProviderSelfHosted && names[c.ModelID] == "" {
			missing = append(missing, c.ModelID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var ms []SelfHostedModel
	if err := s.q(ctx).Select("id", "name").Where("id IN ?", missing).Find(&ms).Error; err != nil {
		return err
	}
	for _, m := range ms {
		names[m.ID] = m.Name
	}
	return nil
}
