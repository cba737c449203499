package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/orgfile"
	"duoadmin/models/seed"
	"duoadmin/models/storetest"
)

func loginNames(ls []demoLogin) []string {
	var out []string
	for _, l := range ls {
		if l.Password != seed.DemoPassword {
			panic("demo login without the demo password")
		}
		out = append(out, l.Username)
	}
	return out
}

func TestLoadDemoIfEmpty(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	logins, err := loadDemoIfEmpty(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if got := loginNames(logins); !slices.Equal(got, []string{"admin", "owner", "support", "dev"}) {
		t.Fatalf("logins = %v", got)
	}
	before, _ := s.CountUsers(ctx)

	// Every start-up prints the logins, without loading the demo again.
	logins, err = loadDemoIfEmpty(ctx, s)
	if err != nil || len(logins) != 4 {
		t.Fatalf("second start: %v, %v", logins, err)
	}
	if after, _ := s.CountUsers(ctx); after != before {
		t.Fatalf("users %+v → %+v", before, after)
	}

	// A changed password or a blocked account is no longer advertised.
	actor := models.Actor{Username: "test"}
	dev, _ := s.UserByUsername(ctx, "dev")
	if _, err := s.UpdateUser(ctx, actor, dev.ID, models.UserInput{Username: "dev", Name: dev.Name, Email: dev.Email,
		Password: "a-new-secret"}); err != nil {
		t.Fatal(err)
	}
	owner, _ := s.UserByUsername(ctx, "owner")
	if _, err := s.SetUserState(ctx, actor, owner.ID, models.StateBlocked); err != nil {
		t.Fatal(err)
	}
	logins, err = loadDemoIfEmpty(ctx, s)
	if got := loginNames(logins); err != nil || !slices.Equal(got, []string{"admin", "support"}) {
		t.Fatalf("logins = %v, %v", got, err)
	}
}

func TestLoadDemoLeavesOtherDatabasesAlone(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	if _, err := s.CreateUser(ctx, models.Actor{Username: "test"}, models.UserInput{Username: "alice", Name: "Alice", Email: "alice@example.com"}); err != nil {
		t.Fatal(err)
	}
	logins, err := loadDemoIfEmpty(ctx, s)
	if err != nil || logins != nil {
		t.Fatalf("logins = %v, %v", logins, err)
	}
	if c, _ := s.CountUsers(ctx); c.Total != 1 {
		t.Fatalf("%d users: the demo was loaded into a used database", c.Total)
	}
}

func TestSeedExportImportCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "sqlite:"+filepath.Join(dir, "db", "duoadmin.db"))
	if err := runSeedDemo(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := runSeedDemo(ctx, nil); err == nil || !strings.Contains(err.Error(), "already has users") {
		t.Fatalf("second seed-demo: %v", err)
	}
	file := filepath.Join(dir, "org.json")
	if err := runExport(ctx, []string{file}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil || !bytes.Contains(data, []byte(`"username": "admin"`)) || bytes.Contains(data, []byte("password")) {
		t.Fatalf("export: %v\n%.300s", err, data)
	}
	if err := runImport(ctx, []string{file}); err != nil {
		t.Fatal(err)
	}

	// A fresh database takes the export too: import migrates first.
	t.Setenv("DATABASE_URL", "sqlite:"+filepath.Join(dir, "other.db"))
	if err := runImport(ctx, []string{file}); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(dir, "again.json")
	if err := runExport(ctx, []string{again}); err != nil {
		t.Fatal(err)
	}
	if data2, _ := os.ReadFile(again); !bytes.Equal(data, data2) {
		t.Fatal("the copy exports differently")
	}

	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(`{"users": [{"username": "x", "name": "X", "email": "nope"}], "groups": [{"path": "a/b", "name": "B"}]}`), 0o644)
	err = runImport(ctx, []string{bad})
	if err == nil || err.Error() != bad+": 2 problems; nothing was imported" {
		t.Fatalf("err = %v", err)
	}
	if err := runImport(ctx, nil); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("no file: %v", err)
	}
}

func TestImportFailedPrintsEveryProblem(t *testing.T) {
	_, err := orgfile.ParseDocument("bad.json", strings.NewReader(`{"users": [{"username": 1, "admin": 2}]}`))
	var out bytes.Buffer
	got := importFailed(&out, "bad.json", err)
	want := "bad.json: users[0].admin: must be true or false\nbad.json: users[0].username: must be a string\n"
	if out.String() != want || got.Error() != "bad.json: 2 problems; nothing was imported" {
		t.Fatalf("printed %q, returned %v", out.String(), got)
	}
}

