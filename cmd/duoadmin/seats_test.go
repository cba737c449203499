package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// seatsFixture is a SQLite database the command finds through
// DATABASE_URL: users ada, cy, dee, eve (active) and bob (blocked); on
// GitLab.com all of them are members of acme (Ultimate), which has the
// purchase; on self-managed the Ultimate instance has it.
type seatsFixture struct {
	t       *testing.T
	url     string
	ids     map[string]int64
	acmeID  int64
	purchID int64
}

func newSeatsFixture(t *testing.T, d models.Deployment, seats int, expires models.Date) *seatsFixture {
	t.Helper()
	f := &seatsFixture{t: t, url: "sqlite:" + filepath.Join(t.TempDir(), "cli.db"), ids: map[string]int64{}}
	t.Setenv("DATABASE_URL", f.url)
	t.Setenv("DUO_DEPLOYMENT", string(d))
	s := f.open()
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	actor := models.Actor{Username: "test"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	acme, err := s.CreateGroup(ctx, actor, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
	must(err)
	f.acmeID = acme.ID
	for _, n := range []string{"ada", "bob", "cy", "dee", "eve"} {
		u, err := s.CreateUser(ctx, actor, models.UserInput{Username: n, Name: n, Email: n + "@example.com"})
		must(err)
		f.ids[n] = u.ID
		_, err = s.AddMember(ctx, actor, models.GroupSource(acme), u, models.Developer)
		must(err)
	}
	_, err = s.SetUserState(ctx, actor, f.ids["bob"], models.StateBlocked)
	must(err)
	if seats == 0 {
		return f
	}
	in := models.PurchaseInput{AddOn: models.AddOnDuoPro, Quantity: seats, ExpiresOn: models.Today().AddDays(30)}
	if d == models.GitLabCom {
		in.NamespaceID = &acme.ID
	} else {
		must(s.SetInstancePlan(ctx, actor, models.PlanUltimate))
	}
	p, err := s.CreatePurchase(ctx, actor, d, in)
	must(err)
	f.purchID = p.ID
	if !expires.IsZero() {
		db, err := s.SQLDB()
		must(err)
		_, err = db.Exec("UPDATE add_on_purchases SET expires_on = $1 WHERE id = $2", expires, p.ID)
		must(err)
	}
	return f
}

func (f *seatsFixture) open() *models.Store {
	f.t.Helper()
	s, err := models.Open(f.url, storetest.Options())
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *seatsFixture) csv(content string) string {
	f.t.Helper()
	path := filepath.Join(f.t.TempDir(), "users.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		f.t.Fatal(err)
	}
	return path
}

func (f *seatsFixture) run(args ...string) (string, error) {
	f.t.Helper()
	var out bytes.Buffer
	err := seatsCommand(context.Background(), args, &out)
	return out.String(), err
}

func (f *seatsFixture) wantOutput(args []string, want string) {
	f.t.Helper()
	got, err := f.run(args...)
	if err != nil {
		f.t.Fatalf("seats %v: %v", args, err)
	}
	if got != want {
		f.t.Fatalf("seats %v printed\n%s\nwant\n%s", args, got, want)
	}
}

func (f *seatsFixture) holders() []string {
	f.t.Helper()
	s := f.open()
	defer s.Close()
	ids, err := s.SeatHolders(context.Background(), f.purchID)
	if err != nil {
		f.t.Fatal(err)
	}
	var names []string
	for n, id := range f.ids {
		if slices.Contains(ids, id) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

func TestSeatsBulkAssignSelfManaged(t *testing.T) {
	f := newSeatsFixture(t, models.SelfManaged, 3, models.Date{})
	// Extra columns, the username column anywhere, names as written.
	file := f.csv("email,username\nx@example.com,ada\n,ghost\n,bob\n, CY \n,ada\n")
	f.wantOutput([]string{"bulk-assign", file}, "Successful Assignments:\n"+
		"User assigned: ada\n"+
		"User assigned: CY\n"+
		"User assigned: ada\n"+
		"\nFailed Assignments:\n"+
		"User is not found: ghost\n"+
		"Failed to assign seat to user: bob, Errors: [INVALID_USER_MEMBERSHIP]\n")
	if got := f.holders(); !slices.Equal(got, []string{"ada", "cy"}) {
		t.Fatalf("holders %v", got)
	}
	s := f.open()
	defer s.Close()
	// The file is one action: one audit event with the count (ada and cy),
	// none per user.
	evs, err := s.RecentAuditEvents(context.Background(), 10)
	if err != nil || len(evs) == 0 || evs[0].Action != "seats_assigned" || evs[0].ActorName != "duoadmin CLI" ||
		!strings.Contains(evs[0].Details, `"count":2`) || !strings.Contains(evs[0].Details, `"reason":"cli"`) {
		t.Fatalf("audit events %+v, %v", evs, err)
	}
	if evs, _ := s.AuditEventsFor(context.Background(), "User", f.ids["ada"], 10); len(evs) != 0 && evs[0].Action == "seat_assigned" {
		t.Fatalf("a per-user event for a bulk file: %+v", evs[0])
	}
}

func TestSeatsBulkAssignStopsWhenSeatsRunOut(t *testing.T) {
	f := newSeatsFixture(t, models.SelfManaged, 2, models.Date{})
	// Seats are checked before eligibility, so the blocked bob is where
	// the run stops; nobody after him is looked at.
	f.wantOutput([]string{"bulk-assign", f.csv("username\nada\nghost\ncy\nbob\ndee\nnobody\n")}, "Successful Assignments:\n"+
		"User assigned: ada\n"+
		"User assigned: cy\n"+
		"\nFailed Assignments:\n"+
		"User is not found: ghost\n"+
		"##No seats are left; users starting from @bob onwards were not assigned.##\n")
	if got := f.holders(); !slices.Equal(got, []string{"ada", "cy"}) {
		t.Fatalf("holders %v", got)
	}
}

func TestSeatsBulkAssignGitLabCom(t *testing.T) {
	f := newSeatsFixture(t, models.GitLabCom, 10, models.Date{})
	file := f.csv("username\nada\neve\n")
	if _, err := f.run("bulk-assign", file); err == nil || err.Error() != "Namespace ID is not provided" {
		t.Fatalf("without --namespace: %v", err)
	}
	if _, err := f.run("bulk-assign", file, "--namespace", "nope"); err == nil || err.Error() != "Namespace not found" {
		t.Fatalf("unknown namespace: %v", err)
	}
	f.wantOutput([]string{"bulk-assign", file, "--namespace", "acme"},
		"Successful Assignments:\nUser assigned: ada\nUser assigned: eve\n\nFailed Assignments:\n")
	f.wantOutput([]string{"bulk-assign", "--namespace", strconv.FormatInt(f.acmeID, 10), f.csv("username\ndee\n")},
		"Successful Assignments:\nUser assigned: dee\n\nFailed Assignments:\n")
	if got := f.holders(); !slices.Equal(got, []string{"ada", "dee", "eve"}) {
		t.Fatalf("holders %v", got)
	}
}

func TestSeatsBulkRemove(t *testing.T) {
	f := newSeatsFixture(t, models.SelfManaged, 5, models.Date{})
	f.wantOutput([]string{"bulk-assign", f.csv("username\nada\ncy\ndee\n")},
		"Successful Assignments:\nUser assigned: ada\nUser assigned: cy\nUser assigned: dee\n\nFailed Assignments:\n")
	// A user without a seat is a success, as an assigned one is for
	// bulk-assign.
	f.wantOutput([]string{"bulk-remove", f.csv("username\nada\nghost\neve\ncy\n")}, "Successful Unassignments:\n"+
		"User unassigned: ada\n"+
		"User unassigned: eve\n"+
		"User unassigned: cy\n"+
		"\nFailed Unassignments:\n"+
		"User is not found: ghost\n")
	if got := f.holders(); !slices.Equal(got, []string{"dee"}) {
		t.Fatalf("holders %v", got)
	}
	s := f.open()
	defer s.Close()
	evs, err := s.RecentAuditEvents(context.Background(), 10)
	if err != nil || len(evs) == 0 || evs[0].Action != "seats_unassigned" || evs[0].ActorName != "duoadmin CLI" ||
		!strings.Contains(evs[0].Details, `"reason":"cli"`) {
		t.Fatalf("audit events %+v, %v", evs, err)
	}
	// The seat ledger says the CLI did it, both ways.
	ledger, err := s.UserSeatEvents(context.Background(), f.ids["ada"], 10)
	if err != nil || len(ledger) != 2 || ledger[0].Event != models.SeatLost || ledger[1].Event != models.SeatGained ||
		ledger[0].Reason != models.SeatReasonCLI || ledger[1].Reason != models.SeatReasonCLI || ledger[0].ActorName != "duoadmin CLI" {
		t.Fatalf("ledger %+v, %v", ledger, err)
	}
}

func TestSeatsBulkRemoveWorksOnExpiredPurchase(t *testing.T) {
	f := newSeatsFixture(t, models.SelfManaged, 5, models.Date{})
	f.wantOutput([]string{"bulk-assign", f.csv("username\nada\n")}, "Successful Assignments:\nUser assigned: ada\n\nFailed Assignments:\n")
	s := f.open()
	db, _ := s.SQLDB()
	if _, err := db.Exec("UPDATE add_on_purchases SET expires_on = $1 WHERE id = $2", models.Today(), f.purchID); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := f.run("bulk-assign", f.csv("username\ncy\n")); err == nil || err.Error() != "Unable to find Duo add-on purchase" {
		t.Fatalf("assign on an expired purchase: %v", err)
	}
	f.wantOutput([]string{"bulk-remove", f.csv("username\nada\n")}, "Successful Unassignments:\nUser unassigned: ada\n\nFailed Unassignments:\n")
}

func TestSeatsErrors(t *testing.T) {
	f := newSeatsFixture(t, models.SelfManaged, 0, models.Date{})
	good := f.csv("username\nada\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bulk-assign", filepath.Join(t.TempDir(), "missing.csv")}, "File path is invalid"},
		{[]string{"bulk-assign", f.csv("name\nada\n")}, "File path is invalid"},
		{[]string{"bulk-assign", f.csv("")}, "File path is invalid"},
		{[]string{"bulk-assign", t.TempDir()}, "File path is invalid"},
		{[]string{"bulk-assign"}, "File path is invalid"},
		{[]string{"bulk-remove", filepath.Join(t.TempDir(), "missing.csv")}, "File path is invalid"},
		{[]string{"bulk-assign", good}, "Unable to find Duo add-on purchase"},
		{[]string{"bulk-remove", good}, "Unable to find Duo add-on purchase"},
		{[]string{"bulk-assign", good, "--namespace", "acme"}, "Unable to find Duo add-on purchase"},
		{[]string{"bulk-assign", good, "--namespace", "nope"}, "Namespace not found"},
		{[]string{}, seatsUsage},
		{[]string{"assign", good}, seatsUsage},
		{[]string{"bulk-assign", good, good}, seatsUsage},
		{[]string{"bulk-assign", good, "--bogus"}, seatsUsage},
	} {
		out, err := f.run(tc.args...)
		if err == nil || err.Error() != tc.want || out != "" {
			t.Errorf("seats %v: %v (stdout %q), want %q", tc.args, err, out, tc.want)
		}
	}
	g := newSeatsFixture(t, models.SelfManaged, 3, models.Today().AddDays(-1))
	if _, err := g.run("bulk-assign", g.csv("username\nada\n")); err == nil || err.Error() != "Unable to find Duo add-on purchase" {
		t.Fatalf("expired purchase: %v", err)
	}
}
