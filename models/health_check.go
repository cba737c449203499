package models

import (
	"fmt"
	"strings"
	"time"
)

// SubscriptionSyncStaleAfter: GitLab expects the active subscription to
// synchronize at least this often.
const SubscriptionSyncStaleAfter = 72 * time.Hour

// HealthCheck is one named check of the GitLab Duo health check.
type HealthCheck struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	Passed   bool   `json:"passed"`
	Message  string `json:"message"`
	Fix      string `json:"fix,omitempty"`
	FixURL   string `json:"fix_url,omitempty"`
	// Informational checks describe a choice (Duo Core off) rather than a
	// fault: failing them does not make GitLab Duo "not operational".
	Informational bool `json:"informational,omitempty"`
}

// HealthReport is the outcome of every check that applies to a scope.
type HealthReport struct {
	Operational bool          `json:"operational"`
	CheckedAt   time.Time     `json:"checked_at"`
	Scope       string        `json:"scope"`
	Checks      []HealthCheck `json:"checks"`
}

// HealthPurchase is a purchase with what the checks need to know about it.
type HealthPurchase struct {
	AddOnPurchase
	Assigned int64
	// PlanError is ValidatePurchase's add-on message ("" when the plan allows it).
	PlanError string
}

// HealthLinks are the screens that fix each problem; "" when the viewer
// has none (a group owner has no email outbox).
type HealthLinks struct {
	Billing       string // buy, renew or upgrade
	Seats         string
	Configuration string
	Outbox        string
	Subscription  string // synchronize (self-managed)
}

// HealthFacts is everything the checks read, loaded beforehand.
type HealthFacts struct {
	Deployment Deployment
	Group      *Group // nil: the instance
	Now        time.Time
	Plan       Plan
	// Purchases of the scope; on GitLab.com's instance scope, every group's.
	Purchases      []HealthPurchase
	NeverOn        bool
	DuoCore        bool
	Subscription   *Subscription // self-managed instance only
	SMTPConfigured bool
	PendingEmails  int64
	FailingEmails  int64
	LastEmailError string
	Links          HealthLinks
}

// Check categories, after GitLab's probes.
const (
	CategoryLicense      = "License validation"
	CategoryAvailability = "Feature availability"
	CategoryAccess       = "Access permissions"
	CategorySync         = "Synchronization"
	CategoryEmail        = "System exchange"
)

// RunHealthChecks runs the checks that apply to the facts' scope. On
// GitLab.com the instance has no purchase of its own: only the checks of
// instance-wide machinery (mail, the seat refresh job) apply there.
func RunHealthChecks(f HealthFacts) HealthReport {
	var checks []func(HealthFacts) HealthCheck
	switch {
	case f.Deployment == GitLabCom && f.Group == nil:
		checks = []func(HealthFacts) HealthCheck{checkEmail, checkSeatRefresh}
	default:
		checks = []func(HealthFacts) HealthCheck{checkActivePurchase, checkPurchaseExpiry, checkPlan, checkSeatOverage,
			checkAlwaysOff, checkDuoCore, checkSeatRefresh, checkEmail}
		if f.Deployment != GitLabCom {
			checks = append(checks, checkSubscriptionSync)
		}
	}
	r := HealthReport{Operational: true, CheckedAt: f.Now.UTC(), Scope: "instance"}
	if f.Group != nil {
		r.Scope = f.Group.FullPath
	}
	for _, c := range checks {
		hc := c(f)
		r.Checks = append(r.Checks, hc)
		if !hc.Passed && !hc.Informational {
			r.Operational = false
		}
	}
	return r
}

func (f HealthFacts) where() string {
	if f.Group != nil {
		return f.Group.FullPath
	}
	return "this instance"
}

func (f HealthFacts) today() Date { return DateOf(f.Now) }

func (f HealthFacts) active() []HealthPurchase {
	var out []HealthPurchase
	for _, p := range f.Purchases {
		if p.ActiveOn(f.today()) {
			out = append(out, p)
		}
	}
	return out
}

func longDate(d Date) string { return d.Format("Jan 02, 2006") }

func checkActivePurchase(f HealthFacts) HealthCheck {
	c := HealthCheck{Name: "Active GitLab Duo purchase", Category: CategoryLicense, FixURL: f.Links.Billing}
	if act := f.active(); len(act) > 0 {
		var parts []string
		for _, p := range act {
			parts = append(parts, fmt.Sprintf("%s: %d seats, active until %s", p.AddOn.Title(), p.Quantity, longDate(p.ExpiresOn)))
		}
		c.Passed, c.Message, c.FixURL = true, strings.Join(parts, "; ")+".", ""
		return c
	}
	c.Fix = "Buy GitLab Duo Pro or GitLab Duo Enterprise, or start a free trial."
	today := f.today()
	for _, p := range f.Purchases {
		if p.StartedAt != nil && today.Before(*p.StartedAt) {
			c.Message = fmt.Sprintf("The %s purchase of %s starts on %s: until then no seat grants GitLab Duo.", p.AddOn.Title(), f.where(), longDate(*p.StartedAt))
			c.Fix = "Wait for the start date, or start a free trial to use GitLab Duo now."
			return c
		}
	}
	if len(f.Purchases) > 0 {
		c.Message = fmt.Sprintf("%s has no active GitLab Duo Pro or Enterprise purchase: the last one ended on %s.", f.where(), longDate(latestEnd(f.Purchases)))
		c.Fix = "Renew the subscription to keep using GitLab Duo seats."
		return c
	}
	c.Message = fmt.Sprintf("%s has no GitLab Duo Pro or Enterprise purchase: no one can have a seat.", f.where())
	return c
}

