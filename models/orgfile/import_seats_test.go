package orgfile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/orgfile"
	"duoadmin/models/seed"
	"duoadmin/models/storetest"
)

// seatFile has both kinds of purchase: acme's (GitLab.com) and the
// instance's (namespace null).
const seatFile = `{
  "instance": {"plan": "ultimate", "duo_core_enabled": true},
  "users": [
    {"username": "olga", "name": "Olga", "email": "olga@example.com", "last_code_suggestions_usage_at": "2026-05-01T10:15:30.123456Z"},
    {"username": "sven", "name": "Sven", "email": "sven@example.com", "last_code_suggestions_usage_at": null},
    {"username": "nina", "name": "Nina", "email": "nina@example.com"}
  ],
  "groups": [
    {"path": "acme", "name": "Acme", "plan": "ultimate", "duo_core_enabled": true},
    {"path": "acme/sub", "name": "Sub"}
  ],
  "members": [
    {"user": "olga", "source": "acme", "access_level": "owner"},
    {"user": "sven", "source": "acme/sub", "access_level": "guest"}
  ],
  "subscriptions": [
    {"name": "A-S00012345", "namespace": "acme", "plan": "ultimate", "seats": 50, "starts_on": "2026-01-01", "ends_on": "2027-01-01"},
    {"name": "A-S00099999", "namespace": null, "plan": "ultimate", "seats": 20, "starts_on": "2026-02-01", "ends_on": "2027-02-01"}
  ],
  "add_on_purchases": [
    {"namespace": "acme", "add_on": "duo_enterprise", "quantity": 10, "started_at": "2026-01-01", "expires_on": "2027-01-01", "trial": false, "purchase_xid": "A-S00012345"},
    {"namespace": null, "add_on": "duo_pro", "quantity": 3, "started_at": null, "expires_on": "2027-02-01", "trial": true, "purchase_xid": "A-S00099999"}
  ],
  "assignments": [
    {"user": "olga", "add_on": "duo_enterprise", "namespace": "acme", "assigned_at": "2026-03-04T05:06:07Z"},
    {"user": "sven", "add_on": "duo_enterprise", "namespace": "acme"},
    {"user": "nina", "add_on": "duo_pro", "namespace": null, "assigned_at": "2026-04-01T00:00:00Z"}
  ]
}`

func wantUnchanged(t *testing.T, res *orgfile.ImportResult) {
	t.Helper()
	for _, sec := range res.Sections {
		if sec.Created != 0 || sec.Updated != 0 {
			t.Fatalf("re-import changed %s: %+v (%s)", sec.Section, sec.ImportCounts, res.Summary())
		}
	}
}

