package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

type seatWorld struct {
	s        *models.Store
	purchase *models.AddOnPurchase
	users    map[string]*models.User
	acme     *models.Group
}

func mkUser(t *testing.T, s *models.Store, name string, state models.UserState, bot bool) *models.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), tester, models.UserInput{Username: name, Name: name, Email: name + "@example.com", Bot: bot})
	if err != nil {
		t.Fatal(err)
	}
	if state != models.StateActive {
		if u, err = s.SetUserState(context.Background(), tester, u.ID, state); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func seatCode(err error) string {
	var se *models.SeatError
	if errors.As(err, &se) {
		return se.Code
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return ""
}

// comWorld: GitLab.com, acme (Ultimate) > acme/sub > project acme/sub/p;
// "partners" (outside) invited into acme/sub; "vendors/team" invited into
// the project; a Duo Pro purchase of `seats` on acme.
func comWorld(t *testing.T, s *models.Store, seats int) seatWorld {
	t.Helper()
	ctx := context.Background()
	w := seatWorld{s: s, users: map[string]*models.User{}}
	for _, n := range []string{"owner", "subdev", "projguest", "partner", "vendorboss", "pending", "outsider", "bannedhere", "ci"} {
		w.users[n] = mkUser(t, s, n, models.StateActive, n == "ci")
	}
	w.users["blocked"] = mkUser(t, s, "blocked", models.StateBlocked, false)
	var err error
	w.acme, err = s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := s.CreateGroup(ctx, tester, w.acme, models.GroupInput{Path: "sub", Name: "Sub"})
	proj, _ := s.CreateProject(ctx, tester, sub, models.ProjectInput{Path: "p", Name: "P"})
	partners, _ := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "partners", Name: "Partners"})
	vendors, _ := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "vendors", Name: "Vendors"})
	team, _ := s.CreateGroup(ctx, tester, vendors, models.GroupInput{Path: "team", Name: "Team"})
	add := func(src models.Source, u string, lvl models.AccessLevel) *models.Member {
		m, err := s.AddMember(ctx, tester, src, w.users[u], lvl)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	add(models.GroupSource(w.acme), "owner", models.Owner)
	add(models.GroupSource(w.acme), "ci", models.Developer)
	add(models.GroupSource(w.acme), "blocked", models.Developer)
	add(models.GroupSource(w.acme), "bannedhere", models.Developer)
	add(models.GroupSource(sub), "subdev", models.Developer)
	add(models.ProjectSource(proj, sub), "projguest", models.Guest)
	add(models.GroupSource(partners), "partner", models.Maintainer)
	// vendorboss is a member of vendors, the parent of the invited team.
	add(models.GroupSource(vendors), "vendorboss", models.Reporter)
	pend := add(models.GroupSource(w.acme), "pending", models.Developer)
	db, _ := s.SQLDB()
	if _, err := db.Exec("UPDATE members SET pending = true WHERE id = $1", pend.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO namespace_bans (namespace_id, user_id) VALUES ($1, $2)", w.acme.ID, w.users["bannedhere"].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGroupLink(ctx, tester, sub, partners, models.Developer); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateProjectGroupLink(ctx, tester, proj, sub, team, models.Reporter); err != nil {
		t.Fatal(err)
	}
	w.purchase, err = s.CreatePurchase(ctx, tester, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		NamespaceID: &w.acme.ID, Quantity: seats, ExpiresOn: models.Today().AddDays(300), PurchaseXID: "A-S00012345"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w seatWorld) ids(names ...string) []int64 {
	out := make([]int64, len(names))
	for i, n := range names {
		out[i] = w.users[n].ID
	}
	return out
}

func TestGitLabComEligibility(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		w := comWorld(t, s, 100)
		ctx := context.Background()
		want := map[string]bool{
			"owner": true, "subdev": true, "projguest": true, // group, subgroup, project guest
			"partner":    true, // member of a group invited into a subgroup
			"vendorboss": true, // member of the parent of a group invited into a project
			"pending":    false, "outsider": false, "bannedhere": false, "ci": false, "blocked": false,
		}
		for name, ok := range want {
			got, err := s.IsEligible(ctx, w.purchase, w.users[name].ID)
			if err != nil {
				t.Fatal(err)
			}
			if got != ok {
				t.Errorf("%s eligible = %v, want %v", name, got, ok)
			}
		}
		page, err := s.SeatTable(ctx, w.purchase, models.SeatFilter{}, models.Page{Number: 1, PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 5 {
			t.Fatalf("seat table total %d, want 5", page.Total)
		}
		badges := map[string]string{}
		roles := map[string]models.AccessLevel{}
		for _, r := range page.Items {
			badges[r.Username], roles[r.Username] = r.Invite, r.MaxRole
		}
		if badges["owner"] != "" || badges["projguest"] != "Project invite" || badges["partner"] != "Group invite" || badges["vendorboss"] != "Group invite" {
			t.Fatalf("badges %v", badges)
		}
		// An invited member counts at most at the link's access: partner is a Maintainer of partners, invited as Developer.
		if roles["owner"] != models.Owner || roles["projguest"] != models.Guest || roles["partner"] != models.Developer || roles["vendorboss"] != models.Reporter {
			t.Fatalf("max roles %v", roles)
		}
	})
}

func TestSelfManagedEligibility(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		st := map[string]*models.User{
			"active":      mkUser(t, s, "active", models.StateActive, false),
			"blocked":     mkUser(t, s, "blocked", models.StateBlocked, false),
			"banned":      mkUser(t, s, "banned", models.StateBanned, false),
			"deactivated": mkUser(t, s, "deactivated", models.StateDeactivated, false),
			"bot":         mkUser(t, s, "bot", models.StateActive, true),
		}
		db, _ := s.SQLDB()
		db.Exec("UPDATE instance_settings SET plan = 'premium'")
		p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
			Quantity: 10, ExpiresOn: models.Today().AddDays(30)})
		if err != nil {
			t.Fatal(err)
		}
		for name, u := range st {
			ok, _ := s.IsEligible(ctx, p, u.ID)
			if ok != (name == "active") {
				t.Errorf("%s eligible = %v", name, ok)
			}
		}
		_, err = s.AssignSeat(ctx, tester, p.ID, st["blocked"].ID)
		if seatCode(err) != models.InvalidUserMembership {
			t.Fatalf("blocked user: %v", err)
		}
	})
}

func TestAssignSeatCodesAndOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 1)
		res, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["owner"].ID)
		if err != nil || len(res.Changed) != 1 || res.Assigned != 1 {
			t.Fatalf("first assignment: %+v %v", res, err)
		}
		mails := sqlCount(t, s, "SELECT count(*) FROM email_outbox")
		// Already assigned: success, no change, no mail.
		res, err = s.AssignSeat(ctx, tester, w.purchase.ID, w.users["owner"].ID)
		if err != nil || len(res.Changed) != 0 || len(res.Unchanged) != 1 {
			t.Fatalf("re-assignment: %+v %v", res, err)
		}
		if sqlCount(t, s, "SELECT count(*) FROM email_outbox") != mails {
			t.Fatal("re-assignment sent mail")
		}
		// Seats are checked before eligibility.
		if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["outsider"].ID); seatCode(err) != models.NoSeatsAvailable {
			t.Fatalf("no seats, ineligible user: %v", err)
		}
		q := 2
		if _, err := s.UpdatePurchase(ctx, tester, w.purchase.ID, models.PurchaseUpdate{Quantity: &q}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["outsider"].ID); seatCode(err) != models.InvalidUserMembership {
			t.Fatalf("ineligible user: %v", err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'seat_assigned'"); n != 1 {
			t.Fatalf("%d seat_assigned events, want 1", n)
		}
	})
}

func TestBulkAssignIsAllOrNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 3)
		if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["owner"].ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.BulkAssignSeats(ctx, tester, w.purchase.ID, append(w.ids("subdev", "projguest"), 999999))
		if seatCode(err) != models.InvalidUserIDPresent {
			t.Fatalf("unknown id: %v", err)
		}
		_, err = s.BulkAssignSeats(ctx, tester, w.purchase.ID, w.ids("subdev", "outsider"))
		if seatCode(err) != models.InvalidUserIDPresent {
			t.Fatalf("ineligible id: %v", err)
		}
		_, err = s.BulkAssignSeats(ctx, tester, w.purchase.ID, w.ids("owner", "subdev", "projguest", "partner"))
		if seatCode(err) != models.NotEnoughSeats {
			t.Fatalf("3 new users for 2 free seats: %v", err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_assignments"); n != 1 {
			t.Fatalf("a failed bulk wrote seats: %d", n)
		}
		res, err := s.BulkAssignSeats(ctx, tester, w.purchase.ID, w.ids("owner", "subdev", "projguest"))
		if err != nil || len(res.Changed) != 2 || len(res.Unchanged) != 1 || res.Assigned != 3 {
			t.Fatalf("bulk: %+v %v", res, err)
		}
		// One audit event for the action, one ledger row per seat.
		if n := sqlCount(t, s, `SELECT count(*) FROM audit_events WHERE action = 'seats_assigned' AND target_type = 'AddOnPurchase' AND details LIKE '%"count":2%'`); n != 1 {
			t.Fatalf("%d seats_assigned events with count 2, want 1", n)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'seat_assigned'"); n != 1 {
			t.Fatalf("%d per-user seat_assigned events, want only the single assignment's (1)", n)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_events WHERE event = 'gained'"); n != 3 {
			t.Fatalf("%d ledger rows, want one per seat (3)", n)
		}
		// Removal.
		_, err = s.BulkUnassignSeats(ctx, tester, w.purchase.ID, w.ids("partner", "vendorboss"))
		if seatCode(err) != models.NoAssignmentsFound {
			t.Fatalf("remove from users without seats: %v", err)
		}
		res, err = s.BulkUnassignSeats(ctx, tester, w.purchase.ID, w.ids("owner", "partner"))
		if err != nil || len(res.Changed) != 1 || res.Assigned != 2 {
			t.Fatalf("bulk remove: %+v %v", res, err)
		}
		if n := sqlCount(t, s, `SELECT count(*) FROM audit_events WHERE action = 'seats_unassigned' AND details LIKE '%"count":1%'`); n != 1 {
			t.Fatalf("%d bulk removal events with count 1, want 1", n)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM seat_events WHERE event = 'lost'"); n != 1 {
			t.Fatalf("%d lost ledger rows, want 1", n)
		}
	})
}

func TestSeatEmailsFollowTheFlagOnSelfManaged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a", models.StateActive, false)
		b := mkUser(t, s, "b", models.StateActive, false)
		db, _ := s.SQLDB()
		db.Exec("UPDATE instance_settings SET plan = 'ultimate'")
		p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise,
			Quantity: 5, ExpiresOn: models.Today().AddDays(30)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AssignSeat(ctx, tester, p.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		var subject, to string
		if err := db.QueryRow("SELECT subject, to_address FROM email_outbox").Scan(&subject, &to); err != nil {
			t.Fatal(err)
		}
		if subject != "You have been assigned a GitLab Duo Enterprise seat" || to != "a@example.com" {
			t.Fatalf("mail %q to %q", subject, to)
		}
		if err := s.SetFeatureFlag(ctx, tester, models.FlagSeatEmailsSM, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AssignSeat(ctx, tester, p.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM email_outbox"); n != 1 {
			t.Fatalf("flag off still queued mail: %d", n)
		}
	})
}

func TestConcurrentAssignmentsForTheLastSeat(t *testing.T) {
	t.Parallel()
	s := storetest.PostgresOnly(t)
	ctx := context.Background()
	db, _ := s.SQLDB()
	db.Exec("UPDATE instance_settings SET plan = 'premium'")
	var ids []int64
	for i := range 50 {
		ids = append(ids, mkUser(t, s, "racer"+racerName(i), models.StateActive, false).ID)
	}
	p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: 1, ExpiresOn: models.Today().AddDays(30)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.AssignSeat(ctx, tester, p.ID, id)
			mu.Lock()
			codes[seatCode(err)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[""] != 1 || codes[models.NoSeatsAvailable] != 49 {
		t.Fatalf("outcomes %v, want 1 success and 49 NO_SEATS_AVAILABLE", codes)
	}
	if n := sqlCount(t, s, "SELECT count(*) FROM seat_assignments"); n != 1 {
		t.Fatalf("%d seats assigned for a quantity of 1", n)
	}
}

func sqlCount(t *testing.T, s *models.Store, q string) int {
	t.Helper()
	db, _ := s.SQLDB()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func racerName(i int) string { return string(rune('a'+i/26)) + string(rune('a'+i%26)) }
