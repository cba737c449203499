package seed

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strings"

	"duoadmin/models"
	"duoadmin/models/orgfile"
)

// DemoPassword signs in the demo accounts; every other demo user has no
// password and cannot sign in.
const DemoPassword = "duoadmin-demo-2026"

type DemoAccount struct{ Username, Role string }

// DemoAccounts are the demo's sign-in accounts, one per kind of viewer.
var DemoAccounts = []DemoAccount{
	{"admin", "instance administrator"},
	{"owner", "owner of the acme group"},
	{"support", "support auditor (read-only)"},
	{"dev", "developer in acme projects"},
}

// Demo loads the demo organisation through the importer, only into a
// database without users (models.ErrDatabaseNotEmpty otherwise). Activity
// dates are relative to today.
func Demo(ctx context.Context, s *models.Store, today models.Date) (*orgfile.ImportResult, error) {
	return orgfile.ImportIntoEmpty(ctx, s, orgfile.ImportActor, "demo", DemoDocument(today))
}

var demoGroups = []orgfile.GroupDoc{
	{Path: "acme", Name: "Acme Corp", Plan: models.PlanUltimate, DuoCoreEnabled: new(true)},
	{Path: "acme/platform", Name: "Platform"},
	{Path: "acme/platform/backend", Name: "Backend"},
	{Path: "acme/platform/backend/payments", Name: "Payments"},
	{Path: "acme/platform/backend/identity", Name: "Identity"},
	{Path: "acme/platform/frontend", Name: "Frontend"},
	{Path: "acme/platform/infrastructure", Name: "Infrastructure"},
	{Path: "acme/data", Name: "Data"},
	{Path: "acme/data/ml", Name: "Machine Learning"},
	// Research opts out by default; Security keeps GitLab Duo away entirely.
	{Path: "acme/data/ml/research", Name: "Research", DuoAvailability: models.DefaultOff},
	{Path: "acme/data/analytics", Name: "Analytics"},
	{Path: "acme/security", Name: "Security", DuoAvailability: models.NeverOn},
	{Path: "acme/docs", Name: "Documentation"},
	{Path: "globex", Name: "Globex", Plan: models.PlanPremium},
	{Path: "globex/apps", Name: "Apps"},
	{Path: "globex/apps/mobile", Name: "Mobile"},
	{Path: "globex/apps/mobile/ios", Name: "iOS"},
	{Path: "globex/apps/mobile/android", Name: "Android"},
	{Path: "globex/apps/web", Name: "Web"},
	{Path: "globex/operations", Name: "Operations"},
	{Path: "globex/operations/sre", Name: "SRE"},
	{Path: "globex/marketing", Name: "Marketing", DuoAvailability: models.DefaultOff},
	{Path: "partners", Name: "Partners", Plan: models.PlanFree},
}

// demoProjects: group path → "path:Name" of its projects.
var demoProjects = []struct {
	group    string
	projects []string
}{
	{"acme/platform/backend/payments", []string{"payments-api:Payments API", "ledger:Ledger", "fraud-detection:Fraud Detection"}},
	{"acme/platform/backend/identity", []string{"auth-service:Auth Service", "sso-gateway:SSO Gateway"}},
	{"acme/platform/backend", []string{"api-gateway:API Gateway", "notifications:Notifications"}},
	{"acme/platform/frontend", []string{"web-app:Web App", "design-system:Design System", "admin-console:Admin Console"}},
	{"acme/platform/infrastructure", []string{"terraform-modules:Terraform Modules", "k8s-manifests:Kubernetes Manifests", "ci-templates:CI Templates"}},
	{"acme/data/ml/research", []string{"llm-experiments:LLM Experiments", "recommendation-models:Recommendation Models"}},
	{"acme/data/ml", []string{"feature-store:Feature Store", "model-serving:Model Serving"}},
	{"acme/data/analytics", []string{"dashboards:Dashboards", "etl-pipelines:ETL Pipelines"}},
	{"acme/data", []string{"data-catalog:Data Catalog"}},
	{"acme/security", []string{"vulnerability-scanner:Vulnerability Scanner", "security-policies:Security Policies"}},
	{"acme/docs", []string{"handbook:Handbook", "developer-portal:Developer Portal"}},
	{"globex/apps/mobile/ios", []string{"globex-ios:Globex for iOS", "ios-sdk:iOS SDK"}},
	{"globex/apps/mobile/android", []string{"globex-android:Globex for Android", "android-sdk:Android SDK"}},
	{"globex/apps/mobile", []string{"mobile-shared:Mobile Shared"}},
	{"globex/apps/web", []string{"storefront:Storefront", "checkout:Checkout", "cms:CMS"}},
	{"globex/operations/sre", []string{"runbooks:Runbooks", "monitoring:Monitoring", "incident-bot:Incident Bot"}},
	{"globex/operations", []string{"deploy-tools:Deploy Tools"}},
	{"globex/marketing", []string{"website:Website", "campaigns:Campaigns"}},
	{"partners", []string{"integration-kit:Integration Kit", "partner-portal:Partner Portal"}},
}

