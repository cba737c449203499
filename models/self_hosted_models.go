package models

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"duoadmin/models/secretbox"
)

// ModelPlatform is where a self-hosted model is served from.
type ModelPlatform string

const (
	PlatformVLLM        ModelPlatform = "vllm"
	PlatformBedrock     ModelPlatform = "bedrock"
	PlatformAzureOpenAI ModelPlatform = "azure_openai"
)

var ModelPlatforms = []ModelPlatform{PlatformVLLM, PlatformBedrock, PlatformAzureOpenAI}

func (p ModelPlatform) Valid() bool {
	for _, v := range ModelPlatforms {
		if v == p {
			return true
		}
	}
	return false
}

func (p ModelPlatform) Title() string {
	switch p {
	case PlatformVLLM:
		return "vLLM"
	case PlatformBedrock:
		return "Amazon Bedrock"
	case PlatformAzureOpenAI:
		return "Azure OpenAI"
	}
	return string(p)
}

// ModelFamily is the kind of model a deployment serves.
type ModelFamily string

const (
	FamilyMistral   ModelFamily = "mistral"
	FamilyMixtral   ModelFamily = "mixtral"
	FamilyCodestral ModelFamily = "codestral"
	FamilyLlama3    ModelFamily = "llama3"
	FamilyClaude3   ModelFamily = "claude_3"
	FamilyGPT       ModelFamily = "gpt"
)

var ModelFamilies = []ModelFamily{FamilyMistral, FamilyMixtral, FamilyCodestral, FamilyLlama3, FamilyClaude3, FamilyGPT}

func (f ModelFamily) Valid() bool {
	for _, v := range ModelFamilies {
		if v == f {
			return true
		}
	}
	return false
}

func (f ModelFamily) Title() string {
	switch f {
	case FamilyMistral:
		return "Mistral"
	case FamilyMixtral:
		return "Mixtral"
	case FamilyCodestral:
		return "Codestral"
	case FamilyLlama3:
		return "Llama 3"
	case FamilyClaude3:
		return "Claude 3"
	case FamilyGPT:
		return "GPT"
	}
	return string(f)
}