func latestEnd(ps []HealthPurchase) Date {
	var d Date
	for _, p := range ps {
		if d.Before(p.ExpiresOn) {
			d = p.ExpiresOn
		}
	}
	return d
}

func checkPurchaseExpiry(f HealthFacts) HealthCheck {
	c := HealthCheck{Name: "Purchase expiry", Category: CategoryLicense, FixURL: f.Links.Billing}
	for _, p := range f.Purchases {
		if p.InGrace(f.today()) {
			until := p.ExpiresOn.AddDays(ExpiryGraceDays)
			c.Message = fmt.Sprintf("The %s purchase expired on %s. Its %d seat assignments grant nothing and are kept only until %s, then removed.",
				p.AddOn.Title(), longDate(p.ExpiresOn), p.Assigned, longDate(until))
			c.Fix = fmt.Sprintf("Renew the subscription before %s to keep the assignments.", longDate(until))
			return c
		}
	}
	c.Passed, c.Message, c.FixURL = true, fmt.Sprintf("No purchase expired in the last %d days.", ExpiryGraceDays), ""
	return c
}

func checkPlan(f HealthFacts) HealthCheck {
	c := HealthCheck{Name: "Plan allows the add-on", Category: CategoryLicense, FixURL: f.Links.Billing}
	for _, p := range f.active() {
		if p.PlanError != "" {
			c.Message = fmt.Sprintf("%s: %s, but %s is on the %s plan.", p.AddOn.Title(), p.PlanError, f.where(), f.Plan.Title())
			c.Fix = "Upgrade the plan, or replace the purchase with an add-on the plan allows."
			return c
		}
	}
	c.Passed, c.FixURL = true, ""
	c.Message = fmt.Sprintf("The %s plan allows every active GitLab Duo purchase.", f.Plan.Title())
	return c
}

func checkSeatOverage(f HealthFacts) HealthCheck {
	c := HealthCheck{Name: "Seats assigned within the purchase", Category: CategoryAccess, FixURL: f.Links.Seats}
	var ok []string
	for _, p := range f.Purchases {
		if !p.ActiveOn(f.today()) && !p.InGrace(f.today()) {
			continue
		}
		if p.Assigned > int64(p.Quantity) {
			c.Message = fmt.Sprintf("%s has %d seats assigned but only %d purchased.", p.AddOn.Title(), p.Assigned, p.Quantity)
			c.Fix = fmt.Sprintf("Remove %d seat assignments, or buy more seats. Otherwise the overage job removes the most recently assigned seats.",
				p.Assigned-int64(p.Quantity))
			return c
		}
		ok = append(ok, fmt.Sprintf("%s: %d of %d seats assigned", p.AddOn.Title(), p.Assigned, p.Quantity))
	}
	c.Passed, c.FixURL = true, ""
	if len(ok) == 0 {
		c.Message = "No active purchase has seats to assign."
	} else {
		c.Message = strings.Join(ok, "; ") + "."
	}
	return c
}

func checkAlwaysOff(f HealthFacts) HealthCheck {
	c := HealthCheck{Name: "GitLab Duo availability", Category: CategoryAvailability, FixURL: f.Links.Configuration}
	if !f.NeverOn {
		c.Passed, c.FixURL = true, ""
		c.Message = fmt.Sprintf("GitLab Duo is not set to Always off in %s.", f.where())
		return c
	}
	if f.Group == nil {
		c.Message = "GitLab Duo is set to Always off for this instance: no one can use GitLab Duo, whatever their seat."
	} else {
		c.Message = fmt.Sprintf("GitLab Duo is set to Always off in %s: no one can use GitLab Duo with its groups and projects. Seats still work elsewhere.", f.Group.FullPath)
	}
	c.Fix = "In GitLab Duo configuration, choose On by default or Off by default."
	return c
}