// demoTeams are the groups people belong to, per top-level group.
var demoTeams = map[string][]string{
	"acme": {"acme/platform/backend/payments", "acme/platform/backend/identity", "acme/platform/backend",
		"acme/platform/frontend", "acme/platform/infrastructure", "acme/data/ml/research", "acme/data/ml",
		"acme/data/analytics", "acme/security", "acme/docs"},
	"globex":   {"globex/apps/mobile/ios", "globex/apps/mobile/android", "globex/apps/web", "globex/operations/sre", "globex/marketing"},
	"partners": {"partners"},
}

var demoFirstNames = strings.Fields(`Aaliyah Adrian Aiko Alejandro Amara Amir Ana Andrei Anika Arjun Astrid Ayesha
	Benjamin Bianca Carlos Chen Chidi Chloe Daniel Dmitri Elena Elif Emeka Emma Fatima Felix Gabriel Grace Hana
	Hassan Ingrid Isabela Ivan Jamal Javier Jin Joao Jonas Julia Kai Kavya Kenji Lars Layla Leon Lucia Mateo
	Maya Mei Mohammed Nadia Naveen Nia Noah Nora Oliver Oluwaseun Omar Paolo Priya Rafael Rania Ravi Rosa
	Sakura Samuel Sara Sebastian Sofia Soren Tariq Thandiwe Tomas Valentina Victor Wei Yara Yusuf Zara Zoe`)

var demoLastNames = strings.Fields(`Abara Adeyemi Ahmed Andersen Bauer Becker Chen Costa Dubois Eriksson Fernandes
	Fischer Garcia Gupta Haddad Hansen Hoffmann Ibrahim Ito Jansen Johnson Kapoor Kim Kowalski Kumar Larsen Li
	Lopez Martin Martinez Meyer Moreau Mueller Nakamura Nguyen Novak Okafor Olsen Park Patel Perez Petrov
	Popescu Reyes Rossi Santos Sato Schmidt Silva Singh Smith Suzuki Tanaka Thompson Torres Vargas Wagner
	Walker Wang Weber Williams Wilson Wright Yamamoto Yilmaz Zhang`)

// Level weights, in AccessLevels order: guest, planner, reporter, developer, maintainer, owner.
var (
	demoTeamLevels    = []int{6, 5, 14, 55, 17, 3}
	demoProjectLevels = []int{10, 5, 20, 50, 15, 0}
)

const demoPeople = 289

type demoBuilder struct {
	rnd       *rand.Rand
	today     models.Date
	doc       *orgfile.Document
	usernames map[string]bool
	members   map[string]bool
	projects  []string            // full paths
	userAt    map[string]int      // username → index in doc.Users
	orgPeople map[string][]string // top-level group → users with an accepted membership, in order
}