func TestImportSeats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		res := mustImport(t, s, parseString(t, seatFile))
		for sec, want := range map[string]int{"subscriptions": 2, "add_on_purchases": 2, "assignments": 3} {
			if got := res.Count(sec).Created; got != want {
				t.Fatalf("%s created %d, want %d (%s)", sec, got, want, res.Summary())
			}
		}
		if !strings.Contains(res.Summary(), "2 subscriptions (2 new), 2 add-on purchases (2 new), 3 seat assignments (3 new)") {
			t.Fatalf("summary %q", res.Summary())
		}

		st, _ := s.InstanceSettings(ctx)
		acme := mustGroup(t, s, "acme")
		if !st.DuoCoreFeaturesEnabled || !acme.DuoCoreFeaturesEnabled || mustGroup(t, s, "acme/sub").DuoCoreFeaturesEnabled {
			t.Fatalf("duo core: instance %v acme %v", st.DuoCoreFeaturesEnabled, acme.DuoCoreFeaturesEnabled)
		}
		olga, _ := s.UserByUsername(ctx, "olga")
		want := time.Date(2026, 5, 1, 10, 15, 30, 123456000, time.UTC)
		if olga.LastCodeSuggestionsUsageAt == nil || !olga.LastCodeSuggestionsUsageAt.Equal(want) {
			t.Fatalf("olga's last code suggestions usage %v", olga.LastCodeSuggestionsUsageAt)
		}
		sub, err := s.SubscriptionByName(ctx, "A-S00012345")
		if err != nil || *sub.NamespaceID != acme.ID || sub.Seats != 50 || sub.Plan != models.PlanUltimate || sub.EndsOn.String() != "2027-01-01" {
			t.Fatalf("subscription %+v %v", sub, err)
		}
		if inst, err := s.SubscriptionFor(ctx, nil); err != nil || inst.Name != "A-S00099999" {
			t.Fatalf("instance subscription %+v %v", inst, err)
		}
		ent, err := s.SeatPurchase(ctx, &acme.ID)
		if err != nil || ent.AddOn != models.AddOnDuoEnterprise || ent.Quantity != 10 || ent.Trial || ent.StartedAt.String() != "2026-01-01" {
			t.Fatalf("acme purchase %+v %v", ent, err)
		}
		pro, err := s.SeatPurchase(ctx, nil)
		if err != nil || pro.AddOn != models.AddOnDuoPro || !pro.Trial || pro.StartedAt != nil || pro.PurchaseXID != "A-S00099999" {
			t.Fatalf("instance purchase %+v %v", pro, err)
		}
		if n, _ := s.AssignedCount(ctx, ent.ID); n != 2 {
			t.Fatalf("acme seats %d", n)
		}
		// Imported seats are audited, one event per purchase (a bulk
		// action; each seat is its ledger row), but send no mail.
		if mail, _ := s.ListOutbox(ctx, models.OutboxFilter{}, models.Page{Number: 1, PerPage: 20}); mail.Total != 0 {
			t.Fatalf("%d emails queued for imported seats", mail.Total)
		}
		if ev := latestAudit(t, s, "seat_assigned"); ev != nil {
			t.Fatalf("an imported seat has its own audit event: %+v", ev)
		}
		ev := latestAudit(t, s, "seats_assigned")
		if ev == nil || !strings.Contains(ev.Details, `"reason":"import"`) || !strings.Contains(ev.Details, `"count":`) || ev.ActorName != "import" {
			t.Fatalf("seat audit %+v", ev)
		}

		// Idempotent, and the export round-trips.
		wantUnchanged(t, mustImport(t, s, parseString(t, seatFile)))
		out, err := orgfile.Export(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := orgfile.WriteDocument(&buf, out); err != nil {
			t.Fatal(err)
		}
		js := buf.String()
		for _, frag := range []string{`"duo_core_enabled": true`, `"last_code_suggestions_usage_at": "2026-05-01T10:15:30.123456Z"`,
			`"last_code_suggestions_usage_at": null`, `"namespace": null`, `"assigned_at": "2026-03-04T05:06:07Z"`,
			`"started_at": null`, `"purchase_xid": "A-S00099999"`, `"name": "A-S00012345"`} {
			if !strings.Contains(js, frag) {
				t.Errorf("export lacks %s", frag)
			}
		}
		if strings.Count(js, `"duo_core_enabled"`) != 2 { // instance and acme; never a subgroup
			t.Errorf("duo_core_enabled appears %d times", strings.Count(js, `"duo_core_enabled"`))
		}
		again, err := orgfile.ParseDocument("export.json", &buf)
		if err != nil {
			t.Fatal(err)
		}
		wantUnchanged(t, mustImport(t, s, again))
		if len(out.Assignments) != 3 || out.Assignments[0].Namespace != nil || out.Assignments[0].User != "nina" {
			t.Fatalf("assignments export %+v", out.Assignments)
		}

		// Into an empty database, the export builds the same organisation.
		s2 := storetest.SQLite(t)
		mustImport(t, s2, out)
		out2, err := orgfile.Export(ctx, s2)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(out)
		b, _ := json.Marshal(out2)
		if string(a) != string(b) {
			t.Fatalf("round trip differs\n%s\n%s", a, b)
		}
	})
}

func TestImportSeatsUpdates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustImport(t, s, parseString(t, seatFile))
		res := mustImport(t, s, parseString(t, `{
		  "add_on_purchases": [{"namespace": "acme", "add_on": "duo_enterprise", "quantity": 12, "expires_on": "2028-01-01"}],
		  "assignments": [{"user": "olga", "add_on": "duo_enterprise", "namespace": "acme", "assigned_at": "2026-03-05T00:00:00Z"}],
		  "users": [{"username": "olga", "name": "Olga", "email": "olga@example.com", "last_code_suggestions_usage_at": null}],
		  "instance": {"duo_core_enabled": false}}`))
		if res.Count("add_on_purchases").Updated != 1 || res.Count("assignments").Updated != 1 || res.Count("users").Updated != 1 {
			t.Fatalf("counts %s", res.Summary())
		}
		acme := mustGroup(t, s, "acme")
		p, _ := s.SeatPurchase(ctx, &acme.ID)
		// Absent fields keep their value (started_at, trial, purchase_xid).
		if p.Quantity != 12 || p.ExpiresOn.String() != "2028-01-01" || p.StartedAt.String() != "2026-01-01" || p.PurchaseXID != "A-S00012345" {
			t.Fatalf("purchase %+v", p)
		}
		olga, _ := s.UserByUsername(ctx, "olga")
		if olga.LastCodeSuggestionsUsageAt != nil {
			t.Fatal("null must clear last_code_suggestions_usage_at")
		}
		if st, _ := s.InstanceSettings(ctx); st.DuoCoreFeaturesEnabled {
			t.Fatal("instance duo core still on")
		}
		out, _ := orgfile.Export(ctx, s)
		for _, a := range out.Assignments {
			if a.User == "olga" && a.AssignedAt != "2026-03-05T00:00:00Z" {
				t.Fatalf("olga assigned at %s", a.AssignedAt)
			}
		}
	})
}

