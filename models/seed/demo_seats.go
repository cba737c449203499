package seed

import (
	"time"

	"duoadmin/models"
	"duoadmin/models/orgfile"
)

// Demo subscription names, as the Customers Portal shows them.
const (
	DemoAcmeSubscription     = "A-S00012345"
	DemoGlobexSubscription   = "A-S00023456"
	DemoInstanceSubscription = "A-S00034567"
)

// seats adds the demo's subscriptions, purchases and seat holders. The
// demo runs in either mode, so it has GitLab.com purchases (acme's Duo
// Enterprise, globex's Duo Pro trial) and the instance's Duo Pro.
func (b *demoBuilder) seats() {
	day := func(n int) string { return b.today.AddDays(n).String() }
	acme, globex := new("acme"), new("globex")
	b.doc.Subscriptions = []orgfile.SubscriptionDoc{
		{Name: DemoAcmeSubscription, Namespace: acme, Plan: models.PlanUltimate, Seats: 300, StartsOn: day(-200), EndsOn: day(165)},
		{Name: DemoGlobexSubscription, Namespace: globex, Plan: models.PlanPremium, Seats: 120, StartsOn: day(-90), EndsOn: day(275)},
		{Name: DemoInstanceSubscription, Plan: models.PlanUltimate, Seats: 250, StartsOn: day(-150), EndsOn: day(215)},
	}
	b.doc.AddOnPurchases = []orgfile.PurchaseDoc{
		{Namespace: acme, AddOn: models.AddOnDuoEnterprise, Quantity: 200, StartedAt: orgfile.NullableOf(new(day(-200))), ExpiresOn: day(165),
			Trial: new(false), PurchaseXID: DemoAcmeSubscription},
		{Namespace: globex, AddOn: models.AddOnDuoPro, Quantity: 120, StartedAt: orgfile.NullableOf(new(day(-10))), ExpiresOn: day(models.TrialDays - 10),
			Trial: new(true), PurchaseXID: DemoGlobexSubscription},
		{AddOn: models.AddOnDuoPro, Quantity: 150, StartedAt: orgfile.NullableOf(new(day(-150))), ExpiresOn: day(215),
			Trial: new(false), PurchaseXID: DemoInstanceSubscription},
	}
	b.assign(models.AddOnDuoEnterprise, acme, b.orgPeople["acme"], []string{"owner", "dev"}, 60, 180)
	b.assign(models.AddOnDuoPro, globex, b.orgPeople["globex"], nil, 8, 10)
	var everyone []string
	for _, u := range b.doc.Users {
		everyone = append(everyone, u.Username)
	}
	b.assign(models.AddOnDuoPro, nil, everyone, []string{"admin", "owner", "dev"}, 50, 140)
}

// assign gives n eligible users of pool (active, not bots) a seat, first
// the ones named, then at random, within the last maxDays days; about two
// in three have used Code Suggestions lately.
func (b *demoBuilder) assign(addOn models.AddOn, ns *string, pool, first []string, n, maxDays int) {
	var eligible []string
	for _, name := range pool {
		u := b.doc.Users[b.userAt[name]]
		if u.State == models.StateActive && !*u.Bot {
			eligible = append(eligible, name)
		}
	}
	picked := map[string]bool{}
	var holders []string
	for _, name := range first {
		picked[name] = true
		holders = append(holders, name)
	}
	for _, i := range b.rnd.Perm(len(eligible)) {
		if len(holders) >= n {
			break
		}
		if name := eligible[i]; !picked[name] {
			picked[name] = true
			holders = append(holders, name)
		}
	}
	for _, name := range holders {
		at := b.today.AddDays(-b.rnd.IntN(maxDays)).Add(time.Duration(8+b.rnd.IntN(9)) * time.Hour)
		b.doc.Assignments = append(b.doc.Assignments, orgfile.AssignmentDoc{User: name, AddOn: addOn, Namespace: ns,
			AssignedAt: at.UTC().Format(time.RFC3339)})
		if b.rnd.IntN(3) == 0 {
			continue
		}
		u := &b.doc.Users[b.userAt[name]]
		used := b.today.AddDays(-b.rnd.IntN(min(30, maxDays))).Add(time.Duration(9*60+b.rnd.IntN(8*60)) * time.Minute)
		if cur := u.LastCodeSuggestionsUsageAt.Value; cur == nil || *cur < used.Format(time.RFC3339) {
			u.LastCodeSuggestionsUsageAt = orgfile.NullableOf(new(used.UTC().Format(time.RFC3339)))
			u.LastDuoActivityOn = orgfile.NullableOf(new(models.DateOf(used).String()))
		}
	}
}