// DemoDocument builds the demo organisation. The same date gives the same
// document: randomness comes from a fixed seed.
func DemoDocument(today models.Date) *orgfile.Document {
	b := &demoBuilder{rnd: rand.New(rand.NewPCG(2026, 11)), today: today, doc: &orgfile.Document{},
		usernames: map[string]bool{}, members: map[string]bool{}, userAt: map[string]int{}, orgPeople: map[string][]string{}}
	b.doc.Instance = &orgfile.InstanceDoc{Plan: models.PlanUltimate}
	b.doc.Groups = append(b.doc.Groups, demoGroups...)
	for _, g := range demoProjects {
		for _, p := range g.projects {
			path, name, _ := strings.Cut(p, ":")
			b.doc.Projects = append(b.doc.Projects, orgfile.ProjectDoc{Path: g.group + "/" + path, Name: name})
			b.projects = append(b.projects, g.group+"/"+path)
		}
	}
	b.accounts()
	b.bots()
	b.people()
	b.doc.GroupLinks = []orgfile.GroupLinkDoc{
		{SharedGroup: "acme/platform", WithGroup: "partners", AccessLevel: "developer"},
		{SharedProject: "acme/platform/frontend/design-system", WithGroup: "partners", AccessLevel: "reporter"},
		{SharedGroup: "acme/data", WithGroup: "acme/security", AccessLevel: "reporter"},
		{SharedGroup: "globex/apps", WithGroup: "globex/operations/sre", AccessLevel: "developer"},
	}
	b.seats()
	return b.doc
}

func (b *demoBuilder) daysAgo(n int) orgfile.Nullable[string] {
	return orgfile.NullableOf(new(b.today.AddDays(-n).String()))
}

func (b *demoBuilder) user(u orgfile.UserDoc) {
	b.usernames[u.Username] = true
	b.userAt[u.Username] = len(b.doc.Users)
	u.Email = cmp.Or(u.Email, u.Username+"@example.com")
	u.State = cmp.Or(u.State, models.StateActive)
	for _, f := range []**bool{&u.PublicEmail, &u.Bot, &u.Admin, &u.Auditor} {
		if *f == nil {
			*f = new(false)
		}
	}
	if !u.LastDuoActivityOn.Set {
		u.LastDuoActivityOn = orgfile.NullableOf[string](nil)
	}
	b.doc.Users = append(b.doc.Users, u)
}

func (b *demoBuilder) member(user, source string, level models.AccessLevel, pending bool) {
	key := user + " " + source
	if b.members[key] {
		return
	}
	b.members[key] = true
	if org, _, _ := strings.Cut(source, "/"); !pending && !slices.Contains(b.orgPeople[org], user) {
		b.orgPeople[org] = append(b.orgPeople[org], user)
	}
	b.doc.Members = append(b.doc.Members, orgfile.MemberDoc{User: user, Source: source, AccessLevel: level.Key(), Pending: new(pending)})
}

func (b *demoBuilder) accounts() {
	b.user(orgfile.UserDoc{Username: "admin", Name: "Administrator", Password: DemoPassword, Admin: new(true), LastActivityOn: b.daysAgo(0)})
	b.user(orgfile.UserDoc{Username: "owner", Name: "Olivia Owner", Password: DemoPassword, PublicEmail: new(true), LastActivityOn: b.daysAgo(1)})
	b.user(orgfile.UserDoc{Username: "support", Name: "Sam Support", Password: DemoPassword, Auditor: new(true), LastActivityOn: b.daysAgo(3)})
	b.user(orgfile.UserDoc{Username: "dev", Name: "Devon Developer", Password: DemoPassword, LastActivityOn: b.daysAgo(2)})
	b.member("owner", "acme", models.Owner, false)
	for _, p := range []string{"acme/platform/backend/payments/payments-api", "acme/platform/backend/api-gateway",
		"acme/platform/frontend/web-app", "acme/data/analytics/dashboards"} {
		b.member("dev", p, models.Developer, false)
	}
}

func (b *demoBuilder) bots() {
	b.user(orgfile.UserDoc{Username: "ci-bot", Name: "CI Bot", Bot: new(true), LastActivityOn: b.daysAgo(0)})
	b.member("ci-bot", "acme/platform/infrastructure", models.Maintainer, false)
	b.user(orgfile.UserDoc{Username: "renovate-bot", Name: "Renovate Bot", Bot: new(true), LastActivityOn: b.daysAgo(1)})
	for _, p := range []string{"acme/platform/frontend/web-app", "acme/platform/backend/api-gateway", "globex/apps/web/storefront"} {
		b.member("renovate-bot", p, models.Developer, false)
	}
	for i, p := range []string{"acme/platform/backend/payments/ledger", "acme/data/ml/model-serving", "globex/operations/sre/incident-bot"} {
		name := fmt.Sprintf("project_%d_bot_%06x", 100+i*37+b.rnd.IntN(30), b.rnd.IntN(1<<24))
		b.user(orgfile.UserDoc{Username: name, Name: path.Base(p) + " deploy token", Email: name + "@noreply.example.com",
			Bot: new(true), LastActivityOn: b.daysAgo(b.rnd.IntN(30))})
		b.member(name, p, models.Maintainer, false)
	}
	name := fmt.Sprintf("group_%d_bot_%06x", 40+b.rnd.IntN(20), b.rnd.IntN(1<<24))
	b.user(orgfile.UserDoc{Username: name, Name: "operations release token", Email: name + "@noreply.example.com",
		Bot: new(true), LastActivityOn: orgfile.NullableOf[string](nil)})
	b.member(name, "globex/operations", models.Developer, false)
}