// The rules of issue 15 hold for `duoadmin import`: a lower quantity is
// reconciled and the printed summary says so; a value under a lock and a
// purchase the plan does not allow are refused with the file and the JSON
// path, nothing imported; a new project takes its group's setting.
func TestImportCommandAppliesTheRules(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "duoadmin.db")
	t.Setenv("DATABASE_URL", "sqlite:"+dbPath)
	run := func(name, js string) (string, string, error) {
		t.Helper()
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		err := importCommand(ctx, []string{file}, &stdout, &stderr)
		return stdout.String(), strings.ReplaceAll(stderr.String(), dir+string(os.PathSeparator), ""), err
	}
	if _, errOut, err := run("org.json", `{
	  "users": [{"username": "ada", "name": "Ada", "email": "ada@example.com"},
	            {"username": "bob", "name": "Bob", "email": "bob@example.com"},
	            {"username": "cy", "name": "Cy", "email": "cy@example.com"}],
	  "groups": [{"path": "acme", "name": "Acme", "plan": "ultimate"},
	             {"path": "acme/quiet", "name": "Quiet", "duo_availability": "default_off"},
	             {"path": "beta", "name": "Beta", "plan": "premium"}],
	  "members": [{"user": "ada", "source": "acme", "access_level": "owner"},
	              {"user": "bob", "source": "acme", "access_level": "developer"},
	              {"user": "cy", "source": "acme", "access_level": "developer"}],
	  "add_on_purchases": [{"namespace": "acme", "add_on": "duo_enterprise", "quantity": 3, "started_at": "2026-01-01", "expires_on": "2099-01-01"}],
	  "assignments": [{"user": "ada", "add_on": "duo_enterprise", "namespace": "acme", "assigned_at": "2026-02-01T00:00:00Z"},
	                  {"user": "bob", "add_on": "duo_enterprise", "namespace": "acme", "assigned_at": "2026-03-01T00:00:00Z"},
	                  {"user": "cy", "add_on": "duo_enterprise", "namespace": "acme", "assigned_at": "2026-01-15T00:00:00Z"}]}`); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}

	out, errOut, err := run("sync.json", `{"add_on_purchases": [{"namespace": "acme", "add_on": "duo_enterprise", "quantity": 1, "expires_on": "2099-01-01"}],
	  "projects": [{"path": "acme/quiet/new", "name": "New"}]}`)
	if err != nil {
		t.Fatalf("sync: %v\n%s", err, errOut)
	}
	if want := "2 seats removed from acme's GitLab Duo Enterprise: 2 because the purchase now has fewer seats than were assigned"; !strings.Contains(out, want) {
		t.Fatalf("summary %q lacks %q", out, want)
	}

	_, errOut, err = run("bad.json", `{"groups": [{"path": "acme/quiet", "name": "Quiet", "duo_availability": "never_on"},
	                                             {"path": "acme/quiet/sub", "name": "Sub", "duo_availability": "default_on"}],
	  "add_on_purchases": [{"namespace": "beta", "add_on": "duo_enterprise", "quantity": 1, "expires_on": "2099-01-01"}]}`)
	if err == nil || err.Error() != filepath.Join(dir, "bad.json")+": 1 problem; nothing was imported" ||
		errOut != "bad.json: add_on_purchases[0].add_on: GitLab Duo Enterprise needs an Ultimate plan; beta has Premium\n" {
		t.Fatalf("plan: %v\n%s", err, errOut)
	}
	_, errOut, err = run("bad.json", `{"groups": [{"path": "acme/quiet", "name": "Quiet", "duo_availability": "never_on"},
	                                             {"path": "acme/quiet/sub", "name": "Sub", "duo_availability": "default_on"}]}`)
	if err == nil || errOut != "bad.json: groups[1].duo_availability: cannot be changed because it is locked by an ancestor (acme/quiet is Always off)\n" {
		t.Fatalf("lock: %v\n%s", err, errOut)
	}

	s, err := models.Open("sqlite:"+dbPath, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p, err := s.ProjectByFullPath(ctx, "acme/quiet/new"); err != nil || p.DuoFeaturesEnabled {
		t.Fatalf("acme/quiet/new: %+v %v", p, err)
	}
	if g, _ := s.GroupByFullPath(ctx, "acme/quiet"); g.LockDuoFeaturesEnabled {
		t.Fatal("a refused import locked acme/quiet")
	}
	acme, _ := s.GroupByFullPath(ctx, "acme")
	p, _ := s.SeatPurchase(ctx, &acme.ID)
	holders, _ := s.SeatHolders(ctx, p.ID)
	// Nobody used Code Suggestions: the most recently assigned (bob, then
	// ada) went first; cy, assigned earliest, keeps the seat.
	cy, _ := s.UserByUsername(ctx, "cy")
	if len(holders) != 1 || holders[0] != cy.ID {
		t.Fatalf("seat holders %v, want cy's %d", holders, cy.ID)
	}
}