func importProblems(t *testing.T, s *models.Store, js string) []string {
	t.Helper()
	_, err := orgfile.Import(context.Background(), s, orgfile.ImportActor, "t.json", parseString(t, js))
	var ie *orgfile.ImportErrors
	if !errors.As(err, &ie) {
		t.Fatalf("want *ImportErrors, got %v", err)
	}
	return ie.Lines()
}

func wantProblems(t *testing.T, got []string, want ...string) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("missing %q in\n%s", w, strings.Join(got, "\n"))
		}
	}
}

func TestImportSeatsValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		got := importProblems(t, s, `{
		  "users": [{"username": "u1", "name": "U", "email": "u1@example.com", "last_code_suggestions_usage_at": "yesterday"}],
		  "groups": [{"path": "acme", "name": "Acme", "plan": "ultimate"}, {"path": "acme/sub", "name": "Sub", "duo_core_enabled": true}],
		  "subscriptions": [
		    {"name": "", "namespace": "acme/sub", "plan": "free", "seats": 0, "starts_on": "2026-02-01", "ends_on": "2026-01-01"},
		    {"name": "A-1", "namespace": "acme", "plan": "premium", "seats": 5, "starts_on": "2026-01-01", "ends_on": "2027-01-01"},
		    {"name": "A-1", "namespace": "acme", "plan": "premium", "seats": 5, "starts_on": "2026-01-01", "ends_on": "2027-01-01"}
		  ],
		  "add_on_purchases": [
		    {"namespace": "acme/sub", "add_on": "duo_pro", "quantity": 1, "expires_on": "2027-01-01"},
		    {"namespace": "nowhere", "add_on": "duo_core", "quantity": 0, "expires_on": ""},
		    {"namespace": null, "add_on": "duo_pro", "quantity": 1, "started_at": "2027-01-01", "expires_on": "2026-01-01"},
		    {"namespace": null, "add_on": "duo_pro", "quantity": 1, "expires_on": "2027-01-01"}
		  ],
		  "assignments": [
		    {"user": "ghost", "add_on": "duo_pro", "namespace": null},
		    {"user": "u1", "add_on": "duo_enterprise", "namespace": "acme", "assigned_at": "soon"},
		    {"user": "u1", "add_on": "duo_pro", "namespace": null},
		    {"user": "u1", "add_on": "duo_pro", "namespace": null}
		  ]}`)
		wantProblems(t, got,
			`t.json: users[0].last_code_suggestions_usage_at: not a timestamp (RFC 3339, e.g. 2026-06-15T09:30:00Z): "yesterday"`,
			"t.json: groups[1].duo_core_enabled: can only be set for root group namespace",
			"t.json: subscriptions[0].name: can't be blank",
			"t.json: subscriptions[0].plan: not a subscription plan (premium, ultimate)",
			"t.json: subscriptions[0].seats: must be a whole number of at least 1",
			"t.json: subscriptions[0].ends_on: must be after starts_on",
			"t.json: subscriptions[0].namespace: must be a top-level group",
			"t.json: subscriptions[2].name: duplicate of subscriptions[1]",
			"t.json: subscriptions[2].namespace: acme already has subscriptions[1]: one subscription per namespace",
			"t.json: add_on_purchases[0].namespace: must be a top-level group",
			"t.json: add_on_purchases[1].namespace: no group nowhere in the file or the database",
			"t.json: add_on_purchases[1].add_on: not an add-on with seats (duo_pro, duo_enterprise)",
			"t.json: add_on_purchases[1].quantity: must be a whole number of at least 1",
			"t.json: add_on_purchases[1].expires_on: can't be blank",
			"t.json: add_on_purchases[2].expires_on: must be after started_at",
			"t.json: add_on_purchases[3]: duplicate of add_on_purchases[2] (one duo_pro purchase per namespace)",
			"t.json: assignments[0].user: no user ghost in the file or the database",
			"t.json: assignments[1]: no duo_enterprise purchase of acme in the file or the database",
			`t.json: assignments[1].assigned_at: not a timestamp (RFC 3339, e.g. 2026-06-15T09:30:00Z): "soon"`,
			"t.json: assignments[3]: duplicate of assignments[2] (same user and purchase)",
		)
		if c := countRows(t, s); c["users"] != 0 {
			t.Fatalf("rows written: %v", c)
		}
	})
}