func checkDuoCore(f HealthFacts) HealthCheck {
	c := HealthCheck{Name: "GitLab Duo Core", Category: CategoryAvailability, FixURL: f.Links.Configuration, Informational: true}
	switch {
	case f.DuoCore && f.Plan.Paid():
		c.Passed, c.FixURL = true, ""
		c.Message = "GitLab Duo Core is on: members without a seat can use Chat in the IDE and Code Suggestions in the IDE and Web IDE."
	case f.DuoCore:
		c.Message = fmt.Sprintf("GitLab Duo Core is on, but %s is on the %s plan: GitLab Duo Core needs Premium or Ultimate.", f.where(), f.Plan.Title())
		c.Fix, c.FixURL = "Upgrade to Premium or Ultimate.", f.Links.Billing
	default:
		c.Message = "GitLab Duo Core is off: users without a seat cannot use Duo."
		c.Fix = "Turn on GitLab Duo Core in GitLab Duo configuration if members without a seat should use Chat and Code Suggestions in the IDE."
	}
	return c
}

func checkSeatRefresh(f HealthFacts) HealthCheck {
	c := HealthCheck{Name: "Seat refresh", Category: CategorySync, FixURL: f.Links.Subscription}
	var stale []string
	for _, p := range f.active() {
		at := p.LastAssignedUsersRefreshedAt
		switch {
		case at == nil:
			stale = append(stale, p.AddOn.Title()+" was never refreshed")
		case f.Now.Sub(*at) > RefreshStaleAfter:
			stale = append(stale, fmt.Sprintf("%s was last refreshed %s", p.AddOn.Title(), ago(f.Now.Sub(*at))))
		}
	}
	if len(stale) == 0 {
		c.Passed, c.FixURL = true, ""
		c.Message = fmt.Sprintf("Seat assignments of every active purchase were refreshed in the last %d hours.", int(RefreshStaleAfter.Hours()))
		return c
	}
	c.Message = fmt.Sprintf("Seats are refreshed every 4 hours, but %s.", strings.Join(stale, "; "))
	c.Fix = "Make sure the scheduled jobs run: duoadmin serve runs them, or cron runs duoadmin jobs run refresh."
	switch {
	case f.Links.Subscription != "":
		c.Fix += " Synchronizing the subscription refreshes the seats too."
	case f.Group != nil:
		c.Fix = askAdmin(c.Fix)
	}
	return c
}

func ago(d time.Duration) string {
	switch h := int(d.Hours()); {
	case h < 48:
		return fmt.Sprintf("%d hours ago", h)
	default:
		return fmt.Sprintf("%d days ago", h/24)
	}
}

func checkEmail(f HealthFacts) HealthCheck {
	c := HealthCheck{Name: "Email delivery", Category: CategoryEmail, FixURL: f.Links.Outbox}
	switch {
	case f.FailingEmails > 0:
		c.Message = fmt.Sprintf("%d %s could not be sent", f.FailingEmails, plural(f.FailingEmails, "email", "emails"))
		if f.LastEmailError != "" {
			c.Message += " (last error: " + f.LastEmailError + ")"
		}
		c.Message += ". Users do not hear about their seats."
		c.Fix = "Check SMTP_HOST, SMTP_PORT, SMTP_USERNAME and SMTP_PASSWORD, then look at the email outbox."
	case !f.SMTPConfigured && f.PendingEmails > 0:
		c.Message = fmt.Sprintf("SMTP is not configured and %d %s waiting to be sent.", f.PendingEmails, plural(f.PendingEmails, "email is", "emails are"))
		c.Fix = "Set SMTP_HOST (and SMTP_PORT, SMTP_FROM) and restart duoadmin."
	default:
		c.Passed, c.FixURL = true, ""
		if f.SMTPConfigured {
			c.Message = "No email is failing to send."
		} else {
			c.Message = "SMTP is not configured, but no email is waiting to be sent."
		}
		return c
	}
	if f.Links.Outbox == "" {
		c.Fix = askAdmin(c.Fix)
	}
	return c
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func checkSubscriptionSync(f HealthFacts) HealthCheck {
	c := HealthCheck{Name: "Subscription synchronization", Category: CategorySync, FixURL: f.Links.Subscription}
	sub := f.Subscription
	switch {
	case sub == nil:
		c.Message = "Subscription for this instance cannot be synchronized: there is no subscription."
		c.Fix = "Add the instance's subscription."
	case sub.LastSyncedAt == nil:
		c.Message = "Subscription has not yet been synchronized. Synchronize your subscription."
		c.Fix = "Select Synchronize subscription on the Subscription page."
	case f.Now.Sub(*sub.LastSyncedAt) > SubscriptionSyncStaleAfter:
		c.Message = fmt.Sprintf("Subscription has not been synchronized recently (last %s). Synchronize your subscription.", ago(f.Now.Sub(*sub.LastSyncedAt)))
		c.Fix = fmt.Sprintf("The active subscription must sync at least every %d hours: select Synchronize subscription on the Subscription page.", int(SubscriptionSyncStaleAfter.Hours()))
	default:
		c.Passed, c.FixURL = true, ""
		c.Message = "Subscription synchronized successfully."
	}
	return c
}

// askAdmin turns a fix only an instance administrator can apply into a
// request to one ("Check X" → "Ask an administrator … to check X").
func askAdmin(fix string) string {
	return "Ask an administrator of this instance to " + strings.ToLower(fix[:1]) + fix[1:]
}
