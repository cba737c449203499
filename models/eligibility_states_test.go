package models_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// GitLab.com eligibility for the cases the first tests left out: members
// whose account is deactivated or banned (the user's state, not a ban in
// the group), through the group, a subgroup or an invited group; and
// members of a subgroup of an invited group, who are not members of the
// invited group (GitLab's sharing docs: "If you want to give members of a
// subgroup of the group you are inviting access to the project, you have
// to invite the subgroup."). Every path that uses eligibility agrees: the check, the
// seat table, assignment, and the refresh that removes seats.
//
//	acme (Ultimate) > acme/sub; partners (outside) > partners/inner;
//	partners invited into acme/sub.
func TestGitLabComEligibilityStatesAndInvitedSubgroups(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		acme, err := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
		if err != nil {
			t.Fatal(err)
		}
		sub, _ := s.CreateGroup(ctx, tester, acme, models.GroupInput{Path: "sub", Name: "Sub"})
		partners, _ := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "partners", Name: "Partners"})
		inner, err := s.CreateGroup(ctx, tester, partners, models.GroupInput{Path: "inner", Name: "Inner"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateGroupLink(ctx, tester, sub, partners, models.Developer); err != nil {
			t.Fatal(err)
		}
		users := map[string]*models.User{}
		// name: where the membership is; the state is set after it.
		for _, m := range []struct {
			name  string
			group *models.Group
		}{
			{"dev", acme}, {"deact", acme}, {"bannedstate", acme}, {"subdeact", sub}, {"subbanned", sub},
			{"partner", partners}, {"partnerdeact", partners}, {"partnerbanned", partners}, {"innerdev", inner},
		} {
			u := mkUser(t, s, m.name, models.StateActive, false)
			if _, err := s.AddMember(ctx, tester, models.GroupSource(m.group), u, models.Developer); err != nil {
				t.Fatal(err)
			}
			users[m.name] = u
		}
		p, err := s.CreatePurchase(ctx, tester, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro,
			NamespaceID: &acme.ID, Quantity: 20, ExpiresOn: models.Today().AddDays(300), PurchaseXID: "A-S00099999"})
		if err != nil {
			t.Fatal(err)
		}
		// Every one of them holds a seat from before (as a sync brings
		// them); then the accounts change state.
		db, _ := s.SQLDB()
		for _, u := range users {
			if _, err := db.Exec("INSERT INTO seat_assignments (add_on_purchase_id, user_id) VALUES ($1, $2)", p.ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Exec(`UPDATE users SET state = 'deactivated' WHERE username IN ('deact', 'subdeact', 'partnerdeact')`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE users SET state = 'banned' WHERE username IN ('bannedstate', 'subbanned', 'partnerbanned')`); err != nil {
			t.Fatal(err)
		}

		eligible := map[string]bool{"dev": true, "partner": true}
		for name, u := range users {
			ok, err := s.IsEligible(ctx, p, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ok != eligible[name] {
				t.Errorf("%s eligible = %v, want %v", name, ok, eligible[name])
			}
		}

		// The seat table lists the eligible users only.
		page, err := s.SeatTable(ctx, p, models.SeatFilter{}, models.Page{Number: 1, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, r := range page.Items {
			listed = append(listed, r.Username)
		}
		sort.Strings(listed)
		if got := strings.Join(listed, ","); got != "dev,partner" || page.Total != 2 {
			t.Errorf("seat table lists %s (total %d), want dev,partner (2)", got, page.Total)
		}

		// The refresh takes the seats of everyone else, each with its reason.
		want := map[string]string{
			"deact": models.ReasonUserDeactivated, "subdeact": models.ReasonUserDeactivated, "partnerdeact": models.ReasonUserDeactivated,
			"bannedstate": models.ReasonUserBanned, "subbanned": models.ReasonUserBanned, "partnerbanned": models.ReasonUserBanned,
			"innerdev": models.ReasonMembershipRemoved,
		}
		rs, err := s.RefreshSeats(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range rs {
			got[r.Username] = r.Reason
		}
		for name, reason := range want {
			if got[name] != reason {
				t.Errorf("%s removed with reason %q, want %q", name, got[name], reason)
			}
		}
		for name := range eligible {
			if reason, ok := got[name]; ok {
				t.Errorf("eligible %s lost the seat (%s)", name, reason)
			}
		}
		if n, _ := s.AssignedCount(ctx, p.ID); n != 2 {
			t.Errorf("%d seats left, want dev's and partner's", n)
		}

		// Assignment refuses them: one at a time, and in bulk as a whole.
		for _, name := range []string{"deact", "bannedstate", "subdeact", "partnerbanned", "innerdev"} {
			if _, err := s.AssignSeat(ctx, tester, p.ID, users[name].ID); seatCode(err) != models.InvalidUserMembership {
				t.Errorf("assign %s: %v, want %s", name, err, models.InvalidUserMembership)
			}
		}
		extra := mkUser(t, s, "newdev", models.StateActive, false)
		if _, err := s.AddMember(ctx, tester, models.GroupSource(acme), extra, models.Developer); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BulkAssignSeats(ctx, tester, p.ID, []int64{extra.ID, users["innerdev"].ID}); seatCode(err) != models.InvalidUserIDPresent {
			t.Errorf("bulk with a member of an invited group's subgroup: %v, want %s", err, models.InvalidUserIDPresent)
		}
		if n, _ := s.AssignedCount(ctx, p.ID); n != 2 {
			t.Errorf("the refused bulk assignment left %d seats, want 2", n)
		}
	})
}
