package models

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// ChatExpirationColumn is what Duo Chat conversations expire after.
type ChatExpirationColumn string

const (
	ChatExpiresAfterLastUpdate ChatExpirationColumn = "last_updated_at"
	ChatExpiresAfterCreation   ChatExpirationColumn = "created_at"
)

var ChatExpirationColumns = []ChatExpirationColumn{ChatExpiresAfterLastUpdate, ChatExpiresAfterCreation}

func (c ChatExpirationColumn) Valid() bool {
	return c == ChatExpiresAfterLastUpdate || c == ChatExpiresAfterCreation
}

func (c ChatExpirationColumn) Title() string {
	if c == ChatExpiresAfterCreation {
		return "After the conversation was created"
	}
	return "After the conversation was last updated"
}

const (
	ChatExpirationMinDays     = 1
	ChatExpirationMaxDays     = 30
	ChatExpirationDefaultDays = 30
)

// The messages of the instance's AI settings, shown under their fields.
const (
	MsgChatExpirationDays   = "must be a whole number of days from 1 to 30"
	MsgChatExpirationColumn = "must be last_updated_at (after the conversation was last updated) or created_at (after it was created)"
	MsgAIGatewayURL         = "must be a complete URL starting with http:// or https:// (for example https://ai-gateway.example.com), or empty"
	maxAIGatewayURL         = 2048
)

// Form fields, which are also the keys of FieldErrors and audit details.
const (
	FieldExperimentFeatures   = "experiment_features_enabled"
	FieldChatExpirationDays   = "duo_chat_expiration_days"
	FieldChatExpirationColumn = "duo_chat_expiration_column"
	FieldDirectConnections    = "direct_code_suggestions_enabled"
	FieldBetaSelfHostedModels = "beta_self_hosted_models_enabled"
	FieldAILogs               = "ai_logs_enabled"
	FieldAIGatewayURL         = "ai_gateway_url"
	FieldPromptCache          = "model_prompt_cache_enabled"
)

// InstanceAIInput changes the instance's AI settings; a nil field stays as
// it is (a disabled checkbox posts nothing).
type InstanceAIInput struct {
	ExperimentFeaturesEnabled    *bool
	DuoChatExpirationDays        *int
	DuoChatExpirationColumn      *ChatExpirationColumn
	DirectCodeSuggestionsEnabled *bool
	BetaSelfHostedModelsEnabled  *bool
	AILogsEnabled                *bool
	AIGatewayURL                 *string
	ModelPromptCacheEnabled      *bool
}

// ValidateInstanceAI checks every given field.
func ValidateInstanceAI(in InstanceAIInput) FieldErrors {
	errs := FieldErrors{}
	if d := in.DuoChatExpirationDays; d != nil && (*d < ChatExpirationMinDays || *d > ChatExpirationMaxDays) {
		errs.Add(FieldChatExpirationDays, MsgChatExpirationDays)
	}
	if c := in.DuoChatExpirationColumn; c != nil && !c.Valid() {
		errs.Add(FieldChatExpirationColumn, MsgChatExpirationColumn)
	}
	if u := in.AIGatewayURL; u != nil && !ValidAIGatewayURL(*u) {
		errs.Add(FieldAIGatewayURL, MsgAIGatewayURL)
	}
	return errs
}

// ValidAIGatewayURL: empty, or an absolute http(s) URL with a host.
func ValidAIGatewayURL(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return true
	}
	return len(s) <= maxAIGatewayURL && validHTTPURL(s)
}

// validHTTPURL is an absolute http(s) URL with a host and no spaces.
func validHTTPURL(s string) bool {
	if strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" && u.Opaque == ""
}

// SaveInstanceAISettings applies the given fields in one transaction with
// one audit event naming each changed field before and after. Experiment
// and beta features cannot be on while GitLab Duo is Always off: the
// request is then forced off, as turning Always off itself does.
func (s *Store) SaveInstanceAISettings(ctx context.Context, actor Actor, in InstanceAIInput) error {
	if errs := ValidateInstanceAI(in); len(errs) > 0 {
		return errs
	}
	if in.AIGatewayURL != nil {
		in.AIGatewayURL = new(strings.TrimSpace(*in.AIGatewayURL))
	}
	return s.Tx(ctx, func(tx *Store) error {
		st, err := first[InstanceSettings](tx.forUpdate(ctx).Where("id = 1"))
		if err != nil {
			return err
		}
		if in.ExperimentFeaturesEnabled != nil && InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled) == NeverOn {
			in.ExperimentFeaturesEnabled = new(false)
		}
		cols := map[string]any{}
		details := map[string]any{}
		track := func(field string, before, after any) {
			if before != after {
				cols[field], details[field] = after, change(before, after)
			}
		}
		if v := in.ExperimentFeaturesEnabled; v != nil {
			track(FieldExperimentFeatures, st.ExperimentFeaturesEnabled, *v)
		}
		if v := in.DuoChatExpirationDays; v != nil {
			track(FieldChatExpirationDays, st.DuoChatExpirationDays, *v)
		}
		if v := in.DuoChatExpirationColumn; v != nil {
			track(FieldChatExpirationColumn, string(st.DuoChatExpirationColumn), string(*v))
		}
		if v := in.DirectCodeSuggestionsEnabled; v != nil {
			track(FieldDirectConnections, st.DirectCodeSuggestionsEnabled, *v)
		}
		if v := in.BetaSelfHostedModelsEnabled; v != nil {
			track(FieldBetaSelfHostedModels, st.BetaSelfHostedModelsEnabled, *v)
		}
		if v := in.AILogsEnabled; v != nil {
			track(FieldAILogs, st.AILogsEnabled, *v)
		}
		if v := in.ModelPromptCacheEnabled; v != nil {
			track(FieldPromptCache, st.ModelPromptCacheEnabled, *v)
		}
		if v := in.AIGatewayURL; v != nil {
			track(FieldAIGatewayURL, st.AIGatewayURL, *v)
		}
		if len(cols) == 0 {
			return nil
		}
		cols["updated_at"] = time.Now().UTC()
		if err := tx.q(ctx).Model(&InstanceSettings{}).Where("id = 1").Updates(cols).Error; err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "instance_ai_settings_changed", TargetType: "Instance",
			TargetName: "instance", Details: details})
	})
}