// SelfHostedModel is a model deployment GitLab Duo features can use
// instead of GitLab's vendor models (self-managed, Duo Enterprise).
type SelfHostedModel struct {
	ID          int64
	Name        string
	Platform    ModelPlatform
	ModelFamily ModelFamily
	Endpoint    string
	Identifier  string
	// APIKeyEncrypted is secretbox.Box.Seal's output, never the key.
	APIKeyEncrypted string `json:"-"`
	// APIKeyEndpoint is the endpoint the key was saved for: the only
	// place SelfHostedModelAPIKey lets it go.
	APIKeyEndpoint string `json:"-"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (m *SelfHostedModel) HasAPIKey() bool { return m.APIKeyEncrypted != "" }

// MsgAPIKeyForNewEndpoint: a stored key is write-only, so whoever changes
// the endpoint could otherwise send a key they never saw to a host of
// their choosing (with "Test connection"). A new endpoint needs the key
// again, or no key.
const MsgAPIKeyForNewEndpoint = "Enter the API key again: the endpoint changed."

// ErrAPIKeyForOtherEndpoint: the stored key was saved for another endpoint
// than the model's (a change made before keys were bound to endpoints, or
// outside the application), so it is not sent.
var ErrAPIKeyForOtherEndpoint = Message("its API key was saved for another endpoint. Edit the model and enter the API key again.")

func apiKeyState(set bool) string {
	if set {
		return "set"
	}
	return "not set"
}

// SelfHostedModelInput is the form. An empty APIKey keeps the stored one
// unless ClearAPIKey is set.
type SelfHostedModelInput struct {
	Name        string
	Platform    ModelPlatform
	ModelFamily ModelFamily
	Endpoint    string
	Identifier  string
	APIKey      string
	ClearAPIKey bool
}

// Form fields, also the keys of FieldErrors.
const (
	FieldModelName       = "name"
	FieldModelPlatform   = "platform"
	FieldModelFamily     = "model_family"
	FieldModelEndpoint   = "endpoint"
	FieldModelIdentifier = "identifier"
	FieldModelAPIKey     = "api_key"
)

const (
	maxModelText     = 255
	maxModelEndpoint = 2048
	maxModelAPIKey   = 4096
)

// Normalize trims the input as it is stored.
func (in *SelfHostedModelInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Endpoint = strings.TrimSpace(in.Endpoint)
	in.Identifier = strings.TrimSpace(in.Identifier)
	in.APIKey = strings.TrimSpace(in.APIKey)
}

// ValidateSelfHostedModel checks the form (name uniqueness is the store's).
func ValidateSelfHostedModel(in SelfHostedModelInput) FieldErrors {
	in.Normalize()
	errs := FieldErrors{}
	switch {
	case in.Name == "":
		errs.Add(FieldModelName, msgBlank)
	case len(in.Name) > maxModelText:
		errs.Add(FieldModelName, "is too long (maximum is 255 characters)")
	}
	switch {
	case in.Platform == "":
		errs.Add(FieldModelPlatform, msgBlank)
	case !in.Platform.Valid():
		errs.Add(FieldModelPlatform, "must be vLLM, Amazon Bedrock or Azure OpenAI")
	}
	switch {
	case in.ModelFamily == "":
		errs.Add(FieldModelFamily, msgBlank)
	case !in.ModelFamily.Valid():
		errs.Add(FieldModelFamily, "must be one of Mistral, Mixtral, Codestral, Llama 3, Claude 3, GPT")
	}
	switch {
	case in.Endpoint == "" && in.Platform != PlatformBedrock:
		errs.Add(FieldModelEndpoint, "can't be blank (only Amazon Bedrock models need no endpoint)")
	case in.Endpoint == "":
	case len(in.Endpoint) > maxModelEndpoint || !validHTTPURL(in.Endpoint):
		errs.Add(FieldModelEndpoint, "must be a complete URL starting with http:// or https:// (for example http://vllm.example.com:8000)")
	case endpointHasCredentials(in.Endpoint):
		errs.Add(FieldModelEndpoint, "must not contain credentials: put them in the API key field")
	}
	switch {
	case in.Identifier == "":
		errs.Add(FieldModelIdentifier, msgBlank)
	case len(in.Identifier) > maxModelText:
		errs.Add(FieldModelIdentifier, "is too long (maximum is 255 characters)")
	}
	if len(in.APIKey) > maxModelAPIKey {
		errs.Add(FieldModelAPIKey, "is too long (maximum is 4096 characters)")
	}
	return errs
}

func (s *Store) SelfHostedModelByID(ctx context.Context, id int64) (*SelfHostedModel, error) {
	return first[SelfHostedModel](s.q(ctx).Where("id = ?", id))
}

// SelfHostedModels lists every model by name, for the feature choices.
func (s *Store) SelfHostedModels(ctx context.Context) ([]SelfHostedModel, error) {
	var ms []SelfHostedModel
	err := s.q(ctx).Order("lower(name), id").Find(&ms).Error
	return ms, err
}

// ListSelfHostedModels is one page of the models, by name.
func (s *Store) ListSelfHostedModels(ctx context.Context, page Page) (Paged[SelfHostedModel], error) {
	page = page.normalized()
	out := Paged[SelfHostedModel]{Page: page.Number, PerPage: page.PerPage}
	q := s.q(ctx).Model(&SelfHostedModel{})
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err := q.Order("lower(name), id").Offset(page.Offset()).Limit(page.PerPage).Find(&out.Items).Error
	return out, err
}

var errNameTaken = FieldErrors{FieldModelName: "has already been taken"}

func (s *Store) nameTaken(ctx context.Context, name string, exceptID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&SelfHostedModel{}).Where("lower(name) = ? AND id <> ?", strings.ToLower(name), exceptID).Count(&n).Error
	return n > 0, err
}

// modelAudit is what an audit event says about a model: never the key.
func modelAudit(m *SelfHostedModel) map[string]any {
	return map[string]any{"name": m.Name, "platform": m.Platform, "model_family": m.ModelFamily,
		"endpoint": m.Endpoint, "identifier": m.Identifier, "api_key": apiKeyState(m.HasAPIKey())}
}

// CreateSelfHostedModel validates, encrypts the API key and records the model.
func (s *Store) CreateSelfHostedModel(ctx context.Context, actor Actor, in SelfHostedModelInput) (*SelfHostedModel, error) {
	in.Normalize()
	if errs := ValidateSelfHostedModel(in); len(errs) > 0 {
		return nil, errs
	}
	m := &SelfHostedModel{Name: in.Name, Platform: in.Platform, ModelFamily: in.ModelFamily,
		Endpoint: in.Endpoint, Identifier: in.Identifier}
	if in.APIKey != "" {
		sealed, err := s.seal(in.APIKey)
		if err != nil {
			return nil, err
		}
		m.APIKeyEncrypted, m.APIKeyEndpoint = sealed, in.Endpoint
	}
	err := s.Tx(ctx, func(tx *Store) error {
		if taken, err := tx.nameTaken(ctx, m.Name, 0); err != nil || taken {
			return cmpErr(err, errNameTaken)
		}
		if err := tx.q(ctx).Create(m).Error; err != nil {
			if IsUniqueViolation(err) {
				return errNameTaken
			}
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "self_hosted_model_created", TargetType: "SelfHostedModel",
			TargetID: m.ID, TargetName: m.Name, Details: modelAudit(m)})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// cmpErr is err when there is one, else fallback.
func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// UpdateSelfHostedModel changes a model; the audit event names each
// changed field, and only says whether the API key changed.
func (s *Store) UpdateSelfHostedModel(ctx context.Context, actor Actor, id int64, in SelfHostedModelInput) (*SelfHostedModel, error) {
	in.Normalize()
	if errs := ValidateSelfHostedModel(in); len(errs) > 0 {
		return nil, errs
	}
	sealed := ""
	if in.APIKey != "" {
		var err error
		if sealed, err = s.seal(in.APIKey); err != nil {
			return nil, err
		}
	}
	var out *SelfHostedModel
	err := s.Tx(ctx, func(tx *Store) error {
		m, err := first[SelfHostedModel](tx.forUpdate(ctx).Where("id = ?", id))
		if err != nil {
			return err
		}
		if taken, err := tx.nameTaken(ctx, in.Name, m.ID); err != nil || taken {
			return cmpErr(err, errNameTaken)
		}
		if in.Endpoint != m.Endpoint && m.HasAPIKey() && sealed == "" && !in.ClearAPIKey {
			return FieldErrors{FieldModelAPIKey: MsgAPIKeyForNewEndpoint}
		}
		details := map[string]any{}
		cols := map[string]any{}
		track := func(field string, before, after any) {
			if before != after {
				cols[field], details[field] = after, change(before, after)
			}
		}
		track("name", m.Name, in.Name)
		track("platform", string(m.Platform), string(in.Platform))
		track("model_family", string(m.ModelFamily), string(in.ModelFamily))
		track("endpoint", m.Endpoint, in.Endpoint)
		track("identifier", m.Identifier, in.Identifier)
		switch {
		case sealed != "":
			cols["api_key_encrypted"], cols["api_key_endpoint"] = sealed, in.Endpoint
			details["api_key"] = change(apiKeyState(m.HasAPIKey()), "replaced")
		case in.ClearAPIKey && m.HasAPIKey():
			cols["api_key_encrypted"], cols["api_key_endpoint"] = "", ""
			details["api_key"] = change("set", "not set")
		}
		if len(cols) == 0 {
			out = m
			return nil
		}
		cols["updated_at"] = time.Now().UTC()
		if err := tx.q(ctx).Model(&SelfHostedModel{}).Where("id = ?", m.ID).Updates(cols).Error; err != nil {
			if IsUniqueViolation(err) {
				return errNameTaken
			}
			return err
		}
		if out, err = first[SelfHostedModel](tx.q(ctx).Where("id = ?", m.ID)); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "self_hosted_model_updated", TargetType: "SelfHostedModel",
			TargetID: m.ID, TargetName: out.Name, Details: details})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ModelInUseError: features still use the model, so it stays.
type ModelInUseError struct {
	Model    string
	Features []string // titles, in catalog order
}

func (e *ModelInUseError) Error() string {
	return "Cannot delete model " + e.Model + ": it is used by " + strings.Join(e.Features, ", ") + "."
}

// DeleteSelfHostedModel removes a model no feature uses.
func (s *Store) DeleteSelfHostedModel(ctx context.Context, actor Actor, id int64) (*SelfHostedModel, error) {
	var out *SelfHostedModel
	err := s.Tx(ctx, func(tx *Store) error {
		m, err := first[SelfHostedModel](tx.forUpdate(ctx).Where("id = ?", id))
		if err != nil {
			return err
		}
		var features []string
		if err := tx.q(ctx).Model(&AIFeatureSetting{}).Where("self_hosted_model_id = ?", m.ID).
			Pluck("feature", &features).Error; err != nil {
			return err
		}
		if len(features) > 0 {
			return &ModelInUseError{Model: m.Name, Features: featureTitles(features)}
		}
		if err := tx.q(ctx).Delete(&SelfHostedModel{}, m.ID).Error; err != nil {
			return err
		}
		out = m
		return tx.Audit(ctx, actor, AuditEntry{Action: "self_hosted_model_deleted", TargetType: "SelfHostedModel",
			TargetID: m.ID, TargetName: m.Name, Details: modelAudit(m)})
	})
	return out, err
}

func (s *Store) seal(plain string) (string, error) {
	if s.opts.Secrets == nil {
		return "", errNoSecretBox
	}
	return s.opts.Secrets.Seal(plain)
}

// SelfHostedModelAPIKey decrypts a model's API key for a request to its
// endpoint; "" when it has none, ErrAPIKeyForOtherEndpoint when the key
// was saved for another endpoint than the model's.
func (s *Store) SelfHostedModelAPIKey(m *SelfHostedModel) (string, error) {
	if !m.HasAPIKey() {
		return "", nil
	}
	if m.APIKeyEndpoint != m.Endpoint {
		return "", ErrAPIKeyForOtherEndpoint
	}
	if s.opts.Secrets == nil {
		return "", errNoSecretBox
	}
	key, err := s.opts.Secrets.Open(m.APIKeyEncrypted)
	if errors.Is(err, secretbox.ErrWrongKey) {
		return "", errors.New("the API key " + err.Error() + ": check ENCRYPTION_KEY")
	}
	return key, err
}

// endpointHasCredentials: a user:password in the URL would be shown on
// the page and written to audit events, unlike the API key.
func endpointHasCredentials(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.User != nil
}

// SelfHostedAvailable: GitLab Duo Self-Hosted needs an Ultimate instance
// with an active GitLab Duo Enterprise purchase.
func (s *Store) SelfHostedAvailable(ctx context.Context) (bool, error) {
	st, err := s.InstanceSettings(ctx)
	if err != nil || st.Plan != PlanUltimate {
		return false, err
	}
	ps, err := s.PurchasesFor(ctx, nil)
	if err != nil {
		return false, err
	}
	today := Today()
	for i := range ps {
		if ps[i].AddOn == AddOnDuoEnterprise && ps[i].ActiveOn(today) {
			return true, nil
		}
	}
	return false, nil
}
