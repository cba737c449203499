package access

import "slices"

// Feature is a GitLab Duo feature, by GitLab's identifier.
type Feature string

// Context is where a feature is used.
type Context string

const (
	ContextIDE    Context = "ide"
	ContextWebUI  Context = "web_ui"
	ContextWebIDE Context = "web_ide"
)

var Contexts = []Context{ContextIDE, ContextWebUI, ContextWebIDE}

// Tier is what granted access.
type Tier string

const (
	TierDuoCore       Tier = "duo_core"
	TierDuoPro        Tier = "duo_pro"
	TierDuoEnterprise Tier = "duo_enterprise"
)

func (t Tier) Title() string {
	switch t {
	case TierDuoCore:
		return "GitLab Duo Core"
	case TierDuoPro:
		return "GitLab Duo Pro"
	case TierDuoEnterprise:
		return "GitLab Duo Enterprise"
	}
	return ""
}

// FeatureInfo is one row of the catalog: the lowest seat tier that has the
// feature, and where Duo Core (no seat) may use it.
type FeatureInfo struct {
	ID           Feature
	Title        string
	SeatTier     Tier      // duo_pro or duo_enterprise
	CoreContexts []Context // empty: not in Duo Core
}

// Catalog is the one table of features and tiers.
var Catalog = []FeatureInfo{
	{"code_suggestions", "Code Suggestions", TierDuoPro, []Context{ContextIDE, ContextWebIDE}},
	{"duo_chat", "GitLab Duo Chat", TierDuoPro, []Context{ContextIDE}},
	{"explain_code", "Code Explanation", TierDuoPro, nil},
	{"refactor_code", "Refactor Code", TierDuoPro, nil},
	{"fix_code", "Fix Code", TierDuoPro, nil},
	{"write_tests", "Test Generation", TierDuoPro, nil},
	{"documentation_search", "Documentation Search", TierDuoPro, nil},
	{"summarize_comments", "Discussion Summary", TierDuoEnterprise, nil},
	{"generate_commit_message", "Merge Commit Message Generation", TierDuoEnterprise, nil},
	{"review_merge_request", "Code Review", TierDuoEnterprise, nil},
	{"troubleshoot_job", "Root Cause Analysis", TierDuoEnterprise, nil},
	{"explain_vulnerability", "Vulnerability Explanation", TierDuoEnterprise, nil},
	{"resolve_vulnerability", "Vulnerability Resolution", TierDuoEnterprise, nil},
	{"generate_issue_description", "Issue Description Generation", TierDuoEnterprise, nil},
	{"summarize_review", "Code Review Summary", TierDuoEnterprise, nil},
}

func FeatureByID(id string) (FeatureInfo, bool) {
	for _, f := range Catalog {
		if string(f.ID) == id {
			return f, true
		}
	}
	return FeatureInfo{}, false
}

// FeatureIDs lists the known identifiers, for error messages.
func FeatureIDs() []string {
	out := make([]string, len(Catalog))
	for i, f := range Catalog {
		out[i] = string(f.ID)
	}
	return out
}

// InSeatTier reports whether a seat of tier t includes the feature.
func (f FeatureInfo) InSeatTier(t Tier) bool {
	return t == TierDuoEnterprise || (t == TierDuoPro && f.SeatTier == TierDuoPro)
}

// InDuoCore reports whether Duo Core covers the feature in context c.
func (f FeatureInfo) InDuoCore(c Context) bool { return slices.Contains(f.CoreContexts, c) }

func ParseContext(s string) (Context, bool) {
	for _, c := range Contexts {
		if string(c) == s {
			return c, true
		}
	}
	return "", false
}
