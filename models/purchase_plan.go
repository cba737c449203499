package models

// The plan rule of GitLab Duo purchases: Duo Pro needs Premium or
// Ultimate, Duo Enterprise needs Ultimate. Every path that creates or
// restates a purchase applies it: provisioning and trials through
// CreatePurchase, the import in its validation.

// InstanceOwner names the instance in the rule's messages.
const InstanceOwner = "this instance"

// PlanRefusal says that an add-on needs a plan its owner does not have.
type PlanRefusal struct {
	AddOn AddOn
	Owner string // a top-level group's full path, or "this instance"
	Plan  Plan
}

// RequiredPlan is "an Ultimate" or "a Premium or Ultimate".
func (e *PlanRefusal) RequiredPlan() string {
	if e.AddOn == AddOnDuoEnterprise {
		return "an Ultimate"
	}
	return "a Premium or Ultimate"
}

// Needs is the rule alone: "GitLab Duo Enterprise needs an Ultimate plan".
func (e *PlanRefusal) Needs() string { return e.AddOn.Title() + " needs " + e.RequiredPlan() + " plan" }

// Error names the owner's plan too: "…; acme has Premium".
func (e *PlanRefusal) Error() string { return e.Needs() + "; " + e.Owner + " has " + e.Plan.Title() }

// CheckAddOnPlan returns nil when plan allows addOn, else the refusal.
func CheckAddOnPlan(addOn AddOn, owner string, plan Plan) *PlanRefusal {
	if plan == "" {
		plan = PlanFree
	}
	if (addOn == AddOnDuoEnterprise && plan != PlanUltimate) || (addOn == AddOnDuoPro && !plan.Paid()) {
		return &PlanRefusal{AddOn: addOn, Owner: owner, Plan: plan}
	}
	return nil
}