// Eligibility and room are checked against the organisation as the file
// leaves it, and any problem rolls everything back.
func TestImportSeatsEligibilityAndCapacity(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		got := importProblems(t, s, `{
		  "instance": {"plan": "premium"},
		  "users": [{"username": "member", "name": "M", "email": "m@example.com"},
		            {"username": "outsider", "name": "O", "email": "o@example.com"},
		            {"username": "bot", "name": "B", "email": "b@example.com", "bot": true},
		            {"username": "gone", "name": "G", "email": "g@example.com", "state": "blocked"},
		            {"username": "guest", "name": "Gu", "email": "gu@example.com"}],
		  "groups": [{"path": "acme", "name": "Acme", "plan": "ultimate"}, {"path": "acme/sub", "name": "Sub"}],
		  "members": [{"user": "member", "source": "acme", "access_level": "developer"},
		              {"user": "guest", "source": "acme/sub", "access_level": "guest"}],
		  "add_on_purchases": [{"namespace": "acme", "add_on": "duo_pro", "quantity": 1, "expires_on": "2030-01-01"},
		                       {"namespace": null, "add_on": "duo_pro", "quantity": 5, "expires_on": "2030-01-01"}],
		  "assignments": [
		    {"user": "member", "add_on": "duo_pro", "namespace": "acme"},
		    {"user": "outsider", "add_on": "duo_pro", "namespace": "acme"},
		    {"user": "guest", "add_on": "duo_pro", "namespace": "acme"},
		    {"user": "bot", "add_on": "duo_pro", "namespace": null},
		    {"user": "gone", "add_on": "duo_pro", "namespace": null},
		    {"user": "outsider", "add_on": "duo_pro", "namespace": null}
		  ]}`)
		comRule := "needs an active user who is not a bot, not banned there and a member of the group, a subgroup, a project or an invited group"
		wantProblems(t, got,
			"t.json: assignments[1].user: outsider is not eligible for a seat of acme: "+comRule,
			"t.json: assignments[2]: no seat left: the duo_pro purchase of acme has a quantity of 1",
			"t.json: assignments[3].user: bot is not eligible for a seat of the instance: needs an active user who is not a bot",
			"t.json: assignments[4].user: gone is not eligible for a seat of the instance: needs an active user who is not a bot",
		)
		if len(got) != 4 {
			t.Fatalf("problems:\n%s", strings.Join(got, "\n"))
		}
		if _, err := s.UserByUsername(ctx, "member"); !errors.Is(err, models.ErrNotFound) {
			t.Fatal("a failed import wrote users")
		}
	})
}

func TestSeedDemoSeats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		res, err := seed.Demo(ctx, s, models.Today())
		if err != nil {
			t.Fatal(err)
		}
		if res.Count("add_on_purchases").Created != 3 || res.Count("subscriptions").Created != 3 {
			t.Fatalf("demo: %s", res.Summary())
		}
		acme, globex := mustGroup(t, s, "acme"), mustGroup(t, s, "globex")
		if !acme.DuoCoreFeaturesEnabled {
			t.Fatal("acme has Duo Core off")
		}
		check := func(ns *int64, addOn models.AddOn, qty int, trial bool, lo, hi int64) {
			t.Helper()
			p, err := s.SeatPurchase(ctx, ns)
			if err != nil {
				t.Fatal(err)
			}
			if p.AddOn != addOn || p.Quantity != qty || p.Trial != trial || !p.ActiveOn(models.Today()) {
				t.Fatalf("purchase %+v", p)
			}
			n, _ := s.AssignedCount(ctx, p.ID)
			if n < lo || n > hi {
				t.Fatalf("%s: %d seats assigned, want %d..%d", addOn, n, lo, hi)
			}
			// Every demo seat holder is eligible.
			for _, id := range must(s.SeatHolders(ctx, p.ID)) {
				if ok, _ := s.IsEligible(ctx, p, id); !ok {
					t.Fatalf("user %d holds a seat of %s without being eligible", id, addOn)
				}
			}
		}
		check(&acme.ID, models.AddOnDuoEnterprise, 200, false, 55, 60)
		check(&globex.ID, models.AddOnDuoPro, 120, true, 5, 8)
		check(nil, models.AddOnDuoPro, 150, false, 45, 50)
		out, _ := orgfile.Export(ctx, s)
		used := 0
		for _, u := range out.Users {
			if u.LastCodeSuggestionsUsageAt.Value != nil {
				used++
			}
		}
		if used < 30 {
			t.Fatalf("only %d users used Code Suggestions", used)
		}
		wantUnchanged(t, mustImport(t, s, out))
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