func (b *demoBuilder) username(first, last string) string {
	f, l := strings.ToLower(first), strings.ToLower(last)
	base := []string{f + "." + l, f[:1] + l, f + l[:1], f + "_" + l, f + l}[b.rnd.IntN(5)]
	name := base
	for n := 2; b.usernames[name]; n++ {
		name = fmt.Sprintf("%s%d", base, n)
	}
	return name
}

func (b *demoBuilder) pick(weights []int) models.AccessLevel {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := b.rnd.IntN(total)
	for i, w := range weights {
		if n < w {
			return models.AccessLevels[i]
		}
		n -= w
	}
	return models.Developer
}

// people are the bulk of the demo: mostly active developers, a few blocked,
// banned and deactivated, an extra admin and auditor, some who never signed in.
func (b *demoBuilder) people() {
	states := make([]models.UserState, demoPeople)
	perm := b.rnd.Perm(demoPeople)
	for k, i := range perm {
		switch {
		case k < 10:
			states[i] = models.StateBlocked
		case k < 15:
			states[i] = models.StateBanned
		case k < 23:
			states[i] = models.StateDeactivated
		default:
			states[i] = models.StateActive
		}
	}
	extraAdmin, extraAuditor := perm[30], perm[31]
	ownersNeeded := map[string]int{"globex": 2, "partners": 1}
	for i := range demoPeople {
		first := demoFirstNames[b.rnd.IntN(len(demoFirstNames))]
		last := demoLastNames[b.rnd.IntN(len(demoLastNames))]
		u := orgfile.UserDoc{Username: b.username(first, last), Name: first + " " + last, State: states[i],
			PublicEmail: new(b.rnd.IntN(5) == 0), Admin: new(i == extraAdmin), Auditor: new(i == extraAuditor)}
		switch {
		case states[i] == models.StateDeactivated:
			u.LastActivityOn = b.daysAgo(95 + b.rnd.IntN(270))
		case b.rnd.IntN(8) == 0:
			u.LastActivityOn = orgfile.NullableOf[string](nil) // never signed in
		default:
			u.LastActivityOn = b.daysAgo(b.rnd.IntN(90))
		}
		b.user(u)

		org := []string{"acme", "acme", "acme", "acme", "acme", "acme", "globex", "globex", "globex", "partners"}[b.rnd.IntN(10)]
		if ownersNeeded[org] > 0 && states[i] == models.StateActive {
			ownersNeeded[org]--
			b.member(u.Username, org, models.Owner, false)
		}
		teams := demoTeams[org]
		team := teams[b.rnd.IntN(len(teams))]
		b.member(u.Username, team, b.pick(demoTeamLevels), b.rnd.IntN(25) == 0)
		for range 1 + b.rnd.IntN(5) {
			b.member(u.Username, b.project(org, team), b.pick(demoProjectLevels), b.rnd.IntN(40) == 0)
		}
	}
}

// project picks one of the team's projects most of the time, else any of the organisation's.
func (b *demoBuilder) project(org, team string) string {
	var inTeam, inOrg []string
	for _, p := range b.projects {
		if strings.HasPrefix(p, team+"/") {
			inTeam = append(inTeam, p)
		}
		if strings.HasPrefix(p, org+"/") {
			inOrg = append(inOrg, p)
		}
	}
	if len(inTeam) > 0 && b.rnd.IntN(10) < 7 {
		return inTeam[b.rnd.IntN(len(inTeam))]
	}
	return inOrg[b.rnd.IntN(len(inOrg))]
}
